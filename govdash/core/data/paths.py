"""Where things live. One module so tests and the CLI can point everything at a temporary folder.

The SQL (`queries/`) and the reference data (`data/`) sit at the top of the checkout, where people
look for them, and are shipped inside the wheel as the subpackages `govdash.queries` and
`govdash.data` (see `[tool.setuptools.package-dir]`). They are found through importlib.resources,
so the same code works from an editable checkout and from a plain `pip install .`.

Snapshots are user data and never live inside an installed package: in a checkout they go to
`data/snapshots/`, otherwise to the user's data folder, unless GOVDASH_SNAPSHOTS_DIR says where.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

ENV_SNAPSHOTS = "GOVDASH_SNAPSHOTS_DIR"


def _package_dir(package: str) -> Path:
    """The folder of a data subpackage; pip installs wheels unzipped, so it is a real folder."""
    found = files(package)
    path = Path(str(found))
    if not path.is_dir():
        raise RuntimeError(f"{package} is not installed as a folder ({found}); reinstall govdash")
    return path


DATA_DIR = _package_dir("govdash.data")
QUERIES_DIR = _package_dir("govdash.queries")


def checkout_root() -> Path | None:
    """The source checkout this code runs from, or None for an installed wheel."""
    root = Path(str(files("govdash"))).resolve().parent  # the folder that holds govdash/
    return (
        root if (root / "pyproject.toml").is_file() and (root / "dashboard.py").is_file() else None
    )


def _user_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "govdash"


def bundled_snapshots_dir() -> Path:
    """Where snapshots go when nothing is configured: created on demand, never inside site-packages."""
    root = checkout_root()
    return root / "data" / "snapshots" if root else _user_data_dir() / "snapshots"


def default_snapshots_dir() -> Path:
    """The bundled snapshot folder, unless GOVDASH_SNAPSHOTS_DIR points elsewhere."""
    configured = os.environ.get(ENV_SNAPSHOTS)
    return Path(configured) if configured else bundled_snapshots_dir()


def is_default_snapshots_dir(path: Path) -> bool:
    """The bundled folder may be created on demand; a configured one that is missing is a typo."""
    return Path(path).resolve() == bundled_snapshots_dir().resolve()
