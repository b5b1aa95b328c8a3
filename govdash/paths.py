"""Where things live. One module so tests and the CLI can point everything at a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
QUERIES_DIR = ROOT / "queries"

ENV_SNAPSHOTS = "GOVDASH_SNAPSHOTS_DIR"


def default_snapshots_dir() -> Path:
    """The bundled snapshot folder, unless GOVDASH_SNAPSHOTS_DIR points elsewhere."""
    configured = os.environ.get(ENV_SNAPSHOTS)
    return Path(configured) if configured else DATA_DIR / "snapshots"


def is_default_snapshots_dir(path: Path) -> bool:
    """The bundled folder may be created on demand; a configured one that is missing is a typo."""
    return Path(path).resolve() == (DATA_DIR / "snapshots").resolve()
