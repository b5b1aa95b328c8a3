"""Publishing a snapshot: its tables checked and written, its rollups built, and the whole folder
renamed into place in one step, so a reader sees either the whole snapshot or nothing.

Reading, verifying and listing snapshots is govdash.core.data.snapshot; writing sits here, above
the engine that builds the rollups. The id is content-addressed (as-of date, provenance, digest of
the file checksums), so writing the same content twice yields the same snapshot, not a copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from govdash.core.data.catalog import load_catalog
from govdash.core.data.checks import conform, validate_tables
from govdash.core.data.contract import SCHEMA_VERSION, TABLES
from govdash.core.data.files import fsync_dir, fsync_file, sha256, write_parquet
from govdash.core.data.paths import default_snapshots_dir
from govdash.core.data.snapshot import MANIFEST, Snapshot, open_snapshot
from govdash.core.data.streams import TableStream, write_stream
from govdash.core.engine.build_engine import BuildEngine
from govdash.core.engine.rollups import build as build_rollups
from govdash.core.text.progress import Progress

log = logging.getLogger(__name__)

PROVENANCES = ("demo", "imported", "reported")
# The source tables the rollups are built from.
ROLLUP_SOURCES = frozenset({"activities", "teams", "divisions"})


def snapshot_id(as_of: dt.date, provenance: str, checksums: dict[str, str]) -> str:
    digest = hashlib.sha256("".join(f"{k}:{checksums[k]}\n" for k in sorted(checksums)).encode())
    return f"{as_of.isoformat()}-{provenance}-{digest.hexdigest()[:10]}"


def write_snapshot(
    tables: dict[str, pa.Table | TableStream],
    *,
    as_of: dt.date,
    provenance: str,
    root: Path | None = None,
    note: str = "",
    generator: dict | None = None,
    validate: bool = True,
    progress: Progress | None = None,
    engine: BuildEngine | None = None,
) -> Snapshot:
    """Validate every table, write them and their rollups to a temporary folder and rename it into
    place atomically. The id depends on the source tables only: rollups are derived from them.

    A table may come as a TableStream (sorted record batches) when it is too large to hold: it is
    checked batch by batch as it is written, and a bad batch aborts the whole snapshot. The
    rollups are built on `engine` when given (a build from a warehouse reads its records where they
    are), else on the one GOVDASH_ENGINE names."""
    if provenance not in PROVENANCES:
        raise ValueError(f"provenance must be one of {PROVENANCES}")
    root = Path(root) if root else default_snapshots_dir()
    streams = {n: t for n, t in tables.items() if n in TABLES and isinstance(t, TableStream)}
    conformed = {
        name: conform(name, tables[name])
        for name in TABLES
        if name in tables and name not in streams
    }
    outcome_metrics = {m.id for m in load_catalog().by_source("outcomes")}
    if validate:
        validate_tables(conformed, outcome_metrics, streamed=frozenset(streams))
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        entries, checksums = {}, {}
        for name in TABLES:
            if name not in conformed and name not in streams:
                continue
            path = tmp / f"{name}.parquet"
            if name in streams:
                rows = write_stream(name, streams[name], path, conformed, outcome_metrics)
            else:
                write_parquet(conformed[name], path)
                rows = conformed[name].num_rows
            fsync_file(path)
            checksums[name] = sha256(path)
            entries[name] = {"file": path.name, "rows": rows, "sha256": checksums[name]}
        sid = snapshot_id(as_of, provenance, checksums)
        final = root / sid
        if final.exists():
            log.info("snapshot %s already exists; keeping the existing folder", sid)
            shutil.rmtree(tmp)
            return open_snapshot(sid, root)
        rollups, rollup_settings = {}, {}
        if entries.keys() >= ROLLUP_SOURCES:
            rollups, rollup_settings = build_rollups(
                tmp,
                settings=load_catalog().settings,
                progress=progress,
                engine=engine,
                activities_rows=entries["activities"]["rows"],
            )
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "id": sid,
            "as_of": as_of.isoformat(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
            "provenance": provenance,
            "note": note,
            "generator": generator or {},
            "tables": entries,
            "rollups": rollups,
            "rollup_settings": rollup_settings,
        }
        with open(tmp / MANIFEST, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        fsync_dir(tmp)
        os.rename(tmp, final)
        fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("wrote snapshot %s", sid)
    return Snapshot(sid, final, manifest)
