"""A column-at-a-time XLSX writer for downloads, so a table of 100,000 rows is ready in about a second.

openpyxl and XlsxWriter build a workbook one cell object at a time: about 10 s for the demo's
53,000 monthly reports (480,000 cells) with openpyxl, about 3 s with XlsxWriter (bench/
download_bench.py), too slow for a download that should start at once. A table is already
columnar, so this module turns each column into SpreadsheetML with whole-column string operations
and zips the parts. It writes only what a download needs, by the ECMA-376 rules:

- numbers as numbers; booleans as booleans; dates and times as serial numbers with a date format;
- text as inline strings (`t="inlineStr"`), which no spreadsheet program evaluates, so a name
  like `=HYPERLINK(...)` stays text; characters XML 1.0 cannot carry (control characters, lone
  surrogates) are written in the format's own escape `_x0001_`, which Excel and WPS read back as
  the character, so nothing is changed silently, and a note says how many cells hold them; a
  carriage return is kept as `&#13;`;
- a bold, frozen header row, column widths fitted to the header and a sample of values (a CJK
  character counts two), and a `<dimension>` on every sheet (readers use it to size the sheet);
- missing values (None, NaN, NaT, ±inf) as absent cells.

The importer reads these files back with openpyxl (tests/test_exports.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

SHEET_TITLE = 31  # characters Excel allows in a sheet name
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot carry at all (a tab, LF and CR can; CR is written as a reference),
# and lone surrogates, which UTF-8 cannot encode.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# ECMA-376's escape for such a character is _xHHHH_; a literal "_xHHHH_" in the text is itself
# escaped (its underscore as _x005F_) so that it reads back as typed.
OOXML_ESCAPED = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
EXCEL_EPOCH = np.datetime64("1899-12-30")
# Style indexes into STYLES' cellXfs.
PLAIN, BOLD, DATE, DATETIME, WHOLE, ONE_PLACE = 0, 1, 2, 3, 4, 5
# Number formats a caller may ask for by name, per column (a briefing workbook's figures).
NUMBER_FORMATS = {"whole": WHOLE, "one_place": ONE_PLACE}
WIDTH_SAMPLE = 200  # rows looked at to fit a column's width
MAX_WIDTH = 60

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STYLES = (
    HEAD + f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="166" formatCode="#,##0.0"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """A, B, ..., Z, AA, ... for a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def ooxml_escape(text: str) -> str:
    """Text a spreadsheet cell can hold: characters XML cannot carry as _xHHHH_, which Excel,
    WPS and LibreOffice read back as the characters themselves."""
    if "_x" in text:
        text = OOXML_ESCAPED.sub("_x005F_", text)
    return ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


ESCAPE_SEQUENCE = re.compile("_x([0-9A-Fa-f]{4})_")


def ooxml_unescape(text: str) -> str:
    """The inverse of ooxml_escape, for cells read with openpyxl (which leaves _xHHHH_ as it is
    in the file: Excel writes a control character typed in a cell, or a literal "_x0041_", so)."""
    if "_x" not in text:
        return text
    return ESCAPE_SEQUENCE.sub(lambda m: chr(int(m.group(1), 16)), text)


def illegal_cells(sheets: Mapping[str, pd.DataFrame]) -> int:
    """How many text cells (headers included) hold characters XML cannot carry. A column is
    searched once as one text (one pass in C); only a column that has any is counted cell by
    cell, so a clean table of 100,000 rows costs a few milliseconds."""
    found = 0
    for frame in sheets.values():
        found += sum(bool(ILLEGAL.search(str(c))) for c in frame.columns)
        for name in frame.columns:
            column = frame[name]
            if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(
                column
            ):
                continue
            texts = [v for v in column.to_numpy(dtype=object) if isinstance(v, str)]
            if texts and ILLEGAL.search("\n".join(texts)):
                found += sum(bool(ILLEGAL.search(v)) for v in texts)
    return found


def escape(text: str) -> str:
    """Text as XML character data, with what XML cannot carry in the format's own escape."""
    text = ooxml_escape(text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def sheet_title(title: str, taken: set[str]) -> str:
    """A title Excel accepts (31 characters, none of []:*?/\\) and unique in the workbook."""
    base = SHEET_TITLE_FORBIDDEN.sub("_", title).strip("'") or "Sheet"
    name, n = base[:SHEET_TITLE], 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: SHEET_TITLE - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def _text_cells(refs: np.ndarray, values: pd.Series, style: int = PLAIN) -> np.ndarray:
    s = f' s="{style}"' if style else ""
    texts = np.array([escape(str(v)) for v in values], dtype=object)
    return (
        '<c r="'
        + refs
        + f'" t="inlineStr"{s}><is><t xml:space="preserve">'
        + texts
        + "</t></is></c>"
    )


def _number_cells(refs: np.ndarray, numbers: np.ndarray, style: int = PLAIN) -> np.ndarray:
    s = f' s="{style}"' if style else ""
    return '<c r="' + refs + f'"{s}><v>' + numbers.astype(str).astype(object) + "</v></c>"


def _column_cells(series: pd.Series, refs: np.ndarray, number: int = PLAIN) -> np.ndarray:
    """One column's cells as XML strings ('' for a missing value), by the column's type; numbers
    get the style `number` (a thousands separator, one decimal place)."""
    out = np.full(len(series), "", dtype=object)
    if pd.api.types.is_bool_dtype(series):
        present = series.notna().to_numpy()
        bits = series[present].astype(bool).to_numpy().astype(int).astype(str).astype(object)
        out[present] = '<c r="' + refs[present] + '" t="b"><v>' + bits + "</v></c>"
        return out
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        present = np.isfinite(values)
        if pd.api.types.is_integer_dtype(series):
            numbers = series[present].to_numpy(dtype="int64")
        else:
            numbers = values[present]
        out[present] = _number_cells(refs[present], numbers, number)
        return out
    if pd.api.types.is_datetime64_any_dtype(series):
        stamps = series.dt.tz_localize(None) if series.dt.tz is not None else series
        present = stamps.notna().to_numpy()
        days = (stamps[present].to_numpy() - EXCEL_EPOCH) / np.timedelta64(1, "D")
        timed = bool((stamps[present].dt.normalize() != stamps[present]).any())
        out[present] = _number_cells(refs[present], np.round(days, 8), DATETIME if timed else DATE)
        return out
    present = series.notna().to_numpy()
    values = series[present]
    kinds = values.map(_kind).to_numpy() if len(values) else np.array([], dtype=object)
    idx = np.flatnonzero(present)
    for kind in pd.unique(kinds):
        rows = idx[kinds == kind]
        chosen = series.iloc[rows]
        if kind == "date":
            days = np.array([(v - dt.date(1899, 12, 30)).days for v in chosen], dtype="int64")
            out[rows] = _number_cells(refs[rows], days, DATE)
        elif kind == "number":
            numbers = np.array([float(v) for v in chosen])
            ok = np.isfinite(numbers)
            out[rows[ok]] = _number_cells(refs[rows[ok]], numbers[ok], number)
        elif kind == "datetime":
            stamps = pd.to_datetime(pd.Series(list(chosen))).dt.tz_localize(None)
            days = (stamps.to_numpy() - EXCEL_EPOCH) / np.timedelta64(1, "D")
            out[rows] = _number_cells(refs[rows], np.round(days, 8), DATETIME)
        else:
            out[rows] = _text_cells(refs[rows], chosen)
    return out


def _kind(value: object) -> str:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, bool | np.bool_):
        return "text"  # a stray boolean in a text column reads as its word
    if isinstance(value, int | float | np.integer | np.floating):
        return "number"
    return "text"


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _widths(frame: pd.DataFrame) -> list[float]:
    sample = frame.head(WIDTH_SAMPLE)
    widths = []
    for name in frame.columns:
        longest = max(
            [_display_width(str(name))] + [_display_width(str(v)) for v in sample[name].dropna()]
        )
        widths.append(float(min(MAX_WIDTH, max(8, longest + 2))))
    return widths


def sheet_xml(
    frame: pd.DataFrame,
    *,
    header: bool = True,
    freeze: bool = True,
    formats: Mapping[str, str] | None = None,
) -> str:
    """A worksheet: a bold header row (frozen) and the frame's rows; `formats` names a number
    format (NUMBER_FORMATS) for some columns."""
    styles = {c: NUMBER_FORMATS[f] for c, f in (formats or {}).items()}
    n_rows, n_cols = len(frame), len(frame.columns)
    first = 2 if header else 1
    row_numbers = np.arange(first, first + n_rows).astype(str).astype(object)
    body = np.full(n_rows, "", dtype=object)
    for j, name in enumerate(frame.columns):
        refs = column_letter(j) + row_numbers
        body = body + _column_cells(frame[name], refs, styles.get(name, PLAIN))
    rows = '<row r="' + row_numbers + '">' + body + "</row>"
    parts = [HEAD, f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">']
    last = f"{column_letter(max(n_cols, 1) - 1)}{first + n_rows - 1}"
    parts.append(f'<dimension ref="A1:{last}"/>')
    if header and freeze:
        parts.append(
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        )
    if n_cols:
        parts.append("<cols>")
        for j, width in enumerate(_widths(frame)):
            parts.append(f'<col min="{j + 1}" max="{j + 1}" width="{width:g}" customWidth="1"/>')
        parts.append("</cols>")
    parts.append("<sheetData>")
    if header:
        heads = [
            _text_cells(
                np.array([f"{column_letter(j)}1"], dtype=object), pd.Series([str(c)]), BOLD
            )[0]
            for j, c in enumerate(frame.columns)
        ]
        parts.append('<row r="1">' + "".join(heads) + "</row>")
    parts.append("".join(rows.tolist()))
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def escaped_note(cells: int) -> str:
    """The line a file carries when some of its cells hold control characters (both languages:
    a writer of tables does not know the reader's)."""
    return (
        f"{cells:,} 个单元格含有控制字符，已按 Excel 的转义写作 _x0001_ 形式（打开后仍为原字符）/ "
        f"{cells:,} cell(s) hold control characters, written as Excel's _x0001_ escape (read back "
        "as the characters themselves)"
    )


def notes_xml(lines: Sequence[str]) -> str:
    """A sheet of one-cell rows (what a file holds); the first line bold, like a title."""
    frame = pd.DataFrame({"": list(lines)})
    xml = sheet_xml(frame, header=False)
    return xml.replace('t="inlineStr"><is>', 't="inlineStr" s="1"><is>', 1) if lines else xml


def workbook_bytes(
    sheets: Mapping[str, pd.DataFrame],
    notes: Sequence[str] = (),
    notes_title: str = "说明",
    formats: Mapping[str, Mapping[str, str]] | None = None,
) -> bytes:
    """An XLSX file: an optional first sheet of notes, then one sheet per frame; `formats` gives
    a sheet's number formats by column (see sheet_xml). Cells with characters XML cannot carry
    are counted on the notes sheet (see ooxml_escape)."""
    taken: set[str] = set()
    parts: list[tuple[str, str]] = []
    escaped = illegal_cells(sheets)
    if escaped:
        notes = [*notes, escaped_note(escaped)] if notes else [escaped_note(escaped)]
    if notes:
        parts.append((sheet_title(notes_title, taken), notes_xml(notes)))
    for title, frame in sheets.items():
        parts.append(
            (sheet_title(title, taken), sheet_xml(frame, formats=(formats or {}).get(title)))
        )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(parts) + 1)
    )
    content_types = (
        HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + overrides
        + "</Types>"
    )
    root_rels = (
        HEAD + f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    sheets_xml = "".join(
        f'<sheet name="{escape(title).replace(chr(34), "&quot;")}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (title, _) in enumerate(parts, start=1)
    )
    workbook = (
        HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>{sheets_xml}</sheets></workbook>'
    )
    book_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(parts) + 1)
    )
    book_rels = (
        HEAD + f'<Relationships xmlns="{PKG_REL}">{book_rels}<Relationship Id="rId'
        f'{len(parts) + 1}" Type="{REL}/styles" Target="styles.xml"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", content_types)
        book.writestr("_rels/.rels", root_rels)
        book.writestr("xl/workbook.xml", workbook)
        book.writestr("xl/_rels/workbook.xml.rels", book_rels)
        book.writestr("xl/styles.xml", STYLES)
        for i, (_, xml) in enumerate(parts, start=1):
            book.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return buffer.getvalue()
