"""Write a snapshot in the import template's format: what a person would have filled in.

Small tables go into one .xlsx (a sheet per table, Chinese headers over machine names); large ones
into CSV files with the same two header rows, because a million rows is not a spreadsheet. Codes of
vocabularies are written as their Chinese labels and booleans as 是/否, so importing the export
exercises the same paths as a hand-filled template.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
from openpyxl.styles import Font

from govdash.core.contract import OPTIONAL_TABLES, TABLES, VOCABULARY_COLUMNS
from govdash.core.exports import DEMO_MARKS, neutralise, set_text
from govdash.core.numbers import format_number
from govdash.core.snapshot import Snapshot
from govdash.core.vocab import load_vocabulary
from govdash.importing.spec import load_spec

XLSX_ROWS = 60_000  # tables above this many rows are written as CSV


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
    it back (govdash.core.exports.DEMO_MARKS), so generated rows never come back as real ones."""
    return f"{DEMO_MARKS[0]} · {snapshot.id} · 本文件由程序生成，数字不代表真实统计 / generated, not real"


def export_snapshot(
    snapshot: Snapshot,
    out_dir: Path,
    progress: Callable[[float, str], None] | None = None,
    tables: Sequence[str] | None = None,
) -> list[Path]:
    """Write the snapshot's tables (or only `tables`); returns the files written (the .xlsx, if any
    table is small enough for it, first, then the .csv files). Re-importing a part of an export changes nothing, as its rows are the same rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = load_spec()
    book = openpyxl.Workbook()
    book.remove(book.active)
    written: list[Path] = []
    names = [n for n in TABLES if n not in OPTIONAL_TABLES and (tables is None or n in tables)]
    qualifiers = (
        pq.read_table(snapshot.table_path("value_qualifiers")).to_pandas()
        if snapshot.has_table("value_qualifiers")
        else None
    )
    for i, name in enumerate(names):
        if progress:
            progress(i / len(names), name)
        frame = _humane(name, pq.read_table(snapshot.table_path(name)).to_pandas())
        if qualifiers is not None:
            _requalify(name, frame, qualifiers)
        sheet = spec[name]
        headers = [c.zh for c in sheet.columns]
        machine = [c.name for c in sheet.columns]
        title = [_demo_title(snapshot)] if snapshot.is_demo else []
        if len(frame) > XLSX_ROWS:
            path = out_dir / f"{name}.csv"
            with open(path, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                if title:
                    writer.writerow(title)
                writer.writerow(headers)
                writer.writerow(machine)
                writer.writerows(
                    [neutralise(v) for v in row]
                    for row in frame[machine].itertuples(index=False, name=None)
                )
            written.append(path)
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
                    set_text(ws.cell(row=i, column=j), value)
    if book.sheetnames:  # every table asked for may have gone to CSV
        path = out_dir / f"{snapshot.id}.xlsx"
        book.save(path)
        written.insert(0, path)
    if progress:
        progress(1.0, "done")
    return written
