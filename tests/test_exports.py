"""No download or export carries a live formula, and an export of hostile names imports unchanged."""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govdash.app.panels.data import _csv, _xlsx
from govdash.core.data.contract import TABLES
from govdash.core.data.divisions import city_code
from govdash.core.engine.publish import write_snapshot
from govdash.core.engine.query import connect, run_query
from govdash.core.outputs.exports import csv_bytes, neutralise, unneutralise, xlsx_bytes
from govdash.importing.export import export_snapshot
from govdash.importing.run import import_files

FORMULAS = [
    '=HYPERLINK("http://evil.example","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


ROOT = Path(__file__).resolve().parent.parent


def formula_cells(data: bytes) -> list[str]:
    """Every cell of every sheet that a spreadsheet program would compute."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return [
            name
            for name in book.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in book.read(name)
        ]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_text_is_neutralised_and_comes_back(text):
    safe = neutralise(text)
    assert safe == "'" + text
    assert unneutralise(safe) == text
    assert neutralise("武昌区") == "武昌区" and neutralise(-5) == -5 and neutralise(None) is None
    assert unneutralise("'普通") == "'普通", "only the apostrophe an export added comes off"


def test_csv_bytes_neutralise_text_and_keep_numbers():
    frame = pd.DataFrame({"name": [*FORMULAS, "武昌区"], "value": [-1, 2, 3, 4, 5, 6, -7.5]})
    data = csv_bytes(frame, ["数据快照 x · 演示数据", '说明 "引号"'])
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[:2] == ['"数据快照 x · 演示数据"', '"说明 ""引号"""']
    back = pd.read_csv(io.BytesIO(data), skiprows=2, encoding="utf-8-sig")
    assert back["name"].tolist()[:4] == ["'" + f for f in FORMULAS[:4]]
    assert back["value"].tolist() == [-1, 2, 3, 4, 5, 6, -7.5]


def test_xlsx_bytes_write_text_never_formulas():
    frame = pd.DataFrame({"name": FORMULAS, "value": range(len(FORMULAS))})
    data = xlsx_bytes({"table": frame}, about=['=HYPERLINK("x")', "演示数据"])
    assert formula_cells(data) == []
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["说明", "table"]
    cells = [row[0] for row in book["table"].iter_rows(min_row=2, values_only=True)]
    # The exact text, not a formula and not an apostrophe (a CR is kept as a character reference).
    assert cells == FORMULAS
    assert book["说明"]["A1"].value == '=HYPERLINK("x")'


@pytest.fixture(scope="module")
def hostile_snapshot(snapshot, tmp_path_factory):
    """The demo with report text that is a formula: a district, a community and a team name."""
    tables = {n: pq.read_table(snapshot.table_path(n)) for n in TABLES if snapshot.has_table(n)}
    divisions = tables["divisions"].to_pandas()
    for code, text in (("420103", FORMULAS[0]), ("420106012001", FORMULAS[3])):
        divisions.loc[divisions["code"] == code, "name_zh"] = text
    teams = tables["teams"].to_pandas()
    teams.loc[teams.index[:2], "name_zh"] = [FORMULAS[1], FORMULAS[2]]
    tables["divisions"] = pa.Table.from_pandas(divisions, preserve_index=False)
    tables["teams"] = pa.Table.from_pandas(teams, preserve_index=False)
    root = tmp_path_factory.mktemp("formulas")
    return write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=root)


def test_data_page_downloads_carry_no_formula_and_say_demo(hostile_snapshot):
    about = ["数据快照 · 演示数据", "演示数据：本快照由程序生成"]
    assert formula_cells(_xlsx(hostile_snapshot, "divisions", about)) == []
    csv = _csv(hostile_snapshot, "divisions", about).decode("utf-8-sig")
    assert csv.startswith('"行政区划：') and '"数据快照 · 演示数据"\n"演示数据：' in csv
    assert "'" + FORMULAS[0].replace('"', '""') in csv
    assert "\n=" not in csv and ",=" not in csv and ",@" not in csv and ",+" not in csv


def test_the_template_export_is_formula_free_and_imports_unchanged(
    hostile_snapshot, tmp_path, monkeypatch
):
    monkeypatch.setattr("govdash.importing.export.XLSX_ROWS", 3_000)  # teams go to CSV
    files = export_snapshot(
        hostile_snapshot,
        tmp_path / "export",
        tables=["divisions", "teams", "programmes"],
        full=True,
    ).files
    workbook, *csvs = files
    assert [f.name for f in csvs] == ["teams.csv"]
    assert formula_cells(workbook.read_bytes()) == []
    teams_csv = csvs[0].read_text(encoding="utf-8-sig")
    assert "'" + FORMULAS[1] in teams_csv and "'" + FORMULAS[2] in teams_csv
    root = tmp_path / "root"
    root.mkdir()
    (root / hostile_snapshot.id).symlink_to(hostile_snapshot.path, target_is_directory=True)
    report = import_files(files, root=root)
    assert report.ok, [p.text("zh") for p in report.all_errors()]
    assert report.snapshot.id.split("-")[-1] == hostile_snapshot.id.split("-")[-1], "same tables"


@pytest.mark.parametrize("page", ["overview", "districts", "activities", "outcomes", "data"])
def test_every_download_opens_and_says_what_it_holds(snapshot, monkeypatch, downloads, page):
    """Each file a page offers opens with pandas (CSV, after its header block) or openpyxl
    (XLSX, a first sheet describing it); headers are Chinese, values are rounded, and the file's name says what is inside."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert downloads
    for name, content in downloads:
        assert snapshot.id not in name and not name.startswith(("compare-", "overview-")), name
        if name.endswith(".xlsx"):
            book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
            first = [row[0] for row in book.worksheets[0].values]
            assert any("演示数据" in str(x) for x in first), (name, first)
            continue
        text = content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        block = list(itertools.takewhile(lambda row: len(row) == 1, rows))
        assert block, (name, "a header block says what the file holds")
        if "指标字典" not in name:  # the catalog's definitions are not snapshot data
            assert any("演示数据" in row[0] for row in block), (name, block)
        frame = pd.read_csv(io.StringIO(text), skiprows=len(block))
        assert len(frame.columns) >= 2, (name, list(frame.columns))
        if "指标字典" in name:
            continue  # its own first column is the machine id
        readable = [c for c in frame.columns if re.search(r"[\u4e00-\u9fff]", c)]
        assert readable, (name, list(frame.columns))
        for column in frame.select_dtypes("float"):
            values = frame[column].dropna()
            assert (values.round(2) == values).all(), (name, column)


def test_a_table_too_big_to_build_in_time_points_to_the_cli(snapshot, monkeypatch, downloads):
    """Streamlit builds a download before sending it, so 数据说明 offers a table only in the
    formats it can build in about 2 s (bench/download_bench.py): a big table's CSV comes zipped
    (the server would otherwise gzip it before sending a byte), a bigger one names the CLI."""
    from streamlit.testing.v1 import AppTest

    from govdash.app.panels import data

    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.setattr(data, "CSV_LIMIT", 10_000)
    monkeypatch.setattr(data, "ZIP_ROWS", 2_000)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    keys = {b.proto.id for b in at.get("download_button")}
    assert any("dl-csv-teams" in k for k in keys), "5,000 teams"
    assert not any("dl-csv-headcounts" in k for k in keys), "53,000 monthly reports"
    assert any("python -m govdash export" in c.value and "10,000" in c.value for c in at.caption)
    zipped = {name: content for name, content in downloads if name.endswith(".zip")}
    assert set(zipped) == {f"志愿服务队伍_{snapshot.as_of.isoformat()}.zip"}, "teams: 5,000 rows"
    (content,) = zipped.values()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (inner,) = archive.namelist()
        text = archive.read(inner).decode("utf-8-sig")
    assert inner.endswith(".csv") and text.startswith('"志愿服务队伍：')
    header = next(i for i, row in enumerate(text.splitlines()) if '","' in row)
    teams = pd.read_csv(io.StringIO(text), skiprows=header)
    assert len(teams) == snapshot.row_counts["teams"]


def test_the_reconciliation_file_speaks_the_readers_language(snapshot, monkeypatch, downloads):
    """成效's 数据核对 file (issue 28): a Chinese name and title, the screen's columns and the
    numbers behind them under Chinese headers, qualifiers and statuses as words, dates as dates,
    the source by its title, and no machine names, placeholders or repository paths."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/outcomes.py").run()
    assert not at.exception
    ((name, content),) = [
        d for d in downloads if d[0].startswith("数据核对") and d[0].endswith("csv")
    ]
    ((_, book),) = [d for d in downloads if d[0].startswith("数据核对") and d[0].endswith("xlsx")]
    sheets = openpyxl.load_workbook(io.BytesIO(book), read_only=True).worksheets
    assert "演示数据" in " ".join(str(r[0]) for r in sheets[0].values)
    assert next(sheets[1].values)[:2] == ("编号", "范围")
    assert name == f"数据核对：报道数字与数据对照_{snapshot.as_of.isoformat()}.csv"
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    block = list(itertools.takewhile(lambda row: len(row) == 1, rows))
    assert block[0] == ["内容：数据核对：报道数字与数据对照"]
    frame = pd.read_csv(io.StringIO(text), skiprows=len(block), dtype=str)
    assert all(re.search(r"[\u4e00-\u9fff]", c) for c in frame.columns), list(frame.columns)
    assert not [c for c in frame.columns if re.search(r"[a-z]+_[a-z]+|\([a-z_]+\)", c)]
    for cell in [*sum(block, []), *frame.columns, *frame.fillna("").to_numpy().ravel()]:
        assert not re.search(r"\{[a-z_]+\}|shared/|seed/|\.txt\b|00:00:00|\bnan\b|\bNone\b",
                             str(cell)), cell  # fmt: skip
    f09 = frame.set_index("编号").loc["F09"]
    assert f09["报道原文"] == "联合各部门开展60余场志愿服务进驿站活动"
    assert f09["报道限定词"] == "余（多于）" and float(f09["报道数值"]) == 60
    assert f09["时期起"] == "2024-03-01" and f09["报道截至"] == snapshot.as_of.isoformat()
    assert f09["核对结果"] == "✓ 一致"
    assert f09["来源报道"].startswith("湖北武汉")
    assert set(frame["核对结果"]) <= {"✓ 一致", "× 不一致", "⚠ 无法核对"}


def test_the_evaluation_file_keeps_its_p_values(snapshot, monkeypatch, downloads):
    """A p-value of 0.0004 rounded to two places read 0.0 ("no doubt at all"); the file writes
    it as the page does."""
    from streamlit.testing.v1 import AppTest

    from govdash.core.evaluation import review as pilot_review
    from govdash.core.evaluation.table import p_text

    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/outcomes.py").run()
    assert not at.exception
    ((_, content),) = [
        d for d in downloads if d[0].startswith("试点成效评估") and d[0].endswith("csv")
    ]
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    block = list(itertools.takewhile(lambda row: len(row) == 1, rows))
    frame = pd.read_csv(io.StringIO(text), skiprows=len(block), dtype=str)
    (column,) = [c for c in frame.columns if c.endswith("(pre_trend_p)")]
    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    reviews = pilot_review.review(con, snapshot, divisions=divisions,
                                  scope_code=city_code(divisions))  # fmt: skip
    assert frame[column].fillna("—").tolist() == [
        p_text(r.estimate.pre_trend_p if r.estimate else None) for r in reviews
    ]
    assert all(re.fullmatch(r"<0\.001|[01]\.\d{3}|—", v) for v in frame[column].fillna("—"))
