"""Check every reported fact against the figure the snapshot gives, honouring its qualifier."""

from __future__ import annotations

import duckdb
import pandas as pd

from govdash.core.catalog import Catalog, load_catalog
from govdash.core.divisions import level_of
from govdash.core.facts import bounds, fact_period
from govdash.core.metrics import compute_total
from govdash.core.query import run_query
from govdash.core.scope import FILTER_KEYS, Filters
from govdash.core.snapshot import Snapshot

STATUSES = ("match", "mismatch", "error")


def _check_one(con, snapshot, fact, divisions, catalog) -> dict:
    result = {
        "value_computed": None,
        "status": "error",
        "message": "",
        "bounds": "",
        "period_start": None,
        "period_end": None,
    }
    metric = fact["metric"]
    if metric not in catalog:
        result["message"] = f"unknown metric {metric!r}"
        return result
    if level_of(divisions, fact["scope_code"]) is None:
        result["message"] = f"unknown division {fact['scope_code']!r}"
        return result
    try:
        filters = Filters.parse(fact["filters"] or "")
    except ValueError as exc:
        result["message"] = str(exc)
        return result
    sources = {catalog[b].source for b in catalog.base_metrics(metric)}
    if not filters.sources() <= sources:
        result["message"] = (
            f"filter {fact['filters']!r} does not apply to {metric} (filters: {FILTER_KEYS})"
        )
        return result
    start, end = fact_period(fact, divisions)
    interval = bounds(float(fact["value"]), fact["qualifier"], fact.get("tolerance"))
    value = compute_total(
        con,
        snapshot,
        [metric],
        divisions=divisions,
        scope_code=fact["scope_code"],
        start=start,
        end=end,
        filters=filters,
        catalog=catalog,
    )[metric]
    result.update(
        value_computed=value, bounds=interval.describe(), period_start=start, period_end=end
    )
    result["status"] = "match" if interval.contains(value) else "mismatch"
    if value is None:
        result["message"] = "no data in the snapshot for this scope and period"
    return result


def reconcile(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, catalog: Catalog | None = None
) -> pd.DataFrame:
    """One row per reported fact with the computed figure and match / mismatch / error."""
    catalog = catalog or load_catalog()
    divisions = run_query(con, "divisions", snapshot)
    facts = run_query(con, "reported_facts", snapshot)
    rows = []
    for _, fact in facts.iterrows():
        checked = _check_one(con, snapshot, fact, divisions, catalog)
        rows.append({**fact.to_dict(), **checked})
    return pd.DataFrame(rows)


def mismatches(result: pd.DataFrame) -> pd.DataFrame:
    return result[result["status"] != "match"]
