"""Benchmark the overview's aggregate queries against a pandas baseline, in the same run.

    python bench/query_bench.py [--rows 1000000] [--repeat 7]

Builds (or reuses) the demo snapshot in a temporary folder, then times each DuckDB query and the
naive alternative (load the Parquet table into pandas and aggregate there). Prints medians and the
ratio baseline / duckdb. Nothing here is a pass/fail test: it is a measurement anyone can rerun.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from govdash.core.query import connect, run_query
from govdash.demo.build import build_demo


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="govdash-bench-"))
    t0 = time.perf_counter()
    snap = build_demo(root, activity_rows=args.rows)
    print(
        f"demo build: {time.perf_counter() - t0:.2f} s, {snap.row_counts['activities']:,} activities"
    )
    con = connect(root)
    start, end = dt.date(2025, 6, 1), dt.date(2025, 6, 30)
    common = {"group_len": 6, "prefix_len": 0, "prefixes": [""]}

    def duck_flows():
        run_query(
            con,
            "activities_by_division",
            snap,
            start=start,
            end=end,
            categories=None,
            target_groups=None,
            team_types=None,
            baseline_months=12,
            **common,
        )

    def pandas_flows():
        a = pd.read_parquet(snap.table_path("activities"))
        a["date"] = pd.to_datetime(a["date"])
        a = a[(a["date"] >= pd.Timestamp(start)) & (a["date"] <= pd.Timestamp(end))]
        a.groupby(a["community_code"].str.slice(0, 6)).agg(
            activities=("activity_id", "size"), served=("served_person_times", "sum")
        )

    def duck_monthly():
        run_query(
            con,
            "activities_monthly",
            snap,
            start=dt.date(2022, 8, 1),
            end=end,
            categories=None,
            target_groups=None,
            team_types=None,
            group_len=0,
            prefix_len=0,
            prefixes=[""],
        )

    def pandas_monthly():
        a = pd.read_parquet(snap.table_path("activities"))
        a.groupby(pd.to_datetime(a["date"]).dt.to_period("M")).size()

    rows = []
    for label, duck, base in [
        ("district flows, one month", duck_flows, pandas_flows),
        ("city monthly trend, 36 months", duck_monthly, pandas_monthly),
    ]:
        d = median_ms(duck, args.repeat)
        b = median_ms(base, args.repeat)
        rows.append((label, d, b, b / d))
    print(f"{'query':32s} {'duckdb ms':>10s} {'pandas ms':>10s} {'ratio':>7s}")
    for label, d, b, r in rows:
        print(f"{label:32s} {d:10.1f} {b:10.1f} {r:6.1f}x")


if __name__ == "__main__":
    main()
