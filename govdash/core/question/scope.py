"""What a figure covers: the divisions (Selection), the months (Window) and the filters (Filters).

Plain frozen values, hashable so the app can cache on them, with the date arithmetic of windows:
stocks are read at a window's end, flows over its complete months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from govdash.core.data.contract import CODE_LENGTH
from govdash.core.data.divisions import city_code, level_of

CHILD_LEVEL = {"city": "district", "district": "street", "street": "community"}
GROUP_LEN = {
    "city": 0,
    "district": CODE_LENGTH["district"],
    "street": CODE_LENGTH["street"],
    "community": CODE_LENGTH["community"],
}


def scope_params(*prefixes: str) -> dict:
    """The one scope convention of every query (see queries/_macros.sql, in_scope): division codes
    of the same length as prefixes; no prefix or "" is the whole city."""
    codes = [p for p in prefixes if p] or [""]
    lengths = {len(c) for c in codes}
    if len(lengths) != 1:
        raise ValueError(f"a scope is divisions of one level, got {codes!r}")
    return {"prefix_len": lengths.pop(), "prefixes": codes}


FILTER_KEYS = {
    "category": "activities",
    "target_group": "activities",
    "team_type": "activities",
    "level": "resources",
}


@dataclass(frozen=True)
class Filters:
    """Optional restrictions. None means "all"; they apply only to the sources that have the column."""

    categories: tuple[str, ...] | None = None
    target_groups: tuple[str, ...] | None = None
    team_types: tuple[str, ...] | None = None
    resource_levels: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, text: str) -> Filters:
        """Parse "key=value;key=value|value" as written in the reported-facts file."""
        values: dict[str, tuple[str, ...]] = {}
        text = text if isinstance(text, str) else ""  # a missing CSV cell arrives as None or NaN
        for part in filter(None, (p.strip() for p in text.split(";"))):
            key, _, raw = part.partition("=")
            key = key.strip()
            if key not in FILTER_KEYS:
                raise ValueError(f"unknown filter {key!r}; allowed: {sorted(FILTER_KEYS)}")
            values[key] = tuple(v.strip() for v in raw.split("|") if v.strip())
        return cls(
            categories=values.get("category"),
            target_groups=values.get("target_group"),
            team_types=values.get("team_type"),
            resource_levels=values.get("level"),
        )

    def activity_params(self) -> dict[str, list[str] | None]:
        """The bound list parameters of the activity queries (None means all)."""
        return {
            "categories": as_list(self.categories),
            "target_groups": as_list(self.target_groups),
            "team_types": as_list(self.team_types),
        }

    def sources(self) -> set[str]:
        used = set()
        if self.categories or self.target_groups or self.team_types:
            used.add("activities")
        if self.resource_levels:
            used.add("resources")
        return used


def as_list(values: tuple[str, ...] | None) -> list[str] | None:
    """A tuple of codes as a bound list parameter; None (all) stays None."""
    return list(values) if values is not None else None


def month_end(month: dt.date) -> dt.date:
    return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def add_months(month: dt.date, n: int) -> dt.date:
    return (pd.Timestamp(month) + pd.DateOffset(months=n)).date()


def months_between(start: dt.date, end: dt.date) -> int:
    """Number of months in [start, end], both first days of a month."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass(frozen=True)
class Window:
    """Months [start, end] for stocks and [flow_start, flow_end] for flows.

    Flows use complete months only: a partial as-of month would make every flow look like a fall,
    so it is dropped (and a one-month window moves back a month). Use Window.of to build one.
    """

    start: dt.date
    end: dt.date
    flow_start: dt.date
    flow_end: dt.date
    as_of: dt.date

    @classmethod
    def of(cls, start: dt.date, end: dt.date, as_of: dt.date) -> Window:
        partial = end == as_of.replace(day=1) and as_of != month_end(end)
        flow_end = add_months(end, -1) if partial else end
        return cls(start, end, min(start, flow_end), flow_end, as_of)

    @property
    def partial(self) -> bool:
        return self.flow_end != self.end

    @property
    def length(self) -> int:
        return months_between(self.start, self.end)

    @property
    def flow_length(self) -> int:
        return months_between(self.flow_start, self.flow_end)

    def dates(self, flow: bool) -> tuple[dt.date, dt.date]:
        """The date range a metric is read over: complete months for flows."""
        if flow:
            return self.flow_start, month_end(self.flow_end)
        return self.start, min(month_end(self.end), self.as_of)

    def previous(self) -> Window:
        """The windows of the same lengths just before these ones."""
        n, f = self.length, self.flow_length
        return Window(
            add_months(self.start, -n),
            add_months(self.end, -n),
            add_months(self.flow_start, -f),
            add_months(self.flow_end, -f),
            self.as_of,
        )

    def starting(self, month: dt.date) -> Window:
        """The windows of the same lengths that start in month ("since the pilot began")."""
        return Window(
            month,
            add_months(month, self.length - 1),
            month,
            add_months(month, self.flow_length - 1),
            self.as_of,
        )


@dataclass(frozen=True)
class Selection:
    """Divisions of one level. No codes means the whole city."""

    codes: tuple[str, ...]
    level: str
    parent: str

    @classmethod
    def of(cls, codes: tuple[str, ...] | list[str], divisions: pd.DataFrame) -> Selection:
        codes = tuple(codes)
        if not codes:
            city = city_code(divisions)
            return cls((city,), "city", city)
        levels = {level_of(divisions, c) for c in codes}
        if None in levels or len(levels) != 1:
            raise ValueError(f"a selection needs known divisions of one level, got {codes!r}")
        level = levels.pop()
        if len(codes) == 1:
            return cls(codes, level, codes[0])
        parents = divisions.set_index("code").loc[list(codes), "parent_code"].unique()
        parent = parents[0] if len(parents) == 1 else city_code(divisions)
        return cls(codes, level, parent)

    @property
    def single(self) -> bool:
        return len(self.codes) == 1

    @property
    def child_level(self) -> str:
        return CHILD_LEVEL.get(self.level, self.level)

    def grouping(self, by: str | None) -> tuple[str, str]:
        """The level to group at and the division to query: the selection itself, or its parent
        when the rows of several divisions (or of their children) are wanted."""
        level = by or self.level
        if level == "city" or (self.single and by is None):
            return level, self.codes[0]
        return level, self.parent

    def contains(self, codes: pd.Index | pd.Series) -> np.ndarray:
        """Which division codes (of the selection's level or below) lie inside the selection."""
        if self.level == "city":
            return np.ones(len(codes), dtype=bool)
        return np.asarray(pd.Series(codes).str[: len(self.codes[0])].isin(self.codes))

    def params(self) -> dict:
        """The bound parameters that restrict a query to the selection's divisions."""
        return scope_params(*([] if self.level == "city" else self.codes))


@dataclass(frozen=True)
class ActivityScope:
    """The events an activity question covers: the selection's divisions, dates [start, end]
    inclusive, and the category/target-group/team-type filters."""

    selection: Selection
    start: dt.date
    end: dt.date
    filters: Filters | None = None

    def params(self) -> dict:
        """The bound parameters of every activity query (see queries/_macros.sql)."""
        return {
            "start": self.start,
            "end": self.end,
            **(self.filters or Filters()).activity_params(),
            **self.selection.params(),
        }
