"""Leaders and laggards (领先与落后): which divisions of a scope changed most and least since the
pilot began, as a count and per 10,000 residents.

A stock is compared at two month ends (the month before the scope's pilot began and the data's
last month), never summed over time; the per-10,000 figure is the catalog's ratio recomputed at
each end from its own sums, so a district of many residents and one of few are compared fairly.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.data.divisions import effective_pilot_start
from govdash.core.data.snapshot import Snapshot
from govdash.core.measures import figures
from govdash.core.question.scope import Selection, Window

SHOWN = 3  # leaders and laggards each; fewer when the scope has fewer than twice as many
COLUMNS = ("before", "now", "change", "change_pct", "before_10k", "now_10k", "change_10k")


@dataclass(frozen=True)
class Movers:
    """The children of one scope with their change (frame, indexed by code, COLUMNS), the level
    they are at and the two month ends compared."""

    scope_code: str
    level: str
    before_month: dt.date
    last_month: dt.date
    frame: pd.DataFrame

    def ranked(self, basis: str = "change") -> tuple[pd.DataFrame, pd.DataFrame]:
        """The leaders (largest change first) and the laggards (smallest first) by `basis`
        (change or change_10k); no division is in both."""
        known = self.frame.dropna(subset=[basis]).sort_values(basis, ascending=False, kind="stable")
        n = min(SHOWN, len(known) // 2)
        if n == 0:
            return known.head(len(known)), known.iloc[0:0]
        return known.head(n), known.tail(n).iloc[::-1]


def month_before_pilot(
    divisions: pd.DataFrame, scope_code: str, months: list[dt.date]
) -> dt.date | None:
    """The month before the scope's pilot began (its own start, else its parents'), within the
    data; the data's first month when the pilot began before it; None without a pilot start."""
    start = effective_pilot_start(divisions, scope_code)
    if start is None or not months:
        return None
    before = (pd.Timestamp(start.replace(day=1)) - pd.DateOffset(months=1)).date()
    return min(max(before, months[0]), months[-1])


def movers(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    divisions: pd.DataFrame,
    scope_code: str,
    months: list[dt.date],
    catalog: Catalog | None = None,
) -> Movers | None:
    """The change of settings.movers_metric (and its per-10,000 twin) for each child of the
    scope; None for a community (it has no children), a scope without pilot start, or a catalog
    that names no metric."""
    catalog = catalog or load_catalog()
    settings = catalog.settings
    selection = Selection.of((scope_code,), divisions)
    if not settings.movers_metric or selection.level == "community" or not months:
        return None
    before = month_before_pilot(divisions, scope_code, months)
    if before is None or before >= months[-1]:
        return None
    ids = [m for m in (settings.movers_metric, settings.movers_per_10k) if m]
    windows = [Window.of(m, m, snap.as_of) for m in (before, months[-1])]
    then, now = figures.values_at(con, snap, divisions, selection, windows, ids,
                                  by=selection.child_level, catalog=catalog)  # fmt: skip
    frame = pd.DataFrame(index=now.index)
    frame["before"] = then[settings.movers_metric].reindex(frame.index)
    frame["now"] = now[settings.movers_metric]
    frame["change"] = frame["now"] - frame["before"]
    frame["change_pct"] = [
        (c / b * 100.0) if b and not math.isnan(b) and b > 0 else math.nan
        for c, b in zip(frame["change"], frame["before"], strict=True)
    ]
    if settings.movers_per_10k:
        frame["before_10k"] = then[settings.movers_per_10k].reindex(frame.index)
        frame["now_10k"] = now[settings.movers_per_10k]
    else:
        frame["before_10k"] = frame["now_10k"] = math.nan
    frame["change_10k"] = frame["now_10k"] - frame["before_10k"]
    frame = frame[list(COLUMNS)].astype("float64")
    frame.index.name = "code"
    return Movers(scope_code, selection.child_level, before, months[-1], frame)
