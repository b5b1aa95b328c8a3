"""Benchmark importing the demo's own export (about 1M activity rows) into an empty folder.

    python bench/import_bench.py [--rows 1000000] [--repeat 3]

Builds the demo, exports it in the template's format (one .xlsx plus activities.csv), then times
`python -m govdash import` in a fresh process per run and reads its peak memory. The baseline,
measured in the same run, is the least any import must do: pandas reads the same CSV and pyarrow
writes it to Parquet, with no validation. Prints medians and the ratio import / baseline.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASELINE = """
import sys, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
frame = pd.read_csv(sys.argv[1], skiprows=[1], dtype=str)
pq.write_table(pa.Table.from_pandas(frame), sys.argv[2])
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="govdash-import-bench-"))
    from govdash.demo.build import build_demo
    from govdash.importing.export import export_snapshot

    snap = build_demo(work / "source", activity_rows=args.rows)
    files = export_snapshot(snap, work / "export")
    csv = next(f for f in files if f.name == "activities.csv")
    print(f"snapshot {snap.id}: {snap.row_counts['activities']:,} activities")
    print(f"export: {', '.join(f'{f.name} {f.stat().st_size / 2**20:.1f} MB' for f in files)}")
    base, imp, peaks = [], [], []
    for i in range(args.repeat):
        out = work / f"baseline-{i}.parquet"
        base.append(timed([sys.executable, "-c", BASELINE, str(csv), str(out)])[0])
        target = work / f"import-{i}"
        target.mkdir()
        seconds, peak = timed(
            [sys.executable, "-m", "govdash", "--data-dir", str(target), "import", *map(str, files)]
        )
        imp.append(seconds)
        peaks.append(peak)
    b, m = statistics.median(base), statistics.median(imp)
    print(f"baseline (read CSV + write Parquet, no checks): {b:6.1f} s median")
    print(f"govdash import (all tables, validated):         {m:6.1f} s median  ({m / b:.1f}x)")
    print(f"peak RSS of the processes so far:               {max(peaks):6.0f} MB")


if __name__ == "__main__":
    main()
