"""The import template's description (data/import_template.toml): sheets, headers and examples.

The contract (govdash.core.data.contract) owns the column names and types; this file only adds what people
see: a Chinese sheet title, Chinese and English headers, an example value, and which columns take
a division (by code or by name).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from govdash.core.data.contract import VOCABULARY_COLUMNS
from govdash.core.data.paths import DATA_DIR

TEMPLATE_SPEC_FILE = DATA_DIR / "import_template.toml"

# What a `division` column accepts from the divisions table: one level, or every level.
DIVISION_SCOPES = ("community", "any")


@dataclass(frozen=True)
class ColumnSpec:
    """One column as people see it; `division` is "community", "any" or None."""

    name: str
    zh: str
    en: str
    example: str
    division: str | None = None


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the template; its columns follow the contract's order."""

    table: str
    title_zh: str
    title_en: str
    about_zh: str
    about_en: str
    columns: tuple[ColumnSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def about(self, lang: str = "zh") -> str:
        return self.about_zh if lang == "zh" else self.about_en


def _column(name: str, entry: dict) -> ColumnSpec:
    division = entry.get("division")
    if division is not None and division not in DIVISION_SCOPES:
        raise ValueError(f"import template: column {name!r} has unknown division {division!r}")
    return ColumnSpec(
        name=name,
        zh=entry["zh"],
        en=entry["en"],
        example=str(entry.get("example", "")),
        division=division,
    )


@lru_cache(maxsize=4)
def load_spec(path: Path = TEMPLATE_SPEC_FILE) -> dict[str, SheetSpec]:
    """Every sheet of the template by table name, in file order (the order of the workbook)."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    return {
        table: SheetSpec(
            table=table,
            title_zh=entry["title"]["zh"],
            title_en=entry["title"]["en"],
            about_zh=entry["about"]["zh"],
            about_en=entry["about"]["en"],
            columns=tuple(_column(name, col) for name, col in entry["columns"].items()),
        )
        for table, entry in raw["sheets"].items()
    }


def table_title(table: str | None, lang: str = "zh") -> str:
    """A table's sheet title as people know it (月度人员与队伍); a table with no sheet (a rollup)
    keeps its name, and a sheet that matched no table says so."""
    if table is None:
        return "未识别的表" if lang == "zh" else "unrecognised table"
    sheet = load_spec().get(table)
    return sheet.title(lang) if sheet else table


def vocabulary_for(table: str, column: str) -> str | None:
    """The controlled vocabulary (data/vocabulary.toml) a column's values come from, if any."""
    return VOCABULARY_COLUMNS.get((table, column))


SYNONYMS_FILE = DATA_DIR / "import_synonyms.toml"
HELPERS = ("sequence", "street", "district")


@dataclass(frozen=True)
class Synonyms:
    """Header words of real reports (data/import_synonyms.toml): per table, the words that mean
    a contract column; `helpers`, the words of columns kept for people (序号, 街道, 区)."""

    columns: dict[str, dict[str, tuple[str, ...]]]
    helpers: dict[str, tuple[str, ...]]


@lru_cache(maxsize=4)
def load_synonyms(path: Path = SYNONYMS_FILE) -> Synonyms:
    """The synonym table, checked against the template so that a typo there fails loudly."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    sheets = load_spec()
    columns: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, entries in raw.get("synonyms", {}).items():
        if table not in sheets:
            raise ValueError(f"{path.name}: unknown table {table!r}")
        for column, words in entries.items():
            if column not in sheets[table].names:
                raise ValueError(f"{path.name}: table {table!r} has no column {column!r}")
            columns.setdefault(table, {})[column] = tuple(words)
    helpers = {name: tuple(raw.get("helpers", {}).get(name, ())) for name in HELPERS}
    unknown = set(raw.get("helpers", {})) - set(HELPERS)
    if unknown:
        raise ValueError(f"{path.name}: unknown helper(s) {sorted(unknown)}")
    return Synonyms(columns, helpers)
