"""Reports as district offices send them import without a manual edit and give the right numbers.

The fixtures (tests/office_reports.py) have title and 填报 rows, merged two-row headers, 序号/街道
columns, 小计 and 合计 rows, notes and signatures, a hidden column, the month only in the title
or file name, Excel serial dates and a GBK CSV twin. Each test checks figures, not only "no error",
and every problem a person sees is located and says what to do, in Chinese and in English.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from app_runner import run_cli
from office_reports import (
    HEADCOUNT_FIELDS,
    activities_csv_twin,
    activities_report,
    activity_rows,
    headcount_values,
    headcounts_by_file_name,
    headcounts_report,
    places,
)

from govdash.core.data.snapshot import latest_good
from govdash.importing.run import import_files

ROOT = Path(__file__).resolve().parent.parent
AUGUST = dt.date(2025, 8, 1)


@pytest.fixture()
def root(snapshot_copy) -> Path:
    folder, _ = snapshot_copy
    return folder


@pytest.fixture()
def city(root):
    snap = latest_good(root)[0]
    divisions = pq.read_table(snap.table_path("divisions")).to_pandas()
    previous = pq.read_table(snap.table_path("headcounts")).to_pandas()
    blocks = places(divisions, "武昌区")
    values = {p.code: headcount_values(previous, p.code) for b in blocks for p in b}
    return blocks, values


def _texts(problems, lang="zh") -> list[str]:
    return [p.text(lang) for p in problems]


def _headcounts(snapshot, month: dt.date) -> pd.DataFrame:
    table = pq.read_table(snapshot.table_path("headcounts")).to_pandas()
    return table[table["month"] == month].set_index("community_code")


def test_a_monthly_report_with_title_merged_header_subtotals_and_notes_imports_as_sent(
    root, city, tmp_path
):
    blocks, values = city
    path = headcounts_report(tmp_path / "武昌区人员队伍月报.xlsx", "武昌区", blocks, values)
    report = import_files([path], root=root)
    assert report.ok, _texts(report.all_errors())
    notes = " | ".join(_texts(report.all_notes()))
    assert "已跳过表头上方的2行（标题、填报信息）" in notes
    assert "月份取自标题“武昌区2025年8月社区人员与志愿服务队伍统计表”：2025-08" in notes
    assert "识别到2个小计行和1个合计行：已核对，不作为数据导入" in notes
    assert "已跳过2行备注或签字" in notes
    warnings = " | ".join(_texts(report.all_warnings()))
    assert "第J列在表格中被隐藏，其数值仍会导入" in warnings and "未知列“备注”已忽略" in warnings
    assert "1个隐藏行仍会导入（第6行），请确认这些行属于本报表" in warnings
    english = " | ".join(_texts(report.all_notes(), "en"))
    assert "month 2025-08 taken from the title" in english and "2 subtotal row(s)" in english
    assert report.rows == {"headcounts": 6} and not report.replaced
    stored = _headcounts(report.snapshot, AUGUST)
    for block in blocks:
        for place in block:
            got = {f: int(stored.at[place.code, f]) for f in HEADCOUNT_FIELDS}
            assert got == values[place.code], place


def test_a_wrong_subtotal_is_checked_against_its_own_street_and_located(root, city, tmp_path):
    blocks, values = city
    path = headcounts_report(tmp_path / "月报.xlsx", "武昌区", blocks, values, wrong_subtotal=True)
    report = import_files([path], root=root, dry_run=True)
    errors = report.all_errors()
    assert len(errors) == 1, _texts(errors)
    second = blocks[1]
    actual = sum(values[p.code]["registered_volunteers"] for p in second)
    zh, en = errors[0].text("zh"), errors[0].text("en")
    # Rows 5-7 are the first street, 8 its 小计, 9-11 the second street, 12 its 小计.
    assert zh.startswith("月报.xlsx › 人员队伍 › 第12行 › 注册志愿者（registered_volunteers）")
    assert f"小计行为 {actual + 7}，但对应的3行相加为 {actual}；请更正小计或各行数值" in zh
    assert en.startswith("月报.xlsx › 人员队伍 › row 12 › Registered volunteers")
    assert f"the subtotal row says {actual + 7} but its 3 row(s) add up to {actual}" in en


def test_the_month_comes_from_the_file_name_or_from_the_import(root, city, tmp_path):
    blocks, values = city
    named = headcounts_by_file_name(tmp_path / "武昌区_2025-08_人员报表.xlsx", blocks, values)
    report = import_files([named], root=root, dry_run=True)
    assert report.ok, _texts(report.all_errors())
    assert any("月份取自文件名“武昌区_2025-08_人员报表”：2025-08" in t
               for t in _texts(report.all_notes()))  # fmt: skip
    plain = headcounts_by_file_name(tmp_path / "武昌区人员报表.xlsx", blocks, values)
    refused = import_files([plain], root=root, dry_run=True)
    (error,) = refused.all_errors()
    assert error.text("zh").startswith(
        "武昌区人员报表.xlsx › Sheet1 › 月份（month）：找不到报表月份"
    )
    assert "--month 2025-06" in error.text("zh") and "--month 2025-06" in error.text("en")
    given = import_files([plain], root=root, dry_run=True, month="2025-08")
    assert given.ok and any("月份取自导入时指定的月份：2025-08" in t
                            for t in _texts(given.all_notes()))  # fmt: skip


def test_an_activity_report_and_its_gbk_csv_twin_import_to_the_same_rows(root, city, tmp_path):
    blocks, _ = city
    rows = activity_rows(blocks, AUGUST)
    xlsx = activities_report(tmp_path / "武昌区活动明细.xlsx", "武昌区", rows, "2025年8月")
    twin = activities_csv_twin(tmp_path / "武昌区活动明细.csv", "武昌区", rows, "2025年8月")
    assert "武昌区".encode("gbk") in twin.read_bytes()
    checked = [import_files([f], root=root, dry_run=True) for f in (xlsx, twin)]
    for report in checked:
        assert report.ok, _texts(report.all_errors())
        assert any("表中没有活动编号：已按每场活动的日期、社区和数据生成编号" in t
                   for t in _texts(report.all_notes()))  # fmt: skip
    tables = [r.sheets[0].data.to_pandas().sort_values("activity_id") for r in checked]
    pd.testing.assert_frame_equal(
        tables[0].reset_index(drop=True), tables[1].reset_index(drop=True)
    )
    first = import_files([xlsx], root=root)
    assert first.ok and first.rows == {"activities": len(rows)}
    acts = pq.read_table(first.snapshot.table_path("activities")).to_pandas()
    august = acts[acts["date"] >= AUGUST]
    assert len(august) == len(rows)
    assert int(august["volunteers"].sum()) == sum(r["volunteers"] for r in rows)
    assert float(august["service_hours"].sum()) == sum(r["hours"] for r in rows)
    assert int(august["served_person_times"].sum()) == sum(r["served"] for r in rows)
    assert sorted(august["community_code"]) == sorted(r["code"] for r in rows)
    assert (august["activity_id"] // 10**10).astype(str).str.startswith("202508").all()
    # Sent again (as the CSV twin): the same ids, nothing replaced, nothing added.
    again = import_files([twin], root=root)
    assert again.ok and not again.replaced
    assert again.snapshot.row_counts["activities"] == first.snapshot.row_counts["activities"]


def test_activity_ids_numbered_down_the_sheet_are_refused_with_the_reason(root, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "服务活动"
    ws.append(["活动编号", "活动日期", "社区", "活动类型", "服务对象", "志愿者人数", "社工人数",
               "服务时长（小时）", "服务人数", "是否需求响应"])  # fmt: skip
    for n in range(1, 8):
        ws.append(
            [n, "2025-06-03", "420106012001", "为老服务", "一老（老年人）", 5, 1, 2, 20, "否"]
        )
    path = tmp_path / "活动.xlsx"
    wb.save(path)
    before = latest_good(root)[0].id
    report = import_files([path], root=root)
    (error,) = report.all_errors()
    assert error.text("zh").startswith("活动.xlsx › 服务活动 › 第2行 › 活动编号（activity_id）")
    assert "活动编号 1–7 是逐行递增的小整数，像是表格的序号" in error.text("zh")
    assert "请删去“活动编号”列" in error.text("zh")
    assert "would replace the activities of other communities" in error.text("en")
    assert latest_good(root)[0].id == before, "nothing was written"


def test_changing_existing_rows_is_listed_and_needs_a_confirmation(root, city, tmp_path):
    blocks, values = city
    june = headcounts_report(
        tmp_path / "六月.xlsx", "武昌区", blocks, values, title_month="2025年6月"
    )
    before = latest_good(root)[0].id
    dry = import_files([june], root=root, dry_run=True)
    assert dry.ok and dry.replaced_rows == 6
    assert dry.replaced[0].text("zh") == "月度人员与队伍：武昌区 2025-06（6行）"
    refused = import_files([june], root=root)
    assert not refused.ok and refused.snapshot is None
    assert "本次导入将以不同的数值替换已有的 6 行" in refused.all_errors()[0].text("zh")
    assert "--replace" in refused.all_errors()[0].text("en")
    assert latest_good(root)[0].id == before
    cli = run_cli(root, "import", str(june), "--dry-run", "--lang", "zh")
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "将替换已有的 6 行：月度人员与队伍：武昌区 2025-06（6行）" in cli.stdout
    assert "正式导入时加 --replace 确认替换" in cli.stdout
    assert "None" not in cli.stdout and "nan" not in cli.stdout
    done = import_files([june], root=root, replace=True)
    assert done.ok and done.snapshot is not None
    stored = _headcounts(done.snapshot, dt.date(2025, 6, 1))
    assert (
        int(stored.at[blocks[0][0].code, "social_workers"])
        == values[blocks[0][0].code]["social_workers"]
    )


def test_the_imported_report_shows_on_the_community_page(root, city, tmp_path, monkeypatch):
    from app_runner import run_page

    blocks, values = city
    path = headcounts_report(tmp_path / "月报.xlsx", "武昌区", blocks, values)
    report = import_files([path], root=root)
    assert report.ok, _texts(report.all_errors())
    place = blocks[1][2]
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    at = run_page({"district": place.code[:6], "street": place.code[:9], "community": place.code})
    cards = {m.label: m.value for m in at.metric}
    assert cards["注册志愿者"] == f"{values[place.code]['registered_volunteers']}名", cards
    assert cards["专业社工"] == f"{values[place.code]['social_workers']}名", cards


def test_the_page_previews_a_report_under_its_own_headers_without_none(root, city, tmp_path):
    from govdash.app.panels.import_page import preview

    blocks, values = city
    path = headcounts_report(tmp_path / "月报.xlsx", "武昌区", blocks, values)
    report = import_files([path], root=root, dry_run=True)
    sheet = report.sheets[0]
    shown = preview(sheet.preview, sheet.table, "zh")
    assert list(shown.columns[:5]) == ["序号", "街道", "社区", "专业社工", "社区工作者"]
    assert "None" not in shown.astype(str).to_numpy().ravel().tolist()
    assert shown.iloc[3]["社区"] == "小计" and shown.iloc[3]["序号"] == ""
    english = preview(sheet.preview, sheet.table, "en")
    assert list(english.columns[:4]) == ["No.", "Street", "Community", "Social workers"]


def test_a_merged_number_is_counted_once_and_said_so(root, city, tmp_path):
    from openpyxl import load_workbook

    blocks, values = city
    path = headcounts_report(tmp_path / "月报.xlsx", "武昌区", blocks, values)
    book = load_workbook(path)
    sheet = book.active
    sheet.merge_cells("H5:H6")  # 志愿服务队 of the first two communities typed once, merged
    book.save(path)
    report = import_files([path], root=root, dry_run=True)
    warnings = _texts(report.all_warnings())
    assert any("合并单元格 H5:H6：数值只计入第5行" in w for w in warnings), warnings
    assert any("subtotal row says" in e for e in _texts(report.all_errors(), "en")), (
        "the second community's teams are now empty, so its street's 小计 no longer adds up"
    )


def test_a_corrected_report_without_ids_replaces_its_rows_instead_of_adding(root, city, tmp_path):
    blocks, _ = city
    rows = activity_rows(blocks, AUGUST)
    first = import_files(
        [activities_report(tmp_path / "八月.xlsx", "武昌区", rows, "2025年8月")], root=root
    )
    assert first.ok
    corrected = [dict(r) for r in rows[:-1]]  # one activity withdrawn …
    corrected[0]["volunteers"] += 10  # … and one figure corrected
    again = activities_report(tmp_path / "八月更正.xlsx", "武昌区", corrected, "2025年8月")
    dry = import_files([again], root=root, dry_run=True)
    assert dry.ok and dry.replaced_rows == 2, [r.text() for r in dry.replaced]
    assert not import_files([again], root=root).ok, "a correction needs the confirmation"
    done = import_files([again], root=root, replace=True)
    acts = pq.read_table(done.snapshot.table_path("activities")).to_pandas()
    august = acts[acts["date"] >= AUGUST]
    assert len(august) == len(corrected), "no activity counted twice"
    assert int(august["volunteers"].sum()) == sum(r["volunteers"] for r in corrected)
    assert done.snapshot.row_counts["activities"] == first.snapshot.row_counts["activities"] - 1
