"""The one way SQL runs: load a named .sql file from queries/, bind values, run on a fresh cursor.

Table locations are bound too ($activities_parquet ...), from the verified snapshot, so no SQL text is
ever assembled in Python. Each run is recorded (name, parameters, rows, milliseconds) for tracing.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd
import pyarrow as pa

from govdash.core.data.contract import ALL_TABLES
from govdash.core.data.paths import QUERIES_DIR, default_snapshots_dir
from govdash.core.engine.watchdog import WATCHDOG
from govdash.core.text.problems import GovdashError, Problem

log = logging.getLogger(__name__)

QUERY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
TABLE_PARAM_SUFFIX = "_parquet"
MACROS = QUERIES_DIR / "_macros.sql"
TIMEOUT_ENV, DEFAULT_TIMEOUT = "GOVDASH_QUERY_TIMEOUT", 30.0
THREADS_ENV, DEFAULT_THREADS = "GOVDASH_DUCKDB_THREADS", 2


class Tables(Protocol):
    """Where a query's tables are: a verified Snapshot, or a snapshot being written."""

    @property
    def id(self) -> str: ...

    def table_path(self, table: str) -> Path: ...


class QueryTimeout(GovdashError):
    """A query ran out of time and was interrupted."""


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    purpose: str
    params: tuple[str, ...]

    @property
    def table_params(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p.endswith(TABLE_PARAM_SUFFIX))

    @property
    def value_params(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if not p.endswith(TABLE_PARAM_SUFFIX))


@dataclass(frozen=True)
class QueryRecord:
    name: str
    snapshot_id: str
    params: dict
    rows: int
    ms: float


QUERY_LOG: deque[QueryRecord] = deque(maxlen=500)


def strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


@lru_cache(maxsize=128)
def load_query(name: str, directory: Path = QUERIES_DIR) -> Query:
    """Read queries/<name>.sql. The header comment's first line is its purpose."""
    if not QUERY_NAME.match(name):
        raise ValueError(f"invalid query name {name!r}")
    path = directory / f"{name}.sql"
    text = path.read_text(encoding="utf-8")
    header = [ln[2:].strip() for ln in text.splitlines() if ln.startswith("--")]
    purpose = header[0] if header else ""
    params = tuple(dict.fromkeys(PARAM.findall(strip_comments(text))))
    for p in params:
        if p.endswith(TABLE_PARAM_SUFFIX) and p[: -len(TABLE_PARAM_SUFFIX)] not in ALL_TABLES:
            raise ValueError(f"{path}: ${p} names no contract table")
    return Query(name=name, sql=text, purpose=purpose, params=params)


def query_names(directory: Path = QUERIES_DIR) -> list[str]:
    """The named queries; files starting with "_" (the shared macros) are not queries."""
    return sorted(p.stem for p in directory.glob("*.sql") if not p.name.startswith("_"))


def query_timeout() -> float:
    """Seconds a query may run before it is interrupted (GOVDASH_QUERY_TIMEOUT, default 30)."""
    try:
        return max(0.1, float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def _bind(name: str, snapshot: Tables, params: dict) -> tuple[Query, dict]:
    """The query and its bound values: the caller's, checked against the file's $parameters,
    and the table paths ($<table>_parquet) from the snapshot."""
    query = load_query(name)
    unknown = set(params) - set(query.value_params)
    missing = set(query.value_params) - set(params)
    if unknown or missing:
        raise TypeError(
            f"query {name}: unknown parameters {sorted(unknown)}, missing {sorted(missing)}"
        )
    bind = dict(params)
    for p in query.table_params:
        bind[p] = str(snapshot.table_path(p[: -len(TABLE_PARAM_SUFFIX)]))
    return query, bind


LOGGED_ITEMS = 5  # of a list parameter: a scope of two million codes is not written out


def _shown(params: dict) -> dict:
    """Parameters as a log line shows them: long lists cut to their first items and a count."""
    return {
        key: [*value[:LOGGED_ITEMS], f"… {len(value):,} in all"]
        if isinstance(value, list | tuple) and len(value) > LOGGED_ITEMS
        else value
        for key, value in params.items()
    }


def run_query(
    con: duckdb.DuckDBPyConnection, name: str, snapshot: Tables, **params: object
) -> pd.DataFrame:
    """Run a named query against a snapshot; every value is a bound parameter, never SQL text.

    As in Datasette's Database.execute, this is the one place SQL runs: it binds, runs on a fresh
    cursor under a time limit (the cursor is interrupted when it runs out, and the visitor gets a
    clear message), records name, parameters, rows and milliseconds, and logs failures with the
    query's name and parameters.
    """
    query, bind = _bind(name, snapshot, params)
    cursor = con.cursor()
    limit = query_timeout()
    start = time.perf_counter()
    token = WATCHDOG.watch(cursor, limit)
    try:
        frame = cursor.execute(query.sql, bind).df()
    except duckdb.InterruptException:
        log.warning(
            "query %s on %s stopped after %g s: %s", name, snapshot.id, limit, _shown(params)
        )
        raise QueryTimeout(
            Problem(
                "timeout",
                f"the query {name!r} took longer than {limit:g} s and was stopped; "
                "narrow the period or the area and try again",
                f"查询“{name}”超过 {limit:g} 秒，已停止；请缩小时间范围或区域后重试",
            )
        ) from None
    except duckdb.Error:
        log.exception("query %s on %s failed with parameters %s", name, snapshot.id, _shown(params))
        raise
    finally:
        WATCHDOG.release(token)
        cursor.close()
    ms = (time.perf_counter() - start) * 1000
    QUERY_LOG.append(QueryRecord(name, snapshot.id, dict(params), len(frame), ms))
    log.debug("query %s on %s %s -> %d rows in %.1f ms", name, snapshot.id, params, len(frame), ms)
    return frame


def stream_query(
    con: duckdb.DuckDBPyConnection,
    name: str,
    snapshot: Tables,
    *,
    batch_rows: int = 128 * 1024,
    **params: object,
) -> Iterator[pa.RecordBatch]:
    """Run a named query and hand its result over in batches, for results too large to hold at
    once (the rollups a snapshot build writes). No time limit: a build is not a visitor waiting.
    The relation stays referenced while its batches are read: DuckDB 1.x frees the result under a
    reader whose relation is gone (a segmentation fault, not an error)."""
    query, bind = _bind(name, snapshot, params)
    log.debug("query %s on %s %s (streamed)", name, snapshot.id, params)
    relation = con.sql(query.sql, params=bind)  # a relation streams; a cursor's result is copied
    reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader  # 2.x / 1.x
    yield from reader(batch_rows)
    del relation


def connect(
    *readable: Path, threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that can read files only under `readable` (the snapshot folders).

    Every value is bound, so no SQL can be injected; the sandbox is the second wall: external
    access is off, the allowed directories are fixed and the configuration is locked, so even a
    query that tried read_csv('/etc/passwd'), COPY ... TO, ATTACH or INSTALL would be refused.
    Without arguments the connection reads under the default snapshot folder. `threads` overrides
    GOVDASH_DUCKDB_THREADS (a snapshot build uses one thread, so its float sums add up in the same
    order every time and the written bytes are reproducible). `memory_limit` (DuckDB's own words,
    e.g. "1GB") makes large aggregations spill to the private temp folder instead of growing.
    """
    roots = [Path(p) for p in readable] or [default_snapshots_dir()]
    spill = Path(tempfile.mkdtemp(prefix="govdash-duckdb-"))  # private spill space, removed at exit
    atexit.register(shutil.rmtree, spill, True)
    con = duckdb.connect(":memory:")
    con.execute("set threads = $n", {"n": threads or duckdb_threads()})
    con.execute("set temp_directory = $dir", {"dir": str(spill)})
    if memory_limit:
        con.execute("set memory_limit = $limit", {"limit": memory_limit})
    # Snapshot files never change, so their Parquet footers can be kept between queries: a small
    # rollup question then costs no footer read at all.
    try:
        con.execute("set parquet_metadata_cache = true")
    except duckdb.CatalogException:  # DuckDB 1.2 calls it enable_object_cache
        con.execute("set enable_object_cache = true")
    allowed = [str(p.resolve()) + "/" for p in roots] + [str(p) + "/" for p in roots]
    con.execute("set allowed_directories = $dirs", {"dirs": [*dict.fromkeys(allowed), f"{spill}/"]})
    # DuckDB draws a progress bar on stdout for a long query when stdout is not a terminal; a
    # build's output (the CLI's own progress bar, a benchmark's results) must not get it.
    con.execute("set enable_progress_bar = false")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    con.execute(MACROS.read_text(encoding="utf-8"))  # shared rules: pilot start, filters, scope
    return con


def duckdb_threads() -> int:
    """Threads per connection (GOVDASH_DUCKDB_THREADS, default 2: this kind of machine's cores)."""
    try:
        return max(1, int(os.environ.get(THREADS_ENV, DEFAULT_THREADS)))
    except ValueError:
        return DEFAULT_THREADS
