"""Managing snapshots: what changed between two, how complete the reporting is, and explicit
retention. Snapshots are never deleted silently: `prune` deletes only when asked to, and always
keeps the newest good one."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from govdash.core.data.catalog import load_catalog
from govdash.core.data.contract import TABLES
from govdash.core.data.snapshot import Snapshot, scan_snapshots
from govdash.core.engine.query import run_query
from govdash.core.measures import figures
from govdash.core.measures.events import data_range, prefixes
from govdash.core.question.scope import Selection, Window


@dataclass(frozen=True)
class TableDiff:
    table: str
    rows_a: int
    rows_b: int
    added: int
    removed: int
    changed: int


def table_diff(a: Snapshot, b: Snapshot) -> list[TableDiff]:
    """Rows added, removed and changed per table, matched by each table's key."""
    out = []
    for name, spec in TABLES.items():
        if not (a.has_table(name) and b.has_table(name)):
            if a.has_table(name) or b.has_table(name):
                rows_a = a.row_counts.get(name, 0)
                rows_b = b.row_counts.get(name, 0)
                out.append(TableDiff(name, rows_a, rows_b, rows_b, rows_a, 0))
            continue
        key = list(spec.unique)
        left = pq.read_table(a.table_path(name)).to_pandas()
        right = pq.read_table(b.table_path(name)).to_pandas()
        if a.manifest["tables"][name]["sha256"] == b.manifest["tables"][name]["sha256"]:
            out.append(TableDiff(name, len(left), len(right), 0, 0, 0))
            continue
        merged = left.merge(right, on=key, how="outer", suffixes=("_a", "_b"), indicator=True)
        both = merged[merged["_merge"] == "both"]
        others = [c for c in spec.schema.names if c not in key]
        changed = pd.Series(False, index=both.index)
        for column in others:
            x, y = both[f"{column}_a"], both[f"{column}_b"]
            changed |= ~((x == y) | (x.isna() & y.isna()))
        out.append(
            TableDiff(
                name,
                len(left),
                len(right),
                int((merged["_merge"] == "right_only").sum()),
                int((merged["_merge"] == "left_only").sum()),
                int(changed.sum()),
            )
        )
    return out


def metric_diff(
    con: duckdb.DuckDBPyConnection, a: Snapshot, b: Snapshot, level: str = "district"
) -> pd.DataFrame:
    """Stocks and flows per division in both snapshots over the months both cover; only the
    division-metric pairs whose value differs. Columns: division_code, metric, a, b, delta."""
    catalog = load_catalog()
    metric_ids = [m.id for m in catalog.visible() if m.kind != "ratio"]
    end = min(a.as_of, b.as_of)
    first = max(data_range(con, a).first_month, data_range(con, b).first_month)
    frames = []
    for snap in (a, b):
        divisions = run_query(con, "divisions", snap)
        window = Window.of(first, end.replace(day=1), end)
        values = figures.values(
            con, snap, divisions, Selection.of((), divisions), window, metric_ids, by=level
        )
        frames.append(values)
    left, right = frames[0].align(frames[1], join="outer")
    long = pd.DataFrame(
        {
            "division_code": [c for c in left.index for _ in metric_ids],
            "metric": metric_ids * len(left.index),
            "a": left[metric_ids].to_numpy().ravel(),
            "b": right[metric_ids].to_numpy().ravel(),
        }
    )
    same = (long["a"] == long["b"]) | (long["a"].isna() & long["b"].isna())
    out = long[~same].copy()
    out["delta"] = out["b"] - out["a"]
    out.attrs["window"] = (first, end)
    return out.reset_index(drop=True)


def completeness(
    con: duckdb.DuckDBPyConnection, snap: Snapshot, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Per month and district: communities and how many reported (month, district_code, ...)."""
    frame = run_query(con, "completeness", snap, start=start, end=end)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["missing"] = frame["communities"] - frame["reported"]
    return frame


def activity_freshness(
    con: duckdb.DuckDBPyConnection, snap: Snapshot, since: dt.date
) -> pd.DataFrame:
    """Per district, the latest activity date from `since` on and how many days it stands behind
    the snapshot's as-of date (district_code, last_activity, days_behind)."""
    frame = run_query(con, "activity_freshness", snap, since=since)
    frame["last_activity"] = pd.to_datetime(frame["last_activity"]).dt.date
    frame["days_behind"] = [(snap.as_of - d).days for d in frame["last_activity"]]
    return frame


def missing_reports(
    con: duckdb.DuckDBPyConnection, snap: Snapshot, selection: Selection, month: dt.date
) -> list[str]:
    frame = run_query(con, "completeness_missing", snap, month=month, **prefixes(selection))
    return frame["community_code"].tolist()


@dataclass(frozen=True)
class PrunePlan:
    keep: list[Snapshot]
    delete: list[Snapshot]


def prune_plan(root: Path, keep: int) -> PrunePlan:
    """The newest `keep` good snapshots stay (at least one, always the newest); the rest go."""
    good, _ = scan_snapshots(root)
    keep = max(1, int(keep))
    return PrunePlan(keep=good[:keep], delete=good[keep:])


def prune(root: Path, keep: int) -> list[str]:
    """Delete the snapshots the plan names (explicit request only); returns their ids."""
    plan = prune_plan(root, keep)
    removed = []
    for snap in plan.delete:
        # Renamed out of sight first (atomic), so a kill half-way leaves no half snapshot.
        trash = snap.path.with_name(f".trash-{snap.id}")
        snap.path.rename(trash)
        shutil.rmtree(trash)
        removed.append(snap.id)
    return removed
