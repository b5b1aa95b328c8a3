"""What openpyxl's read-only mode does not give: a sheet's merged cells, hidden rows/columns and
formula cells that hold no computed value.

Read-only mode keeps a big workbook's memory bounded but skips the sheet's <mergeCells> and the
hidden flags of <col> and <row>. A report's merged 街道 cell (one street over its communities)
and a hidden column matter to an import, so they are read here from the sheet's XML in one
streaming pass. So are formulas saved without their value (a file written by a program that does
not calculate): openpyxl reads such a cell as empty, and the import must say it is a formula. Sheets too large to be a hand-made report are not scanned.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import iterparse

from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

MAX_SCANNED_BYTES = 32 * 2**20  # hand-made reports are far smaller; bigger sheets are data dumps


@dataclass(frozen=True)
class SheetMarks:
    """Merged ranges as (min_row, min_col, max_row, max_col), 1-based; hidden rows and columns."""

    merged: tuple[tuple[int, int, int, int], ...] = ()
    hidden_rows: frozenset[int] = frozenset()
    hidden_columns: frozenset[int] = frozenset()
    formulas: frozenset[tuple[int, int]] = frozenset()  # (row, column) of formulas without a value


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def sheet_marks(path: Path, member: str | None) -> SheetMarks:
    """The marks of one worksheet (`member` is its path inside the package), or none."""
    if not member:
        return SheetMarks()
    member = member.lstrip("/")
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.getinfo(member).file_size > MAX_SCANNED_BYTES:
                return SheetMarks()
            with archive.open(member) as xml:
                return _scan(xml)
    except (KeyError, zipfile.BadZipFile, OSError, SyntaxError, ValueError):
        return SheetMarks()  # the sheet itself is read by openpyxl, which reports real damage


def _scan(xml) -> SheetMarks:
    merged: list[tuple[int, int, int, int]] = []
    rows: set[int] = set()
    columns: set[int] = set()
    formulas: set[tuple[int, int]] = set()
    for _event, element in iterparse(xml, events=("end",)):
        tag = _local(element.tag)
        if tag == "c" and element.get("r"):
            parts = {_local(child.tag): child for child in element}
            value = parts.get("v")
            if "f" in parts and (value is None or not (value.text or "").strip()):
                formulas.add(coordinate_to_tuple(element.get("r")))
        elif tag == "row":
            if element.get("hidden") in ("1", "true") and element.get("r"):
                rows.add(int(element.get("r")))
            element.clear()  # its cells are not needed here: keep memory flat
        elif tag == "col" and element.get("hidden") in ("1", "true"):
            columns.update(range(int(element.get("min")), int(element.get("max")) + 1))
        elif tag == "mergeCell" and element.get("ref"):
            min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
            merged.append((min_row, min_col, max_row, max_col))
    return SheetMarks(tuple(merged), frozenset(rows), frozenset(columns), frozenset(formulas))
