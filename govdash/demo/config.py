"""The demo city's description (data/demo/wuhan.toml): nothing city-specific lives in code."""

from __future__ import annotations

import tomllib
from pathlib import Path

from govdash.core.paths import DATA_DIR

DEMO_CONFIG = DATA_DIR / "demo" / "wuhan.toml"


def load_demo_config(path: Path = DEMO_CONFIG) -> dict:
    with open(path, "rb") as fh:
        config = tomllib.load(fh)
    for key in ("city", "districts", "generator"):
        if key not in config:
            raise ValueError(f"{path}: missing [{key}]")
    return config


def months(config: dict) -> list:
    """First days of the covered months, ending with the as-of month."""
    import pandas as pd

    as_of = pd.Timestamp(config["city"]["as_of"])
    end = as_of.to_period("M")
    return [
        p.to_timestamp().date()
        for p in pd.period_range(end=end, periods=config["city"]["months"], freq="M")
    ]
