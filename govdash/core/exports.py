"""Files that leave the app (CSV and XLSX downloads, `govdash export`): no cell is a live formula.

Names and notes come from district reports, so a report can carry `=HYPERLINK(...)` or `@SUM(...)`.
Spreadsheet programs run such text as a formula when a file is opened (CSV injection). Every path
that writes a spreadsheet goes through this module:

- CSV: a text cell that starts with = + - @ tab or CR gets a leading apostrophe, the convention
  Excel and WPS show as "text"; the importer takes that apostrophe off again (`unneutralise`).
- XLSX: text is written as a typed string cell, never a formula, so it keeps its exact text.

Numbers are numbers and stay as they are: -5 is not a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

import openpyxl
import pandas as pd
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The title row a demo export starts with; the importer reads it back, so generated rows that
# make a round trip through a spreadsheet are still labelled demo data.
DEMO_MARKS = ("演示数据", "Demo data")
EXCEL_SHEET_TITLE = 31  # characters Excel allows in a sheet name


def neutralise(value: object) -> object:
    """A CSV cell that no spreadsheet will run: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The importer's inverse of `neutralise`, so an exported CSV imports unchanged."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text columns are neutralised; numeric columns are left alone."""
    out = frame.copy()
    for column in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])
        ):
            out[column] = out[column].map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, preamble: Iterable[str] = ()) -> bytes:
    """UTF-8 with a byte-order mark (Excel opens it as UTF-8), formulas neutralised.

    `preamble` lines (what the file holds, its scope, the demo label) come first, each as a
    one-cell row, so a person opening the file reads them and a program can skip them.
    """
    lines = "".join(f'"{str(neutralise(p)).replace(chr(34), chr(34) * 2)}"\r\n' for p in preamble)
    # CRLF line ends (RFC 4180): the csv writer then quotes any field holding a bare CR or LF.
    body = neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n")
    return (lines + body).encode("utf-8-sig")


def text_cell(sheet: WriteOnlyWorksheet, value: object) -> WriteOnlyCell:
    """A cell for a write-only sheet: text is always a string, never a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    return cell


def set_text(cell: Cell, value: object) -> None:
    """The same for a cell of an ordinary (not write-only) workbook."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame], about: Iterable[str] = (), about_title: str = "说明"
) -> bytes:
    """A workbook with one sheet per frame (bold header row), text never written as a formula.

    `about` lines (what the file holds, the snapshot, the demo label) go on a first sheet of
    their own, so every data sheet keeps its header in row 1.
    """
    book = openpyxl.Workbook(write_only=True)
    lines = list(about)
    if lines:
        sheet = book.create_sheet(about_title[:EXCEL_SHEET_TITLE])
        for line in lines:
            sheet.append([text_cell(sheet, line)])
    for title, frame in sheets.items():
        sheet = book.create_sheet(title[:EXCEL_SHEET_TITLE])
        header = []
        for name in frame.columns:
            cell = text_cell(sheet, str(name))
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in frame.itertuples(index=False, name=None):
            sheet.append([text_cell(sheet, _plain(v)) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _plain(value: object) -> object:
    """Values openpyxl can store: missing as empty, pandas timestamps as Python datetimes."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return value.item()
    return value
