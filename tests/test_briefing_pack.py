"""The briefing pack: the workbook, the offline HTML report, the chart PNGs, the PDF and the CLI.

Every file is read back: the XLSX with openpyxl, the PPTX's chart workbooks as the zip parts
they are, the HTML in headless Chromium with the network cut, the PDF and PNGs by their own
headers. Numbers are compared with the figures module's answers for the same scope and window.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govdash.cli import main
from govdash.core.data.catalog import load_catalog
from govdash.core.data.contract import TABLES
from govdash.core.data.divisions import city_code, name
from govdash.core.engine.publish import write_snapshot
from govdash.core.engine.query import connect, run_query
from govdash.core.evaluation.movers import movers
from govdash.core.evaluation.watch import watch_list
from govdash.core.measures import figures
from govdash.core.measures.events import data_range
from govdash.core.outputs import briefing, briefing_workbook, pptx_deck
from govdash.core.question.scope import Selection, month_end
from govdash.viz.briefing_report import report_html, slide_figures

CHROMIUM = "/usr/bin/chromium"
FORMULA = '=HYPERLINK("http://evil.example","点我")'


def _deck(snapshot, lang="zh"):
    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    slides = briefing.deck_content(con, snapshot, divisions, lang)
    source = briefing.Source(snapshot.id, snapshot.as_of,
                             name(divisions, city_code(divisions), lang), snapshot.is_demo)  # fmt: skip
    return con, divisions, slides, source


@pytest.fixture(scope="module")
def deck(snapshot):
    return _deck(snapshot)


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_the_workbook_says_what_it_is_and_holds_every_slides_figures(deck, snapshot):
    con, divisions, slides, source = deck
    book = openpyxl.load_workbook(io.BytesIO(briefing_workbook.workbook(slides, source, "zh")))
    about = [row[0] for row in _rows(book.worksheets[0]) if row[0]]
    assert book.sheetnames[0] == "说明"
    for expected in (snapshot.id, "范围：武汉市", "时期：2024年3月", "筛选条件：无", "“<5”",
                     "演示数据", "附：指标口径", "注册志愿者："):  # fmt: skip
        assert any(expected in line for line in about), expected
    # One sheet per slide with figures, each listed on the first sheet.
    with_figures = [n for n, s in enumerate(slides, 1) if s.kind != "title"]
    assert len(book.sheetnames) == 1 + len(with_figures)
    assert all(any(sheet in line for line in about) for sheet in book.sheetnames[1:])

    city = book.worksheets[1]
    assert city.freeze_panes == "A2"
    header, *rows = _rows(city)
    assert header == ("内容", "指标", "时期/区域", "数值", "单位", "说明")
    catalog = load_catalog()
    months = data_range(con, snapshot).months()
    window = briefing.since_pilot(divisions, city_code(divisions), months, snapshot.as_of)
    ids = list(catalog.settings.headline_metrics)[: briefing.TILES]
    kpis = figures.kpis(con, snapshot, divisions, Selection.of((), divisions), window, ids)
    tiles = [r for r in rows if r[0] == "关键数字"]
    assert [r[3] for r in tiles] == pytest.approx([k.value for k in kpis])
    assert tiles[0][2] == "2025年7月"  # a stock at the window's end
    assert tiles[3][2] == "2024年3月—2025年6月"  # a flow over the complete months
    trend = [r for r in rows if r[0] == "逐月趋势"]
    metric = catalog.settings.trend_metric
    first = pd.Timestamp(slides[1].line.keys[0]).date()
    long = figures.series(con, snapshot, divisions, Selection.of((), divisions), first,
                          month_end(window.flow_end), [metric])  # fmt: skip
    assert [r[3] for r in trend] == pytest.approx(long.sort_values("month")["value"].tolist())
    assert trend[0][2] == f"{first.year}年{first.month}月"
    value_cells = [row[3] for row in city.iter_rows(min_row=2) if row[3].value is not None]
    assert {c.number_format for c in value_cells} == {"#,##0"}
    # The leaders and laggards as numbers, as the slide ranks them; the 需关注 list by community.
    found = movers(con, snapshot, divisions, city_code(divisions), months)
    leaders, laggards = found.ranked("change")
    standing = [r for r in rows if r[0].startswith("领先与落后")]
    assert [r[3] for r in standing] == [*leaders["change"], *laggards["change"]]
    assert [r[2] for r in standing][:1] == [name(divisions, leaders.index[0], "zh")]
    assert all(r[5].startswith("变化率") and "每万人" in r[5] for r in standing)
    listed = watch_list(con, snapshot, divisions, city_code(divisions), months)
    watched = [r for r in rows if r[0] == "需关注"]
    assert watched, "the demo city has communities to call"
    assert len(watched) == int(listed["stopped"].sum() + listed["fell"].sum())
    fell = [r for r in watched if r[1] == "服务活动"]
    assert [r[3] for r in fell] == [c[-1] for c in listed.loc[listed["fell"], "counts"]]
    assert all("连续3个月下降" in r[5] for r in fell)
    # The targets' rankings: a ratio, one decimal place, best first.
    targets = book.worksheets[-1]
    _, *bars = _rows(targets)
    first_bar = [r for r in bars if r[0] == bars[0][0]]
    assert [r[3] for r in first_bar] == sorted((r[3] for r in first_bar), reverse=True)
    assert {c.number_format for c in list(targets.iter_rows(min_row=2))[0][3:4]} == {"#,##0.0"}


def test_the_pptx_headline_is_the_overviews_with_its_leader(deck):
    _, _, slides, _ = deck
    assert "增幅最大的是" in slides[1].lead


@pytest.fixture(scope="module")
def formula_snapshot(snapshot, tmp_path_factory):
    """The demo with a district named like a spreadsheet formula (a pilot district: its name is a
    slide title, a table cell and a chart category)."""
    tables = {n: pq.read_table(snapshot.table_path(n)) for n in TABLES if snapshot.has_table(n)}
    divisions = tables["divisions"].to_pandas()
    divisions.loc[divisions["code"] == "420103", "name_zh"] = FORMULA
    tables["divisions"] = pa.Table.from_pandas(divisions, preserve_index=False)
    root = tmp_path_factory.mktemp("pack-formulas")
    return write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=root)


def _formula_cells(xlsx: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return [n for n in book.namelist()
                if n.startswith("xl/worksheets/") and b"<f>" in book.read(n)]  # fmt: skip


def test_a_name_that_looks_like_a_formula_stays_text_in_every_file(formula_snapshot):
    _, _, slides, source = _deck(formula_snapshot)
    book_bytes = briefing_workbook.workbook(slides, source, "zh")
    assert _formula_cells(book_bytes) == []
    book = openpyxl.load_workbook(io.BytesIO(book_bytes))
    texts = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert FORMULA in texts  # the very text, as text
    # The PPTX's charts each embed a workbook (XlsxWriter would write "=..." as a formula).
    deck = pptx_deck.write_deck(slides, source.footer("zh"), "zh")
    with zipfile.ZipFile(io.BytesIO(deck)) as pptx:
        embedded = [pptx.read(n) for n in pptx.namelist() if n.endswith(".xlsx")]
    assert len(embedded) >= 2
    assert all(_formula_cells(data) == [] for data in embedded)
    categories = {
        c
        for data in embedded
        for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
        for c in row
    }
    assert "'" + FORMULA in categories
    html = report_html(slides, source, briefing_workbook.about(slides, source, "zh"), "zh")
    assert "=HYPERLINK(&quot;http://evil.example&quot;" in html and FORMULA not in html


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip("Debian chromium is not installed (CI installs it)")


@pytest.mark.browser
def test_the_html_report_opens_with_the_network_cut_and_draws_every_chart(deck, tmp_path):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    _, _, slides, source = deck
    html = report_html(slides, source, briefing_workbook.about(slides, source, "zh"), "zh")
    assert html.count("plotly.js v") == 1, "plotly.js once, not per chart"
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    charts = sum(len(slide_figures(s, "zh")) for s in slides)
    asked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        tab = browser.new_page(viewport={"width": 1440, "height": 900})

        def block(route):
            if not route.request.url.startswith("file://"):
                asked.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        tab.route("**/*", block)
        tab.goto(path.as_uri())
        tab.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
            timeout=60_000,
        )
        drawn = tab.locator(".js-plotly-plot").count()
        bars = tab.locator(".js-plotly-plot .bars path").count()
        slides_shown = tab.locator("section.slide").count()
        browser.close()
    assert asked == []
    assert drawn == charts and bars > 0
    assert slides_shown == len(slides)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.browser
def test_the_cli_writes_the_whole_pack(snapshot, tmp_path, capsys):
    _need_chromium()
    os.environ.setdefault("BROWSER_PATH", CHROMIUM if Path(CHROMIUM).exists() else "")
    out = tmp_path / "pack"
    code = main(["--data-dir", str(snapshot.path.parent), "briefing", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    _, _, slides, _ = _deck(snapshot)
    stem = f"武汉市党建引领“专业社工+志愿服务”融合试点工作交流_{snapshot.as_of.isoformat()}"
    for ext in ("pptx", "xlsx", "html", "pdf"):
        assert (out / f"{stem}.{ext}").stat().st_size > 0, ext
        assert f"{stem}.{ext}" in printed
    pdf = (out / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    # One page per slide, and one that says what the file is.
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == len(slides) + 1
    pngs = sorted((out / "png").glob("*.png"))
    figures_ = [(n, k) for n, s in enumerate(slides, 1) for k in range(len(slide_figures(s, "zh")))]
    assert [p.name for p in pngs] == [f"slide-{n:02d}-{k + 1}.png" for n, k in figures_]
    fig = slide_figures(slides[1], "zh")[0]
    assert _png_size(pngs[0]) == (fig.layout.width * 2, fig.layout.height * 2)
    assert not list(out.glob(".*")), "no temporary file left behind"


def test_the_cli_without_pictures_needs_no_browser_and_refuses_unknown_formats(
    snapshot, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no chromium to be found
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    out = tmp_path / "pack"
    args = ["--data-dir", str(snapshot.path.parent), "briefing", "--out", str(out), "--lang", "en"]
    assert main([*args, "--formats", "pptx,xlsx,html"]) == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".html", ".pptx", ".xlsx"]
    assert main([*args, "--formats", "pptx,docx"]) == 2
    assert "unknown docx" in capsys.readouterr().err
    assert main([*args, "--formats", "png"]) == 2
    assert "Chromium" in capsys.readouterr().err
    assert shutil.which("chromium") is None


def test_the_workbook_holds_the_evaluation_as_numbers(deck, snapshot):
    """The evaluation slide's table is words ("+19.9个百分点"); its sheet holds the unrounded
    group sizes, means, effect and bounds an analyst computes with, for every measure."""
    from govdash.core.evaluation import review as pilot_review

    con, divisions, slides, source = deck
    number = next(n for n, s in enumerate(slides, 1) if s.kind == "evaluation")
    book = openpyxl.load_workbook(io.BytesIO(briefing_workbook.workbook(slides, source, "zh")))
    sheet = book[next(n for n in book.sheetnames if n.startswith(f"{number:02d} "))]
    header, *rows = _rows(sheet)
    assert header[:4] == ("指标", "单位", "试点社区数", "对照社区数")
    assert "估计效应" in header and "95%置信区间下限" in header
    reviews = pilot_review.review(con, snapshot, divisions=divisions,
                                  scope_code=city_code(divisions))  # fmt: skip
    catalog = load_catalog()
    assert [r[0] for r in rows] == [catalog[r.metric].name("zh") for r in reviews]
    effect, low = header.index("估计效应"), header.index("95%置信区间下限")
    for row, review in zip(rows, reviews, strict=True):
        if review.estimate is None:
            assert row[effect] is None
            continue
        assert row[2] == review.estimate.pilots and row[3] == review.estimate.comparisons
        assert row[effect] == pytest.approx(review.estimate.effect)
        assert row[low] == pytest.approx(review.estimate.low)
        assert isinstance(row[effect], float)
