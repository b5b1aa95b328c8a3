"""A plain `pip install .` carries everything the code loads at run time.

The wheel is built here without build isolation (no network in a test), its file list is compared
with the SQL and reference data in the checkout, and then the wheel's own code, installed into a
folder outside the checkout, builds a demo snapshot and reconciles it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESOURCE_SUFFIXES = {".sql", ".toml", ".csv"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the sources, so setuptools' build/ folder stays out of the checkout."""
    out, source = tmp_path_factory.mktemp("wheel"), tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    skip = shutil.ignore_patterns("__pycache__", "snapshots", "*.egg-info")
    for folder in ("govdash", "queries", "data"):
        shutil.copytree(ROOT / folder, source / folder, ignore=skip)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PIP_NO_INDEX": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (found,) = out.glob("govdash-*.whl")
    return found


def checkout_resources() -> set[str]:
    """Every .sql, .toml and .csv the package loads, named as they sit inside the wheel."""
    names = {f"govdash/queries/{p.name}" for p in (ROOT / "queries").glob("*.sql")}
    for path in (ROOT / "data").rglob("*"):
        relative = path.relative_to(ROOT / "data")
        if path.suffix in RESOURCE_SUFFIXES and relative.parts[0] != "snapshots":
            names.add(f"govdash/data/{relative.as_posix()}")
    names |= {f"govdash/{p.name}" for p in (ROOT / "govdash").glob("*.toml")}
    return names


def test_the_wheel_holds_every_module_query_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "govdash").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    resources = checkout_resources()
    assert len([n for n in resources if n.endswith(".sql")]) >= 20
    assert {"govdash/data/metrics.toml", "govdash/data/reported_facts.csv"} <= resources
    assert resources - names == set(), "missing from the wheel"
    assert modules - names == set(), "modules missing from the wheel"
    assert not [n for n in names if "/snapshots/" in n], "user data must not be packaged"


def test_the_installed_wheel_builds_and_reconciles_outside_the_checkout(wheel, tmp_path):
    target, work, data = tmp_path / "site", tmp_path / "elsewhere", tmp_path / "snapshots"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("GOVDASH_SNAPSHOTS_DIR", None)

    def govdash(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "govdash", "--data-dir", str(data), *args],
            capture_output=True, text=True, timeout=300, cwd=work, env=env,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        return run.stdout

    where = subprocess.run(
        [sys.executable, "-c", "import govdash.core.data.paths as p; print(p.__file__); "
         "print(p.QUERIES_DIR); print(p.checkout_root() is None); print(p.bundled_snapshots_dir())"],
        capture_output=True, text=True, cwd=work, env=env, check=True,
    ).stdout.split()  # fmt: skip
    *where, not_a_checkout, snapshots = where
    assert all(Path(w).is_relative_to(target) for w in where), where
    # An installed wheel keeps its snapshots with the user's data, never in site-packages.
    assert not_a_checkout == "True" and snapshots.endswith("govdash/snapshots"), snapshots
    assert "activities" in govdash("demo", "--rows", "20000")
    assert "20 of 20 facts match" in govdash("reconcile")
    assert not list(work.iterdir()), "nothing is written to the working folder"


def test_a_checkout_keeps_its_snapshots_in_its_data_folder():
    """From a source checkout (an editable install, the README's quick start) the demo goes to
    data/snapshots beside the code, as README says."""
    from govdash.core.data.paths import bundled_snapshots_dir, checkout_root

    root = Path(__file__).resolve().parent.parent
    assert checkout_root() == root
    assert bundled_snapshots_dir() == root / "data" / "snapshots"
