"""Fixtures: a real, small demo snapshot written to a temporary folder once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govdash.demo.build import build_demo
from govdash.query import connect
from govdash.snapshot import Snapshot

ROOT = Path(__file__).resolve().parent.parent
SMALL_ROWS = 40_000


@pytest.fixture(scope="session")
def snapshot_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("snapshots")


@pytest.fixture(scope="session")
def snapshot(snapshot_root) -> Snapshot:
    """The demo city with 40k activities: every calibration still applies at this size."""
    return build_demo(snapshot_root, activity_rows=SMALL_ROWS)


@pytest.fixture()
def con():
    connection = connect()
    yield connection
    connection.close()


@pytest.fixture()
def snapshot_copy(snapshot, tmp_path) -> tuple[Path, Snapshot]:
    """A private copy of the snapshot folder that a test may damage."""
    root = tmp_path / "snaps"
    root.mkdir()
    shutil.copytree(snapshot.path, root / snapshot.id)
    return root, snapshot
