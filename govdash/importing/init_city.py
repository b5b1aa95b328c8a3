"""Start a city from its official division table: an empty snapshot to import reports into.

A city other than the demo's has no generated data to build on. `python -m govdash init
--divisions FILE` reads the table the way the import does (the template, the three columns
code/name/parent, or the National Bureau of Statistics' layout), checks it, and writes a snapshot
with those divisions and every other table empty; district reports are then imported onto it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from govdash.core.data.contract import OPTIONAL_TABLES, TABLES
from govdash.core.data.snapshot import Snapshot
from govdash.core.engine.publish import write_snapshot
from govdash.core.text.problems import GovdashError, Problem
from govdash.importing.readers import ImportFileError, RawSheet, read_file
from govdash.importing.validate import (
    Known,
    SheetResult,
    Vocabularies,
    level_of,
    validate_sheet,
)


@dataclass
class InitReport:
    sheets: list[SheetResult] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    snapshot: Snapshot | None = None
    divisions: dict[str, int] = field(default_factory=dict)  # rows per level

    @property
    def ok(self) -> bool:
        return not self.errors and not any(s.errors for s in self.sheets)

    def all_errors(self) -> list[Problem]:
        return [p for s in self.sheets for p in s.errors] + self.errors


def _empty(name: str) -> pd.DataFrame:
    return TABLES[name].schema.empty_table().to_pandas()


def _codes(sheets: list[RawSheet]) -> list[str]:
    codes = []
    for sheet in sheets:
        if "code" in sheet.frame.columns:
            values = sheet.frame["code"].dropna().astype(str).str.strip()
            codes += list(values.str.replace(r"\.0$", "", regex=True))
    return codes


def _city(sheets: list[RawSheet], city_name: str | None, file: str) -> pd.DataFrame | Problem:
    """The city's row when the table has none (made from --city-name), as a known division for
    the table's districts to hang under; an empty frame when the table has its city."""
    codes = _codes(sheets)
    if any(level_of(c) == "city" for c in codes):
        return _empty("divisions")
    prefixes = {c[:4] for c in codes if level_of(c) == "district"}
    if len(prefixes) != 1:
        return Problem(
            "init",
            "the table has no city row and its districts belong to "
            f"{len(prefixes)} cities: add the city's row (level city)",
            f"表中没有市一级的行，且其中的区分属{len(prefixes)}个城市；请加上本市一行（层级为“市”）",
            file,
        )
    code = prefixes.pop() + "00"
    if not city_name:
        return Problem(
            "init",
            f"the table has no city row ({code}): add it, or give the city's name with --city-name",
            f"表中没有市一级的行（{code}）；请在表中加上这一行，或用 --city-name 指定城市名称",
            file,
        )
    row = {name: None for name in TABLES["divisions"].schema.names}
    row.update(code=code, level="city", name_zh=city_name, name_en=city_name, is_pilot=False)
    return pd.DataFrame([row])


def init_city(
    divisions_file: Path,
    *,
    root: Path,
    city_name: str | None = None,
    as_of: dt.date | None = None,
) -> InitReport:
    """Check the division table and write the empty snapshot; nothing is written on a problem."""
    report = InitReport()
    path = Path(divisions_file)
    try:
        sheets = read_file(path)
    except ImportFileError as exc:
        report.errors.extend(exc.problems)
        return report
    sheets = [s for s in sheets if s.table == "divisions"] or sheets[:1]
    city = _city(sheets, city_name, path.name)
    if isinstance(city, Problem):
        report.errors.append(city)
        return report
    known = Known(city, last_day=dt.date.today())  # no date in the future
    vocab = Vocabularies()
    frames = [city] if len(city) else []
    for sheet in sheets:
        result = validate_sheet(sheet, known, vocab)
        report.sheets.append(result)
        if result.data is not None:
            frames.append(result.data.to_pandas())
    if not report.ok:
        return report
    completed = pd.concat(frames, ignore_index=True)
    tables: dict[str, pa.Table] = {
        name: TABLES[name].schema.empty_table() for name in TABLES if name not in OPTIONAL_TABLES
    }
    tables["divisions"] = pa.Table.from_pandas(
        completed[list(TABLES["divisions"].schema.names)], preserve_index=False
    ).cast(TABLES["divisions"].schema)
    report.divisions = completed["level"].value_counts().to_dict()
    try:
        report.snapshot = write_snapshot(
            tables,
            as_of=as_of or dt.date.today(),
            provenance="imported",
            root=root,
            note=f"init from {path.name}",
            generator={"init": path.name},
        )
    except GovdashError as exc:
        report.errors.extend(exc.problems)
    return report
