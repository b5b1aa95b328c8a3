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
import zipfile
from collections.abc import Iterable, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from openpyxl.cell import Cell

from govdash.core.outputs.xlsx import ILLEGAL, ooxml_escape, workbook_bytes

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_PATTERN = "^[=+\\-@\t\r]"  # the same starts, for Arrow's column-wise match
# The title row a demo export starts with; the importer reads it back, so generated rows that
# make a round trip through a spreadsheet are still labelled demo data.
DEMO_MARKS = ("演示数据", "Demo data")


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
    Written by Arrow's CSV writer, column-wise: a million activity rows take about a second,
    where pandas' writer took seven.
    """
    lines = "".join(f'"{str(neutralise(p)).replace(chr(34), chr(34) * 2)}"\n' for p in preamble)
    buffer = io.BytesIO()
    buffer.write(("\ufeff" + lines).encode("utf-8"))
    # Arrow quotes every text value and every header name; line ends are LF (its only choice
    # before pyarrow 22), which Excel, WPS and every CSV reader take.
    pa_csv.write_csv(_neutral_arrow(frame), buffer)
    return buffer.getvalue()


def _neutral_arrow(frame: pd.DataFrame) -> pa.Table:
    """The frame as an Arrow table with formula-like text neutralised (whole columns at once)."""
    arrays, names = [], []
    for i, name in enumerate(frame.columns):
        column = frame.iloc[:, i]
        try:
            array = pa.array(column, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: as text
            array = pa.array(column.map(str, na_action="ignore"), from_pandas=True)
        if pa.types.is_dictionary(array.type):
            array = array.cast(array.type.value_type)
        if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
            risky = pc.match_substring_regex(array, FORMULA_PATTERN)
            quote, empty = pa.scalar("'", array.type), pa.scalar("", array.type)
            array = pc.if_else(risky, pc.binary_join_element_wise(quote, array, empty), array)
        arrays.append(array)
        names.append(str(neutralise(str(name))))
    return pa.Table.from_arrays(arrays, names=names)


def zip_bytes(name: str, payload: bytes) -> bytes:
    """One file in a zip archive, deflated at level 1: five times smaller for a CSV, fast to make."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(name, payload)
    return buffer.getvalue()


def set_text(cell: Cell, value: object) -> bool:
    """The same for a cell of an ordinary (not write-only) workbook: text is typed as text, and
    characters XML cannot carry are written in the format's escape (openpyxl would raise).
    Returns whether the text held any, so the file can say so."""
    if isinstance(value, str):
        escaped = ooxml_escape(value)
        cell.value = escaped
        cell.data_type = "s"
        return bool(ILLEGAL.search(value))
    cell.value = value
    return False


def xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame], about: Iterable[str] = (), about_title: str = "说明"
) -> bytes:
    """A workbook with one sheet per frame (bold, frozen header row), text never a formula.

    `about` lines (what the file holds, the snapshot, the demo label) go on a first sheet of
    their own, so every data sheet keeps its header in row 1. Written column by column
    (core.outputs.xlsx), so a table of 100,000 rows is ready in about a second.
    """
    return workbook_bytes(sheets, list(about), about_title)
