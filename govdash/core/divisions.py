"""Division hierarchy helpers over the snapshot's divisions table (a small DataFrame)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

LEVEL_DEPTH = {"city": 0, "district": 1, "street": 2, "community": 3}


def ancestry(divisions: pd.DataFrame, code: str) -> list[str]:
    """Codes from the city down to code: [city, district, street, community]."""
    parents = dict(zip(divisions["code"], divisions["parent_code"], strict=True))
    chain = [code]
    while (parent := parents.get(chain[-1])) and isinstance(parent, str):
        chain.append(parent)
    return chain[::-1]


def effective_pilot_start(divisions: pd.DataFrame, code: str) -> dt.date | None:
    """A division's own pilot start, else the nearest ancestor's."""
    return effective_pilot_starts(divisions).get(code)


def effective_pilot_starts(divisions: pd.DataFrame) -> dict[str, dt.date | None]:
    """Every division's effective pilot start at once (parents before children: one pass down the
    levels), for callers that need many: one dict instead of one per code."""
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


def city_code(divisions: pd.DataFrame) -> str:
    return divisions.loc[divisions["level"] == "city", "code"].iloc[0]


def name(divisions: pd.DataFrame, code: str, lang: str = "zh") -> str:
    row = divisions.loc[divisions["code"] == code]
    return code if row.empty else str(row[f"name_{lang}"].iloc[0])


def level_of(divisions: pd.DataFrame, code: str) -> str | None:
    row = divisions.loc[divisions["code"] == code, "level"]
    return None if row.empty else str(row.iloc[0])
