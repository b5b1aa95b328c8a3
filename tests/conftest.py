"""Fixtures: a real, small demo snapshot written to a temporary folder once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit
from streamlit.delta_generator import DeltaGenerator

from govdash.core.data.catalog import load_catalog
from govdash.core.data.divisions import city_pilot_month
from govdash.core.data.snapshot import Snapshot
from govdash.core.data.vocab import codes
from govdash.core.engine.query import connect, run_query
from govdash.core.measures.events import data_range
from govdash.core.question.view import Options
from govdash.demo.build import build_demo

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
def con(tmp_path_factory):
    """A sandboxed connection that may read any snapshot the tests write under pytest's temp."""
    connection = connect(tmp_path_factory.getbasetemp())
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def options(snapshot) -> Options:
    """What the demo snapshot allows a link to ask for (the checks of the view parser)."""
    con = connect(snapshot.path.parent)
    catalog = load_catalog()
    divisions = run_query(con, "divisions", snapshot)
    return Options(
        snapshots=(snapshot.id,),
        months=tuple(data_range(con, snapshot).months()),
        divisions=divisions,
        metrics=tuple(m.id for m in catalog.visible()),
        categories=tuple(codes("categories")),
        target_groups=tuple(codes("target_groups")),
        team_types=tuple(codes("team_types")),
        default_metric="volunteers_per_10k",
        pilot_month=city_pilot_month(divisions),
    )


@pytest.fixture()
def snapshot_copy(snapshot, tmp_path) -> tuple[Path, Snapshot]:
    """A private copy of the snapshot folder that a test may damage."""
    root = tmp_path / "snaps"
    root.mkdir()
    shutil.copytree(snapshot.path, root / snapshot.id)
    return root, snapshot


@pytest.fixture(autouse=True)
def no_unexpected_page_errors(request, caplog):
    """The page guard turns an exception into a short message for the visitor; in a test it is a
    failure all the same, unless the test is about that message."""
    yield
    if request.node.get_closest_marker("page_error_expected"):
        return
    caught = [r for r in caplog.records if r.name == "govdash.errors"]
    assert not caught, f"a page failed: {caught[0].getMessage()}\n{caught[0].exc_text}"


@pytest.fixture()
def downloads(monkeypatch):
    """Everything handed to a download button, built as the button would build it."""
    seen: list[tuple[str, bytes]] = []
    real_dg, real_st = DeltaGenerator.download_button, streamlit.download_button

    def record(label, data=None, file_name=None, *args, **kwargs):
        content = data() if callable(data) else data
        seen.append(
            (str(file_name), content if isinstance(content, bytes) else str(content).encode())
        )

    def spy_dg(self, label, data=None, file_name=None, *args, **kwargs):
        record(label, data, file_name)
        return real_dg(self, label, data, file_name, *args, **kwargs)

    def spy_st(label, data=None, file_name=None, *args, **kwargs):
        record(label, data, file_name)
        return real_st(label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy_dg)
    monkeypatch.setattr(streamlit, "download_button", spy_st)
    return seen
