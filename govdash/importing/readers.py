"""Reading what people upload (.xlsx or .csv) into string-only sheets, whatever the file's state.

Every cell comes back as text (or None when empty) so that the validator, not the reader, decides
what a value means and can report it with its spreadsheet row. Headers are matched to the
contract's column names through the import template (Chinese header, English header or machine
name). Nothing but ImportFileError leaves this module: a bad upload is a message, not a traceback.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from govdash.core.outputs.xlsx import ooxml_unescape
from govdash.core.text.problems import GovdashError, Problem
from govdash.core.text.progress import Progress
from govdash.importing.headers import normalise
from govdash.importing.layout import (
    HEADER_SEARCH_ROWS,
    MONTHLY_TABLES,
    NOTE_MAX_CELLS,
    Layout,
    Note,
    detect,
    is_note_row,
    report_month,
)
from govdash.importing.xlsx_marks import SheetMarks, sheet_marks

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
OLD_EXCEL_SUFFIXES = frozenset({".xls", ".et"})
# The template's own sheets that never hold data (normalised names).
SKIPPED_SHEETS = frozenset({"说明", "instructions", "_lists"})
# A workbook cell that holds a formula and no computed value (validate says so by this mark).
FORMULA_CELL = "\x00formula-without-value"

CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")  # gb18030 is a superset of GBK and GB2312
DELIMITERS = (",", ";", "\t")
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

BLOCK_BYTES = 1 << 20
SAMPLE_CHARS = 64 * 1024
MIN_CHUNK_ROWS = 4 * HEADER_SEARCH_ROWS  # the first chunk holds the whole header block
READ_FILE_CHUNK_ROWS = 1_000_000
# Limits that keep an import's memory bounded. A workbook is read whole, so it has a cell limit
# (about 150 MB of text at most); bigger tables come as CSV, which is read in chunks.
MAX_WORKBOOK_CELLS = 2_000_000
MAX_COLUMNS = 1_000
MAX_UNPACKED_BYTES = 1 << 30
# Sheet XML beyond this holds more cells than the limit (a cell takes 25-100 bytes of XML), and
# openpyxl scans all of it for a sheet without a <dimension>: refuse it before parsing.
MAX_SHEET_XML_BYTES = 256 * 2**20


class ImportFileError(GovdashError):
    """An uploaded file cannot be read at all (as opposed to holding invalid values)."""


@dataclass(frozen=True)
class RawSheet:
    """One sheet (or CSV chunk) as text. Row i of `frame` is spreadsheet row `first_row + i`, or
    `row_numbers[i]` when rows (notes, blank lines) were skipped inside the table.

    Columns carry the contract's names where a header was recognised and the header text
    otherwise; `table` is None when the sheet could not be matched to a contract table. `notes`
    say what the reader did with the sheet's layout (rows skipped, the month's source, hidden
    columns), for the import report.
    """

    file: str
    sheet: str | None
    table: str | None
    frame: pd.DataFrame
    first_row: int
    demo: bool = False  # a title row above the headers says 演示数据 (a demo export)
    notes: tuple[Note, ...] = ()
    row_numbers: np.ndarray | None = field(default=None, compare=False, repr=False)

    def row_at(self, position: int) -> int:
        """The spreadsheet row of the frame's row at `position`."""
        if self.row_numbers is None:
            return self.first_row + position
        return int(self.row_numbers[position])

    def rows_at(self, positions: np.ndarray) -> np.ndarray:
        if self.row_numbers is None:
            return positions + self.first_row
        return self.row_numbers[positions]


def _fail(path: Path, en: str, zh: str) -> ImportFileError:
    return ImportFileError(Problem("file", en, zh, Path(path).name))


# --- the table's body ------------------------------------------------------------------------
# A merged cell's value belongs to every row it spans when it names a place, a day or a kind
# (one 街道 cell over its communities); a merged number is counted once, on its first row.
FILLED_WHEN_MERGED = frozenset(
    {"街道", "区", "序号", "community_code", "division_code", "date", "month", "category",
     "target_group", "team_id", "team_type", "level", "parent_code"}
)  # fmt: skip
LISTED_ROWS = 10


def _rows_text(rows: list[int]) -> str:
    shown = "、".join(str(r) for r in rows[:LISTED_ROWS])
    return shown + ("…" if len(rows) > LISTED_ROWS else "")


def _fill_merged(
    frame: pd.DataFrame, layout: Layout, marks: SheetMarks
) -> tuple[pd.DataFrame, list[Note]]:
    notes: list[Note] = []
    if frame.empty:
        return frame, notes
    first, last = int(frame.index[0]), int(frame.index[-1])
    for min_row, min_col, max_row, max_col in marks.merged:
        if max_row == min_row or min_row < first or min_row > last:
            continue  # horizontal, or a header or title cell
        if min_col > len(layout.columns):
            continue
        name = layout.columns[min_col - 1]
        if name not in frame.columns or frame.at[min_row, name] is None:
            continue
        if name in FILLED_WHEN_MERGED:
            spanned = [r for r in range(min_row + 1, max_row + 1) if r in frame.index]
            frame.loc[spanned, name] = frame.at[min_row, name]
        else:
            cells = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
            notes.append(
                Note(
                    f"merged cell {cells}: its value is counted once, on row {min_row}",
                    f"合并单元格 {cells}：数值只计入第{min_row}行",
                    row=min_row,
                    column=name,
                    warning=True,
                )
            )
    return frame, notes


def _hidden(frame: pd.DataFrame, layout: Layout, marks: SheetMarks) -> list[Note]:
    notes = []
    for j in sorted(marks.hidden_columns):
        if j > len(layout.columns) or layout.columns[j - 1] not in frame.columns:
            continue
        name = layout.columns[j - 1]
        if name in layout.unnamed or frame[name].isna().all():
            continue
        letter = get_column_letter(j)
        notes.append(
            Note(
                f"column {letter} is hidden in the workbook; its values are imported all the "
                "same: check that they belong to this report",
                f"第{letter}列在表格中被隐藏，其数值仍会导入；请确认这些数值属于本报表",
                column=name,
                warning=True,
            )
        )
    hidden = sorted(r for r in marks.hidden_rows if r in frame.index)
    hidden = [r for r in hidden if frame.loc[r].notna().any()]
    if hidden:
        notes.append(
            Note(
                f"{len(hidden)} hidden row(s) are imported all the same (row {_rows_text(hidden)})"
                ": check that they belong to this report",
                f"{len(hidden)}个隐藏行仍会导入（第{_rows_text(hidden)}行），请确认这些行属于本报表",
                row=hidden[0],
                warning=True,
            )
        )
    return notes


def _tidy(
    frame: pd.DataFrame, layout: Layout, marks: SheetMarks | None
) -> tuple[pd.DataFrame, list[Note]]:
    """The body without note and signature rows or blank lines; merged cells and hidden rows
    and columns dealt with. The frame's index is the spreadsheet row number throughout."""
    notes: list[Note] = []
    if marks is not None:
        frame, notes = _fill_merged(frame, layout, marks)
    counts = frame.notna().sum(axis=1)
    few = frame.index[(counts > 0) & (counts <= NOTE_MAX_CELLS)]
    dropped = [r for r in few if is_note_row(list(frame.loc[r]))]
    if dropped:
        notes.append(
            Note(
                f"{len(dropped)} note or signature row(s) skipped (row {_rows_text(dropped)})",
                f"已跳过{len(dropped)}行备注或签字（第{_rows_text(dropped)}行）",
                row=int(dropped[0]),
            )
        )
    blank = frame.index[counts == 0]  # a spacer line between blocks is no row of data
    frame = frame.drop(index=[*dropped, *blank])
    if marks is not None:
        notes += _hidden(frame, layout, marks)
    return frame, notes


def _finish(frame: pd.DataFrame, layout: Layout, trim: bool) -> pd.DataFrame:
    """Drop empty header-less columns and, at the end of a sheet, trailing empty rows."""
    empty = [c for c in layout.unnamed if c in frame.columns and frame[c].isna().all()]
    frame = frame.drop(columns=empty)
    if trim and len(frame):
        filled = frame.notna().any(axis=1).to_numpy().nonzero()[0]
        frame = frame.iloc[: (filled[-1] + 1) if len(filled) else 0]
    return frame


def _with_month(
    frame: pd.DataFrame, layout: Layout, stem: str, month: str | None
) -> tuple[pd.DataFrame, list[Note]]:
    """A monthly table without a month column takes the month of its title, file name or
    --month (in that order), and the note says which."""
    if layout.table not in MONTHLY_TABLES or "month" in frame.columns or frame.empty:
        return frame, []
    found, note = report_month(layout, stem, month)
    if found is None:
        return frame, []
    return frame.assign(month=found), [note]


def _raw_sheet(
    file: str, sheet: str | None, layout: Layout, frame: pd.DataFrame, notes: list[Note]
) -> RawSheet:
    """A RawSheet from a frame indexed by spreadsheet row numbers."""
    numbers = frame.index.to_numpy(dtype="int64")
    first = int(numbers[0]) if len(numbers) else layout.body_at + 1
    contiguous = len(numbers) == 0 or int(numbers[-1]) - first + 1 == len(numbers)
    return RawSheet(
        file,
        sheet,
        layout.table,
        frame.reset_index(drop=True),
        first,
        layout.demo,
        tuple(layout.notes) + tuple(notes),
        None if contiguous else numbers,
    )


# --- Excel -----------------------------------------------------------------------------------


def cell_text(value: object) -> str | None:
    """A cell as the text a person typed: 12 not 12.0, dates as ISO, booleans as 是/否."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):  # an Excel duration ([h]:mm): hours
        return cell_text(value.total_seconds() / 3600)
    text = ooxml_unescape(str(value)).strip()  # Excel's _x0001_ escapes, as typed
    return text or None


def _contains(path: Path, needle: bytes) -> bool:
    """Search a file for bytes without reading it whole."""
    tail = b""
    with open(path, "rb") as fh:
        while block := fh.read(BLOCK_BYTES):
            if needle in tail + block:
                return True
            tail = block[-(len(needle) - 1) :]
    return False


def _check_workbook_file(path: Path) -> None:
    """Tell an encrypted, an old-format, a renamed and a broken workbook apart before opening."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE2_MAGIC:
        if _contains(path, ENCRYPTED_STREAM):
            raise _fail(
                path,
                "the workbook is password-protected: remove the password in Excel or WPS, "
                "save it and import again",
                "文件设置了打开密码，无法读取；请在 Excel 或 WPS 中取消密码并保存后再导入",
            )
        raise _fail(
            path,
            "this is an old Excel (.xls) file with an .xlsx name: save it as .xlsx in Excel or WPS",
            "文件内容是旧版 Excel（.xls）格式，只是扩展名为 .xlsx；请在 Excel 或 WPS 中另存为 .xlsx",
        )
    if not head.startswith(b"PK"):
        raise _fail(
            path,
            "not a valid Excel workbook (.xlsx); perhaps another kind of file was renamed",
            "文件不是有效的 Excel 表格（.xlsx），可能是其他类型的文件改了扩展名",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _corrupt(path, exc) from None
    if "xl/workbook.xml" not in members and not any(m.startswith("xl/") for m in members):
        raise _fail(
            path,
            "not an Excel workbook (a zip of something else, e.g. a Word document)",
            "文件不是有效的 Excel 表格（可能是 Word 文档等其他文件改了扩展名）",
        )


def _corrupt(path: Path, exc: BaseException) -> ImportFileError:
    return _fail(
        path,
        f"the workbook is damaged and cannot be read ({type(exc).__name__}): "
        "open it in Excel or WPS and save it again",
        "文件已损坏，无法读取；请在 Excel 或 WPS 中打开并重新保存后再导入",
    )


def _sheet_from_rows(
    rows: list[list[str | None]],
    file: str,
    sheet: str | None,
    names: list[str],
    marks: SheetMarks | None = None,
    month: str | None = None,
) -> RawSheet | None:
    width = max((len(r) for r in rows), default=0)
    layout = detect(rows, names, width)
    if layout is None:
        return None
    start = layout.body_at
    body = [row + [None] * (width - len(row)) for row in rows[start:]]
    index = pd.RangeIndex(start + 1, start + 1 + len(body))
    frame = pd.DataFrame(body, columns=list(layout.columns), index=index, dtype=object)
    frame, notes = _tidy(frame, layout, marks)
    frame = _finish(frame, layout, trim=True)
    if frame.empty:
        return None
    frame, more = _with_month(frame, layout, Path(file).stem, month)
    return _raw_sheet(file, sheet, layout, frame, notes + more)


def _read_workbook(path: Path, progress: Progress | None, month: str | None) -> list[RawSheet]:
    _check_workbook_file(path)
    _check_unpacked_size(path)
    with warnings.catch_warnings():
        # WPS and other writers trigger harmless openpyxl warnings (default style, extensions).
        warnings.simplefilter("ignore", UserWarning)
        return _read_sheets(path, progress, month)


def _too_large(path: Path, sheet: str, rows: int) -> ImportFileError:
    limit = f"{MAX_WORKBOOK_CELLS:,}"
    return _fail(
        path,
        f"sheet {sheet!r} is too large for a workbook import (more than {limit} cells by row "
        f"{rows:,}): split the file, or save the sheet as CSV, which is read in bounded chunks",
        f"工作表“{sheet}”过大（到第 {rows:,} 行已超过 {limit} 个单元格的上限）；"
        "请拆分文件，或另存为 CSV 后导入（CSV 分块读取）",
    )


def _too_wide(path: Path, sheet: str | None, columns: int) -> ImportFileError:
    where_en = f"sheet {sheet!r} has" if sheet else "the file has"
    where_zh = f"工作表“{sheet}”有" if sheet else "文件有"
    return _fail(
        path,
        f"{where_en} {columns:,} columns or more (at most {MAX_COLUMNS:,}); "
        "is this the right file, and is the delimiter right?",
        f"{where_zh} {columns:,} 列或更多（上限 {MAX_COLUMNS:,} 列）；请确认文件和分隔符是否正确",
    )


def _bounded_rows(
    path: Path, title: str, worksheet, cells: int
) -> tuple[list[list[str | None]], int]:
    """The sheet's rows as text, read one row at a time and refused as soon as the workbook
    passes MAX_WORKBOOK_CELLS or a row passes MAX_COLUMNS: a huge sheet costs no more memory
    than the limit allows, whatever its file claims."""
    rows: list[list[str | None]] = []
    for row in worksheet.iter_rows(values_only=True):  # (max_col would pad every row to it)
        texts = [cell_text(v) for v in row]
        while texts and texts[-1] is None:  # styled but empty cells to the right
            texts.pop()
        if len(texts) > MAX_COLUMNS:
            raise _too_wide(path, title, len(texts))
        cells += max(len(texts), 1)
        if cells > MAX_WORKBOOK_CELLS:
            raise _too_large(path, title, len(rows) + 1)
        rows.append(texts)
    return rows, cells


def _mark_formulas(rows: list[list[str | None]], formulas: frozenset[tuple[int, int]]) -> None:
    """A formula saved without its value reads as an empty cell; it is marked instead, so the
    check says it is a formula whose value is not read, not that a value is missing."""
    for row, column in formulas:
        if row > len(rows):
            continue
        cells = rows[row - 1]
        if len(cells) < column:
            cells.extend([None] * (column - len(cells)))
        if cells[column - 1] is None:
            cells[column - 1] = FORMULA_CELL


def _check_unpacked_size(path: Path) -> None:
    """A zip bomb (a small file that unpacks to gigabytes) is refused before it is parsed."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    unpacked = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    sheets = sum(i.file_size for i in infos if i.filename.startswith("xl/worksheets/"))
    if sheets > MAX_SHEET_XML_BYTES:  # far more than MAX_WORKBOOK_CELLS can take: no need to parse
        limit = f"{MAX_WORKBOOK_CELLS:,}"
        raise _fail(
            path,
            f"the workbook's sheets unpack to {sheets / 2**20:,.0f} MB, more than {limit} cells "
            "can take: split the file, or save the sheets as CSV, which is read in bounded chunks",
            f"该工作簿的表格解压后达 {sheets / 2**20:,.0f} MB，超出 {limit} 个单元格的上限；"
            "请拆分文件，或另存为 CSV 后导入（CSV 分块读取）",
        )
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10 * 1024 * 1024 and unpacked / packed > 200):
        raise _fail(
            path,
            f"the workbook unpacks to {unpacked / 2**20:,.0f} MB ({unpacked / packed:,.0f} times "
            "its size): too large or not a real report",
            f"该工作簿解压后达 {unpacked / 2**20:,.0f} MB（为文件大小的 {unpacked / packed:,.0f} "
            "倍），过大或不是正常的报表文件",
        )


def _read_sheets(path: Path, progress: Progress | None, month: str | None) -> list[RawSheet]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise _corrupt(path, exc) from None
    try:
        titles = [t for t in workbook.sheetnames if normalise(t) not in SKIPPED_SHEETS]
        sheets = []
        cells = 0  # counted over the whole workbook, so memory stays bounded however it is split
        for k, title in enumerate(titles):
            if progress:
                progress(k / len(titles), f"{path.name} · {title}")
            worksheet = workbook[title]
            if not hasattr(worksheet, "iter_rows"):  # a chart sheet
                continue
            worksheet.reset_dimensions()  # some writers record a wrong size
            rows, cells = _bounded_rows(path, title, worksheet, cells)
            names = [title, path.stem] if len(titles) == 1 else [title]
            marks = sheet_marks(path, getattr(worksheet, "_worksheet_path", None))
            _mark_formulas(rows, marks.formulas)
            sheet = _sheet_from_rows(rows, path.name, title, names, marks, month)
            if sheet is not None:
                sheets.append(sheet)
    except ImportFileError:
        raise
    except Exception as exc:
        raise _corrupt(path, exc) from None
    finally:
        workbook.close()
    if progress:
        progress(1.0, path.name)
    return sheets


# --- CSV -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CsvSource:
    path: Path
    encoding: str
    delimiter: str
    width: int  # fields in the widest of the first lines
    size: int


def _decodes(path: Path, encoding: str) -> tuple[bool, str]:
    """Whether the whole file decodes (read in blocks), and the text of its beginning."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    sample: list[str] = []
    kept = 0
    try:
        with open(path, "rb") as fh:
            while block := fh.read(BLOCK_BYTES):
                text = decoder.decode(block)
                if kept < SAMPLE_CHARS:
                    sample.append(text[: SAMPLE_CHARS - kept])
                    kept += len(sample[-1])
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, ""
    return True, "".join(sample)


def _csv_encoding(path: Path) -> tuple[str, str]:
    with open(path, "rb") as fh:
        head = fh.read(8192)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in head:
        raise _fail(
            path,
            "not a text (CSV) file; upload an .xlsx file or a CSV saved as text",
            "文件不是文本格式的 CSV；请上传 .xlsx 文件或以文本方式保存的 CSV",
        )
    for encoding in ("utf-16",) if utf16 else CSV_ENCODINGS:
        ok, sample = _decodes(path, encoding)
        if ok:
            return encoding, sample
    raise _fail(
        path,
        "unknown text encoding (tried UTF-8 and GBK/GB18030): save it as 'CSV UTF-8' in Excel/WPS",
        "无法识别文件编码（已尝试 UTF-8 和 GBK/GB18030）；请在 Excel 或 WPS 中另存为“CSV UTF-8”格式",
    )


def _first_records(sample: str, delimiter: str) -> list[list[str]]:
    lines = sample.splitlines()
    if len(sample) >= SAMPLE_CHARS:
        lines = lines[:-1]  # the last line may be cut short
    try:
        return [r for r in csv.reader(lines[:50], delimiter=delimiter) if any(c.strip() for c in r)]
    except csv.Error:
        return [line.split(delimiter) for line in lines[:50] if line.strip()]


def _sniff(path: Path, sample: str) -> tuple[str, int]:
    """The delimiter splitting the header line into most fields (ties: , before ; before tab)."""
    best, best_fields = ",", 0
    for delimiter in DELIMITERS:
        records = _first_records(sample, delimiter)
        fields = len(records[0]) if records else 0
        if fields > best_fields:
            best, best_fields = delimiter, fields
    records = _first_records(sample, best)
    if not records:
        if len(sample) >= SAMPLE_CHARS and "\n" not in sample:  # one endless first line
            raise _too_wide(path, None, max(sample.count(d) for d in DELIMITERS) + 1)
        raise _no_data(path)
    width = max(len(r) for r in records)
    if width > MAX_COLUMNS:
        raise _too_wide(path, None, width)
    return best, width


def _no_data(path: Path) -> ImportFileError:
    return _fail(path, "the file has no header or data rows", "文件中没有表头或数据行")


def _open_csv(path: Path) -> _CsvSource:
    encoding, sample = _csv_encoding(path)
    if encoding == "utf-16":
        sample = sample.lstrip("\ufeff")
    delimiter, width = _sniff(path, sample)
    return _CsvSource(path, encoding, delimiter, width, path.stat().st_size)


UNNEUTRALISE = (
    r"^'(?=[=+\-@\t\r])"  # the inverse of govdash.core.outputs.exports.neutralise, vectorised
)


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Strings stripped, empty strings as None, dtype object."""
    out = {}
    for col in frame.columns:
        values = frame[col].str.strip()  # vectorised while still pandas' string dtype
        # An apostrophe that an export put before =, +, -, @ (see govdash.core.outputs.exports) comes off;
        # the regular expression only runs on a column that has a cell starting with one.
        if values.str.startswith("'").any():
            values = values.str.replace(UNNEUTRALISE, "", regex=True)
        keep = (values.notna() & values.ne("")).to_numpy(dtype=bool)
        out[col] = values.astype(object).where(keep, None)
    return pd.DataFrame(out, index=frame.index, dtype=object)


_LINE = re.compile(r"line (\d+)")
_ROW = re.compile(r"starting at row (\d+)")


def _csv_frames(
    source: _CsvSource, chunk_rows: int, progress: Progress | None
) -> Iterator[tuple[pd.DataFrame, Layout]]:
    """Chunks indexed by spreadsheet row, with the layout; header rows are cut from the first."""
    path = source.path
    layout: Layout | None = None
    next_row = 1
    with open(path, "rb") as raw:
        try:
            reader = pd.read_csv(
                raw,
                encoding=source.encoding,
                sep=source.delimiter,
                header=None,
                names=range(source.width),
                index_col=False,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                chunksize=max(chunk_rows, MIN_CHUNK_ROWS),
            )
            for chunk in reader:
                frame = _clean(chunk)
                frame.index = pd.RangeIndex(next_row, next_row + len(frame))
                next_row += len(frame)
                if layout is None:
                    rows = [list(r) for r in frame.head(MIN_CHUNK_ROWS).itertuples(False)]
                    names = [path.name, path.stem]
                    layout = detect(rows, names, source.width)
                    if layout is None:
                        continue
                    frame = frame.iloc[layout.body_at :]
                frame.columns = list(layout.columns)
                if progress:
                    done = min(raw.tell() / source.size, 1.0) if source.size else 1.0
                    progress(done, f"{path.name} · {next_row - 1:,} rows/行")
                yield frame, layout
        except pd.errors.ParserError as exc:
            line = _LINE.search(str(exc))
            number = int(line.group(1)) if line else None
            if number is None and (row := _ROW.search(str(exc))):
                number = int(row.group(1)) + 1  # pandas counts rows from 0, people from 1
            at_en = f"line {number}" if number else "a line"
            at_zh = f"第 {number} 行" if number else "某一行"
            if "EOF inside string" in str(exc):
                raise _fail(
                    path,
                    f"a quotation mark opened on {at_en} is never closed",
                    f"{at_zh}开始的引号没有闭合，请检查该行的双引号",
                ) from None
            raise _fail(
                path,
                f"{at_en} has more fields than the lines above it (an unquoted delimiter?)",
                f"{at_zh}的列数多于前面的行（可能有未加引号的分隔符）",
            ) from None
        except (pd.errors.EmptyDataError, UnicodeDecodeError, csv.Error, ValueError) as exc:
            raise _fail(
                path,
                f"the CSV file cannot be read ({type(exc).__name__})",
                "CSV 文件无法读取，请检查文件内容",
            ) from None
    if progress:
        progress(1.0, path.name)


def _csv_sheets(
    source: _CsvSource, chunk_rows: int, progress: Progress | None, month: str | None = None
) -> Iterator[RawSheet]:
    """Hold one chunk back so the last one can lose its trailing empty rows; the layout's own
    notes go with the first chunk only."""
    name = source.path.name
    held: tuple[pd.DataFrame, Layout] | None = None
    count = 0

    def sheet(frame: pd.DataFrame, layout: Layout, last: bool) -> RawSheet | None:
        frame, notes = _tidy(frame, layout, None)
        frame = _finish(frame, layout, trim=last)
        if frame.empty:
            return None
        frame, more = _with_month(frame, layout, source.path.stem, month)
        if count:
            layout = replace(layout, notes=())
        return _raw_sheet(name, None, layout, frame, notes + more)

    for item in _csv_frames(source, chunk_rows, progress):
        if held is not None and (done := sheet(*held, last=False)) is not None:
            yield done
            count += 1
        held = item
    if held is not None and (done := sheet(*held, last=True)) is not None:
        yield done
        count += 1
    if not count:
        raise _no_data(source.path)


# --- entry points ----------------------------------------------------------------------------


def _check_file(path: Path) -> str:
    """The kind of file ("excel" or "csv"), or a clear refusal."""
    if not path.exists():
        raise _fail(path, "file not found", "找不到文件")
    if not path.is_file():  # a folder, a device (/dev/zero), a pipe: nothing to read to the end
        raise _fail(
            path,
            "not a regular file (a folder, device or pipe): choose the report file itself",
            "不是普通文件（而是文件夹、设备或管道），请选择报表文件本身",
        )
    suffix = path.suffix.lower()
    if suffix in OLD_EXCEL_SUFFIXES:
        raise _fail(
            path,
            f"old Excel format ({suffix}) is not supported: save it as .xlsx in Excel or WPS",
            f"不支持旧版 Excel 格式（{suffix}），请在 Excel 或 WPS 中另存为 .xlsx 后再导入",
        )
    if suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
        raise _fail(
            path,
            f"unsupported file type {suffix or '(none)'!r}: upload an .xlsx or .csv file",
            f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .xlsx 或 .csv 文件",
        )
    if path.stat().st_size == 0:
        raise _fail(path, "the file is empty (0 bytes)", "文件是空的（0 字节）")
    if suffix in CSV_SUFFIXES:
        with open(path, "rb") as fh:
            if fh.read(4) == b"PK\x03\x04":
                raise _fail(
                    path,
                    "this is an Excel workbook with a .csv name: rename it to .xlsx",
                    "文件内容是 Excel 表格，只是扩展名为 .csv；请把扩展名改为 .xlsx",
                )
        return "csv"
    return "excel"


def read_file(
    path: Path, progress: Progress | None = None, month: str | None = None
) -> list[RawSheet]:
    """Every sheet of an upload that holds data: one per worksheet, or one for a CSV file.
    `month` (YYYY-MM) is the report's month for a sheet with no month column or month in its
    title or file name."""
    path = Path(path)
    try:
        kind = _check_file(path)
        if kind == "excel":
            sheets = _read_workbook(path, progress, month)
        else:
            chunks = list(_csv_sheets(_open_csv(path), READ_FILE_CHUNK_ROWS, progress, month))
            sheets = [_joined(chunks)]
    except OSError as exc:
        raise _fail(path, f"the file cannot be opened ({exc.strerror})", "文件无法打开") from None
    if not sheets:
        raise _fail(path, "no sheet holds any data", "文件中没有任何含数据的工作表")
    return sheets


def _joined(chunks: list[RawSheet]) -> RawSheet:
    first = chunks[0]
    frame = pd.concat([c.frame for c in chunks], ignore_index=True).astype(object)
    frame = frame.where(frame.notna(), None)
    numbers = np.concatenate([c.rows_at(np.arange(len(c.frame))) for c in chunks])
    contiguous = int(numbers[-1]) - first.first_row + 1 == len(numbers)
    notes = tuple(n for c in chunks for n in c.notes)
    return RawSheet(
        first.file,
        None,
        first.table,
        frame,
        first.first_row,
        first.demo,
        notes,
        None if contiguous else numbers,
    )


def iter_csv(
    path: Path,
    chunk_rows: int = 200_000,
    progress: Progress | None = None,
    month: str | None = None,
) -> Iterator[RawSheet]:
    """A large CSV in chunks of `chunk_rows` rows, so memory stays bounded.

    The file is checked (existence, encoding, delimiter) before this returns; chunks share the
    header handling and carry their own `first_row`. `progress` gets the share of bytes read.
    An Excel file is small by nature and comes back whole, sheet by sheet.
    """
    path = Path(path)
    try:
        if _check_file(path) == "excel":
            return iter(read_file(path, progress, month))
        source = _open_csv(path)
    except OSError as exc:
        raise _fail(path, f"the file cannot be opened ({exc.strerror})", "文件无法打开") from None
    return _csv_sheets(source, chunk_rows, progress, month)
