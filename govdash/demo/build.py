"""Build (or reuse) the demo snapshot: generate, validate, write atomically."""

from __future__ import annotations

import time
from pathlib import Path

from govdash.core.data.snapshot import Snapshot
from govdash.core.engine.publish import write_snapshot
from govdash.core.text.progress import Progress
from govdash.demo.config import DEMO_CONFIG, load_demo_config, scaled
from govdash.demo.generate import DemoBuilder


def build_demo(
    root: Path | None = None,
    *,
    activity_rows: int | None = None,
    seed: int | None = None,
    config_path: Path = DEMO_CONFIG,
    communities: int | None = None,
    months: int | None = None,
    progress: Progress | None = None,
) -> Snapshot:
    """Generate the demo city and write it as a snapshot labelled provenance=demo.
    communities/months resize the configured city (see config.scaled)."""
    config = scaled(load_demo_config(config_path), communities=communities, months=months)
    rows = activity_rows if activity_rows is not None else config["generator"]["activity_rows"]
    seed = seed if seed is not None else config["generator"]["seed"]
    started = time.perf_counter()
    report = progress or (lambda fraction, label: None)
    builder = DemoBuilder(
        config, activity_rows=rows, seed=seed, progress=_share(report, 0.0, BUILD_SHARE)
    )
    tables = builder.build()
    # The activities are generated while they are written (a TableStream), then the rollups.
    builder.progress = _share(report, BUILD_SHARE, WRITE_SHARE)
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
            "communities": communities,
            "months": config["city"]["months"],
            # The first pass and calibration; the streamed write and the rollups come after.
            "prepare_seconds": round(time.perf_counter() - started, 2),
        },
        progress=_share(report, BUILD_SHARE + WRITE_SHARE, 1 - BUILD_SHARE - WRITE_SHARE),
    )


# Shares of the progress bar: first pass and calibration, streamed write, rollups.
BUILD_SHARE, WRITE_SHARE = 0.25, 0.55


def _share(progress: Progress, start: float, width: float) -> Progress:
    return lambda fraction, label: progress(start + width * fraction, label)
