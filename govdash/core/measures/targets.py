"""Targets the districts page measures progress against: data (data/targets.toml), checked on load.

A target names a catalog metric, a value in the metric's unit and where it comes from in both
languages; a target on an unknown metric, or without a number, is an error at load, not a blank
chart later.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from govdash.core.data.catalog import load_catalog
from govdash.core.data.paths import DATA_DIR
from govdash.core.text.problems import GovdashError, Problem

TARGETS_FILE = DATA_DIR / "targets.toml"


@dataclass(frozen=True)
class Target:
    metric: str
    value: float
    source: dict[str, str]  # {"zh": ..., "en": ...}


@lru_cache(maxsize=2)
def load_targets(path: Path = TARGETS_FILE) -> tuple[Target, ...]:
    """The targets in file order; none when the file does not exist."""
    if not path.exists():
        return ()
    with open(path, "rb") as fh:
        entries = tomllib.load(fh).get("targets", [])
    catalog = load_catalog()
    targets = []
    for i, entry in enumerate(entries, start=1):
        catalog.require(entry.get("metric", ""))
        value = entry.get("value")
        source = entry.get("source", {})
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise GovdashError(_bad(path, i, f"value {value!r} is not a number"))
        if not (isinstance(source, dict) and source.get("zh") and source.get("en")):
            raise GovdashError(_bad(path, i, "source needs zh and en"))
        targets.append(Target(entry["metric"], float(value), dict(source)))
    return tuple(targets)


def _bad(path: Path, index: int, what: str) -> Problem:
    return Problem("target", f"target {index}: {what}", f"第 {index} 个目标：{what}", str(path))
