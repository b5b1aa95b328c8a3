"""Benchmark the rollup build on DuckDB against ClickHouse (chdb, in this machine's process).

    python bench/engine_bench.py SNAPSHOT_FOLDER [SNAPSHOT_FOLDER ...] [--repeat 3]

For each snapshot (build one with `python -m govdash --data-dir DIR demo --rows 10000000`), the
rollup step alone runs in a fresh process per run, on the same three source files (hard links in
a scratch folder), once per engine:

- duckdb: the builder as shipped, one DuckDB thread under a 1 GB memory limit, in runs of about
  20M activities' months (reproducible bytes; see govdash/core/engine/rollups.py);
- clickhouse: chdb with every core (GOVDASH_ENGINE=clickhouse), each rollup in one query;
- clickhouse-1t: chdb on one thread (GOVDASH_CLICKHOUSE_THREADS=1), like for like with DuckDB.

Wall time, CPU time (user + system of the build process) and its peak memory (max RSS) per run;
medians and p95. The rollups of the last run of each engine are asserted equal to DuckDB's:
same rows and order, every column equal, floats within a relative 1e-12 (tests/test_engines.py
states the normalisation). Time on a quiet machine: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from timing import p95  # noqa: E402

from govdash.core.engine.rollups import BUILDS  # noqa: E402

SOURCES = ("activities", "teams", "divisions")
ENGINES = {
    "duckdb": {"GOVDASH_ENGINE": "duckdb"},
    "clickhouse": {"GOVDASH_ENGINE": "clickhouse"},
    "clickhouse-1t": {"GOVDASH_ENGINE": "clickhouse", "GOVDASH_CLICKHOUSE_THREADS": "1"},
}
FLOAT_RTOL = 1e-12
CHILD = """
import json, sys
from pathlib import Path
from govdash.core.data.catalog import load_catalog
from govdash.core.engine.rollups import build
entries, built_with = build(Path(sys.argv[1]), settings=load_catalog().settings)
Path(sys.argv[2]).write_text(json.dumps({"entries": entries, "built_with": built_with}))
"""


def scratch(snapshot: Path, where: Path) -> Path:
    """A folder holding the snapshot's three source tables (hard links: no copy, same bytes)."""
    where.mkdir(parents=True)
    for table in SOURCES:
        os.link(snapshot / f"{table}.parquet", where / f"{table}.parquet")
    return where


def run_build(folder: Path, env: dict[str, str]) -> dict:
    """One build in its own process: wall time, and the CPU time and peak RSS of that process
    alone (wait4 reports the one child's usage)."""
    out_path = folder / "build-output.json"
    with open(folder / "build-log.txt", "w") as out, open(folder / "build-errors.txt", "w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(folder), str(out_path)],
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    if status:
        raise SystemExit(
            f"build failed ({env}):\n{(folder / 'build-errors.txt').read_text()[-3000:]}"
        )
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "out": json.loads(out_path.read_text()),
    }


def assert_equal(expected: Path, got: Path, table: str) -> str:
    """Same rows and order; every non-float column equal; floats within FLOAT_RTOL."""
    a, b = pq.read_table(expected), pq.read_table(got)
    assert a.num_rows == b.num_rows, f"{table}: {a.num_rows} rows against {b.num_rows}"
    worst = 0.0
    for name in a.column_names:
        x, y = a[name], b[name]
        if pa.types.is_floating(x.type):
            xs = x.to_numpy(zero_copy_only=False)
            ys = y.to_numpy(zero_copy_only=False)
            both = ~(np.isnan(xs) | np.isnan(ys))
            assert (np.isnan(xs) == np.isnan(ys)).all(), f"{table}.{name}: NULLs differ"
            rel = np.abs(xs[both] - ys[both]) / np.maximum(np.abs(xs[both]), 1e-300)
            worst = max(worst, float(rel.max(initial=0.0)))
            assert worst <= FLOAT_RTOL, f"{table}.{name}: relative difference {worst:.3g}"
        else:
            assert pc.all(pc.equal(x, y).fill_null(False)).as_py() or x.equals(y), (
                f"{table}.{name} differs"
            )
            assert x.null_count == y.null_count, f"{table}.{name}: NULLs differ"
    same = a.equals(b)
    return "values identical" if same else f"equal; floats within {worst:.1g} relative"


def bench(snapshot: Path, repeat: int, work: Path) -> None:
    rows = pq.ParquetFile(snapshot / "activities.parquet").metadata.num_rows
    print(f"\n{snapshot.name}: {rows:,} activities")
    outputs = {}
    medians = {}
    for engine, env in ENGINES.items():
        walls, cpus, peaks = [], [], []
        for i in range(repeat):
            folder = scratch(snapshot, work / f"{engine}-{i}")
            result = run_build(folder, env)
            walls.append(result["wall"])
            cpus.append(result["cpu"])
            peaks.append(result["peak_mb"])
            if i < repeat - 1:
                shutil.rmtree(folder)
            else:
                outputs[engine] = (folder, result["out"])
        medians[engine] = statistics.median(walls)
        print(
            f"  {engine:14s} wall {statistics.median(walls):7.1f} s (p95 {p95(walls):7.1f})  "
            f"cpu {statistics.median(cpus):7.1f} s  peak {max(peaks):7,.0f} MB  runs {repeat}"
        )
    base_folder, base = outputs["duckdb"]
    for engine, (folder, out) in outputs.items():
        if engine == "duckdb":
            continue
        for table in BUILDS:
            rows_a, rows_b = base["entries"][table]["rows"], out["entries"][table]["rows"]
            verdict = assert_equal(base_folder / f"{table}.parquet", folder / f"{table}.parquet",
                                   table)  # fmt: skip
            same_bytes = base["entries"][table]["sha256"] == out["entries"][table]["sha256"]
            print(f"   {engine} {table}: {rows_b:,} rows (DuckDB {rows_a:,}); {verdict}"
                  f"{'; byte-identical file' if same_bytes else ''}")  # fmt: skip
        print(f"   duckdb / {engine} wall (medians): {medians['duckdb'] / medians[engine]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("snapshots", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="engine-bench-", dir="/tmp") as work:
        for i, snapshot in enumerate(args.snapshots):
            bench(snapshot, args.repeat, Path(work) / str(i))
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
