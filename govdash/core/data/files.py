"""Writing snapshot files: deterministic Parquet bytes, checksums and fsync.

Kept apart from snapshot.py so the rollup build (rollups.py) writes its tables exactly like the
source tables without importing the snapshot module that calls it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_SIZE = 128 * 1024
# One setting for every table file, so the same rows always give the same bytes.
PARQUET_OPTIONS = {
    "compression": "zstd",
    "write_statistics": True,
    "use_dictionary": True,
}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def write_parquet(table: pa.Table, path: Path) -> None:
    """Deterministic bytes for the same table: fixed row groups, compression and no pandas metadata."""
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, row_group_size=ROW_GROUP_SIZE, **PARQUET_OPTIONS)


def write_batches(
    batches: Iterable[pa.RecordBatch],
    path: Path,
    schema: pa.Schema,
    *,
    row_group_size: int = ROW_GROUP_SIZE,
) -> int:
    """Write a stream of record batches as one Parquet file in the contract's schema, holding one
    row group at a time. Row groups have row_group_size rows whatever the batch sizes, so the same
    rows always give the same bytes. Returns the number of rows."""
    rows = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    with pq.ParquetWriter(path, schema, **PARQUET_OPTIONS) as writer:
        for batch in batches:
            batch = pa.Table.from_batches([batch]).cast(schema).to_batches()
            for part in batch:
                pending.append(part)
                pending_rows += part.num_rows
            while pending_rows >= row_group_size:
                table = pa.Table.from_batches(pending, schema)
                writer.write_table(table.slice(0, row_group_size), row_group_size=row_group_size)
                rest = table.slice(row_group_size)
                pending, pending_rows = rest.to_batches(), rest.num_rows
                rows += row_group_size
        if pending_rows or rows == 0:
            writer.write_table(
                pa.Table.from_batches(pending, schema), row_group_size=row_group_size
            )
            rows += pending_rows
    return rows
