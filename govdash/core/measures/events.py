"""Event-level questions: the activity explorer, breakdowns, top teams, response times, profiles.

Each function runs one named query with bound parameters; the selection's divisions go in as a list
of codes of one length, so several districts filter exactly like one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from govdash.core.data.divisions import ancestry, level_of
from govdash.core.data.snapshot import Snapshot
from govdash.core.engine.query import run_query
from govdash.core.engine.rollups import route
from govdash.core.question.scope import GROUP_LEN, ActivityScope, Selection

PAGE_SIZE = 50
DOWNLOAD_LIMIT = 200_000  # events in one CSV download; larger selections are asked to narrow down


def prefixes(selection: Selection) -> dict:
    """The bound parameters that restrict a query to the selection's divisions."""
    return selection.params()


@dataclass(frozen=True)
class DataRange:
    first_month: dt.date
    last_month: dt.date

    def months(self) -> list[dt.date]:
        return list(pd.date_range(self.first_month, self.last_month, freq="MS").date)


def data_range(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> DataRange:
    """The months a view can pick: from the first headcount or activity month to the as-of month."""
    row = run_query(con, "data_range", snapshot).iloc[0]
    firsts = [pd.Timestamp(v).date() for v in (row["first_month"], row["first_activity"])]
    firsts = [d for d in firsts if not pd.isna(d)] or [snapshot.as_of]
    first = min(firsts).replace(day=1)
    return DataRange(first, snapshot.as_of.replace(day=1))


def _ask(
    con: duckdb.DuckDBPyConnection,
    name: str,
    snapshot: Snapshot,
    scope: ActivityScope,
    raw_only: dict | None = None,
    **params: object,
) -> pd.DataFrame:
    """Run the rollup variant of a query for whole months, else its raw twin (core.engine.rollups)."""
    chosen, bound = route(name, snapshot.manifest, {**scope.params(), **params}, **(raw_only or {}))
    return run_query(con, chosen, snapshot, **bound)


def event_count(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, scope: ActivityScope) -> int:
    return int(_ask(con, "activity_event_count", snapshot, scope)["n"].iloc[0])


# The newest stretch of a range the event list reads first (see events()).
NEWEST_FIRST_DAYS = 31


def events(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    scope: ActivityScope,
    *,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> pd.DataFrame:
    """One page of events, newest first. page counts from 0. Always the raw table: these are the
    events themselves, read with the date range pushed down to the sorted file's row groups.

    A top-N over a year would still read the whole year, so the newest stretch of the range is
    asked first (a month, then doubling): once it holds offset + limit events, those are the
    newest of the whole range, since every event outside it is older."""
    offset = int(max(page, 0)) * int(page_size)
    params = scope.params()
    start, end = params["start"], params["end"]
    days = NEWEST_FIRST_DAYS
    while True:
        first = max(start, end - dt.timedelta(days=days - 1))
        frame = run_query(
            con, "activity_events", snapshot, limit=int(page_size), offset=offset,
            **{**params, "start": first},
        )  # fmt: skip
        if first == start or len(frame) == int(page_size):
            return frame
        days *= 4


def breakdown(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, scope: ActivityScope
) -> pd.DataFrame:
    """Activities by month, category and target group."""
    frame = _ask(con, "activity_breakdown", snapshot, scope)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def top_teams(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, scope: ActivityScope, *, limit: int = 10
) -> pd.DataFrame:
    return _ask(con, "top_teams", snapshot, scope, limit=int(limit))


def response_histogram(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    scope: ActivityScope,
    *,
    bin_hours: float = 6,
    max_hours: float = 96,
) -> pd.DataFrame:
    """Requests per response-time bin, split into the pre-pilot baseline and the pilot period."""
    bins = {"bin_hours": float(bin_hours), "max_hours": float(max_hours)}
    return _ask(con, "response_histogram", snapshot, scope, raw_only=bins)


def teams_by_type(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    selection: Selection,
    level: str,
    end: dt.date,
) -> pd.DataFrame:
    """Team counts per division of level and team type inside the selection."""
    return run_query(
        con,
        "teams_by_type",
        snapshot,
        group_len=GROUP_LEN[level],
        end=end,
        **prefixes(selection),
    )


def _family(divisions: pd.DataFrame, code: str) -> dict:
    """The division, the prefix of those below it and the codes above it (bound parameters)."""
    chain = ancestry(divisions, code)
    is_city = level_of(divisions, code) == "city"
    return {"code": code, "prefix": "" if is_city else code, "ancestors": chain[:-1]}


def programmes_for(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, divisions: pd.DataFrame, code: str
) -> pd.DataFrame:
    """Programmes run by the division (own), above it, or below it (relation column)."""
    return run_query(con, "programmes_for_division", snapshot, **_family(divisions, code))


def resources_for(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    divisions: pd.DataFrame,
    code: str,
    end: dt.date,
) -> pd.DataFrame:
    return run_query(con, "resources_for_division", snapshot, end=end, **_family(divisions, code))


def qualifiers(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, selection: Selection, month: dt.date
) -> pd.DataFrame:
    """Qualified values in the selection for a month: columns source, metric_column,
    division_code, qualifier. Empty when the snapshot holds no qualifiers."""
    columns = ["source", "metric_column", "division_code", "qualifier"]
    if not snapshot.has_table("value_qualifiers"):
        return pd.DataFrame(columns=columns)
    parts = []
    for table in ("headcounts", "outcomes"):
        frame = run_query(
            con, "qualifiers_in_scope", snapshot, table=table, month=month, **prefixes(selection)
        )
        parts.append(frame.assign(source=table))
    return pd.concat(parts, ignore_index=True)[columns]
