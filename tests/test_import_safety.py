"""Hardening of the import (issue 24): it never builds on a stale snapshot without saying so, it
refuses dates that have not happened, and what it says names the file, sheet and rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from app_runner import run_cli
from office_reports import write_csv
from streamlit.testing.v1 import AppTest

from govdash.app import state
from govdash.core.data.snapshot import latest_good, scan
from govdash.core.text.problems import GovdashError
from govdash.importing.run import import_files, parse_as_of
from govdash.importing.uploads import store_uploads

ROOT = Path(__file__).resolve().parent.parent

HEADCOUNTS = ["月份", "社区", "专业社工", "社区工作者", "注册志愿者", "志愿者骨干", "志愿服务队",
              "新就业群体志愿服务队", "移动网格员"]  # fmt: skip
ACTIVITIES = ["活动编号", "日期", "社区", "队伍编号", "活动类别", "服务对象", "志愿者人次", "社工人次",
              "服务时长（小时）", "服务人次", "是否需求响应", "响应时间（小时）"]  # fmt: skip
ZJW = "420106012001"  # 张家湾社区


def report_row(month: str = "2025-07", code: str = ZJW, vol: str = "260") -> list[str]:
    return [month, code, "3", "12", vol, "40", "6", "1", "5"]


def activity(snapshot, date: str, activity_id: int = 90_000_001) -> list:
    team = pq.read_table(snapshot.table_path("teams")).to_pandas()
    team = team[team["community_code"] == ZJW].iloc[0]
    return [activity_id, date, ZJW, team["team_id"], "为老服务", "一老（老年人）", 3, 1, 2.5, 10,
            "否", ""]  # fmt: skip


def texts(report, lang: str = "zh") -> list[str]:
    return [p.text(lang) for p in report.all_errors()]


@pytest.fixture()
def root(snapshot_copy) -> Path:
    folder, _ = snapshot_copy
    return folder


# ------------------------------------------------------------------ item 1: a stale base
@pytest.fixture()
def newest_damaged(root, tmp_path, snapshot) -> tuple[Path, str, str]:
    """The demo (A), then a newer snapshot B with a changed report, then B's headcounts file
    truncated: B is what an import must not silently pass over."""
    fix = write_csv(tmp_path / "fix.csv", HEADCOUNTS, [report_row(vol="999")])
    newer = import_files([fix], root=root, replace=True)
    assert newer.ok, texts(newer)
    b = newer.snapshot
    target = b.table_path("headcounts")
    target.write_bytes(target.read_bytes()[:1000])
    return root, snapshot.id, b.id


def test_an_import_refuses_to_build_on_an_older_snapshot_when_the_newest_is_damaged(
    newest_damaged, tmp_path
):
    root, older, damaged = newest_damaged
    before = sorted(p.name for p in root.iterdir())
    path = write_csv(tmp_path / "aug.csv", HEADCOUNTS, [report_row("2025-08", vol="300")])
    report = import_files([path], root=root, as_of=dt.date(2025, 8, 31))
    assert report.snapshot is None
    (error,) = texts(report)
    assert damaged in error and "无法读取" in error and f"--base {older}" in error
    assert [s.id for s in report.skipped] == [damaged]
    assert sorted(p.name for p in root.iterdir()) == before, "nothing was written"


def test_base_builds_on_the_older_snapshot_and_names_what_it_leaves_out(newest_damaged, tmp_path):
    root, older, damaged = newest_damaged
    path = write_csv(tmp_path / "aug.csv", HEADCOUNTS, [report_row("2025-08", vol="300")])
    report = import_files([path], root=root, as_of=dt.date(2025, 8, 31), base=older)
    assert report.ok, texts(report)
    assert report.previous.id == older and report.left_out == [damaged]
    assert report.snapshot.manifest["generator"]["left_out"] == [damaged]


def test_a_folder_that_cannot_be_dated_blocks_the_import_too(root, tmp_path, snapshot):
    """A folder without a manifest and without a date in its name may be anything, the newest
    snapshot included: only an explicit --base passes it over."""
    (root / "restored").mkdir()
    (root / "restored" / "teams.parquet").write_bytes(b"PAR1")
    path = write_csv(tmp_path / "aug.csv", HEADCOUNTS, [report_row("2025-08", vol="300")])
    report = import_files([path], root=root, as_of=dt.date(2025, 8, 31), dry_run=True)
    assert any("restored" in t and "--base" in t for t in texts(report))
    older = import_files([path], root=root, as_of=dt.date(2025, 8, 31), base=snapshot.id)
    assert older.ok and older.left_out == ["restored"]


def test_an_older_damaged_snapshot_is_reported_but_does_not_block(root, tmp_path, snapshot):
    old = root / "2024-01-31-imported-0123456789"
    old.mkdir()
    (old / "manifest.json").write_text("{")
    path = write_csv(tmp_path / "aug.csv", HEADCOUNTS, [report_row("2025-08", vol="300")])
    report = import_files([path], root=root, as_of=dt.date(2025, 8, 31), dry_run=True)
    assert report.ok, texts(report)
    assert report.previous.id == snapshot.id
    assert [s.id for s in report.skipped] == [old.name]


def test_the_cli_names_its_base_and_refuses_a_stale_one(newest_damaged, tmp_path):
    root, older, damaged = newest_damaged
    path = write_csv(tmp_path / "aug.csv", HEADCOUNTS, [report_row("2025-08", vol="300")])
    refused = run_cli(root, "import", str(path), "--as-of", "2025-08", "--lang", "en")
    assert refused.returncode == 1
    assert f"the newest snapshot {damaged} cannot be read" in refused.stdout
    assert f"warning: skipped {root / damaged}" in refused.stderr
    done = run_cli(root, "import", str(path), "--as-of", "2025-08", "--base", older, "--lang", "en")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"builds on snapshot {older}" in done.stdout
    assert f"does not hold what only these newer snapshots hold: {damaged}" in done.stderr
    assert "Traceback" not in done.stderr + refused.stderr


def test_base_with_an_unknown_id_is_a_located_error(root, tmp_path):
    path = write_csv(tmp_path / "aug.csv", HEADCOUNTS, [report_row("2025-08", vol="300")])
    for bad in ("../etc", "2025-07-18-demo-nothere"):
        report = import_files([path], root=root, base=bad, dry_run=True)
        assert report.snapshot is None and texts(report), bad


# ------------------------------------------------------------------ item 2: no future dates
@pytest.mark.parametrize("date", ["2099-01-01", "9999-12-31"])
def test_an_activity_dated_in_the_future_is_a_located_error(root, tmp_path, snapshot, date):
    path = write_csv(tmp_path / "acts.csv", ACTIVITIES, [activity(snapshot, "2025-07-02"),
                                                         activity(snapshot, date, 90_000_002)])  # fmt: skip
    report = import_files([path], root=root)
    assert report.snapshot is None
    (error,) = texts(report)
    assert "acts.csv" in error and "第3行" in error and f"{date} 晚于今天" in error
    assert latest_good(root)[0].as_of == snapshot.as_of


def test_a_future_month_in_a_monthly_report_is_refused(root, tmp_path):
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [report_row("2099-01")])
    report = import_files([path], root=root, dry_run=True)
    assert any("2099-01-01 晚于今天" in t and "第2行" in t for t in texts(report))


def test_an_as_of_date_mid_month_refuses_later_days(root, tmp_path, snapshot):
    path = write_csv(tmp_path / "acts.csv", ACTIVITIES, [activity(snapshot, "2025-07-20")])
    report = import_files([path], root=root, as_of=dt.date(2025, 7, 18), dry_run=True)
    assert any("2025-07-20 晚于快照截至日期 2025-07-18" in t for t in texts(report))


def test_the_as_of_date_follows_the_data_not_the_day_of_the_import(root, tmp_path, snapshot):
    """Without --as-of, the new snapshot is as of the newest date in the data (never today just
    because an import ran today)."""
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [report_row("2025-08", vol="300")])
    report = import_files([path], root=root)
    assert report.ok, texts(report)
    assert report.snapshot.as_of == max(snapshot.as_of, dt.date(2025, 8, 1))


def test_parse_as_of_takes_a_day_or_a_month_and_refuses_the_future():
    today = dt.date(2026, 12, 3)
    assert parse_as_of("2025-06", today) == dt.date(2025, 6, 30)
    assert parse_as_of("2026-12", today) == today  # the current month runs to today
    assert parse_as_of("2025-07-18", today) == dt.date(2025, 7, 18)
    for bad in ("2026-12-04", "2027-01", "9999-12-31", "2025-13", "7月", "2025/07/18"):
        with pytest.raises(GovdashError):
            parse_as_of(bad, today)


def test_the_cli_refuses_a_future_as_of(root, tmp_path):
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [report_row("2025-08")])
    done = run_cli(root, "import", str(path), "--as-of", "2999-01", "--lang", "en")
    assert done.returncode == 2 and "is after today" in done.stderr
    assert len(scan(root)[0]) == 1


# ------------------------------------------------------------------ the import page
TOKEN = "s3cret-token-for-the-tests"


def import_page(root: Path, monkeypatch) -> AppTest:
    """The import page of a server over `root`, unlocked with the admin token."""
    from govdash.core.rules.access import LOCKOUTS

    LOCKOUTS.clear()
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    monkeypatch.setenv("GOVDASH_ADMIN_TOKEN", TOKEN)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180).run()
    at.switch_page("pages/import.py").run()
    at.text_input(key=state.IMPORT_TOKEN).input(TOKEN)
    next(b for b in at.button if b.label == "解锁").click().run()
    assert not at.exception and at.get("file_uploader"), "unlocked"
    return at


def test_the_page_names_what_an_older_base_leaves_out_and_asks_first(newest_damaged, monkeypatch):
    root, older, damaged = newest_damaged
    at = import_page(root, monkeypatch)
    warning = next(w.value for w in at.warning if "无法读取" in w.value)
    assert damaged in warning.replace("\\", "") and older in warning.replace("\\", "")
    box = at.checkbox(key=state.IMPORT_STALE_OK)
    assert older in box.label and damaged in box.label and not box.value


def test_the_page_has_the_as_of_field_and_refuses_a_future_date(root, monkeypatch):
    at = import_page(root, monkeypatch)
    field = at.text_input(key=state.IMPORT_AS_OF)
    field.input("2999-01-31").run()
    assert any("晚于今天" in e.value for e in at.error)
    at.text_input(key=state.IMPORT_AS_OF).input("2025-07-31").run()
    assert not any("晚于今天" in e.value for e in at.error)


# ------------------------------------------------------------------ item 8: uploads apart
def test_uploads_with_one_name_are_kept_apart_and_the_same_bytes_read_once(tmp_path):
    stored = store_uploads(
        [("月报.csv", b"a"), ("月报.csv", b"b"), ("copy.csv", b"a"), ("月报.csv", b"c")], tmp_path
    )
    assert [p.name for p in stored.paths] == ["月报.csv", "月报 (2).csv", "月报 (3).csv"]
    assert [p.read_bytes() for p in stored.paths] == [b"a", b"b", b"c"]
    assert stored.repeated == [("copy.csv", "月报.csv")]
    assert len({p.parent for p in stored.paths}) == 3, "a folder per content"


def test_two_reports_with_one_key_name_both_files_and_rows(root, tmp_path):
    stored = store_uploads(
        [("月报.csv", _csv_bytes(["260"])), ("月报.csv", _csv_bytes(["999"]))], tmp_path / "up"
    )
    report = import_files(stored.paths, root=root, dry_run=True)
    (error,) = texts(report)
    assert "月报.csv › 第2行" in error and "月报 (2).csv › 第2行" in error
    assert "月份 2025-07，社区 420106012001" in error


def test_the_same_file_named_twice_on_the_cli_is_read_once(root, tmp_path):
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [report_row("2025-08", vol="300")])
    report = import_files([path, path], root=root, as_of=dt.date(2025, 8, 31), dry_run=True)
    assert report.ok, texts(report)
    assert len(report.sheets) == 1 and any("只读取一次" in w.text("zh") for w in report.warnings)


def _csv_bytes(volunteers: list[str]) -> bytes:
    lines = [",".join(HEADCOUNTS)] + [",".join(report_row(vol=v)) for v in volunteers]
    return ("\n".join(lines) + "\n").encode("utf-8")


# ------------------------------------------------------------------ item 7: control characters
def test_control_characters_in_a_name_are_a_located_error_with_the_clean_value(root, tmp_path):
    header = ["队伍编号", "队伍名称", "英文名称", "所属社区", "队伍类型", "成立日期"]
    path = write_csv(tmp_path / "teams.csv", header,
                     [["T-CTL-1", "ctl\x01\x0b\x1fname", "", ZJW, "社区志愿服务队", "2024-01-01"]])  # fmt: skip
    report = import_files([path], root=root, dry_run=True)
    (error,) = texts(report)
    assert "teams.csv › 第2行 › 队伍名称" in error
    assert "U+0001、U+000B、U+001F" in error and "删除后为“ctlname”" in error


def test_a_control_character_typed_in_excel_is_refused_too(root, tmp_path):
    """Excel stores a control character in a cell as _x0001_; read back, it is the character."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "志愿服务队伍"
    sheet.append(["队伍编号", "队伍名称", "英文名称", "所属社区", "队伍类型", "成立日期"])
    sheet.append(["T-CTL-2", "ctl_x0001_name", "", ZJW, "社区志愿服务队", "2024-01-01"])
    book.save(tmp_path / "teams.xlsx")
    report = import_files([tmp_path / "teams.xlsx"], root=root, dry_run=True)
    assert any("U+0001" in t for t in texts(report))


def test_export_of_a_name_with_control_characters_neither_crashes_nor_changes_it(
    snapshot, tmp_path
):
    """A snapshot written before the rule (here, directly) still exports: the cell is written
    in Excel's own escape, so the text is not changed silently, and the export says so."""
    import openpyxl

    from govdash.core.data.contract import TABLES
    from govdash.core.engine.publish import write_snapshot
    from govdash.core.outputs.xlsx import ooxml_unescape

    tables = {n: pq.read_table(snapshot.table_path(n)) for n in TABLES if snapshot.has_table(n)}
    teams = tables["teams"].to_pandas()
    teams.loc[0, "name_zh"] = "ctl\x01\x0b\x1fname"
    tables["teams"] = pa.Table.from_pandas(teams, preserve_index=False)
    snap = write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=tmp_path / "r")
    done = run_cli(snap.path.parent, "export", "--out", str(tmp_path / "out"), "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "1 cell(s) hold control characters" in done.stdout
    (book,) = (tmp_path / "out").glob("*.xlsx")
    sheet = openpyxl.load_workbook(book, read_only=True)["志愿服务队伍"]
    names = [r[1] for r in sheet.iter_rows(values_only=True)]
    assert "ctl_x0001__x000B__x001F_name" in names
    assert ooxml_unescape("ctl_x0001__x000B__x001F_name") == "ctl\x01\x0b\x1fname"


def test_the_app_xlsx_keeps_control_characters_and_says_so():
    import io

    import openpyxl
    import pandas as pd

    from govdash.core.outputs.exports import xlsx_bytes

    data = xlsx_bytes({"队伍": pd.DataFrame({"名称": ["ctl\x01name", "plain", "a_x0041_b"]})},
                      about=["内容：队伍"])  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    about = [r[0] for r in book["说明"].iter_rows(values_only=True)]
    assert any("1 个单元格含有控制字符" in line for line in about)
    cells = [r[0] for r in book["队伍"].iter_rows(values_only=True)]
    assert cells[1:] == ["ctl_x0001_name", "plain", "a_x005F_x0041_b"]


# ------------------------------------------------------------------ item 10: formulas, wide
def test_a_formula_without_its_value_is_named_a_formula(root, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "月度人员与队伍"
    sheet.append(HEADCOUNTS)
    sheet.append(["2025-07", ZJW, 3, 12, "=SUM(200,60)", 40, 6, 1, 5])
    book.save(tmp_path / "formula.xlsx")
    report = import_files([tmp_path / "formula.xlsx"], root=root, dry_run=True)
    (error,) = texts(report)
    assert "第2行 › 注册志愿者" in error and "公式" in error and "必填项为空" not in error


def test_a_thousand_column_sheet_gives_one_warning_for_its_unknown_columns(root, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "月度人员与队伍"
    sheet.append(HEADCOUNTS + [f"extra{i}" for i in range(991)])
    sheet.append(report_row(vol="300") + [1] * 991)
    book.save(tmp_path / "wide.xlsx")
    report = import_files([tmp_path / "wide.xlsx"], root=root, dry_run=True, replace=True)
    warnings = [w.text("zh") for w in report.all_warnings()]
    assert len(warnings) == 1 and "991个未知列已忽略" in warnings[0], warnings[:3]
