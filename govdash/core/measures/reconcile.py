"""Check every reported fact against the figure the snapshot gives, honouring its qualifier."""

from __future__ import annotations

import duckdb
import pandas as pd

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.data.divisions import level_of
from govdash.core.data.snapshot import Snapshot
from govdash.core.engine.query import run_query
from govdash.core.engine.recall import recalled_query
from govdash.core.measures.facts import bounds, fact_period
from govdash.core.measures.metrics import Span, compute_spans
from govdash.core.question.scope import FILTER_KEYS, Filters

STATUSES = ("match", "mismatch", "error")


def _prepare(fact, divisions, catalog) -> tuple[dict, tuple | None]:
    """A fact's result so far and, when it can be computed, the question it asks: (scope, start,
    end, filters text). An unknown metric, division or filter is an error result and no question."""
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
        return result, None
    if level_of(divisions, fact["scope_code"]) is None:
        result["message"] = f"unknown division {fact['scope_code']!r}"
        return result, None
    try:
        filters = Filters.parse(fact["filters"] or "")
    except ValueError as exc:
        result["message"] = str(exc)
        return result, None
    sources = {catalog[b].source for b in catalog.base_metrics(metric)}
    if not filters.sources() <= sources:
        result["message"] = (
            f"filter {fact['filters']!r} does not apply to {metric} (filters: {FILTER_KEYS})"
        )
        return result, None
    start, end = fact_period(fact, divisions)
    result.update(period_start=start, period_end=end)
    return result, (fact["scope_code"], start, end, fact["filters"] or "")


def _judge(fact, result: dict, value: float | None) -> dict:
    interval = bounds(float(fact["value"]), fact["qualifier"], fact.get("tolerance"))
    result.update(value_computed=value, bounds=interval.describe())
    result["status"] = "match" if interval.contains(value) else "mismatch"
    if value is None:
        result["message"] = "no data in the snapshot for this scope and period"
    return result


def reconcile(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, catalog: Catalog | None = None
) -> pd.DataFrame:
    """One row per reported fact with the computed figure and match / mismatch / error.

    Every fact under the same filters is answered by one query per source: each distinct
    (division, period) is a window of that query, whatever the division's level."""
    catalog = catalog or load_catalog()
    divisions = recalled_query(con, "divisions", snapshot)
    facts = [fact for _, fact in run_query(con, "reported_facts", snapshot).iterrows()]
    prepared = [_prepare(fact, divisions, catalog) for fact in facts]
    questions: dict[tuple, list[str]] = {}
    for fact, (_, question) in zip(facts, prepared, strict=True):
        if question is not None:
            questions.setdefault(question, [])
            if fact["metric"] not in questions[question]:
                questions[question].append(fact["metric"])
    values = _answer(con, snapshot, divisions, questions, catalog)
    rows = []
    for fact, (result, question) in zip(facts, prepared, strict=True):
        if question is not None:
            result = _judge(fact, result, values[(*question, fact["metric"])])
        rows.append({**fact.to_dict(), **result})
    return pd.DataFrame(rows)


def _answer(con, snapshot, divisions, questions: dict[tuple, list[str]], catalog) -> dict:
    """Values keyed (scope, start, end, filters, metric) for every question."""
    city = divisions.loc[divisions["level"] == "city", "code"].iloc[0]
    by_filters: dict[str, list[tuple]] = {}
    for question in questions:
        by_filters.setdefault(question[3], []).append(question)
    values = {}
    for filters, asked in by_filters.items():
        metric_ids = list(dict.fromkeys(m for q in asked for m in questions[q]))
        frames = compute_spans(
            con,
            snapshot,
            metric_ids,
            divisions=divisions,
            group_level="city",
            scope_code=city,
            spans=[
                Span(start, end, "" if scope == city else scope) for scope, start, end, _ in asked
            ],
            filters=Filters.parse(filters),
            catalog=catalog,
        )
        for question, frame in zip(asked, frames, strict=True):
            row = frame.iloc[0]
            for m in questions[question]:
                values[(*question, m)] = None if pd.isna(row[m]) else float(row[m])
    return values


def mismatches(result: pd.DataFrame) -> pd.DataFrame:
    return result[result["status"] != "match"]
