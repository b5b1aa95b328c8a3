"""Where the table is on a sheet laid out the way district offices lay out their reports.

A real monthly report has a title row (武昌区2025年6月志愿服务统计报表) and a 填报单位/填报日期
row above its headers, a header of one or two rows (人员情况 merged over 专业社工 / 社区工作者 …),
序号/街道/社区 columns, 小计 and 合计 rows, and notes and signatures under the table. This module
finds the header block, names each column (template words, synonyms, helper columns), drops the
rows that are not data, and finds the report's month when no column holds it, saying each time
what it did so that the import report can show it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from govdash.core.outputs.exports import DEMO_MARKS
from govdash.importing import headers

HEADER_SEARCH_ROWS = 30  # a title, a 填报 row and blank rows above the headers are tolerated
MIN_HEADER_SCORE = 2  # fewer recognised headers than this: the first filled row is the header
MONTHLY_TABLES = frozenset({"headcounts", "outcomes"})
# Rows that describe the report rather than hold data: above the headers (填报单位、填报日期) or
# under the table (注：…、审核人：…、联系电话：…).
NOTE_START = re.compile(
    r"^\s*(注|备注|说明|附注|附件|填表|填报|制表|审核|审批|复核|单位负责人|负责人|联系人|联系电话|"
    r"电话|统计人|经办人|签字|签名|盖章|报送|note|remark|prepared|checked|contact)",
    re.IGNORECASE,
)
NOTE_MAX_CELLS = 4
FILING_ROW = re.compile(r"(填报|填表|制表|报送|打印|导出)")
MONTH_WORDS = re.compile(r"(?<!\d)(20\d{2})\s*年\s*(1[0-2]|0?[1-9])\s*月(?!\s*[-—~～至到])")
MONTH_DASHED = re.compile(r"(?<!\d)(20\d{2})[-_./](1[0-2]|0?[1-9])(?![\d\-./~～至到])")
MONTH_COMPACT = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?!\d)")


@dataclass(frozen=True)
class Note:
    """Something the reader did or saw, for the import report; a warning asks for a second look.
    `row` is the spreadsheet row (1-based) and `column` the frame's column name, when known."""

    en: str
    zh: str
    row: int | None = None
    column: str | None = None
    warning: bool = False


@dataclass(frozen=True)
class Layout:
    header_at: int  # 0-based index of the header block's first row
    header_rows: int  # 1, 2 with a two-row header or the template's machine-name row
    table: str | None
    columns: tuple[str, ...]
    unnamed: frozenset[str]  # columns without a header: dropped when they hold nothing
    demo: bool = False  # a title row above the headers marks the rows as generated demo data
    titles: tuple[str, ...] = ()  # the text of each row above the headers
    notes: tuple[Note, ...] = field(default=())

    @property
    def body_at(self) -> int:
        return self.header_at + self.header_rows


def _cell(row: list[str | None] | None, j: int) -> str | None:
    return row[j] if row is not None and j < len(row) else None


def _group_labels(top: list[str | None], bottom: list[str | None], width: int) -> list[str | None]:
    """The top row of a two-row header with each group label (人员情况, merged over several
    columns; its cells after the first are empty) carried over the columns it spans below."""
    out: list[str | None] = []
    carried: str | None = None
    for j in range(width):
        text = _cell(top, j)
        if text is not None:
            carried = text
        elif _cell(bottom, j) is None:
            carried = None  # a column empty in both rows ends the group
        out.append(text if text is not None else (carried if _cell(bottom, j) else None))
    return out


def _texts(top: str | None, bottom: str | None) -> list[str]:
    """What a column of a two-row header may be called: the lower cell, both together, the upper."""
    found = [bottom] if bottom else []
    if top and bottom:
        found.append(top + bottom)
    if top:
        found.append(top)
    return found


def _score(top: list[str | None] | None, bottom: list[str | None] | None, width: int) -> int:
    """How many columns of a header (one row: `top` None) read like headers."""
    labels = _group_labels(top, bottom, width) if top is not None else [None] * width
    return sum(
        1
        for j in range(width)
        if any(headers.is_header_word(t) for t in _texts(labels[j], _cell(bottom, j)))
    )


def _header_block(rows: list[list[str | None]], width: int) -> tuple[int, int] | None:
    """(first row, number of rows) of the header block: the one or two rows, among the first
    HEADER_SEARCH_ROWS filled ones, whose cells read most like headers."""
    filled = [i for i, row in enumerate(rows) if any(c is not None for c in row)]
    filled = filled[:HEADER_SEARCH_ROWS]
    if not filled:
        return None
    single = {i: _score(None, rows[i], width) for i in filled}
    best = (single[filled[0]], -filled[0], -1)
    for i in filled:
        best = max(best, (single[i], -i, -1))
        below = rows[i + 1] if i + 1 < len(rows) else None
        if below is None or headers.is_machine_row(below, None):
            continue
        paired = _score(rows[i], below, width)
        if paired > single[i] and paired > single.get(i + 1, _score(None, below, width)):
            best = max(best, (paired, -i, -2))
    score, at, size = best
    if score < MIN_HEADER_SCORE:
        return filled[0], 1
    return -at, -size


def _row_text(row: list[str | None]) -> str:
    seen: list[str] = []
    for cell in row:
        if cell is not None and cell not in seen:
            seen.append(cell)
    return " ".join(seen)


def detect(rows: list[list[str | None]], names: list[str], width: int) -> Layout | None:
    """Where the headers are, which table the sheet is, and each column's name."""
    block = _header_block(rows, width)
    if block is None:
        return None
    header_at, size = block
    top = rows[header_at] if size == 2 else None
    bottom = rows[header_at + 1] if size == 2 else rows[header_at]
    labels = _group_labels(top, bottom, width) if top is not None else [None] * width
    texts = [_texts(labels[j], _cell(bottom, j)) for j in range(width)]
    below = rows[header_at + size] if header_at + size < len(rows) else []
    table = headers.table_by_name(names) or headers.table_by_headers(
        [t[0] if t else None for t in texts]
    )
    if table is None and size == 1 and headers.is_machine_row(below, None):
        table = headers.table_by_headers(below)
    table = table or headers.table_by_prefix(names)
    machine = below if size == 1 and headers.is_machine_row(below, table) else None

    columns: list[str] = []
    unnamed: set[str] = set()
    for j in range(width):
        code = _cell(machine, j)
        name = next((n for t in texts[j] if (n := headers.machine_name(t, table))), None)
        if name is None and code:
            name = headers.machine_name(code, table)
        if name is None:
            name = next((n for t in texts[j] if (n := headers.helper(t))), None)
        if name is None or name in columns:
            letter = get_column_letter(j + 1)
            shown = "/".join(t for t in (labels[j], _cell(bottom, j)) if t)
            name = shown or f"列{letter}"
            if name in columns:
                name = f"{name} ({letter})"
            if not shown:
                unnamed.add(name)
        columns.append(name)
    above = [_row_text(r) for r in rows[:header_at] if any(c is not None for c in r)]
    demo = any(text.startswith(DEMO_MARKS) for r in rows[:header_at] for text in r if text)
    notes = []
    if above:
        notes.append(
            Note(
                f"{len(above)} row(s) above the headers (title, filing details) skipped",
                f"已跳过表头上方的{len(above)}行（标题、填报信息）",
                row=header_at + 1,
            )
        )
    return Layout(
        header_at,
        2 if machine is not None else size,
        table,
        tuple(columns),
        frozenset(unnamed),
        demo,
        tuple(above),
        tuple(notes),
    )


def is_note_row(row: list[str | None]) -> bool:
    """注：…, 审核人：…, 联系电话：… under the table: a few cells, the first one a note word."""
    values = [c for c in row if c is not None]
    if not values or len(set(values)) > NOTE_MAX_CELLS:
        return False
    return bool(NOTE_START.match(unicodedata.normalize("NFKC", values[0])))


def month_in(text: str) -> str | None:
    """The one month a text names ("2025年6月", "2025-06", "202506") as YYYY-MM, or None."""
    text = unicodedata.normalize("NFKC", text)
    found = {
        f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
        for pattern in (MONTH_WORDS, MONTH_DASHED, MONTH_COMPACT)
        for m in pattern.finditer(text)
    }
    return found.pop() if len(found) == 1 else None


def report_month(
    layout: Layout, file_stem: str, given: str | None
) -> tuple[str | None, Note | None]:
    """The month of a sheet with no month column: from its title, its file name or the month
    given on import, in that order, with a note saying which was used."""
    for title in layout.titles:
        if FILING_ROW.search(title):
            continue  # 填报日期：2025年7月5日 is when it was filed, not the month it reports
        if month := month_in(title):
            return month, Note(
                f"month {month} taken from the title {title!r}",
                f"月份取自标题“{title}”：{month}",
            )
    if month := month_in(file_stem):
        return month, Note(
            f"month {month} taken from the file name {file_stem!r}",
            f"月份取自文件名“{file_stem}”：{month}",
        )
    if given:
        return given, Note(
            f"month {given} as given on import (--month)",
            f"月份取自导入时指定的月份：{given}",
        )
    return None, None
