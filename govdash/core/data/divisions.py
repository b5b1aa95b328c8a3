"""Division hierarchy helpers over the snapshot's divisions table (a small DataFrame).

A page run asks these helpers hundreds of times about the same table, so each table gets one
Lookup (dicts by code), built on first use and kept as long as the table object lives. The table
is treated as read-only once asked about: a changed copy is a new object with its own Lookup.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

import pandas as pd

LEVEL_DEPTH = {"city": 0, "district": 1, "street": 2, "community": 3}


@dataclass(frozen=True)
class Lookup:
    """One divisions table as dicts by code."""

    parents: dict[str, str | None]
    levels: dict[str, str]
    names: dict[str, dict[str, str]]  # lang -> code -> name
    city: str | None
    pilot_starts: dict[str, dt.date | None]
    by_level: dict[str, list[str]]  # level -> codes in table order


_LOOKUPS: dict[int, tuple[weakref.ref, Lookup]] = {}


def lookup(divisions: pd.DataFrame) -> Lookup:
    """The Lookup of this table object, built once."""
    key = id(divisions)
    hit = _LOOKUPS.get(key)
    if hit is not None and hit[0]() is divisions:
        return hit[1]
    codes = divisions["code"].tolist()
    levels = dict(zip(codes, divisions["level"].tolist(), strict=True))
    found = Lookup(
        parents=dict(zip(codes, divisions["parent_code"].tolist(), strict=True)),
        levels=levels,
        names={
            lang: dict(zip(codes, divisions[f"name_{lang}"].tolist(), strict=True))
            for lang in ("zh", "en")
            if f"name_{lang}" in divisions.columns
        },
        city=next((c for c in codes if levels[c] == "city"), None),
        pilot_starts=_pilot_starts(divisions),
        by_level=_by_level(codes, levels),
    )
    _LOOKUPS[key] = (weakref.ref(divisions, lambda _, k=key: _LOOKUPS.pop(k, None)), found)
    return found


def _by_level(codes: list[str], levels: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code in codes:
        out.setdefault(levels[code], []).append(code)
    return out


def ancestry(divisions: pd.DataFrame, code: str) -> list[str]:
    """Codes from the city down to code: [city, district, street, community]."""
    parents = lookup(divisions).parents
    chain = [code]
    while (parent := parents.get(chain[-1])) and isinstance(parent, str):
        chain.append(parent)
    return chain[::-1]


def effective_pilot_start(divisions: pd.DataFrame, code: str) -> dt.date | None:
    """A division's own pilot start, else the nearest ancestor's."""
    return effective_pilot_starts(divisions).get(code)


def effective_pilot_starts(divisions: pd.DataFrame) -> dict[str, dt.date | None]:
    """Every division's effective pilot start at once, for callers that need many."""
    return lookup(divisions).pilot_starts


def city_pilot_month(divisions: pd.DataFrame) -> dt.date | None:
    """The month the pilot began anywhere in the city: the earliest effective start."""
    starts = [s for s in effective_pilot_starts(divisions).values() if s is not None]
    return min(starts).replace(day=1) if starts else None


def _pilot_starts(divisions: pd.DataFrame) -> dict[str, dt.date | None]:
    """One pass down the levels, parents before children."""
    own = dict(zip(divisions["code"], divisions["pilot_start"], strict=True))
    parents = dict(zip(divisions["code"], divisions["parent_code"], strict=True))
    depth = dict(zip(divisions["code"], divisions["level"].map(LEVEL_DEPTH), strict=True))
    out: dict[str, dt.date | None] = {}
    for code in sorted(own, key=lambda c: depth[c]):
        value = own[code]
        if value is not None and not pd.isna(value):
            out[code] = pd.Timestamp(value).date()
        else:
            parent = parents.get(code)
            out[code] = out.get(parent) if isinstance(parent, str) else None
    return out


def pilot_communities(divisions: pd.DataFrame) -> list[str]:
    """The codes of the pilot communities, in table order (is_pilot missing means no)."""
    pilots = (divisions["level"] == "community") & divisions["is_pilot"].fillna(False).astype(bool)
    return divisions.loc[pilots, "code"].tolist()


def city_code(divisions: pd.DataFrame) -> str:
    city = lookup(divisions).city
    if city is None:
        raise IndexError("the divisions table has no city row")
    return city


def name(divisions: pd.DataFrame, code: str, lang: str = "zh") -> str:
    found = lookup(divisions).names[lang].get(code)
    return code if found is None else str(found)


def level_of(divisions: pd.DataFrame, code: str) -> str | None:
    return lookup(divisions).levels.get(code)
