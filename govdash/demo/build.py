"""Build (or reuse) the demo snapshot: generate, validate, write atomically."""

from __future__ import annotations

import time
from pathlib import Path

from govdash.core.progress import Progress
from govdash.core.snapshot import Snapshot, write_snapshot
from govdash.demo.config import DEMO_CONFIG, load_demo_config
from govdash.demo.generate import DemoBuilder


def build_demo(
    root: Path | None = None,
    *,
    activity_rows: int | None = None,
    seed: int | None = None,
    config_path: Path = DEMO_CONFIG,
    progress: Progress | None = None,
) -> Snapshot:
    """Generate the demo city and write it as a snapshot labelled provenance=demo."""
    config = load_demo_config(config_path)
    rows = activity_rows if activity_rows is not None else config["generator"]["activity_rows"]
    seed = seed if seed is not None else config["generator"]["seed"]
    started = time.perf_counter()
    tables = DemoBuilder(config, activity_rows=rows, seed=seed, progress=progress).build()
    if progress:
        progress(1.0, "writing")
    return write_snapshot(
        tables,
        as_of=config["city"]["as_of"],
        provenance="demo",
        root=root,
        note=f"Demo data for {config['city']['name_en']}, generated from {config_path.name}",
        generator={
            "config": config_path.name,
            "seed": seed,
            "activity_rows": rows,
            "seconds": round(time.perf_counter() - started, 2),
        },
    )
