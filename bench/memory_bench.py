"""Does holding the current snapshot's tables in memory beat reading Parquet per query?

    python bench/memory_bench.py --data DIR [--repeat 5] [--district 420106]

Issue 25 asks to measure it and keep what wins. The questions are the ones the pages really ask:
every page is run once (Streamlit's AppTest, results store and in-process memory empty) for the
city and for one district, and each query it runs is recorded with its bound values. Each is
then answered twice on one two-thread DuckDB connection per way, in the same run:

- **Parquet** (what govdash does): the named query as written, `read_parquet($x_parquet)`;
- **memory**: the same SQL and macros with every `read_parquet(` read as `query_table(`, the
  snapshot's tables (rollups included) loaded once into DuckDB tables of those names
  (`--on-disk activities` leaves the raw activities in Parquet, behind a view).

Answers are asserted equal. Printed: the medians and p95 of wall and CPU time per query over all
questions, the load of each way (memory: the resident size the tables add), and the ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import p95  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "districts", "community", "activities", "outcomes", "data", "present"]


def questions(data: Path, district: str) -> list[tuple[str, dict]]:
    """The (query, bound values) of every page run for the city and one district, cold."""
    os.environ["GOVDASH_SNAPSHOTS_DIR"] = str(data)
    os.environ["GOVDASH_BOUNDARIES"] = ""
    os.environ["GOVDASH_RESULTS_DIR"] = tempfile.mkdtemp(prefix="govdash-memory-bench-")
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from govdash.app.state import LAZY_SECTIONS
    from govdash.core.engine.query import QUERY_LOG
    from govdash.core.engine.recall import RECALL

    asked: dict[str, tuple[str, dict]] = {}
    for query in ({}, {"district": district}):
        for page in PAGES:
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
            for key, value in query.items():
                at.query_params[key] = value
            for key in LAZY_SECTIONS:
                at.session_state[key] = True
            at.run()
            st.cache_data.clear()
            RECALL.clear()
            QUERY_LOG.clear()
            at.switch_page(f"pages/{page}.py").run()
            for record in QUERY_LOG:
                asked.setdefault(repr((record.name, record.params)), (record.name, record.params))
    return list(asked.values())


def in_memory(con: duckdb.DuckDBPyConnection, snapshot, on_disk: set[str]) -> dict[str, str]:
    """Load the snapshot's tables into DuckDB tables (those in `on_disk` become views over their
    Parquet file); the bound value of each $x_parquet parameter becomes the table's name."""
    names = {}
    for table in [*snapshot.manifest["tables"], *snapshot.rollups]:
        relation = con.read_parquet(str(snapshot.table_path(table)))
        if table in on_disk:  # a contract table's name, never typed in
            relation.create_view(table)
        else:
            relation.create(table)
        names[f"{table}_parquet"] = table
    return names


def answer(con, sql: str, bind: dict) -> tuple[float, float, pd.DataFrame]:
    wall, cpu = time.perf_counter(), time.process_time()
    frame = con.execute(sql, bind).df()
    return time.perf_counter() - wall, time.process_time() - cpu, frame


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="snapshot folder")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--district", default="420106")
    parser.add_argument(
        "--on-disk", default="", help="comma-separated tables the memory way leaves in Parquet"
    )
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cores: {os.cpu_count()}")
    asked = questions(args.data, args.district)
    from govdash.core.data.snapshot import scan
    from govdash.core.engine.query import MACROS, _bind, connect

    snapshot = scan(args.data)[0][0]
    parquet = connect(args.data)
    memory = duckdb.connect(":memory:")
    memory.execute("set threads = 2")
    reading = re.compile(r"\bread_parquet\(")
    memory.execute(reading.sub("query_table(", MACROS.read_text(encoding="utf-8")))
    before = rss_mb()
    started = time.perf_counter()
    names = in_memory(memory, snapshot, set(filter(None, args.on_disk.split(","))))
    load_s, added = time.perf_counter() - started, rss_mb() - before
    print(f"{len(asked)} distinct questions from {len(PAGES)} pages × 2 views; "
          f"tables loaded into memory in {load_s:.1f} s, +{added:,.0f} MB resident")  # fmt: skip
    walls: dict[str, list[float]] = {"parquet": [], "memory": []}
    cpus: dict[str, list[float]] = {"parquet": [], "memory": []}
    for name, params in asked:
        query, bind = _bind(name, snapshot, params)
        mem_bind = {k: names.get(k, v) for k, v in bind.items()}
        mem_sql = reading.sub("query_table(", query.sql)
        for _ in range(args.repeat):
            w, c, a = answer(parquet, query.sql, bind)
            walls["parquet"].append(w)
            cpus["parquet"].append(c)
            w, c, b = answer(memory, mem_sql, mem_bind)
            walls["memory"].append(w)
            cpus["memory"].append(c)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)
    print("| way | queries | wall median ms | wall p95 ms | CPU median ms | CPU p95 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for way in ("parquet", "memory"):
        w, c = walls[way], cpus[way]
        print(f"| {way} | {len(w):,} | {statistics.median(w) * 1000:.1f} | {p95(w) * 1000:.1f} | "
              f"{statistics.median(c) * 1000:.1f} | {p95(c) * 1000:.1f} |")  # fmt: skip
    ratio = statistics.median(cpus["parquet"]) / max(statistics.median(cpus["memory"]), 1e-9)
    print(f"Parquet CPU ÷ memory CPU (medians): {ratio:.2f}")
    load = os.getloadavg()
    print(f"load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("command: python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
