"""The import template and the file readers, against real .xlsx and .csv files in tmp_path."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from govdash.core.data.contract import OPTIONAL_TABLES, TABLES, VOCABULARY_COLUMNS
from govdash.core.data.vocab import load_vocabulary
from govdash.importing.readers import (
    ImportFileError,
    RawSheet,
    cell_text,
    iter_csv,
    normalise,
    read_file,
)
from govdash.importing.spec import load_spec, vocabulary_for
from govdash.importing.template import TEMPLATE_HEADER_ROWS, write_template

HAN = re.compile(r"[\u4e00-\u9fff]")
SPEC = load_spec()
ACTIVITY_COLUMNS = list(SPEC["activities"].names)


@pytest.fixture()
def divisions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["420100", "420106", "420106012", "420106012001", "420106012002"],
            "level": ["city", "district", "street", "community", "community"],
            "name_zh": ["武汉市", "武昌区", "积玉桥街道", "张家湾社区", "七里一村社区"],
            "parent_code": [None, "420100", "420106", "420106012", "420106012"],
        }
    )


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def only(sheets: list[RawSheet]) -> RawSheet:
    assert len(sheets) == 1, [s.sheet for s in sheets]
    return sheets[0]


# --- spec ------------------------------------------------------------------------------------


# value_qualifiers has no sheet: qualifiers are typed in the cells ("40余") and stored apart.
SHEET_TABLES = [t for t in TABLES if t not in OPTIONAL_TABLES]


def test_spec_covers_every_contract_table_in_contract_order():
    assert list(SPEC) == SHEET_TABLES


@pytest.mark.parametrize("table", SHEET_TABLES)
def test_spec_columns_follow_the_contract(table: str):
    assert list(SPEC[table].names) == TABLES[table].schema.names


@pytest.mark.parametrize("table", SHEET_TABLES)
def test_every_header_means_one_column_within_its_table(table: str):
    meaning: dict[str, str] = {}
    for column in SPEC[table].columns:
        for key in {normalise(column.name), normalise(column.zh), normalise(column.en)}:
            assert meaning.setdefault(key, column.name) == column.name, (table, key)


def test_division_columns_hold_codes_and_vocabularies_come_from_the_contract():
    for table, sheet in SPEC.items():
        for column in sheet.columns:
            if column.division:
                assert TABLES[table].schema.field(column.name).type == "string"
    assert vocabulary_for("activities", "category") == "categories"
    assert vocabulary_for("activities", "date") is None


# --- template --------------------------------------------------------------------------------


def validations(ws) -> dict[str, object]:
    """{column letter: DataValidation} of a data sheet."""
    return {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv
        for dv in ws.data_validations.dataValidation
    }


def test_template_sheets_headers_and_machine_names(tmp_path):
    path = write_template(tmp_path / "template.xlsx")
    wb = load_workbook(path)
    titles = [sheet.title_zh for sheet in SPEC.values()]
    assert wb.sheetnames == ["说明", *titles]
    assert "_lists" not in wb.sheetnames
    for sheet in SPEC.values():
        ws = wb[sheet.title_zh]
        assert [c.value for c in ws[1]] == [c.zh for c in sheet.columns]
        assert [c.value for c in ws[2]] == list(sheet.names)
        assert ws["A1"].font.bold and ws["A2"].font.italic
        assert ws.freeze_panes == f"A{TEMPLATE_HEADER_ROWS + 1}"
        assert ws.max_row == TEMPLATE_HEADER_ROWS
    assert wb["月度人员与队伍"]["B1"].value == "社区"


def test_template_vocabulary_columns_get_a_strict_drop_down(tmp_path):
    wb = load_workbook(write_template(tmp_path / "template.xlsx"))
    category = validations(wb["服务活动"])["E"]
    assert category.type == "list"
    assert "为老服务" in category.formula1
    assert category.showErrorMessage
    assert str(category.sqref) == "E3:E5000"
    labels = [e["zh"] for e in load_vocabulary()["team_types"].values()]
    team_type = validations(wb["志愿服务队伍"])["E"]
    assert all(label in team_type.formula1 for label in labels)
    for (table, column), _vocab in VOCABULARY_COLUMNS.items():
        letter = get_column_letter(SPEC[table].names.index(column) + 1)
        assert letter in validations(wb[SPEC[table].title_zh]), (table, column)


def test_template_division_columns_list_names_from_a_hidden_sheet(tmp_path, divisions):
    wb = load_workbook(write_template(tmp_path / "template.xlsx", divisions))
    assert wb.sheetnames[-1] == "_lists"
    assert wb["_lists"].sheet_state == "hidden"
    community = validations(wb["月度人员与队伍"])["B"]
    assert community.type == "list" and "_lists" in community.formula1
    assert not community.showErrorMessage  # people may type a code instead
    assert str(community.sqref) == "B3:B5000"
    lists = wb["_lists"]
    sheet_name, cells = community.formula1.split("!")
    first, last = (int(ref.split("$")[-1]) for ref in cells.split(":"))
    column = cells.split("$")[1]
    names = [lists[f"{column}{r}"].value for r in range(first, last + 1)]
    assert names == ["张家湾社区", "七里一村社区"]
    anywhere = validations(wb["阵地与资源"])["E"]
    _, cells = anywhere.formula1.split("!")
    first, last = (int(ref.split("$")[-1]) for ref in cells.split(":"))
    assert last - first + 1 == len(divisions)


def test_template_without_divisions_has_no_division_drop_down(tmp_path):
    wb = load_workbook(write_template(tmp_path / "template.xlsx"))
    assert "B" not in validations(wb["月度人员与队伍"])


def test_instructions_explain_every_sheet(tmp_path):
    wb = load_workbook(write_template(tmp_path / "template.xlsx", lang="en"))
    text = "\n".join(
        str(v) for row in wb["说明"].iter_rows(values_only=True) for v in row if v is not None
    )
    assert wb.active.title == "说明"
    for sheet in SPEC.values():
        assert sheet.title_zh in text and sheet.about_zh in text and sheet.about_en in text
        for column in sheet.columns:
            assert column.zh in text and column.name in text
    assert "为老服务" in text  # the example row
    assert HAN.search(text) and "Data import template" in text


# --- reading the template back ---------------------------------------------------------------


def test_filled_template_reads_back_as_strings(tmp_path, divisions):
    path = write_template(tmp_path / "template.xlsx", divisions)
    wb = load_workbook(path)
    ws = wb["服务活动"]
    ws.append(
        [
            12,
            dt.date(2025, 6, 1),
            "张家湾社区",
            None,
            "为老服务",
            "一老（老年人）",
            5,
            1,
            2.5,
            24,
            True,
            None,
        ]
    )
    ws.append(
        [
            13,
            dt.datetime(2025, 6, 2),
            "420106012002",
            "T1",
            "elderly_care",
            "elderly",
            3.0,
            0,
            10,
            8,
            False,
            18,
        ]
    )
    wb.save(path)
    sheet = only(read_file(path))
    assert (sheet.file, sheet.sheet, sheet.table) == ("template.xlsx", "服务活动", "activities")
    assert sheet.first_row == 3
    assert list(sheet.frame.columns) == ACTIVITY_COLUMNS
    rows = sheet.frame.to_dict("records")
    assert rows[0]["activity_id"] == "12" and rows[0]["date"] == "2025-06-01"
    assert rows[0]["service_hours"] == "2.5" and rows[0]["is_request"] == "是"
    assert rows[0]["team_id"] is None and rows[0]["response_hours"] is None
    assert rows[1]["date"] == "2025-06-02" and rows[1]["volunteers"] == "3"
    assert rows[1]["is_request"] == "否" and rows[1]["community_code"] == "420106012002"
    assert all(isinstance(v, str) or v is None for r in rows for v in r.values())


def test_an_unfilled_template_is_refused(tmp_path):
    path = write_template(tmp_path / "template.xlsx")
    with pytest.raises(ImportFileError, match="no sheet holds any data") as caught:
        read_file(path)
    assert HAN.search(caught.value.text("zh"))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12, "12"),
        (12.0, "12"),
        (0.1, "0.1"),
        (420106012001.0, "420106012001"),
        (dt.datetime(2025, 6, 1), "2025-06-01"),
        (dt.datetime(2025, 6, 1, 14, 30), "2025-06-01 14:30:00"),
        (dt.date(2025, 6, 1), "2025-06-01"),
        (True, "是"),
        (False, "否"),
        (dt.timedelta(hours=2, minutes=30), "2.5"),
        ("  张家湾社区 ", "张家湾社区"),
        ("   ", None),
        (None, None),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


# --- CSV -------------------------------------------------------------------------------------

CHINESE_CSV = (
    "活动编号,日期,社区,活动类别,服务对象\n1,2025-06-01,张家湾社区,为老服务,一老（老年人）\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_read_the_same_chinese_text(tmp_path, encoding):
    sheet = only(read_file(write_csv(tmp_path / "upload.csv", CHINESE_CSV, encoding)))
    assert sheet.table == "activities"
    assert list(sheet.frame.columns) == [
        "activity_id",
        "date",
        "community_code",
        "category",
        "target_group",
    ]
    assert sheet.frame.iloc[0].tolist() == [
        "1",
        "2025-06-01",
        "张家湾社区",
        "为老服务",
        "一老（老年人）",
    ]
    assert sheet.first_row == 2  # one header row


def test_csv_with_machine_name_row_starts_at_row_three(tmp_path):
    text = (
        "月份,社区,注册志愿者\nmonth,community_code,registered_volunteers\n2025-06,张家湾社区,257\n"
    )
    sheet = only(read_file(write_csv(tmp_path / "upload.csv", text)))
    assert sheet.table == "headcounts" and sheet.first_row == 3
    assert sheet.frame.to_dict("records") == [
        {"month": "2025-06", "community_code": "张家湾社区", "registered_volunteers": "257"}
    ]


@pytest.mark.parametrize(
    "header",
    [
        "社区代码 (community_code)",
        "社区代码（community_code）",
        " 社区\u3000",
        "COMMUNITY",
        "*社区",
    ],
)
def test_header_variants_are_recognised(tmp_path, header):
    text = f"{header},月份,Registered Volunteers\n420106012001,2025-06,12\n"
    sheet = only(read_file(write_csv(tmp_path / "headcounts.csv", text)))
    assert list(sheet.frame.columns) == ["community_code", "month", "registered_volunteers"]


def test_unrecognised_headers_are_kept_and_empty_cells_are_none(tmp_path):
    text = "日期,社区,备注,,\n2025-06-01,,hello,,\n,,,,\n\n"
    sheet = only(read_file(write_csv(tmp_path / "活动.csv", text)))
    assert list(sheet.frame.columns) == ["date", "community_code", "备注"]
    assert sheet.frame.to_dict("records") == [
        {"date": "2025-06-01", "community_code": None, "备注": "hello"}
    ]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(tmp_path, delimiter):
    text = CHINESE_CSV.replace(",", delimiter).replace("为老服务", "为老服务, 周末")
    sheet = only(read_file(write_csv(tmp_path / "upload.csv", text)))
    assert sheet.table == "activities"
    assert sheet.frame.loc[0, "category"] == "为老服务, 周末"


def test_quoted_fields_with_delimiters_and_newlines(tmp_path):
    text = '编号,原文,数值\nF01,"已组建530余支志愿服务队,\n覆盖全区",530余\n'
    sheet = only(read_file(write_csv(tmp_path / "reported_facts.csv", text)))
    assert sheet.table == "reported_facts"
    assert sheet.frame.loc[0, "source_sentence"] == "已组建530余支志愿服务队,\n覆盖全区"


# --- which table -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stem", ["activities", "服务活动", "Service activities", "服务活动2025年6月"]
)
def test_table_by_csv_file_name(tmp_path, stem):
    sheet = only(read_file(write_csv(tmp_path / f"{stem}.csv", "名称,备注\n甲,乙\n")))
    assert sheet.table == "activities"


def test_table_by_header_overlap(tmp_path):
    text = "区划代码,层级,名称,英文名称,上级区划代码,常住人口\n420106,区,武昌区,Wuchang,420100,\n"
    assert only(read_file(write_csv(tmp_path / "upload.csv", text))).table == "divisions"


def test_no_table_when_headers_are_ambiguous_or_unknown(tmp_path):
    assert only(read_file(write_csv(tmp_path / "a.csv", "名称\n甲\n"))).table is None
    assert only(read_file(write_csv(tmp_path / "b.csv", "foo,bar\n1,2\n"))).table is None


def test_table_by_sheet_name_and_by_headers_in_a_workbook(tmp_path):
    wb = Workbook()
    named = wb.active
    named.title = "Volunteer teams"
    named.append(["队伍名称", "备注"])
    named.append(["张家湾社区志愿服务队", "x"])
    unnamed = wb.create_sheet("Sheet2")
    unnamed.append(["武昌区服务活动统计表"])  # a title row above the headers
    unnamed.append(["日期", "社区", "活动类别", "志愿者人次"])
    unnamed.append([dt.date(2025, 6, 1), "张家湾社区", "为老服务", 5])
    wb.create_sheet("Sheet3")  # empty: skipped
    path = tmp_path / "mixed.xlsx"
    wb.save(path)
    teams, activities = read_file(path)
    assert (teams.sheet, teams.table, teams.first_row) == ("Volunteer teams", "teams", 2)
    assert list(teams.frame.columns) == ["name_zh", "备注"]
    assert (activities.sheet, activities.table, activities.first_row) == ("Sheet2", "activities", 3)
    assert activities.frame.iloc[0].tolist() == ["2025-06-01", "张家湾社区", "为老服务", "5"]


# --- large CSV -------------------------------------------------------------------------------


def test_iter_csv_yields_bounded_chunks_that_add_up(tmp_path):
    rows = 300_000
    path = tmp_path / "activities.csv"
    body = "\n".join(f"{i},2025-06-01,420106012001,elderly_care,elderly,5" for i in range(rows))
    path.write_text(
        "活动编号,日期,社区,活动类别,服务对象,志愿者人次\n" + body + "\n", encoding="utf-8"
    )
    reports: list[float] = []
    chunks = list(iter_csv(path, chunk_rows=100_000, progress=lambda f, _m: reports.append(f)))
    assert len(chunks) > 1
    assert sum(len(c.frame) for c in chunks) == rows
    assert all(c.table == "activities" and len(c.frame) <= 100_000 for c in chunks)
    for before, after in itertools.pairwise(chunks):
        assert after.first_row == before.first_row + len(before.frame)
    assert chunks[0].first_row == 2 and chunks[-1].frame.iloc[-1, 0] == str(rows - 1)
    assert reports == sorted(reports) and reports[-1] == 1.0


def test_iter_csv_checks_the_file_before_iterating(tmp_path):
    with pytest.raises(ImportFileError):
        iter_csv(tmp_path / "missing.csv")


# --- bad files -------------------------------------------------------------------------------


def minimal_xlsx(tmp_path: Path) -> bytes:
    wb = Workbook()
    wb.active.append(["日期"])
    wb.active.append(["2025-06-01"])
    wb.save(tmp_path / "ok.xlsx")
    return (tmp_path / "ok.xlsx").read_bytes()


def ole2(*extra: bytes) -> bytes:
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + b"".join(extra) + b"\x00" * 64


def docx_like(tmp_path: Path) -> bytes:
    path = tmp_path / "doc.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return path.read_bytes()


BAD_FILES = {
    "empty": ("empty.xlsx", lambda tmp: b"", "空"),
    "empty csv": ("empty.csv", lambda tmp: b"", "空"),
    "blank csv": ("blank.csv", lambda tmp: b"\n \n\n", "没有表头或数据"),
    "header only": ("activities.csv", lambda tmp: "日期,社区\n".encode(), "没有表头或数据"),
    "old xls": ("old.xls", lambda tmp: ole2(), "另存为 .xlsx"),
    "xls renamed": ("renamed.xlsx", lambda tmp: ole2(), "另存为 .xlsx"),
    "password": (
        "secret.xlsx",
        lambda tmp: ole2("EncryptedPackage".encode("utf-16-le")),
        "密码",
    ),
    "text renamed": ("notes.xlsx", lambda tmp: "日期,社区\n".encode(), "文件不是有效的 Excel 表格"),
    "png renamed": ("image.xlsx", lambda tmp: b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "不是有效"),
    "truncated zip": ("broken.xlsx", lambda tmp: minimal_xlsx(tmp)[:300], "损坏"),
    "garbage zip": ("garbage.xlsx", lambda tmp: b"PK\x03\x04" + b"\x07" * 500, "损坏"),
    "docx renamed": ("letter.xlsx", docx_like, "不是有效的 Excel 表格"),
    "unsupported": ("report.pdf", lambda tmp: b"%PDF-1.4", "不支持的文件类型"),
    "no extension": ("report", lambda tmp: b"a,b\n1,2\n", "不支持的文件类型"),
    "undecodable csv": ("latin.csv", lambda tmp: b"name\ncaf\xe9,\xff\xfe\n", "编码"),
    "binary csv": ("image.csv", lambda tmp: b"\x89PNG\r\n\x1a\n\x00\x00", "不是文本"),
    "xlsx named csv": ("data.csv", minimal_xlsx, ".xlsx"),
    "ragged csv": (
        "teams.csv",
        lambda tmp: ("a,b\n" + "1,2\n" * 80 + "1,2,3\n").encode(),
        "第 82 行的列数多于",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_raise_a_located_bilingual_error(tmp_path, case):
    name, content, expected_zh = BAD_FILES[case]
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    with pytest.raises(ImportFileError) as caught:
        read_file(path)
    problem = caught.value.problems[0]
    assert problem.code == "file" and problem.where == name
    assert expected_zh in problem.zh, problem.zh
    assert HAN.search(caught.value.text("zh")) and not HAN.search(problem.en)
    if path.suffix == ".csv":
        with pytest.raises(ImportFileError):
            list(iter_csv(path))


def test_a_missing_file_is_reported_by_name(tmp_path):
    with pytest.raises(ImportFileError) as caught:
        read_file(tmp_path / "gone.xlsx")
    assert caught.value.problems[0].where == "gone.xlsx"
    assert "找不到文件" in caught.value.text("zh")
