"""The server CPU of one cold interaction, page by page: what a worker spends running a page.

    python bench/page_cpu_bench.py --data DIR [--district 420106] [--repeat 3]

Each page is run by Streamlit's own script runner (AppTest), as a worker runs it, with the
worker's memory cold (Streamlit's data cache and the in-process query memory emptied before each
run; the DuckDB connection and the results store object kept, as a running worker keeps them).
Timed inside the script thread: the page script's wall time and its thread CPU time. Two cases:

- **default views**: the results store warmed first (`govdash warm` for the city and the
  district), so the heavy answers are file reads, as after `serve` has warmed;
- **new views**: an empty results store, as for a view nobody asked for before.

Issue 25's target: median ≤ 100 ms, p95 ≤ 250 ms per cold interaction (any page).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import p95  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "districts", "community", "activities", "outcomes", "data", "present"]


def run(data: Path, district: str, repeat: int, store: Path) -> dict[str, list[float]]:
    """CPU milliseconds of each page run (city and district views), `repeat` times each."""
    os.environ["GOVDASH_RESULTS_DIR"] = str(store)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    import govdash.app.page_guard as guard
    from govdash.core.engine.recall import RECALL

    timed: dict[str, float] = {}
    plain = guard.run_guarded

    def measured(body, lang=lambda: "zh"):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            plain(body, lang)
        finally:
            timed["wall"] = time.perf_counter() - wall
            timed["cpu"] = time.thread_time() - cpu

    guard.run_guarded = measured
    cpu: dict[str, list[float]] = {page: [] for page in PAGES}
    st.cache_resource.clear()  # the worker's results store object follows GOVDASH_RESULTS_DIR
    AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600).switch_page(
        "pages/present.py"
    ).run()  # a worker that has served before: connection open, modules imported
    try:
        for _ in range(repeat):
            for query in ({}, {"district": district}):
                for page in PAGES:
                    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
                    for key, value in query.items():
                        at.query_params[key] = value
                    st.cache_data.clear()
                    RECALL.clear()
                    at.switch_page(f"pages/{page}.py").run()  # the session's first run
                    assert not at.exception, [e.value for e in at.exception]
                    cpu[page].append(timed["cpu"] * 1000)
    finally:
        guard.run_guarded = plain
    return cpu


def report(label: str, cpu: dict[str, list[float]]) -> None:
    every = [v for values in cpu.values() for v in values]
    print(f"\n{label}: CPU ms per page run (city and district views)\n")
    print("| page | median | p95 |\n|---|---:|---:|")
    for page, values in cpu.items():
        print(f"| {page} | {statistics.median(values):.0f} | {p95(values):.0f} |")
    print(f"| **all runs** | **{statistics.median(every):.0f}** | **{p95(every):.0f}** |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="snapshot folder")
    parser.add_argument("--district", default="420106")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    os.environ["GOVDASH_SNAPSHOTS_DIR"] = str(args.data)
    os.environ["GOVDASH_BOUNDARIES"] = ""
    load = os.getloadavg()
    print(f"load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cores: {os.cpu_count()}")
    from govdash.app.warm import warm

    warmed = Path(tempfile.mkdtemp(prefix="govdash-page-cpu-warm-"))
    os.environ["GOVDASH_RESULTS_DIR"] = str(warmed)
    warm(args.data, districts=[args.district])
    report("Default views (store warmed)", run(args.data, args.district, args.repeat, warmed))
    empty = Path(tempfile.mkdtemp(prefix="govdash-page-cpu-empty-"))
    cpu = {page: [] for page in PAGES}
    for i in range(args.repeat):  # a fresh empty store for every round: each run is new
        for page, values in run(args.data, args.district, 1, empty / str(i)).items():
            cpu[page] += values
    report("New views (store empty)", cpu)
    load = os.getloadavg()
    print(f"\nload after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("command: python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
