"""演示模式: the default deck follows a meeting's running order, a link names a slide, the buttons
move between slides, and a slide carries no SQL, download button or sidebar filter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from govdash.core.outputs.deck import Slide, default_deck, pilot_districts, slide_number

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture()
def divisions() -> pd.DataFrame:
    rows = [
        ("420100", "city", None, False),
        ("420102", "district", "420100", False),
        ("420103", "district", "420100", False),
        ("420104", "district", "420100", False),
        ("420103001", "street", "420103", False),
        ("420103001001", "community", "420103001", True),
        ("420104001", "street", "420104", False),
        ("420104001001", "community", "420104001", True),
        ("420104001002", "community", "420104001", False),
    ]
    frame = pd.DataFrame(rows, columns=["code", "level", "parent_code", "is_pilot"])
    return frame.assign(name_zh=frame["code"], name_en=frame["code"], pilot_start=None)


def test_the_default_deck_is_a_meetings_running_order(divisions):
    deck = default_deck(divisions, facts=17, facts_per_slide=8)
    assert [s.kind for s in deck] == [
        "title", "overview", "district", "district", "pilots", "evaluation", "facts", "facts",
        "facts", "targets",
    ]  # fmt: skip
    assert [s.scope for s in deck if s.kind == "district"] == ["420103", "420104"]
    assert [s.part for s in deck if s.kind == "facts"] == [0, 1, 2]
    assert pilot_districts(divisions) == ["420103", "420104"], "420102 has no pilot community"
    short = default_deck(divisions, has_targets=False)
    assert "facts" not in [s.kind for s in short] and short[-1].kind == "evaluation"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3", 3), (" 2 ", 2), ("0", 1), ("-4", 1), ("99", 9), ("abc", 1), (None, 1), ("1e9", 1)],
)
def test_a_slide_number_from_a_link_stays_inside_the_deck(raw, expected):
    assert slide_number(raw, 9) == expected


def test_a_slide_kind_is_checked():
    with pytest.raises(ValueError, match="unknown slide kind"):
        Slide("video", "420100")


def _present(snapshot, monkeypatch, **query) -> AppTest:
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _slide_html(at: AppTest) -> str:
    return " ".join(h.proto.body for h in at.get("html"))


def test_a_link_opens_its_slide_and_the_buttons_move_on(snapshot, monkeypatch):
    at = _present(snapshot, monkeypatch, slide="2")
    body = _slide_html(at)
    assert "<h1>武汉市</h1>" in body and "试点启动以来" in body, "the overview with its headline"
    assert "第2页" in body and "演示数据" in body
    buttons = sorted(b.proto.id.rsplit("-", 2)[-1] for b in at.get("download_button"))
    assert buttons == ["html", "pptx", "xlsx"], "the deck's own files, no chart CSV"
    assert not at.expander, "no SQL on a slide"
    assert not at.sidebar.multiselect and not at.sidebar.select_slider, "no filters"
    next(b for b in at.button if b.key == "slide-next").click().run()
    assert at.query_params["slide"] == ["3"] or at.query_params["slide"] == "3"
    assert "<h1>江岸区</h1>" in _slide_html(at), "the first pilot district"
    next(b for b in at.button if b.key == "slide-prev").click().run()
    assert "<h1>武汉市</h1>" in _slide_html(at)


def test_the_last_slide_is_the_targets_and_a_bad_number_is_kept_inside(snapshot, monkeypatch):
    at = _present(snapshot, monkeypatch, slide="999")
    body = _slide_html(at)
    assert "目标与进展" in body
    assert next(b for b in at.button if b.key == "slide-next").disabled
    at = _present(snapshot, monkeypatch, slide="<script>")
    assert "第1页" in _slide_html(at) and "<script>" not in _slide_html(at).split("</style>")[-1]


def test_reported_figures_keep_the_articles_words_on_their_slides(snapshot, monkeypatch):
    from govdash.core.engine.query import connect, run_query
    from govdash.core.outputs.deck import default_deck as deck_of

    divisions = run_query(connect(snapshot.path.parent), "divisions", snapshot)
    deck = deck_of(divisions, facts=20, facts_per_slide=8)
    first = next(i for i, s in enumerate(deck, start=1) if s.kind == "facts")
    at = _present(snapshot, monkeypatch, slide=str(first))
    body = _slide_html(at)
    assert "报道数字核对：20项中20项与数据一致" in body
    assert "引导52所社区学校开展志愿服务骨干和项目孵化" in body


def test_slides_in_english(snapshot, monkeypatch):
    at = _present(snapshot, monkeypatch, slide="1", lang="English")
    body = _slide_html(at)
    assert "Slide 1 of" in body and "pilot review" in body


@pytest.mark.parametrize(
    ("now", "before", "zh"),
    [
        (44, 44, "专业社工保持在44名"),  # no "（0名）" after a figure that did not move
        (973, 929, "专业社工增至973名（+44名，+4.7%）"),
        (900, 929, "专业社工降至900名（-29名，-3.1%）"),
    ],
)
def test_a_headline_clause_says_a_stock_moved_or_held(now, before, zh):
    import datetime as dt

    from govdash.core.data.catalog import load_catalog
    from govdash.core.measures.figures import Kpi
    from govdash.core.measures.story import stock_clause
    from govdash.core.question.scope import Window

    as_of = dt.date(2025, 7, 18)
    window = Window.of(dt.date(2024, 3, 1), dt.date(2025, 7, 1), as_of)
    metric = load_catalog()["social_workers"]
    kpi = Kpi(metric, float(now), float(before), None, window, None, pilot_month=window.start)
    assert stock_clause(kpi, "zh") == zh


@pytest.fixture(scope="module")
def pptx_deck(snapshot):
    """The default deck written as PPTX from the test snapshot, with the content behind it."""
    import io

    from pptx import Presentation

    from govdash.core.engine.query import connect, run_query
    from govdash.core.outputs.briefing import deck_content
    from govdash.core.outputs.pptx_deck import write_deck

    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    slides = deck_content(con, snapshot, divisions, "zh")
    data = write_deck(slides, f"数据快照 {snapshot.id} · 演示数据", "zh")
    return con, divisions, slides, Presentation(io.BytesIO(data))


def test_the_pptx_has_every_slide_and_an_appendix_with_the_snapshot_in_each_footer(
    snapshot, pptx_deck
):
    _, divisions, slides, deck = pptx_deck
    assert len(deck.slides) == len(slides) + 1, "the deck and the definitions (口径)"
    for slide in deck.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert any(snapshot.id in x and "演示数据" in x for x in texts)


def test_pptx_charts_are_native_and_hold_the_query_results(snapshot, pptx_deck):
    """The city slide's line chart is a real chart (data editable in PowerPoint and WPS) whose
    values are the monthly series the overview's trend shows."""
    from govdash.core.data.catalog import load_catalog
    from govdash.core.measures import figures
    from govdash.core.question.scope import Selection

    con, divisions, slides, deck = pptx_deck
    city = deck.slides[1]
    charts = [s.chart for s in city.shapes if s.has_chart]
    assert len(charts) == 1
    plotted = list(charts[0].plots[0].series[0].values)
    metric = load_catalog().settings.trend_metric
    content = slides[1].line
    assert plotted == [v for v in next(iter(content.values.values()))]
    first = dt.date.fromisoformat("2022-08-01")
    series = figures.series(
        con, snapshot, divisions, Selection.of((), divisions), first, dt.date(2025, 6, 30), [metric]
    )
    assert plotted == pytest.approx(series.sort_values("month")["value"].tolist())
    targets = [s.chart for s in deck.slides[len(slides) - 1].shapes if s.has_chart]
    assert targets and all(c.chart_type is not None for c in targets)


def test_every_chinese_run_in_the_pptx_has_an_east_asian_font(pptx_deck):
    """python-pptx's font.name sets only the Latin face; without <a:ea> Chinese shows as boxes
    in WPS, LibreOffice and on macOS."""
    from pptx.oxml.ns import qn

    *_, deck = pptx_deck
    checked = 0
    for slide in deck.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [c.text_frame for row in shape.table.rows for c in row.cells]
            for frame in frames:
                for paragraph in frame.paragraphs:
                    for run in paragraph.runs:
                        if any("\u4e00" <= ch <= "\u9fff" for ch in run.text):
                            ea = run.font._rPr.find(qn("a:ea"))
                            assert ea is not None and ea.get("typeface"), run.text
                            checked += 1
            if shape.has_chart:
                tx = shape.chart._chartSpace.find(qn("c:txPr"))
                assert tx is not None and tx.find(".//" + qn("a:ea")) is not None
    assert checked > 50


def test_one_click_gives_the_deck_as_pptx(snapshot, monkeypatch, downloads):
    import io

    from pptx import Presentation

    at = _present(snapshot, monkeypatch, slide="1")
    (name, content), *_ = [d for d in downloads if d[0].endswith(".pptx")]
    assert name.endswith(f"_{snapshot.as_of.isoformat()}.pptx") and "交流" in name
    deck = Presentation(io.BytesIO(content))
    count = int(_slide_html(at).split("共")[1].split("页")[0])
    assert len(deck.slides) == count + 1, "every slide and the definitions"
    footer = [s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame][-1]
    assert snapshot.id in footer and "演示数据" in footer


def test_reported_figures_in_english_name_the_metric_not_the_chinese_scope(snapshot, monkeypatch):
    from govdash.core.engine.query import connect, run_query
    from govdash.core.outputs.deck import default_deck as deck_of

    divisions = run_query(connect(snapshot.path.parent), "divisions", snapshot)
    deck = deck_of(divisions, facts=20, facts_per_slide=8)
    first = next(i for i, s in enumerate(deck, start=1) if s.kind == "facts")
    at = _present(snapshot, monkeypatch, slide=str(first), lang="English")
    table = _slide_html(at).split("<tbody>")[1].split("</tbody>")[0]
    assert "Wuchang" in table and "武昌" not in table
    assert "Professional social workers: 40+ people" in table, table[:400]


def test_the_english_decks_files_have_names_every_system_accepts(snapshot, monkeypatch, downloads):
    """The English meeting's name reads "Wuhan: …": a colon, which Windows refuses in a file name
    (and macOS's Finder shows as a slash)."""
    import re

    _present(snapshot, monkeypatch, slide="1", lang="English")
    names = [name for name, _ in downloads]  # the deck's, and the CSVs of the page run first
    assert not [n for n in names if re.search(r'[\\/:*?"<>|\x00-\x1f]', n)], names
    # The deck's three files share the PPTX's stem (the page's charts offer XLSX files too).
    (pptx,) = [n for n in names if n.endswith(".pptx")]
    deck = [n for n in names if n.rsplit(".", 1)[0] == pptx.rsplit(".", 1)[0]]
    assert sorted(n.rsplit(".", 1)[1] for n in deck) == ["html", "pptx", "xlsx"], names
    for name in deck:
        stem = name.rsplit(".", 1)[0]
        assert stem.startswith("Wuhan_") and stem.endswith(f"_{snapshot.as_of.isoformat()}")
