"""Compute catalog metrics for a scope and period, honouring each metric's aggregation kind.

Stocks take each community's last value in the period and are summed across divisions; flows are
summed; ratios are recomputed from the aggregated numerator and denominator, never averaged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.data.divisions import level_of, lookup
from govdash.core.data.snapshot import Snapshot
from govdash.core.engine.recall import recalled_query
from govdash.core.engine.rollups import route
from govdash.core.question.scope import GROUP_LEN, Filters, as_list, scope_params


def scope_prefix(scope_code: str, divisions: pd.DataFrame) -> str:
    level = level_of(divisions, scope_code)
    if level is None:
        raise ValueError(f"unknown division {scope_code!r}")
    return "" if level == "city" else scope_code


def _common(snapshot: Snapshot, divisions: pd.DataFrame, group_level: str, scope_code: str) -> dict:
    """The bound parameters every aggregate query takes: the grouping length and the scope."""
    if group_level not in GROUP_LEN:
        raise ValueError(f"unknown level {group_level!r}")
    return {
        "group_len": GROUP_LEN[group_level],
        **scope_params(scope_prefix(scope_code, divisions)),
    }


def _plan(
    snapshot: Snapshot,
    metric_ids: list[str],
    divisions: pd.DataFrame,
    group_level: str,
    scope_code: str,
    filters: Filters | None,
    catalog: Catalog | None,
) -> tuple[Catalog, Filters, set[str], dict]:
    """What compute() and monthly() both need first: the catalog, the filters, the base metrics
    the requested ones are made of (unknown ids raise), and the bound scope parameters."""
    catalog = catalog or load_catalog()
    for mid in metric_ids:
        catalog.require(mid)
    base = set().union(*(catalog.base_metrics(m) for m in metric_ids)) if metric_ids else set()
    common = _common(snapshot, divisions, group_level, scope_code)
    return catalog, filters or Filters(), base, common


@dataclass(frozen=True)
class Span:
    """One window a query answers: the dates [start, end] and, where the windows of one query
    differ in place as well as in time (reconciliation), the division-code prefix the window keeps
    to ('' for the query's whole scope). A query answers all its spans in one statement."""

    start: dt.date
    end: dt.date
    scope: str = ""


def span_params(spans: list[Span]) -> dict:
    """The bound lists of the windows macro (queries/_macros.sql)."""
    return {
        "starts": [s.start for s in spans],
        "ends": [s.end for s in spans],
        "scopes": [s.scope for s in spans],
    }


def _source_frame(con, snapshot, source, common, spans, filters, catalog) -> pd.DataFrame:
    """One aggregate query per source for every span, reshaped to (window, division_code) x
    catalog column."""
    windows = span_params(spans)
    if source == "headcounts":
        lookback = catalog.settings.stock_lookback_months
        return recalled_query(
            con, "headcounts_by_division", snapshot, lookback_months=lookback, **windows, **common
        )
    if source == "divisions":
        return recalled_query(con, "communities_by_division", snapshot, **windows, **common)
    if source == "activities":
        params = {**windows, **filters.activity_params(), **common}
        months = catalog.settings.baseline_months
        name, bound = route(
            "activities_by_division", snapshot.manifest, params, baseline_months=months
        )
        return recalled_query(con, name, snapshot, **bound)
    if source == "resources":
        long = recalled_query(
            con,
            "resources_by_division",
            snapshot,
            levels=as_list(filters.resource_levels),
            **windows,
            **common,
        )
        return _pivot(long, ["window_id", "division_code"], "kind", "n")
    if source == "outcomes":
        long = recalled_query(con, "outcomes_by_division", snapshot, **windows, **common)
        kinds = {m.column: m.kind for m in catalog.by_source("outcomes")}
        long["value"] = np.where(
            long["metric"].map(kinds) == "flow", long["flow_value"], long["stock_value"]
        )
        return _pivot(long, ["window_id", "division_code"], "metric", "value")
    raise ValueError(source)


def _pivot(long: pd.DataFrame, index: list[str], columns: str, values: str) -> pd.DataFrame:
    """Long to wide; an empty result keeps its key columns so later joins still work."""
    if long.empty:
        return pd.DataFrame(columns=index)
    return long.pivot_table(
        index=index, columns=columns, values=values, aggfunc="sum"
    ).reset_index()


def apply_ratios(frame: pd.DataFrame, metric_ids: list[str], catalog: Catalog) -> pd.DataFrame:
    """Add ratio columns computed from already aggregated bases (works for totals and for months)."""

    def value(mid: str) -> pd.Series:
        if mid in frame.columns:
            return frame[mid].astype("float64")
        m = catalog[mid]
        num, den = value(m.numerator), value(m.denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = m.scale * num / den.where(den != 0) + m.offset
        frame[mid] = out
        return out

    for mid in metric_ids:
        value(mid)
    return frame


def compute(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    metric_ids: list[str],
    *,
    divisions: pd.DataFrame,
    group_level: str,
    scope_code: str,
    start: dt.date,
    end: dt.date,
    filters: Filters | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Metric values per division at group_level inside the scope, over [start, end].

    Returns one row per division of that level in the scope (those with no data show NaN for
    stocks and 0 for flows), indexed by division code.
    """
    return compute_spans(
        con,
        snapshot,
        metric_ids,
        divisions=divisions,
        group_level=group_level,
        scope_code=scope_code,
        spans=[Span(start, end)],
        filters=filters,
        catalog=catalog,
    )[0]


def compute_spans(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    metric_ids: list[str],
    *,
    divisions: pd.DataFrame,
    group_level: str,
    scope_code: str,
    spans: list[Span],
    filters: Filters | None = None,
    catalog: Catalog | None = None,
) -> list[pd.DataFrame]:
    """compute() for several spans at once, one query per source whatever their number: a frame
    per span, in order. A span's own scope narrows the query's (reconciliation asks about many
    divisions at once); its rows still group by group_level."""
    catalog, filters, base, common = _plan(
        snapshot, metric_ids, divisions, group_level, scope_code, filters, catalog
    )
    sources = sorted({catalog[b].source for b in base})
    groups = _groups(divisions, group_level, common["prefixes"][0])
    frames = [groups.copy() for _ in spans]
    for source in sources:
        part = _source_frame(con, snapshot, source, common, spans, filters, catalog)
        by_window = dict(tuple(part.groupby("window_id", sort=False)))
        for i, frame in enumerate(frames):
            own = by_window.get(i, part.iloc[:0]).drop(columns="window_id")
            if group_level == "city":
                own = own.assign(division_code=frame.index[0])
            own = own.set_index("division_code")
            for b in base:
                m = catalog[b]
                if m.source != source:
                    continue
                col = own[m.column] if m.column in own.columns else pd.Series(dtype="float64")
                frame[b] = col.reindex(frame.index)
                if m.kind == "flow" or source == "resources":
                    frame[b] = frame[b].fillna(0)
    for frame in frames:
        apply_ratios(frame, metric_ids, catalog)
    return [frame[metric_ids] for frame in frames]


def _groups(divisions: pd.DataFrame, level: str, prefix: str) -> pd.DataFrame:
    codes = lookup(divisions).by_level.get(level, [])
    if level != "city":
        codes = [c for c in codes if c.startswith(prefix)]
    return pd.DataFrame(index=pd.Index(codes, name="division_code"))


def compute_total(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    metric_ids: list[str],
    *,
    divisions: pd.DataFrame,
    scope_code: str,
    start: dt.date,
    end: dt.date,
    filters: Filters | None = None,
    catalog: Catalog | None = None,
) -> dict[str, float | None]:
    """Metric values for the scope as a whole (one number each)."""
    level = level_of(divisions, scope_code)
    where = {"divisions": divisions, "group_level": level, "scope_code": scope_code}
    frame = compute(
        con, snapshot, metric_ids, start=start, end=end, filters=filters, catalog=catalog, **where
    )
    row = frame.loc[scope_code]
    return {mid: (None if pd.isna(row[mid]) else float(row[mid])) for mid in metric_ids}


def monthly(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    metric_ids: list[str],
    *,
    divisions: pd.DataFrame,
    group_level: str,
    scope_code: str,
    start: dt.date,
    end: dt.date,
    filters: Filters | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Long frame (month, division_code, metric, value): each month aggregated by the metric's kind."""
    catalog, filters, base, common = _plan(
        snapshot, metric_ids, divisions, group_level, scope_code, filters, catalog
    )
    sources = {catalog[b].source for b in base}
    parts: list[pd.DataFrame] = []
    if "headcounts" in sources:
        lookback = catalog.settings.stock_lookback_months
        parts.append(
            recalled_query(
                con,
                "headcounts_monthly",
                snapshot,
                start=start,
                end=end,
                lookback_months=lookback,
                **common,
            )
        )
    if "activities" in sources:
        params = {"start": start, "end": end, **filters.activity_params(), **common}
        name, bound = route("activities_monthly", snapshot.manifest, params)
        parts.append(recalled_query(con, name, snapshot, **bound))
    if "outcomes" in sources:
        long = recalled_query(con, "outcomes_monthly", snapshot, start=start, end=end, **common)
        parts.append(_pivot(long, ["month", "division_code"], "metric", "value"))
    if "resources" in sources:
        long = recalled_query(
            con,
            "resources_monthly",
            snapshot,
            start=start,
            end=end,
            levels=as_list(filters.resource_levels),
            **common,
        )
        parts.append(_pivot(long, ["month", "division_code"], "kind", "n"))
    months = pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(), end, freq="MS")
    groups = _groups(divisions, group_level, common["prefixes"][0]).index
    keys = [""] if group_level == "city" else list(groups)
    frame = pd.MultiIndex.from_product([months.date, keys], names=["month", "division_code"])
    frame = pd.DataFrame(index=frame)
    for part in parts:
        part["month"] = pd.to_datetime(part["month"]).dt.date
        part = part.set_index(["month", "division_code"])
        for b in base:
            m = catalog[b]
            if m.source == "divisions" or m.column not in part.columns:
                continue
            frame[b] = part[m.column].reindex(frame.index)
            if m.kind == "flow":
                frame[b] = frame[b].fillna(0)
    if "divisions" in sources:
        static = recalled_query(
            con, "communities_by_division", snapshot, **span_params([Span(start, end)]), **common
        ).set_index("division_code")
        codes = frame.index.get_level_values("division_code")
        for b in base:
            m = catalog[b]
            if m.source == "divisions":
                frame[b] = static[m.column].reindex(codes).to_numpy()
    for b in base:
        if b not in frame.columns:
            frame[b] = 0.0 if catalog[b].kind == "flow" else np.nan
    apply_ratios(frame, metric_ids, catalog)
    out = frame[metric_ids].reset_index()
    if group_level == "city":
        out["division_code"] = groups[0]
    return out.melt(id_vars=["month", "division_code"], var_name="metric", value_name="value")
