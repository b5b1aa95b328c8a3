"""Every way out of the process follows the privacy rule (issue 24): a count of 3 children in
difficulty, planted in one community and month, is found nowhere (the CLI export, the briefing
pack, 演示模式's downloads of a playlist that shows that community) except in `export --full`,
which says on its first sheet and in the terminal what it is. The pages and their downloads are
walked in tests/test_privacy.py on the same rule."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from app_runner import run_cli
from pptx import Presentation
from streamlit.testing.v1 import AppTest
from test_privacy import LABELS, SENSITIVE, read_download, sensitive_cells, small

from govdash.core.data.contract import TABLES
from govdash.core.data.snapshot import Snapshot
from govdash.core.engine.publish import write_snapshot

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = "420103001001"
MONTH = dt.date(2025, 6, 1)
METRIC = "children_in_difficulty_served"
PLANTED = 3
PLAYLIST = {
    "format": "govdash-playlist",
    "version": 1,
    "name": "隐私检查",
    "views": [
        {"name": "社区成效", "page": "outcomes",
         "params": {"district": "420103", "street": "420103001", "community": COMMUNITY,
                    "start": "2024-03", "end": "2025-06"}},
        {"name": "街道排名", "page": "districts",
         "params": {"district": "420103", "street": "420103001", "metric": METRIC,
                    "start": "2025-06", "end": "2025-06"}},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def planted(snapshot, tmp_path_factory) -> Snapshot:
    """The demo with the planted count: 3 children in difficulty in one community, June 2025."""
    tables = {
        name: pq.read_table(snapshot.table_path(name))
        for name in TABLES
        if snapshot.has_table(name)
    }
    outcomes = tables["outcomes"].to_pandas()
    hit = (
        (outcomes["division_code"] == COMMUNITY)
        & (outcomes["metric"] == METRIC)
        & (outcomes["month"] == MONTH)
    )
    assert hit.sum() == 1, "the demo reports this community's children in difficulty monthly"
    outcomes.loc[hit, "value"] = PLANTED
    tables["outcomes"] = pa.Table.from_pandas(outcomes, preserve_index=False)
    root = tmp_path_factory.mktemp("planted")
    return write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=root)


def planted_cell(rows: list[list[str]]) -> list[str]:
    """The planted row of an outcomes sheet (template layout: machine names in a header row)."""
    at = next(i for i, r in enumerate(rows) if "division_code" in r and "metric" in r)
    names = rows[at]
    d, m, k, v = (names.index(c) for c in ("division_code", "month", "metric", "value"))
    return [r[v] for r in rows[at + 1 :] if r[d] == COMMUNITY and r[k] == METRIC
            and r[m].startswith(MONTH.isoformat())]  # fmt: skip


def workbook_rows(path: Path) -> dict[str, list[list[str]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [["" if c is None else str(c) for c in r] for r in ws.iter_rows(values_only=True)]
            for ws in book.worksheets}  # fmt: skip


# ------------------------------------------------------------------ export
def test_export_writes_the_planted_count_as_below_five_and_says_so(planted, tmp_path):
    done = run_cli(planted.path.parent, "export", "--out", str(tmp_path), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "privacy rule applied" in done.stdout
    (book,) = tmp_path.glob("*.xlsx")
    sheets = workbook_rows(book)
    assert list(sheets)[0] == "说明" and "隐私规则" in sheets["说明"][2][0]
    assert planted_cell(sheets["成效指标"]) == ["<5"]
    for rows in sheets.values():
        assert sensitive_cells(rows) == []
    hidden = sum(row.count("<5") for row in sheets["成效指标"])
    assert f"{hidden:,} small count(s)" in done.stdout and hidden > 1


def test_export_full_holds_the_planted_count_and_says_it_is_a_full_copy(planted, tmp_path):
    done = run_cli(planted.path.parent, "export", "--out", str(tmp_path), "--full", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "a full copy: it holds unsuppressed small counts" in done.stderr
    (book,) = tmp_path.glob("*-full.xlsx")
    sheets = workbook_rows(book)
    first = sheets["说明"]
    assert list(sheets)[0] == "说明" and any("完整副本" in r[0] for r in first)
    assert planted_cell(sheets["成效指标"]) == [str(PLANTED)]


# ------------------------------------------------------------------ briefing pack
def _plotly_figures(html: str) -> list[dict]:
    """The data and layout of every Plotly.newPlot call in a report."""
    decoder, figures = json.JSONDecoder(), []
    # A call with a quoted div id: plotly.js's own text mentions Plotly.newPlot(gd, …) too.
    for match in re.finditer(r"Plotly\.newPlot\(\s*(?=\")", html):
        at = match.end()
        _, at = decoder.raw_decode(html, at)  # the div id
        at = html.index("[", at)
        data, at = decoder.raw_decode(html, at)
        at = html.index("{", at)
        layout, _ = decoder.raw_decode(html, at)
        figures.append({"data": data, "layout": layout})
    return figures


def _values(array: object) -> list:
    """A trace's values, also when Plotly wrote them as a typed array (bdata)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return array if isinstance(array, list) else []


def small_in_figures(figures: list[dict]) -> list[str]:
    found = []
    for fig in figures:
        title = json.dumps(fig["layout"].get("title", ""), ensure_ascii=False)
        for trace in fig["data"]:
            if not any(label in title or label == trace.get("name") for label in LABELS):
                continue
            values = trace.get("x") if trace.get("orientation") == "h" else trace.get("y")
            found += [f"{title}: {v}" for v in _values(values) if v is not None and small(v)]
    return found


def small_in_deck(data: bytes) -> list[str]:
    """Small values in the deck's charts and tables of sensitive metrics."""
    found = []
    for number, slide in enumerate(Presentation(io.BytesIO(data)).slides, start=1):
        for shape in slide.shapes:
            if shape.has_chart:
                chart = shape.chart
                title = chart.chart_title.text_frame.text if chart.has_title else ""
                for plot in chart.plots:
                    for series in plot.series:
                        if any(label in title or label == series.name for label in LABELS):
                            found += [f"slide {number} {title}: {v}" for v in series.values
                                      if v is not None and small(v)]  # fmt: skip
            if shape.has_table:
                for row in shape.table.rows:
                    cells = [c.text for c in row.cells]
                    if any(label in cell for label in LABELS for cell in cells):
                        found += [f"slide {number}: {c}" for c in cells[1:] if small(c)]
    return found


@pytest.fixture(scope="module")
def playlist_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("playlists")
    path = folder / "privacy-check.json"
    path.write_text(json.dumps(PLAYLIST, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_briefing_pack_of_a_community_playlist_hides_the_planted_count(
    planted, playlist_file, tmp_path
):
    done = run_cli(planted.path.parent, "briefing", "--out", str(tmp_path), "--formats",
                   "pptx,xlsx,html", "--playlist", str(playlist_file))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (deck,) = tmp_path.glob("*.pptx")
    (book,) = tmp_path.glob("*.xlsx")
    (report,) = tmp_path.glob("*.html")
    assert small_in_deck(deck.read_bytes()) == []
    for rows in workbook_rows(book).values():
        assert sensitive_cells(rows) == []
    html = report.read_text(encoding="utf-8")
    figures = _plotly_figures(html)
    assert figures, "the report draws its charts"
    assert small_in_figures(figures) == []
    assert "&lt;5" in html or "<5" in html, "the report says where a figure is hidden"


def test_present_mode_downloads_of_the_playlist_hide_the_planted_count(
    planted, playlist_file, monkeypatch, downloads
):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(planted.path.parent))
    monkeypatch.setenv("GOVDASH_PLAYLISTS_DIR", str(playlist_file.parent))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["playlist"] = playlist_file.stem
    at.query_params["slide"] = "2"
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    names = [name for name, _ in downloads]
    assert any(n.endswith(".pptx") for n in names) and any(n.endswith(".xlsx") for n in names)
    for name, content in downloads:
        if name.endswith(".pptx"):
            assert small_in_deck(content) == [], name
        elif name.endswith(".html"):
            assert small_in_figures(_plotly_figures(content.decode("utf-8"))) == [], name
        else:
            for table in read_download(name, content):
                assert sensitive_cells(table) == [], name
    for element in at.get("plotly_chart"):  # the slide itself
        assert small_in_figures([json.loads(element.proto.spec)]) == []


def test_the_planted_count_is_really_there(planted):
    """The tests above would pass on a snapshot without small counts: this one has the 3."""
    table = pq.read_table(planted.table_path("outcomes")).to_pandas()
    row = table[(table["division_code"] == COMMUNITY) & (table["metric"] == METRIC)
                & (table["month"] == MONTH)]  # fmt: skip
    assert row["value"].tolist() == [PLANTED] and METRIC in SENSITIVE
