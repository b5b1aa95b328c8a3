"""Timing helpers shared by the benchmarks: wall and CPU time per run, medians and p95."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int) -> tuple[list[float], list[float], T]:
    """Run `fn` `repeat` times: the wall and CPU seconds of each run, and the last result."""
    walls, cpus = [], []
    out = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, out  # type: ignore[return-value]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def line(label: str, walls: list[float], cpus: list[float], size: int | None = None) -> float:
    """Print one result (median and p95 wall, median CPU, size) and return the median wall."""
    median = statistics.median(walls)
    sized = f"  {size / 1e6:7.2f} MB" if size is not None else ""
    print(
        f"  {label:46s} wall {median:6.2f} s (p95 {p95(walls):6.2f})  "
        f"cpu {statistics.median(cpus):6.2f} s{sized}"
    )
    return median
