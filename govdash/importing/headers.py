"""What a header cell means: a contract column of some table, a helper column, or nothing.

Headers are matched through the import template (Chinese header, English header or machine name)
and the synonym table of real reports (data/import_synonyms.toml), after full-width forms, spaces,
case and a "*" are normalised; "志愿者人数（人次）" is tried whole, as its bracketed unit and as
what precedes it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from govdash.importing.spec import load_spec, load_synonyms

# The frame's name for each helper column: what the validator and people see.
HELPER_NAMES = {"sequence": "序号", "street": "街道", "district": "区"}
TABLE_MATCH_SHARE = 0.6


def normalise(text: object) -> str:
    """Compare headers as people type them: full-width forms, spaces, case and a "*" ignored."""
    value = unicodedata.normalize("NFKC", str(text))
    value = " ".join(value.split()).strip("* ").strip()
    return value.casefold()


_PARENTHESISED = re.compile(r"(.*?)\s*\(([^()]*)\)")


def candidates(text: str) -> list[str]:
    """The header itself, then "社区代码 (community_code)"'s parenthesised part and its rest."""
    full = normalise(text)
    found = [full]
    match = _PARENTHESISED.fullmatch(full)
    if match:
        found += [match.group(2).strip(), match.group(1).strip()]
    return [c for c in found if c]


@lru_cache(maxsize=1)
def header_keys() -> dict[str, dict[str, str]]:
    """{table: {normalised header, English header, machine name or synonym: machine name}}.
    The template's own words come first, so a synonym never overrides them."""
    keys: dict[str, dict[str, str]] = {}
    synonyms = load_synonyms().columns
    for table, sheet in load_spec().items():
        index: dict[str, str] = {}
        for column in sheet.columns:
            for key in (column.name, column.zh, column.en):
                index.setdefault(normalise(key), column.name)
        for column, words in synonyms.get(table, {}).items():
            for word in words:
                index.setdefault(normalise(word), column)
        keys[table] = index
    return keys


@lru_cache(maxsize=1)
def helper_keys() -> dict[str, str]:
    """{normalised word: the frame's helper column name (序号, 街道, 区)}."""
    return {
        normalise(word): HELPER_NAMES[helper]
        for helper, words in load_synonyms().helpers.items()
        for word in (*words, HELPER_NAMES[helper])
    }


@lru_cache(maxsize=1)
def table_keys() -> dict[str, str]:
    """{normalised Chinese title, English title or table name: table}."""
    keys: dict[str, str] = {}
    for table, sheet in load_spec().items():
        for key in (table, sheet.title_zh, sheet.title_en):
            keys.setdefault(normalise(key), table)
    return keys


def match_header(text: str, table: str) -> str | None:
    """The machine name a header means in one table, or None."""
    index = header_keys()[table]
    for candidate in candidates(text):
        if candidate in index:
            return index[candidate]
    return None


def helper(text: str) -> str | None:
    """序号, 街道 or 区 when a header names a helper column, whatever its words."""
    keys = helper_keys()
    return next((keys[c] for c in candidates(text) if c in keys), None)


def machine_name(text: str, table: str | None) -> str | None:
    """The machine name a header means: in `table`, or in the one table it can only mean."""
    if table is not None:
        return match_header(text, table)
    meanings = {match_header(text, t) for t in header_keys()} - {None}
    return meanings.pop() if len(meanings) == 1 else None


def tables_of(text: str) -> set[str]:
    return {t for t in header_keys() if match_header(text, t) is not None}


def is_header_word(text: str | None) -> bool:
    """A cell that reads like a column header of some table, or a helper column's."""
    return bool(text) and (helper(text) is not None or bool(tables_of(text)))


def table_by_name(names: list[str]) -> str | None:
    keys = table_keys()
    for name in names:
        table = keys.get(normalise(name))
        if table is not None:
            return table
    return None


def table_by_prefix(names: list[str]) -> str | None:
    """The longest table title a name starts with, as in "服务活动2025年6月" or "activities-06"."""
    for name in names:
        text = normalise(name)
        hits = [k for k in table_keys() if text.startswith(k) and k != text]
        if hits:
            return table_keys()[max(hits, key=len)]
    return None


def table_by_headers(cells: list[str | None]) -> str | None:
    """The table that most recognised headers belong to, if clearly (≥ 60 %) one table."""
    headers = [c for c in cells if c is not None and helper(c) is None]
    owners = [tables_of(c) for c in headers]
    recognised = sum(1 for o in owners if o)
    if not recognised:
        return None
    counts = {t: sum(1 for o in owners if t in o) for t in header_keys()}
    width = {t: len(load_spec()[t].columns) for t in counts}
    ranked = sorted(counts, key=lambda t: (counts[t], counts[t] / width[t]), reverse=True)
    best = ranked[0]
    if counts[best] / recognised < TABLE_MATCH_SHARE:
        return None
    runner_up = ranked[1] if len(ranked) > 1 else None
    if runner_up and (counts[runner_up], width[runner_up]) == (counts[best], width[best]):
        return None  # e.g. only "名称": several tables fit equally well
    return best


def is_machine_row(cells: list[str | None], table: str | None) -> bool:
    """Row 2 of the template: most non-empty cells are the table's machine names."""
    values = [normalise(c) for c in cells if c is not None]
    if not values:
        return False
    tables = [table] if table is not None else list(load_spec())
    names = {n for t in tables for n in load_spec()[t].names}
    return sum(1 for v in values if v in names) * 2 > len(values)
