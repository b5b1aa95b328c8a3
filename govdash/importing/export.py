"""Write a snapshot in the import template's format: what a person would have filled in.

Small tables go into one .xlsx (a sheet per table, Chinese headers over machine names); large ones
into CSV files with the same two header rows, because a million rows is not a spreadsheet. Codes of
vocabularies are written as their Chinese labels and booleans as 是/否, so importing the export
exercises the same paths as a hand-filled template.

An export is a file that leaves the process, so by default it follows the screen's privacy rule
(govdash.core.rules.privacy): a small count of vulnerable people is written "<5". The full copy, for a
backup or a round trip, is asked for by name (`full=True`, `govdash export --full`), and its first
sheet says that it holds unsuppressed counts of vulnerable people.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
from openpyxl.styles import Font

from govdash.core.data.contract import OPTIONAL_TABLES, TABLES, VOCABULARY_COLUMNS
from govdash.core.data.snapshot import Snapshot
from govdash.core.data.vocab import load_vocabulary
from govdash.core.outputs.exports import DEMO_MARKS, neutralise, set_text
from govdash.core.outputs.xlsx import ILLEGAL
from govdash.core.rules import privacy
from govdash.core.rules.roles import keep_visible
from govdash.core.text.numbers import format_number
from govdash.importing.spec import load_spec

XLSX_ROWS = 60_000  # tables above this many rows are written as CSV
ABOUT_SHEET = "说明"  # the importer skips a sheet of this name (readers.SKIPPED_SHEETS)
FULL_TITLE = (
    "完整副本：含未脱敏的弱势群体小数值，仅用于备份或回导，不得对外提供 / Full copy: holds "
    "unsuppressed small counts of vulnerable people; for a backup or a round trip only"
)


@dataclass
class Exported:
    """What an export wrote: its files (the .xlsx first), how many small counts it hid (0 in a
    full copy), how many cells hold control characters (written as _x0001_), and whether it is
    the full, unsuppressed copy."""

    files: list[Path] = field(default_factory=list)
    hidden: int = 0
    escaped: int = 0
    full: bool = False


def _humane(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Labels instead of codes, 是/否 instead of booleans, dates as ISO text, no NaN."""
    out = frame.copy()
    vocab = load_vocabulary()
    for column in out.columns:
        name = VOCABULARY_COLUMNS.get((table, column))
        if name:
            labels = {code: v["zh"] for code, v in vocab[name].items()}
            out[column] = out[column].map(lambda c, labels=labels: labels.get(c, c))
        elif out[column].dtype == bool or str(out[column].dtype) == "boolean":
            out[column] = out[column].map(lambda b: None if pd.isna(b) else ("是" if b else "否"))
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    for column in out.columns:
        if (
            column == "month"
            or column.endswith(("_date", "date"))
            or column
            in (
                "founded",
                "opened",
                "as_of",
                "period_start",
                "pilot_start",
            )
        ):
            out[column] = out[column].map(
                lambda d: None if d is None or pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")
            )
    return out.astype(object).where(out.notna(), None)


def _requalify(table: str, frame: pd.DataFrame, qualifiers: pd.DataFrame) -> None:
    """Write a qualified count back the way it was typed ("40余"), so a re-import keeps it."""
    mine = qualifiers[qualifiers["table"] == table]
    if mine.empty:
        return
    keys = list(TABLES[table].unique)
    spec_keys = frame[keys].astype(str).agg("|".join, axis=1)
    position = {key: i for i, key in enumerate(spec_keys)}
    for rec in mine.itertuples(index=False):
        i = position.get(rec.row_key)
        if i is not None:
            frame.iat[i, frame.columns.get_loc(rec.column)] = format_number(
                float(frame.iat[i, frame.columns.get_loc(rec.column)]), rec.qualifier
            )


def _demo_title(snapshot: Snapshot) -> str:
    """The first row of every sheet and CSV of a demo export: people see it, the importer reads
    it back (govdash.core.outputs.exports.DEMO_MARKS), so generated rows never come back as real ones."""
    return f"{DEMO_MARKS[0]} · {snapshot.id} · 本文件由程序生成，数字不代表真实统计 / generated, not real"


def _about(snapshot: Snapshot, full: bool, hidden: int, escaped: int) -> list[str]:
    """The first sheet: what the file is, and what it may be used for."""
    floor = privacy.min_cell()
    lines = [f"数据快照导出 / Snapshot export · {snapshot.id} · 截至 / as of {snapshot.as_of}"]
    if snapshot.is_demo:
        lines.append(_demo_title(snapshot))
    if full:
        lines += [
            "完整副本：含未脱敏的困境儿童、流动儿童等弱势群体小数值（小于"
            f"{floor}），仅用于备份或回导，不得对外提供。",
            "Full copy: holds unsuppressed small counts (below "
            f"{floor}) of vulnerable people. For a backup or a round trip only; never send it on.",
        ]
    else:
        lines += [
            f"隐私规则：弱势群体（如困境儿童）小于{floor}的数值写作“<{floor}”，与看板一致；本文件共"
            f"隐去 {hidden:,} 个数值。",
            f'Privacy rule: counts of vulnerable people below {floor} are written "<{floor}", as '
            f"on screen; {hidden:,} value(s) are hidden in this file.",
        ]
    if escaped:
        lines.append(
            f"{escaped:,} 个单元格含有控制字符，已按 Excel 的转义写作 _x0001_ 形式 / {escaped:,} "
            "cell(s) hold control characters, written as Excel's _x0001_ escape"
        )
    return lines


def _shared(name: str, frame: pd.DataFrame, full: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table as it may leave (the privacy rule, unless full) and where it hid a value."""
    if full:
        return frame, pd.DataFrame(False, index=frame.index, columns=frame.columns)
    shared = privacy.shareable_table(name, frame)
    return shared, frame.notna() & shared.isna()


def export_snapshot(
    snapshot: Snapshot,
    out_dir: Path,
    progress: Callable[[float, str], None] | None = None,
    tables: Sequence[str] | None = None,
    full: bool = False,
    visible: frozenset[str] | None = None,
) -> Exported:
    """Write the snapshot's tables (or only `tables`): an .xlsx whose first sheet says what the
    file is, with a sheet per table small enough for it, and a .csv per larger table (a full
    copy's CSVs start with a line that says so). Small counts of vulnerable people are written
    "<5" unless `full`. Re-importing a full export changes nothing: its rows are the same rows.
    With `visible` (the division codes of a person's scope), only the rows of those divisions
    are written (govdash.core.rules.roles)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = load_spec()
    book = openpyxl.Workbook()
    about = book.active
    about.title = ABOUT_SHEET
    result = Exported(full=full)
    names = [n for n in TABLES if n not in OPTIONAL_TABLES and (tables is None or n in tables)]
    qualifiers = (
        pq.read_table(snapshot.table_path("value_qualifiers")).to_pandas()
        if snapshot.has_table("value_qualifiers")
        else None
    )
    floor = f"<{privacy.min_cell()}"
    for i, name in enumerate(names):
        if progress:
            progress(i / len(names), name)
        raw = pq.read_table(snapshot.table_path(name)).to_pandas()
        if visible is not None:
            raw = keep_visible(raw, visible).reset_index(drop=True)
        table, hidden = _shared(name, raw, full)
        frame = _humane(name, table)
        if qualifiers is not None:
            _requalify(name, frame, qualifiers)
        for column in hidden.columns[hidden.any()]:
            frame.loc[hidden[column], column] = floor
            result.hidden += int(hidden[column].sum())
        sheet = spec[name]
        headers = [c.zh for c in sheet.columns]
        machine = [c.name for c in sheet.columns]
        title = [_demo_title(snapshot)] if snapshot.is_demo else []
        if len(frame) > XLSX_ROWS:
            path = out_dir / f"{name}.csv"
            # A CSV has no first sheet: its one title line says what it is (the reader takes a
            # single title row above the headers, and reads 演示数据 at its start).
            line = [" · ".join([*title, FULL_TITLE])] if full else title
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                if line:
                    writer.writerow(line)
                writer.writerow(headers)
                writer.writerow(machine)
                for row in frame[machine].itertuples(index=False, name=None):
                    result.escaped += sum(
                        isinstance(v, str) and bool(ILLEGAL.search(v)) for v in row
                    )
                    writer.writerow([neutralise(v) for v in row])
            result.files.append(path)
            continue
        ws = book.create_sheet(sheet.title_zh)
        if title:
            ws.append(title)
            ws.cell(row=1, column=1).font = Font(bold=True, color="9C6500")
        ws.append(headers)
        ws.append(machine)
        top = len(title) + 1
        for cell in ws[top]:
            cell.font = Font(bold=True)
        for cell in ws[top + 1]:
            cell.font = Font(italic=True, color="888888")
        rows = frame[machine].itertuples(index=False, name=None)
        for i, row in enumerate(rows, start=top + 2):
            for j, value in enumerate(row, start=1):
                if value is not None:
                    result.escaped += set_text(ws.cell(row=i, column=j), value)
    for line in _about(snapshot, full, result.hidden, result.escaped):
        about.append([line])
        if full and line.startswith(("完整副本", "Full copy")):
            about.cell(row=about.max_row, column=1).font = Font(bold=True, color="C00000")
    about.cell(row=1, column=1).font = Font(bold=True)
    if len(book.sheetnames) > 1:  # every table asked for may have gone to CSV
        path = out_dir / f"{snapshot.id}{'-full' if full else ''}.xlsx"
        book.save(path)
        result.files.insert(0, path)
    if progress:
        progress(1.0, "done")
    return result
