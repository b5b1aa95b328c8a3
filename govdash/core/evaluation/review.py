"""The pilot evaluation (试点成效评估) of a snapshot: for each evaluation measure, pilot communities
against their comparison group, before and since each one's own pilot start.

The comparison rule: the non-pilot communities of the same districts as the pilot communities in
scope (a district's pilots against that district's other communities; for the city, every
district that has pilots). Same district, because a district's offices, funding and reporting
habits move its communities together; that is what the comparison has to hold fixed.

The panel is one value per community and month, each month aggregated by the metric's kind
(ratios from their sums, a stock from the month's report), read through the same queries as
every chart (metrics.monthly at community level), over the months before the as-of month: the
as-of month is incomplete (districts send a month's activities after it ends), and an
incomplete month would read as a fall.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.data.snapshot import Snapshot
from govdash.core.evaluation.estimate import Estimate, did
from govdash.core.measures.events import data_range
from govdash.core.measures.metrics import apply_ratios, compute, monthly

RULE = "same_district"  # the comparison rule above, as the texts name it (i18n: evaluation.rule.*)


@dataclass(frozen=True)
class Review:
    """One measure's evaluation: the estimate and the groups' means before and since the start
    (pilot communities on their own start, comparison communities on the city's)."""

    metric: str
    estimate: Estimate | None  # None when it cannot be estimated: `reason` says why
    pilot_before: float | None
    pilot_since: float | None
    comparison_before: float | None
    comparison_since: float | None
    first_month: dt.date
    last_month: dt.date
    # "no_pilots", "no_comparisons" (no values for one group), "not_estimable" (every pilot
    # value lies on one side of its start, so nothing before and since can be compared)
    reason: str | None = None


def window(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> tuple[dt.date, dt.date]:
    """The months evaluated: the snapshot's first month to the last whole month before as-of."""
    months = data_range(con, snapshot)
    last = (pd.Timestamp(months.last_month) - pd.DateOffset(months=1)).date()
    return months.first_month, max(last, months.first_month)


def groups(divisions: pd.DataFrame, scope_code: str) -> pd.DataFrame:
    """The communities evaluated in scope: code, district, pilot start (NaT for the comparison
    group) and whether it pilots, by the comparison rule."""
    comm = divisions[divisions["level"] == "community"]
    comm = comm[comm["code"].str.startswith(_prefix(divisions, scope_code))]
    out = pd.DataFrame({
        "community": comm["code"].to_numpy(),
        "district": comm["code"].str.slice(0, 6).to_numpy(),
        "pilot": comm["is_pilot"].fillna(False).astype(bool).to_numpy(),
        "start": pd.to_datetime(comm["pilot_start"]).to_numpy(),
    })  # fmt: skip
    out.loc[~out["pilot"], "start"] = pd.NaT
    out.loc[out["pilot"] & out["start"].isna(), "start"] = pd.Timestamp(_city_start(divisions))
    with_pilots = set(out.loc[out["pilot"], "district"])
    return out[out["district"].isin(with_pilots)].reset_index(drop=True)


def panel(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    metric: str,
    *,
    divisions: pd.DataFrame,
    scope_code: str,
    catalog: Catalog | None = None,
) -> pd.DataFrame:
    """The measure per community and month (community, month, value, start, district), the
    rows did() and the event-study chart take."""
    catalog = catalog or load_catalog()
    catalog.require(metric)
    first, last = window(con, snapshot)
    end = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()
    long = monthly(con, snapshot, [metric], divisions=divisions, group_level="community",
                   scope_code=scope_code, start=first, end=end, catalog=catalog)  # fmt: skip
    long = long.rename(columns={"division_code": "community"})
    long["value"] = pd.to_numeric(long["value"], errors="coerce").replace([np.inf, -np.inf], np.nan)
    members = groups(divisions, scope_code)
    out = long[["community", "month", "value"]].merge(members, on="community", how="inner")
    out["month"] = pd.to_datetime(out["month"])
    return out.sort_values(["community", "month"]).reset_index(drop=True)


def review(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    *,
    divisions: pd.DataFrame,
    scope_code: str,
    metrics: list[str] | None = None,
    catalog: Catalog | None = None,
) -> list[Review]:
    """Each evaluation measure's estimate and group means for the scope."""
    catalog = catalog or load_catalog()
    first, last = window(con, snapshot)
    city_start = pd.Timestamp(_city_start(divisions))
    out = []
    for metric in metrics or list(catalog.settings.evaluation_metrics):
        frame = panel(con, snapshot, metric, divisions=divisions, scope_code=scope_code,
                      catalog=catalog)  # fmt: skip
        rows = frame[frame["value"].notna()]
        estimate, reason = _estimate(rows)
        start = rows["start"].fillna(city_start)
        since = rows["month"] >= start

        means = [_mean(rows, since, pilot, after) for pilot, after in MEAN_ORDER]
        out.append(Review(metric, estimate, *means, first, last, reason))
    return out


MEAN_ORDER = ((True, False), (True, True), (False, False), (False, True))  # as Review lists them


def _mean(rows: pd.DataFrame, since: pd.Series, pilot: bool, after: bool) -> float | None:
    """A group's mean over its community-months before (or since) the start."""
    values = rows.loc[(rows["pilot"] == pilot) & (since == after), "value"]
    return float(values.mean()) if len(values) else None


def _estimate(rows: pd.DataFrame) -> tuple[Estimate | None, str | None]:
    has = rows.groupby("pilot")["community"].nunique()
    if not has.get(True, 0):
        return None, "no_pilots"
    if not has.get(False, 0):
        return None, "no_comparisons"
    try:
        return did(rows), None
    except ValueError as exc:  # linearmodels: the effect is absorbed by the fixed effects
        if "absorbed" not in str(exc):
            raise
        return None, "not_estimable"


def event_lines(frame: pd.DataFrame, *, before: int = 12, after: int = 12) -> pd.DataFrame:
    """The event-study chart's two lines: for each month relative to a pilot community's own
    start (-before … after), the pilot communities' mean, and the mean of the comparison
    communities of the same district in the same calendar months, averaged over the pilot
    communities (each pilot weighs alike, whatever its district's size)."""
    rows = frame[frame["value"].notna()]
    pilots = rows[rows["pilot"]].copy()
    pilots["k"] = _months_between(pilots["start"], pilots["month"])
    pilots = pilots[pilots["k"].between(-before, after)]
    comparison = (
        rows[~rows["pilot"]].groupby(["district", "month"])["value"].mean().rename("comparison")
    )
    pilots = pilots.join(comparison, on=["district", "month"])
    lines = pilots.groupby("k").agg(
        pilot=("value", "mean"), comparison=("comparison", "mean"), pilots=("community", "nunique")
    )
    return lines.reset_index()


def _months_between(start: pd.Series, month: pd.Series) -> pd.Series:
    return (month.dt.year - start.dt.year) * 12 + (month.dt.month - start.dt.month)


def _prefix(divisions: pd.DataFrame, scope_code: str) -> str:
    level = divisions.loc[divisions["code"] == scope_code, "level"]
    return "" if len(level) and level.iloc[0] == "city" else scope_code


def _city_start(divisions: pd.DataFrame) -> dt.date | None:
    city = divisions.loc[divisions["level"] == "city", "pilot_start"]
    return pd.Timestamp(city.iloc[0]).date() if len(city) and pd.notna(city.iloc[0]) else None


def lines(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    metric: str,
    *,
    divisions: pd.DataFrame,
    scope_code: str,
) -> pd.DataFrame:
    """The event-study chart's lines for one measure (see event_lines)."""
    return event_lines(panel(con, snapshot, metric, divisions=divisions, scope_code=scope_code))


FRAME_COLUMNS = ("metric", "effect", "low", "high", "pilots", "comparisons", "pre_trend_p",
                 "warnings", "pilot_before", "pilot_since", "comparison_before",
                 "comparison_since", "first_month", "last_month", "reason")  # fmt: skip


def to_frame(reviews: list[Review]) -> pd.DataFrame:
    """Reviews as a table, the form the shared results store keeps."""
    rows = []
    for r in reviews:
        e = r.estimate
        rows.append({
            "metric": r.metric,
            "effect": e.effect if e else np.nan, "low": e.low if e else np.nan,
            "high": e.high if e else np.nan, "pilots": e.pilots if e else 0,
            "comparisons": e.comparisons if e else 0,
            "pre_trend_p": e.pre_trend_p if e and e.pre_trend_p is not None else np.nan,
            "warnings": ",".join(e.warnings) if e else "",
            "pilot_before": r.pilot_before, "pilot_since": r.pilot_since,
            "comparison_before": r.comparison_before, "comparison_since": r.comparison_since,
            "first_month": r.first_month, "last_month": r.last_month, "reason": r.reason or "",
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))


def from_frame(frame: pd.DataFrame) -> list[Review]:
    def num(value: object) -> float | None:
        return None if value is None or pd.isna(value) else float(value)

    out = []
    for row in frame.to_dict("records"):
        estimate = None
        if not row["reason"]:
            estimate = Estimate(float(row["effect"]), float(row["low"]), float(row["high"]),
                                int(row["pilots"]), int(row["comparisons"]),
                                num(row["pre_trend_p"]),
                                tuple(w for w in str(row["warnings"]).split(",") if w))  # fmt: skip
        out.append(Review(row["metric"], estimate, num(row["pilot_before"]),
                          num(row["pilot_since"]), num(row["comparison_before"]),
                          num(row["comparison_since"]), pd.Timestamp(row["first_month"]).date(),
                          pd.Timestamp(row["last_month"]).date(), row["reason"] or None))  # fmt: skip
    return out


def over_pilots(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    metric: str,
    *,
    divisions: pd.DataFrame,
    scope_code: str,
    catalog: Catalog | None = None,
) -> tuple[int, float | None]:
    """A metric over the scope's pilot communities taken together (a ratio from their summed
    bases, never an average of their ratios), from the city's pilot start to as-of; with the
    number of those communities. For a reported claim about "打铜社区等试点社区" (Datong and the
    other pilot communities), set beside the one community the reconciliation checks."""
    catalog = catalog or load_catalog()
    base = sorted(catalog.base_metrics(metric))
    start = _city_start(divisions) or snapshot.as_of.replace(day=1)
    frame = compute(con, snapshot, base, divisions=divisions, group_level="community",
                    scope_code=scope_code, start=start, end=snapshot.as_of,
                    catalog=catalog)  # fmt: skip
    members = groups(divisions, scope_code)
    codes = members.loc[members["pilot"], "community"]
    sums = frame.reindex(codes)[base].sum(min_count=1).to_frame().T
    value = apply_ratios(sums, [metric], catalog)[metric].iloc[0]
    return len(codes), None if pd.isna(value) else float(value)
