"""需关注: the communities a district office should call this week, each with the figure that put
it on the list.

Two rules, both stated on the page:
- its monthly count of settings.watch_metric (service activities) fell settings.watch_falls
  complete months running (each month lower than the one before);
- it stopped sending its monthly headcount report: it sent none for the newest complete month
  that other communities of the city have reported (or it never reported).
A community that meets both is listed once, with both figures. Stopped reports come first (the
longest silence first), then falls (the steepest first).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.data.snapshot import Snapshot
from govdash.core.engine.recall import recalled_query
from govdash.core.measures import figures
from govdash.core.measures.events import prefixes
from govdash.core.question.scope import Selection, Window, add_months, month_end, months_between

COLUMNS = ("community_code", "stopped", "last_report", "silent_months", "fell", "counts",
           "drop_pct")  # fmt: skip


def last_complete_month(months: list[dt.date], as_of: dt.date) -> dt.date:
    """The newest month a flow is read over: the as-of month only when it is complete."""
    return Window.of(months[-1], months[-1], as_of).flow_end


def falls(series: list[float], n: int) -> bool:
    """Each of the last n values lower than the one before it (n + 1 values needed)."""
    tail = series[-(n + 1) :]
    if len(tail) < n + 1 or any(np.isnan(v) for v in tail):
        return False
    return all(b < a for a, b in zip(tail, tail[1:], strict=False))


def watch_list(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    divisions: pd.DataFrame,
    scope_code: str,
    months: list[dt.date],
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """The communities of the scope that meet a rule (COLUMNS; counts: the last watch_falls + 1
    monthly counts, oldest first, for a fall)."""
    catalog = catalog or load_catalog()
    settings = catalog.settings
    selection = Selection.of((scope_code,), divisions)
    if not months:
        return pd.DataFrame(columns=list(COLUMNS))
    rows: dict[str, dict] = {}
    complete = last_complete_month(months, snap.as_of)
    reports = recalled_query(con, "last_reports", snap, end=months[-1], **prefixes(selection))
    for code, last, newest in reports.itertuples(index=False):
        # The month a report is due by: the newest anyone sent, but not a month still running.
        newest = None if pd.isna(newest) else min(pd.Timestamp(newest).date(), complete)
        last = None if pd.isna(last) else pd.Timestamp(last).date()
        if newest is None or (last is not None and last >= newest):
            continue
        silent = months_between(last, newest) - 1 if last else None
        rows[code] = {"stopped": True, "last_report": last, "silent_months": silent}
    n = settings.watch_falls
    if settings.watch_metric and n > 0:
        end = complete
        start = max(add_months(end, -n), months[0])
        long = figures.series(con, snap, divisions, selection, start, month_end(end),
                              [settings.watch_metric], by="community", catalog=catalog)  # fmt: skip
        for code, group in long.groupby("division_code", sort=True):
            counts = group.sort_values("month")["value"].astype("float64").tolist()
            if falls(counts, n):
                drop = (counts[-1] - counts[0]) / counts[0] * 100.0 if counts[0] else np.nan
                rows.setdefault(code, {}).update(fell=True, counts=counts, drop_pct=drop)
    frame = pd.DataFrame([{"community_code": c, **r} for c, r in rows.items()],
                         columns=list(COLUMNS))  # fmt: skip
    frame["stopped"] = frame["stopped"].astype("boolean").fillna(False).astype(bool)
    frame["fell"] = frame["fell"].astype("boolean").fillna(False).astype(bool)
    order = frame.assign(
        _silent=frame["silent_months"].fillna(10**6) * frame["stopped"],
        _drop=frame["drop_pct"].fillna(0.0),
    ).sort_values(["stopped", "_silent", "_drop", "community_code"],
                  ascending=[False, False, True, True], kind="stable")  # fmt: skip
    return frame.loc[order.index].reset_index(drop=True)
