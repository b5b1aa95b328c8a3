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
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from govdash.core.exports import DEMO_MARKS
from govdash.core.problems import GovdashError, Problem
from govdash.core.progress import Progress
from govdash.importing.spec import load_spec

EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
OLD_EXCEL_SUFFIXES = frozenset({".xls", ".et"})
# The template's own sheets that never hold data (normalised names).
SKIPPED_SHEETS = frozenset({"说明", "instructions", "_lists"})

CSV_ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")  # gb18030 is a superset of GBK and GB2312
DELIMITERS = (",", ";", "\t")
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

BLOCK_BYTES = 1 << 20
SAMPLE_CHARS = 64 * 1024
HEADER_SEARCH_ROWS = 5  # a title row or two above the headers is tolerated
TABLE_MATCH_SHARE = 0.6
MIN_CHUNK_ROWS = 16
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
    """One sheet (or CSV chunk) as text. Row i of `frame` is spreadsheet row `first_row + i`.

    Columns carry the contract's names where a header was recognised and the header text
    otherwise; `table` is None when the sheet could not be matched to a contract table.
    """

    file: str
    sheet: str | None
    table: str | None
    frame: pd.DataFrame
    first_row: int
    demo: bool = False  # a title row above the headers says 演示数据 (a demo export)


def _fail(path: Path, en: str, zh: str) -> ImportFileError:
    return ImportFileError(Problem("file", en, zh, Path(path).name))


# --- header matching -------------------------------------------------------------------------


def normalise(text: object) -> str:
    """Compare headers as people type them: full-width forms, spaces, case and a "*" ignored."""
    value = unicodedata.normalize("NFKC", str(text))
    value = " ".join(value.split()).strip("* ").strip()
    return value.casefold()


_PARENTHESISED = re.compile(r"(.*?)\s*\(([^()]*)\)")


def _candidates(text: str) -> list[str]:
    """The header itself, then "社区代码 (community_code)"'s parenthesised part and its rest."""
    full = normalise(text)
    found = [full]
    match = _PARENTHESISED.fullmatch(full)
    if match:
        found += [match.group(2).strip(), match.group(1).strip()]
    return [c for c in found if c]


@lru_cache(maxsize=1)
def _header_keys() -> dict[str, dict[str, str]]:
    """{table: {normalised Chinese header, English header or machine name: machine name}}."""
    keys: dict[str, dict[str, str]] = {}
    for table, sheet in load_spec().items():
        index: dict[str, str] = {}
        for column in sheet.columns:
            for key in (column.name, column.zh, column.en):
                index.setdefault(normalise(key), column.name)
        keys[table] = index
    return keys


@lru_cache(maxsize=1)
def _table_keys() -> dict[str, str]:
    """{normalised Chinese title, English title or table name: table}."""
    keys: dict[str, str] = {}
    for table, sheet in load_spec().items():
        for key in (table, sheet.title_zh, sheet.title_en):
            keys.setdefault(normalise(key), table)
    return keys


def match_header(text: str, table: str) -> str | None:
    """The machine name a header means in one table, or None."""
    index = _header_keys()[table]
    for candidate in _candidates(text):
        if candidate in index:
            return index[candidate]
    return None


def _machine_name(text: str, table: str | None) -> str | None:
    if table is not None:
        return match_header(text, table)
    meanings = {match_header(text, t) for t in _header_keys()} - {None}
    return meanings.pop() if len(meanings) == 1 else None


def _tables_of(text: str) -> set[str]:
    return {t for t in _header_keys() if match_header(text, t) is not None}


def _table_by_name(names: list[str]) -> str | None:
    keys = _table_keys()
    for name in names:
        table = keys.get(normalise(name))
        if table is not None:
            return table
    return None


def _table_by_prefix(names: list[str]) -> str | None:
    """The longest table title a name starts with, as in "服务活动2025年6月" or "activities-06"."""
    for name in names:
        text = normalise(name)
        hits = [k for k in _table_keys() if text.startswith(k) and k != text]
        if hits:
            return _table_keys()[max(hits, key=len)]
    return None


def _table_by_headers(cells: list[str | None]) -> str | None:
    """The table that most recognised headers belong to, if clearly (≥ 60 %) one table."""
    headers = [c for c in cells if c is not None]
    owners = [_tables_of(c) for c in headers]
    recognised = sum(1 for o in owners if o)
    if not recognised:
        return None
    counts = {t: sum(1 for o in owners if t in o) for t in _header_keys()}
    width = {t: len(load_spec()[t].columns) for t in counts}
    ranked = sorted(counts, key=lambda t: (counts[t], counts[t] / width[t]), reverse=True)
    best = ranked[0]
    if counts[best] / recognised < TABLE_MATCH_SHARE:
        return None
    runner_up = ranked[1] if len(ranked) > 1 else None
    if runner_up and (counts[runner_up], width[runner_up]) == (counts[best], width[best]):
        return None  # e.g. only "名称": several tables fit equally well
    return best


def _is_machine_row(cells: list[str | None], table: str | None) -> bool:
    """Row 2 of the template: most non-empty cells are the table's machine names."""
    values = [normalise(c) for c in cells if c is not None]
    if not values:
        return False
    tables = [table] if table is not None else list(load_spec())
    names = {n for t in tables for n in load_spec()[t].names}
    return sum(1 for v in values if v in names) * 2 > len(values)


# --- sheet layout ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    header_at: int  # 0-based index of the header row
    header_rows: int  # 1, or 2 with the machine-name row
    table: str | None
    columns: tuple[str, ...]
    unnamed: frozenset[str]  # columns without a header: dropped when they hold nothing
    demo: bool = False  # a title row above the headers marks the rows as generated demo data


def _cell(row: list[str | None], j: int) -> str | None:
    return row[j] if j < len(row) else None


def _layout(rows: list[list[str | None]], names: list[str], width: int) -> _Layout | None:
    """Where the headers are, which table the sheet is, and each column's name."""
    filled = [i for i, row in enumerate(rows) if any(c is not None for c in row)]
    filled = filled[:HEADER_SEARCH_ROWS]
    if not filled:
        return None
    scores = {i: sum(1 for c in rows[i] if c is not None and _tables_of(c)) for i in filled}
    header_at = filled[0]
    if scores[header_at] == 0 and max(scores.values()) >= 2:
        header_at = next(i for i in filled if scores[i] == max(scores.values()))
    header = rows[header_at]
    below = rows[header_at + 1] if header_at + 1 < len(rows) else []
    table = _table_by_name(names) or _table_by_headers(header)
    if table is None and _is_machine_row(below, None):
        table = _table_by_headers(below)
    table = table or _table_by_prefix(names)
    machine = below if _is_machine_row(below, table) else None

    columns: list[str] = []
    unnamed: set[str] = set()
    for j in range(width):
        text = _cell(header, j)
        code = _cell(machine, j) if machine else None
        name = _machine_name(text, table) if text else None
        if name is None and code:
            name = _machine_name(code, table)
        if name is None or name in columns:
            letter = get_column_letter(j + 1)
            name = text if text else f"列{letter}"
            if name in columns:
                name = f"{name} ({letter})"
            if not text:
                unnamed.add(name)
        columns.append(name)
    demo = any(
        isinstance(cell, str) and cell.startswith(DEMO_MARKS)
        for row in rows[:header_at]
        for cell in row
    )
    return _Layout(header_at, 2 if machine else 1, table, tuple(columns), frozenset(unnamed), demo)


def _finish(frame: pd.DataFrame, layout: _Layout, trim: bool) -> pd.DataFrame:
    """Drop empty header-less columns and, at the end of a sheet, trailing empty rows."""
    empty = [c for c in layout.unnamed if c in frame.columns and frame[c].isna().all()]
    frame = frame.drop(columns=empty)
    if trim and len(frame):
        filled = frame.notna().any(axis=1).to_numpy().nonzero()[0]
        frame = frame.iloc[: (filled[-1] + 1) if len(filled) else 0]
    return frame.reset_index(drop=True)


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
    text = str(value).strip()
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
    rows: list[list[str | None]], file: str, sheet: str | None, names: list[str]
) -> RawSheet | None:
    width = max((len(r) for r in rows), default=0)
    layout = _layout(rows, names, width)
    if layout is None:
        return None
    start = layout.header_at + layout.header_rows
    body = [row + [None] * (width - len(row)) for row in rows[start:]]
    frame = pd.DataFrame(body, columns=list(layout.columns), dtype=object)
    frame = _finish(frame, layout, trim=True)
    if frame.empty:
        return None
    return RawSheet(file, sheet, layout.table, frame, first_row=start + 1, demo=layout.demo)


def _read_workbook(path: Path, progress: Progress | None) -> list[RawSheet]:
    _check_workbook_file(path)
    _check_unpacked_size(path)
    with warnings.catch_warnings():
        # WPS and other writers trigger harmless openpyxl warnings (default style, extensions).
        warnings.simplefilter("ignore", UserWarning)
        return _read_sheets(path, progress)


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


def _read_sheets(path: Path, progress: Progress | None) -> list[RawSheet]:
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
            sheet = _sheet_from_rows(rows, path.name, title, names)
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


UNNEUTRALISE = r"^'(?=[=+\-@\t\r])"  # the inverse of govdash.core.exports.neutralise, vectorised


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Strings stripped, empty strings as None, dtype object."""
    out = {}
    for col in frame.columns:
        values = frame[col].str.strip()  # vectorised while still pandas' string dtype
        # An apostrophe that an export put before =, +, -, @ (see govdash.core.exports) comes off;
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
) -> Iterator[tuple[pd.DataFrame, _Layout, int]]:
    """Chunks with their layout and first spreadsheet row; header rows are cut from the first."""
    path = source.path
    layout: _Layout | None = None
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
                start = next_row
                next_row += len(frame)
                if layout is None:
                    rows = [list(r) for r in frame.head(4 * HEADER_SEARCH_ROWS).itertuples(False)]
                    names = [path.name, path.stem]
                    layout = _layout(rows, names, source.width)
                    if layout is None:
                        continue
                    skip = layout.header_at + layout.header_rows
                    frame, start = frame.iloc[skip:], start + skip
                frame.columns = list(layout.columns)
                if progress:
                    done = min(raw.tell() / source.size, 1.0) if source.size else 1.0
                    progress(done, f"{path.name} · {next_row - 1:,} rows/行")
                yield frame, layout, start
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
    source: _CsvSource, chunk_rows: int, progress: Progress | None
) -> Iterator[RawSheet]:
    """Hold one chunk back so the last one can lose its trailing empty rows."""
    name = source.path.name
    held: tuple[pd.DataFrame, _Layout, int] | None = None
    yielded = False
    for item in _csv_frames(source, chunk_rows, progress):
        if held is not None:
            frame, layout, start = held
            yield RawSheet(
                name, None, layout.table, _finish(frame, layout, False), start, layout.demo
            )
            yielded = True
        held = item
    if held is not None:
        frame, layout, start = held
        frame = _finish(frame, layout, trim=True)
        if not frame.empty:
            yield RawSheet(name, None, layout.table, frame, start, layout.demo)
            yielded = True
    if not yielded:
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


def read_file(path: Path, progress: Progress | None = None) -> list[RawSheet]:
    """Every sheet of an upload that holds data: one per worksheet, or one for a CSV file."""
    path = Path(path)
    try:
        kind = _check_file(path)
        if kind == "excel":
            sheets = _read_workbook(path, progress)
        else:
            chunks = list(_csv_sheets(_open_csv(path), READ_FILE_CHUNK_ROWS, progress))
            first = chunks[0]
            frame = pd.concat([c.frame for c in chunks], ignore_index=True).astype(object)
            frame = frame.where(frame.notna(), None)
            sheets = [RawSheet(first.file, None, first.table, frame, first.first_row, first.demo)]
    except OSError as exc:
        raise _fail(path, f"the file cannot be opened ({exc.strerror})", "文件无法打开") from None
    if not sheets:
        raise _fail(path, "no sheet holds any data", "文件中没有任何含数据的工作表")
    return sheets


def iter_csv(
    path: Path, chunk_rows: int = 200_000, progress: Progress | None = None
) -> Iterator[RawSheet]:
    """A large CSV in chunks of `chunk_rows` rows, so memory stays bounded.

    The file is checked (existence, encoding, delimiter) before this returns; chunks share the
    header handling and carry their own `first_row`. `progress` gets the share of bytes read.
    An Excel file is small by nature and comes back whole, sheet by sheet.
    """
    path = Path(path)
    try:
        if _check_file(path) == "excel":
            return iter(read_file(path, progress))
        source = _open_csv(path)
    except OSError as exc:
        raise _fail(path, f"the file cannot be opened ({exc.strerror})", "文件无法打开") from None
    return _csv_sheets(source, chunk_rows, progress)
