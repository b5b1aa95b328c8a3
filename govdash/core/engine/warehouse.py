"""A snapshot from a ClickHouse warehouse: a province's activity records where they already are.

`python -m govdash warehouse` takes every table but the activities from a base snapshot (the
divisions, headcounts, teams … that district offices report), reads the activities from the
warehouse table GOVDASH_CLICKHOUSE_TABLES names (`activities=<database.table>`, in the data
contract's columns: docs/scaling.md), and writes a new snapshot. The records stream from the
warehouse into the snapshot's Parquet batch by batch, each batch checked against the contract, and
the rollups are built in the warehouse from its own table, which is the expensive step. Nobody
exports anything first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from govdash.core.data.contract import TABLES
from govdash.core.data.snapshot import Snapshot
from govdash.core.data.streams import TableStream
from govdash.core.engine.clickhouse_engine import (
    TABLES_ENV,
    ClickHouseEngine,
    open_clickhouse,
    warehouse_tables,
)
from govdash.core.engine.publish import write_snapshot
from govdash.core.text.problems import ContractError, GovdashError, Problem
from govdash.core.text.progress import Progress

# Shares of the progress bar: the records streamed into the snapshot, then the rollups.
STREAM_SHARE = 0.6


def _typed(
    batches: Iterator[pa.RecordBatch], total: int, progress: Progress
) -> Iterator[pa.RecordBatch]:
    """The warehouse's batches in the contract's types (ClickHouse hands back Nullable columns
    and its own integer widths; a value that does not fit fails the cast, never silently), with
    the share of the records written so far on the progress bar."""
    schema = TABLES["activities"].schema
    done = 0
    for batch in batches:
        yield from pa.Table.from_batches([batch]).cast(schema).to_batches()
        done += batch.num_rows
        progress(STREAM_SHARE * done / max(total, 1), "activities")


def _no_duplicates(engine: ClickHouseEngine, base: Snapshot, table: str) -> None:
    found = engine.frame("activity_duplicates", base)
    if len(found):
        ids = ", ".join(f"{r.activity_id} (×{r.copies})" for r in found.itertuples())
        raise ContractError(
            [
                Problem(
                    "contract",
                    f"activity_id must be unique; repeated ids include {ids}",
                    f"activity_id 必须唯一；重复的编号包括 {ids}",
                    f"{table}.activity_id",
                )
            ]
        )


def activities_table(env: Mapping[str, str] | None = None) -> str:
    """The warehouse table of activities GOVDASH_CLICKHOUSE_TABLES names, or a located error
    saying what to set (checked before anything starts)."""
    table = warehouse_tables(env).get("activities")
    if table is None:
        raise GovdashError(
            Problem(
                "warehouse",
                f"no warehouse table of activities: set {TABLES_ENV}=activities=<database.table>",
                f"未指定活动记录所在的数据仓库表：请设置 {TABLES_ENV}=activities=<库.表>",
            )
        )
    return table


def build_from_warehouse(
    root: Path,
    base: Snapshot,
    *,
    as_of: dt.date | None = None,
    env: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Write a snapshot of `base`'s tables with the warehouse's activities (see the module)."""
    report = progress or (lambda fraction, label: None)
    engine = open_clickhouse(root, env)
    try:
        table = activities_table(env)
        _no_duplicates(engine, base, table)
        span = engine.frame("activities_span", base).iloc[0]
        last = None if pd.isna(span["last_day"]) else pd.Timestamp(span["last_day"]).date()
        tables: dict[str, pa.Table | TableStream] = {
            name: pq.read_table(base.table_path(name))
            for name in TABLES
            if name != "activities" and base.has_table(name)
        }
        tables["activities"] = TableStream(
            _typed(engine.stream("source_activities", base), int(span["rows"]), report),
            keys_unique=True,
        )
        return write_snapshot(
            tables,
            as_of=as_of or max(d for d in (base.as_of, last) if d is not None),
            provenance="demo" if base.is_demo else "imported",
            root=root,
            note=f"Activities from the ClickHouse table {table}; other tables from {base.id}",
            generator={"warehouse": table, "base": base.id},
            progress=lambda fraction, label: report(
                STREAM_SHARE + (1 - STREAM_SHARE) * fraction, label
            ),
            engine=engine,
        )
    finally:
        engine.close()
