"""Figures for a selection (city, one or several districts, a street or a community) over a window.

The pages ask questions in terms of the shared view; this module turns them into catalog metrics
with the right aggregation: stocks at the window's end, flows summed over its complete months, and
ratios recomputed from the summed bases of the selected divisions, never averaged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from govdash.core.data.catalog import Catalog, Metric, load_catalog
from govdash.core.data.divisions import effective_pilot_starts
from govdash.core.data.snapshot import Snapshot
from govdash.core.measures.metrics import Span, apply_ratios, compute_spans, monthly
from govdash.core.question.scope import Filters, Selection, Window


def is_flow_based(metric_id: str, catalog: Catalog) -> bool:
    """A metric counts as a flow for period choice if any of its building blocks is a flow."""
    return any(catalog[b].kind == "flow" for b in catalog.base_metrics(metric_id))


def _sum_bases(frame: pd.DataFrame, metric_ids: list[str], catalog: Catalog) -> pd.DataFrame:
    """Sum base metrics across rows (NaN stays NaN when every row is NaN), then recompute ratios."""
    bases = sorted(set().union(*(catalog.base_metrics(m) for m in metric_ids)))
    row = frame[bases].sum(min_count=1).to_frame().T
    return apply_ratios(row, metric_ids, catalog)


def _bases(metric_ids: list[str], catalog: Catalog) -> list[str]:
    return sorted(set().union(*(catalog.base_metrics(m) for m in metric_ids)))


def _where(divisions, level: str, scope: str, filters, catalog: Catalog) -> dict:
    """The keyword arguments metrics.compute() and metrics.monthly() share."""
    return {
        "divisions": divisions,
        "group_level": level,
        "scope_code": scope,
        "filters": filters,
        "catalog": catalog,
    }


def values(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    divisions: pd.DataFrame,
    selection: Selection,
    window: Window,
    metric_ids: list[str],
    *,
    filters: Filters | None = None,
    by: str | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Metric values over the window: one row for the selection (by=None) or one per division of
    level `by` inside it. Each metric is read over its own date range (stock or flow)."""
    return values_at(
        con, snapshot, divisions, selection, [window], metric_ids, filters=filters, by=by,
        catalog=catalog,
    )[0]  # fmt: skip


def values_at(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    divisions: pd.DataFrame,
    selection: Selection,
    windows: list[Window],
    metric_ids: list[str],
    *,
    filters: Filters | None = None,
    by: str | None = None,
    catalog: Catalog | None = None,
) -> list[pd.DataFrame]:
    """values() for several windows with one query per source (the KPI cards' three windows)."""
    catalog = catalog or load_catalog()
    groups: dict[bool, list[str]] = {}
    for mid in metric_ids:
        groups.setdefault(is_flow_based(mid, catalog), []).append(mid)
    parts: list[list[pd.DataFrame]] = [[] for _ in windows]
    level, scope = selection.grouping(by)
    for flow, mids in groups.items():
        frames = compute_spans(
            con,
            snapshot,
            _bases(mids, catalog),
            spans=[Span(*w.dates(flow)) for w in windows],
            **_where(divisions, level, scope, filters, catalog),
        )
        for i, frame in enumerate(frames):
            frame = frame.loc[selection.contains(frame.index)]
            if by is None:
                frame = _sum_bases(frame, mids, catalog)
                frame.index = pd.Index(
                    [selection.codes[0] if selection.single else "+"], name="code"
                )
            else:
                apply_ratios(frame, mids, catalog)
            parts[i].append(frame[mids])
    return [pd.concat(p, axis=1)[metric_ids] for p in parts]


def series(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    divisions: pd.DataFrame,
    selection: Selection,
    start: dt.date,
    end: dt.date,
    metric_ids: list[str],
    *,
    filters: Filters | None = None,
    by: str | None = None,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """Monthly values (columns month, division_code, metric, value) for the selection as a whole
    (by=None) or per division of level `by` inside it."""
    catalog = catalog or load_catalog()
    bases = _bases(metric_ids, catalog)
    level, scope = selection.grouping(by)
    long = monthly(
        con,
        snapshot,
        bases,
        start=start,
        end=end,
        **_where(divisions, level, scope, filters, catalog),
    )
    wide = long.pivot_table(
        index=["month", "division_code"], columns="metric", values="value", dropna=False
    ).reset_index()
    wide = wide[selection.contains(wide["division_code"])]
    for b in bases:
        if b not in wide.columns:
            wide[b] = np.nan
    if by is None:
        summed = wide.groupby("month")[bases].sum(min_count=1).reset_index()
        summed["division_code"] = selection.codes[0] if selection.single else "+"
        wide = summed
    apply_ratios(wide, metric_ids, catalog)
    out = wide[["month", "division_code", *metric_ids]]
    out = out.melt(id_vars=["month", "division_code"], var_name="metric", value_name="value")
    return out.sort_values(["metric", "division_code", "month"]).reset_index(drop=True)


@dataclass(frozen=True)
class Comparison:
    """What a KPI is compared with: the change, the value it changed from, and which baseline
    that was (kind): "pilot_start" (the same-length window when the pilot began), "before_pilot"
    (the same-length window just before it began, for a window that starts with the pilot) or
    "previous" (the same-length window just before)."""

    delta: float | None
    base: float | None
    kind: str
    window: Window

    @property
    def relative(self) -> float | None:
        """The change as a share of the base; None when the base is missing or not positive."""
        if self.delta is None or self.base is None or self.base <= 0:
            return None
        return self.delta / self.base


@dataclass(frozen=True)
class Kpi:
    """A metric over the window, the window before it, and the same-length window at pilot start."""

    metric: Metric
    value: float | None
    previous: float | None
    at_pilot_start: float | None
    window: Window
    pilot_window: Window | None
    hidden: bool = False  # too small a count of vulnerable people to show (core.rules.privacy)
    pilot_month: dt.date | None = None  # the month the selection's pilot began

    @staticmethod
    def _diff(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else a - b

    @property
    def delta(self) -> float | None:
        return self._diff(self.value, self.previous)

    @property
    def since_pilot(self) -> float | None:
        return self._diff(self.value, self.at_pilot_start)

    def main(self) -> Comparison:
        """The comparison a card leads with: what changed since the pilot began, whenever the
        window allows it; otherwise the change on the window before."""
        if self.pilot_window is not None and self.at_pilot_start is not None:
            return Comparison(
                self.since_pilot, self.at_pilot_start, "pilot_start", self.pilot_window
            )
        kind = "before_pilot" if self.window.start == self.pilot_month else "previous"
        return Comparison(self.delta, self.previous, kind, self.window.previous())

    def other(self) -> Comparison | None:
        """The change on the window before, when the card leads with the pilot start."""
        if self.main().kind != "pilot_start":
            return None
        return Comparison(self.delta, self.previous, "previous", self.window.previous())


def _window_record(window: Window | None) -> list[str] | None:
    if window is None:
        return None
    return [d.isoformat() for d in (window.start, window.end, window.flow_start,
                                    window.flow_end, window.as_of)]  # fmt: skip


def _window_of(record: list[str] | None) -> Window | None:
    return None if record is None else Window(*(dt.date.fromisoformat(d) for d in record))


def kpi_records(kpis: list[Kpi]) -> list[dict]:
    """KPIs as JSON values (the metric by its id), for the store the workers share."""
    return [
        {
            "metric": k.metric.id,
            "value": k.value,
            "previous": k.previous,
            "at_pilot_start": k.at_pilot_start,
            "window": _window_record(k.window),
            "pilot_window": _window_record(k.pilot_window),
            "hidden": k.hidden,
            "pilot_month": k.pilot_month.isoformat() if k.pilot_month else None,
        }
        for k in kpis
    ]


def kpis_from_records(records: list[dict], catalog: Catalog | None = None) -> list[Kpi]:
    """The inverse of kpi_records; a metric the catalog no longer has is a KeyError (a miss)."""
    catalog = catalog or load_catalog()
    return [
        Kpi(
            catalog[r["metric"]],
            r["value"],
            r["previous"],
            r["at_pilot_start"],
            _window_of(r["window"]),
            _window_of(r["pilot_window"]),
            r["hidden"],
            dt.date.fromisoformat(r["pilot_month"]) if r["pilot_month"] else None,
        )
        for r in records
    ]


def _scalar(frame: pd.DataFrame, mid: str) -> float | None:
    value = frame[mid].iloc[0] if len(frame) else np.nan
    return None if pd.isna(value) else float(value)


def pilot_start(divisions: pd.DataFrame, selection: Selection) -> dt.date | None:
    """The earliest pilot start among the selected divisions (their own or inherited)."""
    known = effective_pilot_starts(divisions)
    starts = [known.get(c) for c in selection.codes]
    starts = [s for s in starts if s is not None]
    return min(starts).replace(day=1) if starts else None


def kpis(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    divisions: pd.DataFrame,
    selection: Selection,
    window: Window,
    metric_ids: list[str],
    *,
    filters: Filters | None = None,
    catalog: Catalog | None = None,
) -> list[Kpi]:
    catalog = catalog or load_catalog()

    start = pilot_start(divisions, selection)
    pilot_window = window.starting(start) if start and start < window.start else None
    windows = [window, window.previous(), *([pilot_window] if pilot_window else [])]
    now, before, *rest = values_at(
        con, snapshot, divisions, selection, windows, metric_ids, filters=filters, catalog=catalog
    )
    then = rest[0] if rest else None
    return [
        Kpi(
            catalog[mid],
            _scalar(now, mid),
            _scalar(before, mid),
            _scalar(then, mid) if then is not None else None,
            window,
            pilot_window,
            pilot_month=start,
        )
        for mid in metric_ids
    ]
