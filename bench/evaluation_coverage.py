"""Does the pilot evaluation's 95% interval hold what it promises? (issue 27)

    python bench/evaluation_coverage.py [--seeds 100] [--effect 1.5]

Plants an effect in synthetic cities (govdash.core.evaluation.estimate.synthetic_panel: 40
pilot and 160 comparison communities over 36 months, staggered starts, community levels, city
shocks, noise of 1) and counts the cities whose interval covers it, and, with no effect, the
cities whose interval covers 0. The issue's target: at least 90 of 100 each. Also reports the
median and p95 time of one estimate (wall and CPU), with and without the pre-trend test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import p95  # noqa: E402


def main() -> None:
    from govdash.core.evaluation.estimate import did, synthetic_panel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--effect", type=float, default=1.5)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for effect in (args.effect, 0.0):
        covered, wall, cpu = 0, [], []
        for seed in range(args.seeds):
            panel = synthetic_panel(seed if effect else seed + 10_000, effect)
            w, c = time.perf_counter(), time.process_time()
            found = did(panel, leads=0)
            wall.append(time.perf_counter() - w)
            cpu.append(time.process_time() - c)
            covered += found.covers(effect)
        print(f"effect {effect:g}: the interval covers it in {covered} of {args.seeds} cities "
              f"(target ≥ {0.9 * args.seeds:g}); one estimate: wall median "
              f"{statistics.median(wall) * 1000:.0f} ms, p95 {p95(wall) * 1000:.0f} ms; CPU "
              f"median {statistics.median(cpu) * 1000:.0f} ms")  # fmt: skip
    panel = synthetic_panel(0, args.effect)
    w = time.perf_counter()
    found = did(panel)
    print(f"with the pre-trend test: {(time.perf_counter() - w) * 1000:.0f} ms; {found}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
