"""Division hierarchy helpers over the snapshot's divisions table (a small DataFrame)."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def ancestry(divisions: pd.DataFrame, code: str) -> list[str]:
    """Codes from the city down to code: [city, district, street, community]."""
    parents = dict(zip(divisions["code"], divisions["parent_code"], strict=True))
    chain = [code]
    while (parent := parents.get(chain[-1])) and isinstance(parent, str):
        chain.append(parent)
    return chain[::-1]


def effective_pilot_start(divisions: pd.DataFrame, code: str) -> dt.date | None:
    """A division's own pilot start, else the nearest ancestor's."""
    starts = dict(zip(divisions["code"], divisions["pilot_start"], strict=True))
    for c in reversed(ancestry(divisions, code)):
        value = starts.get(c)
        if value is not None and not pd.isna(value):
            return pd.Timestamp(value).date()
    return None


def city_code(divisions: pd.DataFrame) -> str:
    return divisions.loc[divisions["level"] == "city", "code"].iloc[0]


def name(divisions: pd.DataFrame, code: str, lang: str = "zh") -> str:
    row = divisions.loc[divisions["code"] == code]
    return code if row.empty else str(row[f"name_{lang}"].iloc[0])


def level_of(divisions: pd.DataFrame, code: str) -> str | None:
    row = divisions.loc[divisions["code"] == code, "level"]
    return None if row.empty else str(row.iloc[0])
