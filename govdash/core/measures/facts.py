"""Reported facts: quantitative statements from briefings, kept in data/reported_facts.csv.

Qualifiers keep their Chinese meaning when checked:
  exact      as stated, to the precision written (40% matches 39.5 <= x < 40.5; 52 must be 52)
  more_than  余/多: v <= x < v + one unit of the last significant digit (530余: 530..539)
  nearly     近: just under v, v*(1 - tolerance) <= x < v (近3万: 28,500..29,999 at 5%)
  about      约: |x - v| <= tolerance * v
  at_least   以上: x >= v
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from govdash.core.data.contract import TABLES
from govdash.core.data.divisions import effective_pilot_start
from govdash.core.data.paths import DATA_DIR
from govdash.core.text.fmt import decimals
from govdash.core.text.numbers import QUALIFIERS
from govdash.core.text.problems import ContractError, Problem

FACTS_FILE = DATA_DIR / "reported_facts.csv"
DEFAULT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Bounds:
    low: float
    high: float
    low_inclusive: bool = True
    high_inclusive: bool = True

    def contains(self, x: float | None) -> bool:
        if x is None or math.isnan(x):
            return False
        above = x >= self.low if self.low_inclusive else x > self.low
        below = x <= self.high if self.high_inclusive else x < self.high
        return above and below

    def describe(self) -> str:
        lo = "[" if self.low_inclusive else "("
        hi = "]" if self.high_inclusive else ")"
        return f"{lo}{self.low:g}, {self.high:g}{hi}"


def significant_step(value: float) -> float:
    """One unit of the last significant digit: 530 -> 10, 2800 -> 100, 12.5 -> 0.1, 7 -> 1."""
    d = decimals(value)
    if d:
        return 10.0**-d
    n = int(round(abs(value)))
    if n == 0:
        return 1.0
    step = 1
    while n % 10 == 0:
        n //= 10
        step *= 10
    return float(step)


def bounds(value: float, qualifier: str, tolerance: float | None = None) -> Bounds:
    """The interval of values that agree with a reported value and its qualifier."""
    tol = DEFAULT_TOLERANCE if tolerance is None or math.isnan(tolerance) else tolerance
    if qualifier == "exact":
        half = 0.5 * 10.0 ** -decimals(value)
        return Bounds(value - half, value + half, True, False)
    if qualifier == "more_than":
        return Bounds(value, value + significant_step(value), True, False)
    if qualifier == "nearly":
        return Bounds(value * (1 - tol), value, True, False)
    if qualifier == "about":
        return Bounds(value * (1 - tol), value * (1 + tol))
    if qualifier == "at_least":
        return Bounds(value, math.inf)
    raise ValueError(f"unknown qualifier {qualifier!r}; allowed: {QUALIFIERS}")


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text and text.strip() else None


def _float(text: str) -> float | None:
    return float(text) if text and text.strip() else None


def load_facts_csv(path: Path = FACTS_FILE) -> pa.Table:
    """Read the human-edited CSV into a contract table, reporting every bad cell with its row."""
    schema = TABLES["reported_facts"].schema
    columns: dict[str, list] = {f.name: [] for f in schema}
    problems: list[Problem] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ContractError(
                Problem("facts", f"missing columns {missing}", f"缺少列 {missing}", str(path))
            )
        for lineno, row in enumerate(reader, start=2):
            try:
                parsed = {
                    "value": float(row["value"]),
                    "as_of": _date(row["as_of"]),
                    "period_start": _date(row["period_start"]),
                    "tolerance": _float(row["tolerance"]),
                }
            except ValueError as exc:
                problems.append(
                    Problem(
                        "facts",
                        f"bad value ({exc})",
                        f"数值或日期无效（{exc}）",
                        f"{path.name} line {lineno}",
                    )
                )
                continue
            if row["qualifier"] not in QUALIFIERS:
                problems.append(
                    Problem(
                        "facts",
                        f"unknown qualifier {row['qualifier']!r}",
                        f"未知限定词 {row['qualifier']!r}",
                        f"{path.name} line {lineno}",
                    )
                )
            for name in columns:
                columns[name].append(parsed[name] if name in parsed else (row[name] or None))
    if problems:
        raise ContractError(problems)
    return pa.table(columns, schema=schema)


def fact_period(fact: pd.Series, divisions: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """[period_start, as_of]; without a period_start, cumulative figures count from the pilot's start."""
    end = pd.Timestamp(fact["as_of"]).date()
    if fact.get("period_start") is not None and not pd.isna(fact["period_start"]):
        return pd.Timestamp(fact["period_start"]).date(), end
    start = effective_pilot_start(divisions, fact["scope_code"]) or end.replace(day=1)
    return min(start, end.replace(day=1)), end


CLAUSE_BREAKS = "，。；：！？、,;:"


def _numerals(value: float) -> list[str]:
    """The ways an article may write a value: 2142, 2,142, 3万 (for 30000), 12.5."""
    forms = [f"{value:g}", f"{value:,.0f}" if value == int(value) else f"{value:,g}"]
    if value >= 10_000 and (value / 10_000) == round(value / 10_000, 2):
        forms.append(f"{value / 10_000:g}万")
    return sorted(set(forms), key=len, reverse=True)


def wording(sentence: object, value: float) -> str | None:
    """The clause of the source sentence that states the value, as the article wrote it
    ("联合各部门开展60余场志愿服务进驿站活动"), so a reconciliation row reads like the report and
    not like our metric's shorter name. None when the value is not written in digits (两个)."""
    if not isinstance(sentence, str) or not sentence or value is None or math.isnan(value):
        return None
    for form in _numerals(float(value)):
        at = _find_number(sentence, form)
        if at < 0:
            continue
        start = max(sentence.rfind(c, 0, at) for c in CLAUSE_BREAKS) + 1
        ends = [i for c in CLAUSE_BREAKS if (i := sentence.find(c, at)) >= 0]
        end = min(ends) if ends else len(sentence)
        return sentence[start:end].strip()
    return None


def _find_number(sentence: str, form: str) -> int:
    """Where form stands as a whole number (not the "40" inside "1400"), or -1."""
    start = 0
    while (at := sentence.find(form, start)) >= 0:
        before = sentence[at - 1] if at else ""
        after = sentence[at + len(form)] if at + len(form) < len(sentence) else ""
        if not (before.isdigit() or before in ".,") and not (after.isdigit() or after == "."):
            return at
        start = at + 1
    return -1
