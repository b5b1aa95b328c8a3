"""Playlists of saved views: files read like any other input, saved atomically, played as slides,
exported in every format with small counts of vulnerable people hidden."""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl
import pytest
from app_runner import run_page
from streamlit.testing.v1 import AppTest

from govdash.app.panels.playlists import NEW
from govdash.core.data.catalog import load_catalog
from govdash.core.data.divisions import city_code, name
from govdash.core.data.snapshot import candidate_folders
from govdash.core.engine.query import connect, run_query
from govdash.core.measures import figures
from govdash.core.outputs import briefing, briefing_workbook, playlist, pptx_deck
from govdash.core.question.scope import Selection
from govdash.core.rules.privacy import min_cell
from govdash.core.text.problems import GovdashError
from govdash.viz.briefing_report import report_html

# The demo community that served 1 to 4 children in difficulty in its early months.
SMALL = {"district": "420103", "street": "420103001", "community": "420103001001"}


def _file(views, **extra) -> bytes:
    body = {"format": "govdash-playlist", "version": 1, "name": "交流会", "views": views, **extra}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


GOOD = [
    {"name": "武昌区总览", "page": "overview", "params": {"district": "420106"}},
    {"name": "打铜社区成效", "page": "outcomes", "params": SMALL},
    {"name": "各区对比", "page": "districts", "params": {"metric": "volunteers_per_10k"}},
    {"name": "Activities", "page": "activities",
     "params": {"district": "420106", "category": "elderly_care", "lang": "en"}},
]  # fmt: skip


def test_a_playlist_file_is_read_and_written_back_unchanged(tmp_path):
    read = playlist.parse_playlist(_file(GOOD), "a.json")
    assert [v.page for v in read.views] == ["overview", "outcomes", "districts", "activities"]
    assert read.views[1].params == SMALL
    path = playlist.save_playlist(tmp_path, read)
    assert path.name == f"{read.id}.json" and re.fullmatch(r"pl-[0-9a-f]{10}", read.id)
    (again,), problems = playlist.load_playlists(tmp_path)
    assert problems == [] and again == read
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file left"


@pytest.mark.parametrize(
    ("data", "where", "words"),
    [
        (b"{not json", "x.json", "not a JSON playlist file (line 1)"),
        (b"\xff\xfe", "x.json", "not a JSON playlist file"),
        (json.dumps({"views": []}).encode(), "x.json", "not a govdash playlist"),
        (_file([{"name": "a", "page": "import", "params": {}}]), "x.json › views[1] › page",
         "unknown page 'import'"),
        (_file([{"name": "a", "page": "overview", "params": {"district; drop": "1"}}]),
         "x.json › views[1] › params › district; drop", "unknown parameter"),
        (_file([{"name": "a", "page": "overview", "params": {"lang": "fr"}}]),
         "x.json › views[1] › params › lang", "lang is zh or en"),
        (_file([{"name": "a", "page": "overview", "params": {"district": 420106}}]),
         "x.json › views[1] › params › district", "the value must be text"),
        (_file([{"name": "", "page": "overview"}]), "x.json › views[1] › name", "non-empty"),
        (_file([{"name": "a", "page": "overview"}] * 61), "x.json › views", "more than 60"),
        (_file([]), "x.json › views", "needs a list of views"),
        (_file(GOOD, version=2), "x.json", "version 2 is not supported"),
        (b" " * (65 * 1024), "x.json", "larger than 64 KB"),
    ],
)  # fmt: skip
def test_a_bad_playlist_file_is_refused_with_its_place(data, where, words):
    with pytest.raises(GovdashError) as caught:
        playlist.parse_playlist(data, "x.json")
    problems = caught.value.problems
    assert any(p.where == where and words in p.en for p in problems), [
        (p.where, p.en) for p in problems
    ]
    assert all(p.zh and "None" not in p.zh and "nan" not in p.zh for p in problems)


def test_a_view_the_snapshot_does_not_know_is_named(snapshot):
    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    options = playlist.snapshot_options(con, snapshot, divisions)
    read = playlist.parse_playlist(
        _file([*GOOD, {"name": "旧区", "page": "overview", "params": {"district": "429999"}}]),
        "a.json",
    )
    (problem,) = playlist.check_against(read, options, "a.json")
    assert problem.where == "a.json › views[5] (旧区) › params › district"
    assert "'429999' 不在当前数据快照中" in problem.zh


def test_a_broken_file_is_reported_and_the_others_still_load(tmp_path):
    good = playlist.parse_playlist(_file(GOOD), "a.json")
    playlist.save_playlist(tmp_path, good)
    (tmp_path / "pl-broken.json").write_text("{", encoding="utf-8")
    (tmp_path / "../../etc.json").resolve()  # a name outside the pattern is never read
    (tmp_path / "Not An Id.json").write_text("{", encoding="utf-8")
    loaded, problems = playlist.load_playlists(tmp_path)
    assert [p.id for p in loaded] == [good.id]
    assert [p.where for p in problems] == ["pl-broken.json"]


def test_a_playlist_id_never_comes_from_the_users_text(tmp_path):
    bad = playlist.Playlist("../../x", "n", playlist.parse_playlist(_file(GOOD), "a").views)
    with pytest.raises(GovdashError):
        playlist.save_playlist(tmp_path, bad)
    assert playlist.new_id("../../etc/passwd").startswith("pl-")
    assert "/" not in playlist.new_id("a/b")


def test_the_playlists_folder_is_not_taken_for_a_snapshot(snapshot_copy):
    root, snap = snapshot_copy
    (root / "playlists").mkdir()
    assert [p.name for p in candidate_folders(root)] == [snap.id]


@pytest.fixture(scope="module")
def played(snapshot):
    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    options = playlist.snapshot_options(con, snapshot, divisions)
    read = playlist.parse_playlist(_file(GOOD), "a.json")
    slides = briefing.playlist_content(con, snapshot, divisions, read, options, "zh")
    source = briefing.Source(snapshot.id, snapshot.as_of,
                             name(divisions, city_code(divisions), "zh"), True)  # fmt: skip
    return con, divisions, options, slides, source


def test_each_saved_view_becomes_a_slide_of_its_scope_and_period(played, snapshot):
    con, divisions, options, slides, _ = played
    assert [s.kind for s in slides] == ["title", "view", "view", "view", "view"]
    assert slides[0].title == "交流会"
    overview, outcomes, districts, activities = slides[1:]
    assert overview.lead.startswith("武昌区 · 2024年3月—2025年7月")
    view = playlist.view_of(playlist.parse_playlist(_file(GOOD), "a").views[0], options)
    kpis = figures.kpis(con, snapshot, divisions, Selection.of(("420106",), divisions),
                        briefing.Window.of(view.start, view.end, snapshot.as_of),
                        list(load_catalog().settings.headline_metrics)[:4])  # fmt: skip
    assert [t.number for t in overview.tiles] == pytest.approx([k.value for k in kpis])
    assert "活动类别：为老服务" in activities.lead
    assert districts.bars and len(districts.bars[0].categories) == 13
    assert districts.bars[0].values[next(iter(districts.bars[0].values))] == sorted(
        districts.bars[0].values[next(iter(districts.bars[0].values))]
    ), "ascending: the best is drawn on top"


def _plotly_values(html: str, key: str) -> list:
    """A trace's values as written in a Plotly div: a JSON list, or a typed array in base64
    (plotly.py 6 writes numeric arrays that way)."""
    import base64

    import numpy as np

    typed = re.search(rf'"{key}":\{{"dtype":"(\w+)","bdata":"([^"]+)"\}}', html)
    if typed:
        text = json.loads(f'"{typed.group(2)}"')  # the JSON string may escape "/" and "+"
        return np.frombuffer(base64.b64decode(text), dtype=typed.group(1)).tolist()
    return json.loads(re.search(rf'"{key}":(\[[^\]]*\])', html).group(1))


def _small(value) -> bool:
    try:
        number = float(str(value).replace(",", ""))
    except ValueError:
        return False
    return 0 < number < min_cell()


def test_a_small_count_of_children_is_hidden_in_every_slide_and_file(played, snapshot):
    """The community served 1 to 4 children in difficulty in some months: the slide, the PPTX's
    chart data, the workbook and the HTML report show none of those values; the data keeps them."""
    con, divisions, _, slides, source = played
    outcomes = slides[2]
    metric = load_catalog().settings.beneficiary_metrics[0]
    assert load_catalog()[metric].sensitive
    shown = outcomes.line.values[next(iter(outcomes.line.values))]
    assert not [v for v in shown if _small(v)]
    assert outcomes.line.suppressed and any("小于5的数值不予显示" in n for n in outcomes.notes)
    # The data underneath is unchanged: the same months hold small values there.
    raw = figures.series(con, snapshot, divisions, Selection.of((SMALL["community"],), divisions),
                         outcomes.line.keys[0], outcomes.line.keys[-1], [metric])  # fmt: skip
    hidden = [m for m, v in zip(raw["month"], raw["value"], strict=True) if _small(v)]
    assert hidden, "the demo community has small counts to hide"
    # PPTX: the chart's own workbook (what PowerPoint shows when the data is edited).
    deck = pptx_deck.write_deck(slides, source.footer("zh"), "zh")
    with zipfile.ZipFile(io.BytesIO(deck)) as pptx:
        books = {n: pptx.read(n) for n in pptx.namelist() if n.endswith(".xlsx")}
        charts_xml = [pptx.read(n).decode() for n in pptx.namelist() if "charts/chart" in n]
    label = load_catalog()[metric].name("zh")
    sensitive = [x for x in charts_xml if label in x]
    assert sensitive, "the children's chart is in the deck"
    for xml in sensitive:
        assert not [v for v in re.findall(r"<c:v>([^<]*)</c:v>", xml) if _small(v)]
    for data in books.values():
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = list(sheet.iter_rows(values_only=True))
        if rows and label in [str(c) for c in rows[0]]:
            assert not [v for row in rows[1:] for v in row[1:] if _small(v)]
    # XLSX: the sheet of that slide.
    book = openpyxl.load_workbook(io.BytesIO(briefing_workbook.workbook(slides, source, "zh")))
    sheet = next(ws for ws in book.worksheets if "打铜社区成效" in ws.title)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows and not [r for r in rows if r[1] and label in r[1] and _small(r[3])]
    # HTML: the chart's data and the text.
    html = report_html(slides, source, briefing_workbook.about(slides, source, "zh"), "zh")
    section = html.split('id="slide-3"')[1].split('id="slide-4"')[0]
    ys = _plotly_values(section, "y")
    assert len(ys) == len(shown) and not [v for v in ys if _small(v)]
    assert "小于5" in section


def _at(snapshot, monkeypatch, tmp_path, page: str | None = None, **query) -> AppTest:
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.setenv("GOVDASH_PLAYLISTS_DIR", str(tmp_path))
    return run_page(query, page)


def test_a_view_is_saved_from_the_sidebar_and_played_in_presentation_mode(
    snapshot, monkeypatch, tmp_path
):
    at = _at(snapshot, monkeypatch, tmp_path, "pages/outcomes.py", **SMALL)
    at.text_input(key="playlist-new-name-outcomes").input("区里的交流会")
    at.button(key="playlist-save-outcomes").click().run()
    assert not at.exception
    (saved,) = tmp_path.glob("pl-*.json")
    body = json.loads(saved.read_text(encoding="utf-8"))
    assert body["name"] == "区里的交流会"
    (view,) = body["views"]
    assert view["page"] == "outcomes" and view["params"] == SMALL
    assert view["name"] == "成效 · 打铜社区"
    assert any("已加入《区里的交流会》" in s.value for s in at.success)

    at = _at(snapshot, monkeypatch, tmp_path, "pages/present.py", playlist=saved.stem, slide="2")
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "<h1>成效 · 打铜社区</h1>" in html and "第2页 / 共2页" in html
    assert "小于5的数值不予显示" in html
    files = sorted(b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button"))
    assert files == ["export", "html", "pptx", "xlsx"], "the playlist's deck, and its file"


def test_an_unknown_or_broken_playlist_gets_a_message_not_a_traceback(
    snapshot, monkeypatch, tmp_path
):
    at = _at(snapshot, monkeypatch, tmp_path, "pages/present.py", playlist="pl-0000000000")
    assert any("找不到演示列表" in w.value for w in at.warning)
    assert "<h1>" in " ".join(h.proto.body for h in at.get("html")), "the default deck plays"
    (tmp_path / "pl-1111111111.json").write_bytes(
        _file([{"name": "x", "page": "import", "params": {}}])
    )
    at = _at(snapshot, monkeypatch, tmp_path, "pages/present.py", playlist="pl-1111111111")
    shown = [w.value.replace("\\", "") for w in at.warning]  # markdown escapes
    assert any("pl-1111111111.json › views[1] › page：未知页面" in w for w in shown), shown


def test_the_cli_writes_a_playlists_pack_and_names_a_bad_file(snapshot, tmp_path, capsys):
    from govdash.cli import main

    good = tmp_path / "交流会.json"
    good.write_bytes(_file(GOOD))
    base = ["--data-dir", str(snapshot.path.parent), "briefing", "--formats", "pptx,xlsx"]
    assert main([*base, "--out", str(tmp_path / "out"), "--playlist", str(good)]) == 0
    stem = f"交流会_{snapshot.as_of.isoformat()}"
    book = openpyxl.load_workbook(tmp_path / "out" / f"{stem}.xlsx")
    assert [ws.title[3:] for ws in book.worksheets[1:]] == [v["name"] for v in GOOD]
    bad = tmp_path / "bad.json"
    bad.write_bytes(_file([{"name": "x", "page": "present", "params": {}}]))
    assert main([*base, "--out", str(tmp_path / "out2"), "--playlist", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.json › views[1] › page: unknown page 'present'" in err
    assert not (tmp_path / "out2").exists(), "nothing written"


def test_views_are_reordered_and_removed_as_the_table_says():
    read = playlist.parse_playlist(_file(GOOD), "a.json")
    names = [v.name for v in read.views]
    moved = playlist.reorder(read, [3, 1, None, 2], [False, False, False, False])
    assert [v.name for v in moved.views] == [names[1], names[3], names[0], names[2]]
    ties = playlist.reorder(read, [1, 1, 1, float("nan")], [False, True, False, False])
    assert [v.name for v in ties.views] == [names[0], names[2], names[3]], "ties keep the order"
    assert playlist.reorder(read, [1, 2, 3, 4], [True] * 4) is None


def test_a_playlists_pack_gets_file_names_every_system_accepts(snapshot, tmp_path):
    """A colon, a slash, angle brackets, a question mark and a right-to-left override (which
    makes "gpj.exe" read "exe.jpg") in a playlist's name: the files are written under one name
    Windows, macOS and Linux all accept."""
    from govdash.cli import main

    path = tmp_path / "p.json"
    path.write_bytes(_file(GOOD[:1], name="交流会: 2025/07 <终稿>?\u202e"))
    out = tmp_path / "out"
    base = ["--data-dir", str(snapshot.path.parent), "briefing", "--formats", "xlsx,html"]
    assert main([*base, "--out", str(out), "--playlist", str(path)]) == 0
    stem = f"交流会_2025_07_终稿_{snapshot.as_of.isoformat()}"
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.html", f"{stem}.xlsx"]


def test_a_save_never_lands_in_someone_elses_playlist_by_default(snapshot, monkeypatch, tmp_path):
    """Issue 26: a new visitor's first save appended to the last playlist on the server, which
    was someone else's. A save now starts a new playlist unless this session saved into one."""
    other = _at(snapshot, monkeypatch, tmp_path, "pages/overview.py")
    other.text_input(key="playlist-new-name-overview").input("别人的列表")
    other.button(key="playlist-save-overview").click().run()
    (theirs,) = tmp_path.glob("pl-*.json")
    mine = _at(snapshot, monkeypatch, tmp_path, "pages/overview.py", district="420106")
    assert mine.selectbox(key="playlist-target-overview").value == NEW
    mine.text_input(key="playlist-new-name-overview").input("我的列表")
    mine.button(key="playlist-save-overview").click().run()
    assert len(json.loads(theirs.read_text(encoding="utf-8"))["views"]) == 1, "theirs unchanged"
    mine_file = next(p for p in tmp_path.glob("pl-*.json") if p != theirs)
    # The next save from this session offers the playlist it just saved into.
    assert mine.selectbox(key="playlist-target-overview").value == mine_file.stem
    mine.button(key="playlist-save-overview").click().run()
    assert len(json.loads(mine_file.read_text(encoding="utf-8"))["views"]) == 2
