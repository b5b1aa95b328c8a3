"""Figures for the overview: KPI values with previous-month deltas, the city trend, the district ranking.

Plain functions over a connection and a snapshot, so they are tested without Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from govdash.catalog import Catalog, Metric, load_catalog
from govdash.divisions import city_code, level_of
from govdash.metrics import compute, compute_total, monthly
from govdash.snapshot import Snapshot


@dataclass(frozen=True)
class Periods:
    """Stocks are read in the as-of month; flows in the last complete month (a partial month would
    make every flow look like a fall)."""

    as_of: dt.date
    stock_month: dt.date
    flow_month: dt.date
    partial: bool

    @staticmethod
    def previous(month: dt.date) -> dt.date:
        return (pd.Timestamp(month) - pd.DateOffset(months=1)).date()

    @staticmethod
    def month_end(month: dt.date) -> dt.date:
        return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def periods_for(snapshot: Snapshot) -> Periods:
    as_of = snapshot.as_of
    month = as_of.replace(day=1)
    partial = as_of != Periods.month_end(month)
    return Periods(
        as_of=as_of,
        stock_month=month,
        flow_month=Periods.previous(month) if partial else month,
        partial=partial,
    )


def is_flow_based(metric_id: str, catalog: Catalog) -> bool:
    """A metric counts as a flow for period choice if any of its building blocks is a flow."""
    return any(catalog[b].kind == "flow" for b in catalog.base_metrics(metric_id))


@dataclass(frozen=True)
class Kpi:
    metric: Metric
    value: float | None
    previous: float | None
    month: dt.date
    previous_month: dt.date

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def kpis(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    divisions: pd.DataFrame,
    scope_code: str,
    metric_ids: list[str],
    catalog: Catalog | None = None,
) -> list[Kpi]:
    """Each KPI in its month and the month before, each aggregated by its own kind."""
    catalog = catalog or load_catalog()
    p = periods_for(snapshot)
    groups: dict[dt.date, list[str]] = {}
    for mid in metric_ids:
        month = p.flow_month if is_flow_based(mid, catalog) else p.stock_month
        groups.setdefault(month, []).append(mid)
    values: dict[tuple[str, dt.date], float | None] = {}
    for month, mids in groups.items():
        for m in (month, Periods.previous(month)):
            end = min(Periods.month_end(m), p.as_of)
            got = compute_total(
                con,
                snapshot,
                mids,
                divisions=divisions,
                scope_code=scope_code,
                start=m,
                end=end,
                catalog=catalog,
            )
            values.update({(mid, m): v for mid, v in got.items()})
    out = []
    for mid in metric_ids:
        month = p.flow_month if is_flow_based(mid, catalog) else p.stock_month
        prev = Periods.previous(month)
        out.append(Kpi(catalog[mid], values[(mid, month)], values[(mid, prev)], month, prev))
    return out


def trend(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    divisions: pd.DataFrame,
    metric_id: str,
    scope_code: str | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Monthly values for the scope over the snapshot's months, complete months only for flows."""
    catalog = catalog or load_catalog()
    p = periods_for(snapshot)
    scope_code = scope_code or city_code(divisions)
    level = level_of(divisions, scope_code)
    last = p.flow_month if is_flow_based(metric_id, catalog) else p.stock_month
    start = (pd.Timestamp(p.stock_month) - pd.DateOffset(months=35)).date()
    long = monthly(
        con,
        snapshot,
        [metric_id],
        divisions=divisions,
        group_level=level,
        scope_code=scope_code,
        start=start,
        end=Periods.month_end(last),
        catalog=catalog,
    )
    return long[["month", "value"]].reset_index(drop=True)


def ranking(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    divisions: pd.DataFrame,
    metric_id: str,
    lang: str = "zh",
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Districts ordered by the metric in its reference month (highest first)."""
    catalog = catalog or load_catalog()
    p = periods_for(snapshot)
    month = p.flow_month if is_flow_based(metric_id, catalog) else p.stock_month
    frame = compute(
        con,
        snapshot,
        [metric_id],
        divisions=divisions,
        group_level="district",
        scope_code=city_code(divisions),
        start=month,
        end=min(Periods.month_end(month), p.as_of),
        catalog=catalog,
    )
    names = divisions.set_index("code")[f"name_{lang}"]
    out = frame.reset_index().rename(columns={metric_id: "value"})
    out["name"] = out["division_code"].map(names)
    out.attrs["month"] = month
    return out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
