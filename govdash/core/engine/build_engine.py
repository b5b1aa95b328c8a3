"""The engine a snapshot's rollups are built on: DuckDB (the default) or ClickHouse.

Serving a dashboard reads small rollups and stays on DuckDB. Building the rollups reads every raw
activity, and at province or country scale those records already sit in a ClickHouse warehouse, so
that one step can move there (GOVDASH_ENGINE=clickhouse, see govdash.core.engine.clickhouse_engine). The
builder (govdash.core.engine.rollups) only names queries and values; an engine finds the query's text in
its own dialect, binds the values and the table locations, and hands back Arrow record batches.
tests/test_engines.py runs every query the builder uses on both engines and asserts equal results.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow as pa

from govdash.core.engine.query import Tables, connect, run_query, stream_query
from govdash.core.text.problems import GovdashError, Problem

ENGINE_ENV = "GOVDASH_ENGINE"
ENGINES = ("duckdb", "clickhouse")
# Product names, as their makers write them in either language (the manifest keeps the ids).
ENGINE_NAMES = {"duckdb": "DuckDB", "clickhouse": "ClickHouse"}
# DuckDB's share of a build's memory: the activity rollup groups by community, month and three
# codes, which at national scale is tens of millions of groups; above this they spill to disk, so
# a build's peak stays near this plus one month of generated rows (measured in docs/benchmarks.md).
BUILD_MEMORY = "1GB"


class BuildEngine(Protocol):
    """What the rollup builder needs of an engine."""

    name: str
    # Whether the builder should split a large build into runs of months and sort the runs
    # together itself (DuckDB, to bound its memory), or hand the engine whole tables (ClickHouse
    # spills large aggregations and sorts on its own, on one machine or across a cluster).
    chunked: bool

    def frame(self, query: str, tables: Tables, **params: object) -> pd.DataFrame: ...

    def stream(self, query: str, tables: Tables, **params: object) -> Iterator[pa.RecordBatch]: ...

    def close(self) -> None: ...


class DuckDBEngine:
    """The default: an embedded DuckDB on one thread, so float sums add up in the same order every
    time and a rollup's bytes are reproducible."""

    name = "duckdb"
    chunked = True

    def __init__(self, folder: Path, *extra: Path) -> None:
        self.con = connect(folder, *extra, threads=1, memory_limit=BUILD_MEMORY)

    def frame(self, query: str, tables: Tables, **params: object) -> pd.DataFrame:
        return run_query(self.con, query, tables, **params)

    def stream(self, query: str, tables: Tables, **params: object) -> Iterator[pa.RecordBatch]:
        return stream_query(self.con, query, tables, **params)

    def close(self) -> None:
        self.con.close()


def engine_name(env: dict[str, str] | None = None) -> str:
    """The engine GOVDASH_ENGINE names (duckdb when unset); anything else is a located error."""
    env = os.environ if env is None else env
    name = (env.get(ENGINE_ENV) or "duckdb").strip().lower()
    if name not in ENGINES:
        raise GovdashError(
            Problem(
                "engine",
                f"{ENGINE_ENV}={name!r} is not an engine; use one of {', '.join(ENGINES)}",
                f"{ENGINE_ENV}={name!r} 不是可用的计算引擎；可选：{'、'.join(ENGINES)}",
            )
        )
    return name


def open_engine(folder: Path, env: dict[str, str] | None = None) -> BuildEngine:
    """The engine for building the rollups of the snapshot being written in `folder`."""
    if engine_name(env) == "clickhouse":
        from govdash.core.engine.clickhouse_engine import open_clickhouse

        return open_clickhouse(folder, env)
    return DuckDBEngine(folder)
