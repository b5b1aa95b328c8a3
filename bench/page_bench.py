"""Benchmark each dashboard page's server-side run on the full demo, cold against warm cache.

    python bench/page_bench.py [--rows 1000000] [--repeat 5]

Builds the demo snapshot in a temporary folder, then runs every page with Streamlit's AppTest:
"cold" clears Streamlit's caches before each run (every query runs), "warm" reruns with the cache
filled (what a second visitor or a filter change back gets). Prints medians and the ratio cold /
warm. The baseline (cold) is measured in the same run. Browser rendering time is not included.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from govdash.demo.build import build_demo

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    ("pages/overview.py", {}),
    ("pages/districts.py", {"district": "420106"}),
    (
        "pages/community.py",
        {"district": "420106", "street": "420106001", "community": "420106001001"},
    ),
    ("pages/activities.py", {"start": "2024-07", "end": "2025-06"}),
    ("pages/outcomes.py", {}),
    ("pages/data.py", {}),
]


def run_page(page: str, query: dict) -> float:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    for key, value in query.items():
        at.query_params[key] = value
    start = time.perf_counter()
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    elapsed = (time.perf_counter() - start) * 1000
    if at.exception:
        raise SystemExit(f"{page} failed: {at.exception[0].value}")
    return elapsed


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no runtime" notes outside a server
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="govdash-page-bench-"))
    snap = build_demo(root, activity_rows=args.rows)
    os.environ["GOVDASH_SNAPSHOTS_DIR"] = str(root)
    print(f"snapshot {snap.id}: {snap.row_counts['activities']:,} activities")
    print(f"{'page':<22}{'cold ms':>10}{'warm ms':>10}{'cold/warm':>11}")
    for page, query in PAGES:
        cold, warm = [], []
        for _ in range(args.repeat):
            st.cache_data.clear()
            cold.append(run_page(page, query))
            warm.append(run_page(page, query))
        c, w = statistics.median(cold), statistics.median(warm)
        print(f"{Path(page).stem:<22}{c:>10.0f}{w:>10.0f}{c / w:>10.1f}x")


if __name__ == "__main__":
    main()
