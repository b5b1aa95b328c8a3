"""Rollups: the activity aggregates every snapshot carries, and which query answers a question.

A page asks about whole months of a district, a street or a community, under a few filters. The
raw activity table answers by reading every matching event, which at city scale is seconds. The
rollups hold the same sums per grain (district, street, community), division, month and pilot
phase, as summary rows (every category, target group and team type together: what the default
views read) and as detail rows split by those three (what a filtered view reads); the response
rollup holds requests per histogram bin, the team rollup activities per team. Each is sorted by
kind of row, grain and division code, so a question reads the few row groups of its scope.

They are built when a snapshot is written, from its own tables, by the build_*.sql queries, on the
engine GOVDASH_ENGINE names (govdash.core.engine.build_engine): DuckDB on one thread by default, so the
float sums and therefore the bytes are the same every time, or ClickHouse, which gives the same
tables (floats within a few units in the last place; tests/test_engines.py). The manifest lists
them under "rollups" with checksums, and verification checks them like the source tables.

A question reads a rollup when the snapshot has one and the period is whole months; otherwise
(a snapshot written before rollups, a part-month period, settings other than those the rollup was
built with) it reads the `_raw` twin of the query, which gives the same figures:
tests/test_rollups.py proves the two equal for random scopes, periods, groupings and filters.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from govdash.core.data.catalog import Settings
from govdash.core.data.contract import ROLLUPS
from govdash.core.data.files import fsync_file, sha256, write_batches
from govdash.core.engine.build_engine import BuildEngine, open_engine
from govdash.core.text.problems import GovdashError, Problem
from govdash.core.text.progress import Progress

log = logging.getLogger(__name__)

# rollup table -> the query that builds it
BUILDS = {
    "activity_rollup": "build_activity_rollup",
    "response_rollup": "build_response_rollup",
    "team_rollup": "build_team_rollup",
}
# named query -> the rollup it reads (its raw twin is the same name + "_raw")
READS = {
    "activities_by_division": "activity_rollup",
    "activities_monthly": "activity_rollup",
    "activity_breakdown": "activity_rollup",
    "activity_event_count": "activity_rollup",
    "response_histogram": "response_rollup",
    "top_teams": "team_rollup",
}
# Queries that need the category and target group of each row, filtered or not.
NEEDS_DETAIL = frozenset({"activity_breakdown"})
# The grains of the activity and response rollups, by the length of their division codes.
GRAINS = {6: "district", 9: "street", 12: "community"}
CODE_MAX = "\U0010ffff"  # sorts after any character a division code can hold
# Rollup files are read a few row groups at a time (a district, a street); smaller row groups than
# the source tables' let a one-community question skip more of the file.
ROW_GROUP = 16 * 1024
RAW_SUFFIX = "_raw"
# Activities per run of months in a large build (see month_chunks): a city is one run.
CHUNK_ROWS = 20_000_000


@dataclass(frozen=True)
class Staging:
    """The tables of a snapshot being written: files in its temporary folder, no id yet."""

    folder: Path
    id: str = "(being written)"

    def table_path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"


def build(
    folder: Path,
    *,
    settings: Settings,
    progress: Progress | None = None,
    engine: BuildEngine | None = None,
    activities_rows: int | None = None,
) -> tuple[dict[str, dict], dict]:
    """Write every rollup beside the source tables in `folder`, on `engine` (left open) or on the
    one GOVDASH_ENGINE names (opened and closed here).

    `activities_rows`, the activities the snapshot holds, is checked against what the engine
    reads: a warehouse table that changed while its records were being written would otherwise
    give rollups of other rows than the snapshot's. Returns the manifest entries (file, rows,
    sha256) per rollup and the settings they were built with, which decide later whether a
    question may read them.
    """
    staging = Staging(folder)
    built_with = {
        "baseline_months": settings.baseline_months,
        "response_bin_hours": settings.response_bin_hours,
        "response_max_hours": settings.response_max_hours,
    }
    params = {
        "activity_rollup": {"baseline_months": settings.baseline_months},
        "response_rollup": {
            "bin_hours": settings.response_bin_hours,
            "max_hours": settings.response_max_hours,
        },
        "team_rollup": {},
    }
    entries: dict[str, dict] = {}
    own = engine is None
    engine = engine or open_engine(folder)
    try:
        span = engine.frame("activities_span", staging).iloc[0]
        if activities_rows is not None and int(span["rows"]) != activities_rows:
            raise GovdashError(
                Problem(
                    "rollups",
                    f"the rollups' source holds {int(span['rows']):,} activities, the snapshot "
                    f"{activities_rows:,}: the source changed during the build; run it again",
                    f"汇总表的数据源有 {int(span['rows']):,} 条活动记录，快照中为 "
                    f"{activities_rows:,} 条：生成期间数据源发生了变化，请重新运行",
                )
            )
        chunks = month_chunks(span, CHUNK_ROWS if engine.chunked else None)
        steps = len(BUILDS) * (len(chunks) + (len(chunks) > 1))
        done = 0

        def report(label: str) -> None:
            nonlocal done
            if progress:
                progress(done / max(steps, 1), label)
            done += 1

        for table, query in BUILDS.items():
            path = staging.table_path(table)
            schema = ROLLUPS[table].schema
            if len(chunks) == 1:
                report(table)
                first, last = chunks[0]
                batches = engine.stream(
                    query, staging, first_day=first, last_day=last, **params[table]
                )
                rows = write_batches(batches, path, schema, row_group_size=ROW_GROUP)
            else:
                rows = _build_in_chunks(
                    engine, staging, table, query, params[table], chunks, report
                )
            fsync_file(path)
            entries[table] = {"file": path.name, "rows": rows, "sha256": sha256(path)}
            log.info("rollup %s: %d rows", table, rows)
        # A period ending on or after the last activity date holds whole months of data.
        built_with["activities_through"] = (
            None if pd.isna(span["last_day"]) else pd.Timestamp(span["last_day"]).date().isoformat()
        )
        built_with["engine"] = engine.name
        if progress:
            progress(1.0, "rollups")
    finally:
        if own:
            engine.close()
    return entries, built_with


def month_chunks(
    span: pd.Series, chunk_rows: int | None = CHUNK_ROWS
) -> list[tuple[dt.date, dt.date]]:
    """Runs of whole months with about `chunk_rows` activities each (one run for a city; one run
    whatever the size when None, for an engine that spills on its own): every rollup groups by
    month, so rollups built per run and put together equal one built at once, and a national
    build's aggregation never holds more than one run's groups."""
    if pd.isna(span["first_day"]):
        # No activities: any range (within both engines' dates) selects nothing.
        return [(dt.date(1900, 1, 1), dt.date(2299, 12, 31))]
    first = pd.Timestamp(span["first_day"]).to_period("M")
    last = pd.Timestamp(span["last_day"]).to_period("M")
    months = (last - first).n + 1
    if chunk_rows is None:
        per_run = months
    else:
        per_run = max(1, int(months * chunk_rows // max(int(span["rows"]), 1)))
    runs = []
    for start in range(0, months, per_run):
        a = (first + start).to_timestamp().date()
        b = (first + min(start + per_run, months) - 1).to_timestamp(how="end").date()
        runs.append((a, b))
    return runs


def _build_in_chunks(engine: BuildEngine, staging, table, query, params, chunks, report) -> int:
    """Each run of months to a chunk file in the staging folder, then all of them in the
    rollup's order (an external sort: DuckDB spills it within build_engine.BUILD_MEMORY)."""
    schema = ROLLUPS[table].schema
    parts = staging.folder / f".{table}-chunks"
    parts.mkdir()
    try:
        files = []
        for i, (first, last) in enumerate(chunks):
            report(f"{table} {first:%Y-%m}")
            part = parts / f"{i:04d}.parquet"
            batches = engine.stream(query, staging, first_day=first, last_day=last, **params)
            write_batches(batches, part, schema, row_group_size=ROW_GROUP)
            files.append(str(part))
        report(f"{table} sort")
        batches = engine.stream("sorted_rollup_chunks", staging, chunk_files=files)
        return write_batches(batches, staging.table_path(table), schema, row_group_size=ROW_GROUP)
    finally:
        shutil.rmtree(parts, ignore_errors=True)


def _whole_months(start: dt.date, end: dt.date, through: dt.date | None) -> bool:
    """Whether [start, end] covers whole months of the data: it starts on a 1st and ends on a
    month's last day or on or after the last day with any activity (a period ending on the
    snapshot's as-of date holds the same rows as one ending with its month)."""
    ends_month = (end + dt.timedelta(days=1)).day == 1
    return start.day == 1 and (ends_month or (through is not None and end >= through))


def query_for(
    name: str,
    manifest: dict,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    baseline_months: int | None = None,
    bin_hours: float | None = None,
    max_hours: float | None = None,
) -> str:
    """The query that answers `name` for this snapshot and period: the rollup variant when it can,
    else the raw twin. Without dates it answers for whole months (what a chart's SQL view shows)."""
    rollup = READS.get(name)
    if rollup is None:
        return name
    raw = name + RAW_SUFFIX
    built_with = manifest.get("rollup_settings") or {}
    if rollup not in (manifest.get("rollups") or {}):
        return raw
    through = built_with.get("activities_through")
    through = dt.date.fromisoformat(through) if through else None
    if start is not None and end is not None and not _whole_months(start, end, through):
        return raw
    wanted = {
        "baseline_months": baseline_months,
        "response_bin_hours": bin_hours,
        "response_max_hours": max_hours,
    }
    for setting, value in wanted.items():
        if value is not None and built_with.get(setting) != value:
            return raw
    return name


def route(name: str, manifest: dict, params: dict, **raw_only: float) -> tuple[str, dict]:
    """The query that answers `name` and the values to bind: `params` (scope, dates, filters and
    whatever both variants take) plus, for a rollup, the values that pick its rows, or, for the
    raw twin, `raw_only` (baseline_months, bin_hours, max_hours), which a rollup has built in and
    which decide whether it may answer at all."""
    if "starts" in params:  # several windows (the windows macro): the rollup must answer them all
        periods = list(zip(params["starts"], params["ends"], strict=True))
    else:
        periods = [(params.get("start"), params.get("end"))]
    answers = {query_for(name, manifest, start, end, **raw_only) for start, end in periods}
    chosen = name if answers == {name} else name + RAW_SUFFIX
    if chosen != name or name not in READS:
        return chosen, {**params, **raw_only}
    return chosen, {**params, **rows_params(name, params)}


def rows_params(name: str, params: dict) -> dict:
    """The bound values that pick a rollup's rows (see rollup_rows in queries/_macros.sql): detail
    rows when the question filters (or needs the categories), the coarsest grain that still holds
    the scope and the grouping, and the scope as a range of codes for skipping row groups."""
    prefixes = [p for p in params["prefixes"] if p] or [""]
    split_by = ("categories", "target_groups", "team_types")
    if READS[name] == "team_rollup":  # a team's type is joined from teams, not split in rows
        split_by = ("categories", "target_groups")
    values = {
        "detail": name in NEEDS_DETAIL or any(params[k] is not None for k in split_by),
        "code_min": min(prefixes),
        "code_max": max(prefixes) + CODE_MAX,
    }
    scopes = params.get("scopes") or [""]
    if all(scopes):  # every window keeps to a place of its own: read only their codes' range
        values["code_min"] = max(values["code_min"], min(scopes))
        # Scopes differ in length: the range ends after the codes of whichever reaches furthest.
        values["code_max"] = min(values["code_max"], max(scope + CODE_MAX for scope in scopes))
    if READS[name] != "team_rollup":
        scopes = max((len(scope) for scope in params.get("scopes") or [""]), default=0)
        need = max(int(params["prefix_len"]), int(params.get("group_len", 0)), scopes, min(GRAINS))
        # A scope longer than any grain matches no division; the finest grain answers "none".
        values["grain"] = GRAINS[min((n for n in GRAINS if n >= need), default=max(GRAINS))]
    return values
