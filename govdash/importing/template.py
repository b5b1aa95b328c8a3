"""The import template: one .xlsx sheet per contract table, with instructions and drop-downs.

Row 1 holds the Chinese headers people read, row 2 the machine names (the contract's column
names) so that a column stays findable if someone retitles it; data starts at row 3. The reader
(govdash.importing.readers) accepts either header row, so a sheet saved from this template
imports without further mapping.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from govdash.core.data.contract import TABLES
from govdash.core.data.vocab import load_vocabulary
from govdash.core.outputs.exports import set_text
from govdash.importing.spec import ColumnSpec, SheetSpec, load_spec, vocabulary_for

TEMPLATE_HEADER_ROWS = 2
INSTRUCTIONS_SHEET = "说明"
LISTS_SHEET = "_lists"
# Drop-downs cover this many rows; the reader itself has no row limit.
VALIDATION_LAST_ROW = 5000
# Excel refuses an inline list ("a,b,c") longer than 255 characters.
INLINE_LIST_LIMIT = 250
YES_NO = ("是", "否")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MACHINE_FONT = Font(italic=True, color="808080")
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)
LABEL_FONT = Font(bold=True, color="595959")

INTRO = {
    "zh": (
        "本工作簿用于导入数据：每张工作表对应一类数据，请从第 3 行开始逐行填写。",
        "第 1 行是中文列名，第 2 行是系统列名（灰色斜体），请勿删除或修改这两行。",
        "带下拉列表的列可从列表中选择，也可填写代码；区划列可填写区划名称或区划代码。",
        "日期写作 2025-06-01，月份写作 2025-06；“是否”类列填写 是 或 否。",
        "不需要的工作表可以留空或删除，也可将某一张表另存为 CSV（UTF-8 或 GBK 编码）后导入。",
    ),
    "en": (
        "This workbook imports data: one sheet per kind of data; fill in one row each from row 3.",
        "Row 1 holds the Chinese headers, row 2 the machine names (grey italics): keep both rows.",
        "Drop-down columns accept a listed label or its code; division columns a name or a code.",
        "Write dates as 2025-06-01 and months as 2025-06; yes/no columns take 是 or 否.",
        "Leave unused sheets empty or delete them; one sheet saved as CSV (UTF-8 or GBK) "
        "imports too.",
    ),
}
ROW_LABELS = {
    "header": {"zh": "中文列名", "en": "Header"},
    "machine": {"zh": "系统列名", "en": "Machine name"},
    "required": {"zh": "必填", "en": "Required"},
    "example": {"zh": "示例", "en": "Example"},
}
DROPDOWN_ERROR = {
    "zh": ("无效的值", "请从下拉列表中选择。"),
    "en": ("Invalid value", "Choose a value from the drop-down list."),
}


def _display_width(text: str) -> int:
    """Columns a text needs in Excel: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _bilingual(pair: dict[str, str], lang: str) -> str:
    other = "en" if lang == "zh" else "zh"
    return f"{pair[lang]} / {pair[other]}"


class _Lists:
    """The hidden sheet holding drop-down values too long for an inline list; one column each."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        self.sheet: Worksheet | None = None
        self.ranges: dict[str, str] = {}

    def reference(self, key: str, values: list[str]) -> str:
        if key in self.ranges:
            return self.ranges[key]
        if self.sheet is None:
            self.sheet = self.workbook.create_sheet(LISTS_SHEET)
            self.sheet.sheet_state = "hidden"
        col = len(self.ranges) + 1
        letter = get_column_letter(col)
        self.sheet.cell(row=1, column=col, value=key)
        for i, value in enumerate(values, start=2):  # division names come from reports: text only
            set_text(self.sheet.cell(row=i, column=col), value)
        last = len(values) + 1
        self.ranges[key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${last}"
        return self.ranges[key]


def _division_names(divisions: pd.DataFrame | None, scope: str) -> list[str]:
    if divisions is None or divisions.empty:
        return []
    rows = divisions if scope == "any" else divisions[divisions["level"] == scope]
    names = rows["name_zh"].dropna().astype(str).str.strip()
    return list(dict.fromkeys(n for n in names if n))


def _vocabulary_labels(vocabulary: str) -> list[str]:
    return [entry["zh"] for entry in load_vocabulary()[vocabulary].values()]


def _list_validation(
    column: ColumnSpec,
    table: str,
    divisions: pd.DataFrame | None,
    lists: _Lists,
    lang: str,
) -> DataValidation | None:
    """A drop-down for vocabulary, yes/no and division columns; None for free text."""
    vocabulary = vocabulary_for(table, column.name)
    is_bool = TABLES[table].schema.field(column.name).type == pa.bool_()
    if vocabulary is not None:
        values, key, strict = _vocabulary_labels(vocabulary), vocabulary, True
    elif is_bool:
        values, key, strict = list(YES_NO), "yes_no", False
    elif column.division is not None:
        values, key, strict = _division_names(divisions, column.division), column.division, False
    else:
        return None
    if not values:
        return None
    inline = ",".join(values)
    if column.division is None and len(inline) <= INLINE_LIST_LIMIT and "," not in "".join(values):
        formula = f'"{inline}"'
    else:
        formula = lists.reference(key, values)
    title, message = DROPDOWN_ERROR[lang if lang in DROPDOWN_ERROR else "zh"]
    # Division and yes/no columns also take codes or "true"; the importer judges those.
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=strict,
        errorTitle=title,
        error=message,
    )


def _write_data_sheet(
    workbook: Workbook,
    sheet: SheetSpec,
    divisions: pd.DataFrame | None,
    lists: _Lists,
    lang: str,
) -> None:
    ws = workbook.create_sheet(sheet.title_zh)
    string_columns = {f.name for f in TABLES[sheet.table].schema if f.type == pa.string()}
    for j, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(j)
        header = ws.cell(row=1, column=j, value=column.zh)
        header.font, header.fill = HEADER_FONT, HEADER_FILL
        header.alignment = Alignment(horizontal="center", vertical="center")
        ws.cell(row=2, column=j, value=column.name).font = MACHINE_FONT
        width = max(_display_width(t) for t in (column.zh, column.name, column.example))
        ws.column_dimensions[letter].width = min(max(width + 4, 10), 40)
        if column.name in string_columns:
            # Codes stay text: Excel would show 420106012001 as 4.20106E+11 and drop leading 0s.
            ws.column_dimensions[letter].number_format = "@"
        validation = _list_validation(column, sheet.table, divisions, lists, lang)
        if validation is not None:
            validation.add(f"{letter}{TEMPLATE_HEADER_ROWS + 1}:{letter}{VALIDATION_LAST_ROW}")
            ws.add_data_validation(validation)
    ws.freeze_panes = ws.cell(row=TEMPLATE_HEADER_ROWS + 1, column=1)


def _write_instructions(ws: Worksheet, sheets: list[SheetSpec], lang: str) -> None:
    other = "en" if lang == "zh" else "zh"
    title = {"zh": "数据导入模板", "en": "Data import template"}
    ws.cell(row=1, column=1, value=_bilingual(title, lang)).font = TITLE_FONT
    row = 3
    for language in (lang, other):
        for line in INTRO[language]:
            ws.cell(row=row, column=1, value=line)
            row += 1
        row += 1
    widest = 0
    for sheet in sheets:
        row += 1
        heading = f"{sheet.title_zh}（{sheet.title_en}）· {sheet.table}"
        ws.cell(row=row, column=1, value=heading).font = SECTION_FONT
        for language in (lang, other):
            row += 1
            ws.cell(row=row, column=1, value=sheet.about(language))
        required = set(TABLES[sheet.table].required)
        table_rows = {
            "header": [c.zh for c in sheet.columns],
            "machine": [c.name for c in sheet.columns],
            "required": ["是" if c.name in required else "" for c in sheet.columns],
            "example": [c.example for c in sheet.columns],
        }
        for kind, values in table_rows.items():
            row += 1
            ws.cell(row=row, column=1, value=_bilingual(ROW_LABELS[kind], lang)).font = LABEL_FONT
            for j, value in enumerate(values, start=2):
                cell = ws.cell(row=row, column=j, value=value or None)
                if kind == "header":
                    cell.font, cell.fill = HEADER_FONT, HEADER_FILL
                elif kind == "machine":
                    cell.font = MACHINE_FONT
        widest = max(widest, len(sheet.columns))
        row += 1
    ws.column_dimensions["A"].width = 22
    for j in range(2, widest + 2):
        ws.column_dimensions[get_column_letter(j)].width = 18


def write_template(path: Path, divisions: pd.DataFrame | None = None, lang: str = "zh") -> Path:
    """Write the import workbook; with `divisions`, division columns get a drop-down of names.

    `divisions` has the columns code, level, name_zh and parent_code (the divisions table).
    `lang` chooses which language the instructions and drop-down messages show first; headers
    and drop-down values are always the Chinese ones people type.
    """
    path = Path(path)
    sheets = list(load_spec().values())
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    _write_instructions(instructions, sheets, lang)
    lists = _Lists(workbook)
    for sheet in sheets:
        _write_data_sheet(workbook, sheet, divisions, lists, lang)
    if lists.sheet is not None:
        workbook.move_sheet(lists.sheet, offset=len(workbook.sheetnames))
    workbook.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path
