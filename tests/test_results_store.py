"""The results store the workers share (issue 25): one worker computes an answer, the others
read it; the same question gives the same key in every process; another snapshot's answer is
never served; the store stays within its bound; a store that cannot be written is a miss."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from govdash.core.engine.query import connect, run_query
from govdash.core.engine.results import ResultStore, result_key, store_for
from govdash.core.measures import events, figures
from govdash.core.question.scope import ActivityScope, Filters, Selection, Window

ROOT = Path(__file__).resolve().parent.parent
WUCHANG = "420106"


@pytest.fixture(scope="module")
def answers(snapshot):
    """Real answers of the heavy questions on the demo: what the pages ask."""
    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    city = Selection.of((), divisions)
    wuchang = Selection.of(("420106",), divisions)
    window = Window.of(dt.date(2024, 3, 1), dt.date(2025, 7, 1), snapshot.as_of)
    scope = ActivityScope(wuchang, dt.date(2024, 3, 1), dt.date(2025, 6, 30),
                          Filters(categories=("elderly_care",)))  # fmt: skip
    ids = [
        "registered_volunteers",
        "activities",
        "volunteers_per_10k",
        "children_in_difficulty_served",
    ]
    return {
        "values": (figures.values(con, snapshot, divisions, city, window, ids, by="district"),
                   (city, window, tuple(ids), None, "district")),
        "series": (figures.series(con, snapshot, divisions, wuchang, window.start, window.end, ids),
                   (wuchang, window.start, window.end, tuple(ids), None, None)),
        "breakdown": (events.breakdown(con, snapshot, scope), (scope, ())),
        "events": (events.events(con, snapshot, scope, page=2, page_size=50),
                   (scope, (("page", 2), ("page_size", 50)))),
        "kpis": (figures.kpis(con, snapshot, divisions, wuchang, window, ids), (wuchang, window, tuple(ids), None)),
    }  # fmt: skip


@pytest.mark.parametrize("name", ["values", "series", "breakdown", "events"])
def test_a_stored_frame_reads_back_equal(answers, tmp_path, name, snapshot):
    frame, parts = answers[name]
    store = ResultStore(tmp_path, 2**20)
    assert store.frame(snapshot.id, name, parts, lambda: frame) is frame  # computed
    again = ResultStore(tmp_path, 2**20).frame(snapshot.id, name, parts, _never)  # another worker
    pd.testing.assert_frame_equal(again, frame)


def test_stored_kpis_read_back_equal(answers, tmp_path, snapshot):
    kpis, parts = answers["kpis"]
    store = ResultStore(tmp_path, 2**20)
    store.value(snapshot.id, "kpis", parts, lambda: kpis, figures.kpi_records,
                figures.kpis_from_records)  # fmt: skip
    again = ResultStore(tmp_path, 2**20).value(snapshot.id, "kpis", parts, _never,
                                               figures.kpi_records, figures.kpis_from_records)  # fmt: skip
    assert again == kpis
    assert [k.main() for k in again] == [k.main() for k in kpis]


def _never():
    raise AssertionError("computed again: the stored answer was not read")


def test_the_same_question_has_the_same_key_in_every_process(answers):
    """A frozenset's order changes with the process's hash seed; the key must not."""
    parts = answers["values"][1]
    here = result_key("values", (parts, frozenset({"a", "b", "c", "d"})))
    code = (
        "import datetime as dt, sys; sys.path.insert(0, 'tests');"
        "from govdash.core.engine.results import result_key;"
        "from govdash.core.question.scope import Selection, Window;"
        f"w = Window(*[dt.date.fromisoformat(d) for d in {[d.isoformat() for d in (parts[1].start, parts[1].end, parts[1].flow_start, parts[1].flow_end, parts[1].as_of)]!r}]);"
        f"s = Selection({parts[0].codes!r}, {parts[0].level!r}, {parts[0].parent!r});"
        f"print(result_key('values', ((s, w, {parts[2]!r}, None, 'district'), frozenset({{'a','b','c','d'}}))))"
    )
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": seed})  # fmt: skip
        assert done.stdout.strip() == here, done.stderr


def test_another_snapshots_answer_is_never_served(tmp_path):
    store = ResultStore(tmp_path, 2**20)
    a = pd.DataFrame({"v": [1.0]}, index=pd.Index(["420106"], name="division_code"))
    b = pd.DataFrame({"v": [2.0]}, index=pd.Index(["420106"], name="division_code"))
    store.frame("2025-07-18-demo-aaaaaaaaaa", "values", ("same",), lambda: a)
    got = store.frame("2025-07-18-demo-bbbbbbbbbb", "values", ("same",), lambda: b)
    assert got["v"].tolist() == [2.0]
    assert store.frame("2025-07-18-demo-aaaaaaaaaa", "values", ("same",), _never)["v"].tolist() == [
        1.0
    ]
    with pytest.raises(ValueError):
        store.frame("../etc", "values", ("same",), lambda: a)


def test_the_store_stays_within_its_bound_and_drops_gone_snapshots(tmp_path):
    bound = 200_000
    store = ResultStore(tmp_path, bound, known=lambda: {"kept"})
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "values-x.arrow").write_bytes(b"x" * 1000)
    frame = pd.DataFrame({"v": range(2_000)})
    for i in range(60):
        store.frame("kept", "values", (i,), lambda: frame)
    sizes = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert sizes <= bound, sizes
    assert not (tmp_path / "gone").exists()
    assert store.sweep() <= bound * 0.75


def test_a_store_that_cannot_be_written_is_a_miss_not_an_error(tmp_path):
    folder = tmp_path / "ro"
    folder.write_text("a file where the folder should be")
    store = ResultStore(folder, 2**20)
    frame = pd.DataFrame({"v": [1]})
    assert store.frame("s", "values", (1,), lambda: frame) is frame
    assert store.frame("s", "values", (1,), lambda: frame) is frame


def test_a_damaged_file_is_a_miss(tmp_path):
    store = ResultStore(tmp_path, 2**20)
    frame = pd.DataFrame({"v": [1]})
    store.frame("s", "values", (1,), lambda: frame)
    (path,) = (tmp_path / "s").glob("values-*.arrow")
    path.write_bytes(b"not arrow")
    assert store.frame("s", "values", (1,), lambda: frame) is frame


def test_workers_writing_one_answer_at_once_never_leave_half_a_file(tmp_path):
    frame = pd.DataFrame({"v": range(50_000)})
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(20):
                got = ResultStore(tmp_path, 2**26).frame("s", "values", (1,), lambda: frame)
                assert len(got) == 50_000
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert not list((tmp_path / "s").glob(".tmp-*")), "no temporary file is left"


def test_the_data_folder_holds_the_store_unless_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVDASH_RESULTS_DIR", raising=False)
    assert store_for(tmp_path).folder == tmp_path / ".results"
    monkeypatch.setenv("GOVDASH_RESULTS_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("GOVDASH_RESULTS_MB", "3")
    store = store_for(tmp_path)
    assert store.folder == tmp_path / "elsewhere" and store.max_bytes == 3 * 2**20


def test_changed_definitions_are_a_miss(answers, tmp_path, snapshot):
    """A deployment that changes how a figure is computed (code, SQL, catalog) must not read the
    answers computed the old way for the same snapshot."""
    frame, parts = answers["values"]
    ResultStore(tmp_path, 2**20, fingerprint="old").frame(
        snapshot.id, "values", parts, lambda: frame
    )
    changed = frame.head(1)
    got = ResultStore(tmp_path, 2**20, fingerprint="new").frame(
        snapshot.id, "values", parts, lambda: changed
    )
    assert got is changed


def test_the_fingerprint_covers_code_sql_and_catalogs():
    from govdash.core.engine.results import _definition_files

    names = {p.name for p in _definition_files()}
    assert {"figures.py", "results.py", "activities_monthly.sql", "metrics.toml",
            "targets.toml", "vocabulary.toml"} <= names  # fmt: skip
    assert not any(p.suffix == ".parquet" for p in _definition_files())


def test_warming_stores_exactly_what_a_visit_asks(snapshot_copy, monkeypatch):
    """`govdash warm` (a process of its own, as serve starts it) runs the default views; a
    visitor's run of the same view afterwards finds every answer stored and adds none."""
    import streamlit as st
    from app_runner import run_cli, run_page

    root, snap = snapshot_copy
    done = run_cli(root, "warm", "--quiet", "--lang", "en", "--pages",
                   "overview,districts,outcomes", "--districts", WUCHANG)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warm: 6 default view(s) ready" in done.stdout
    stored = {p.name for p in (root / ".results" / snap.id).iterdir()}
    assert len(stored) >= 12  # values, series and KPIs of three pages in two scopes
    assert [name for name in stored if name.startswith("reconciled-")]  # 成效's costliest answer
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    st.cache_data.clear()
    st.cache_resource.clear()
    run_page({"district": WUCHANG}, "pages/districts.py")
    run_page({}, "pages/overview.py")
    run_page({"district": WUCHANG}, "pages/outcomes.py")
    assert {p.name for p in (root / ".results" / snap.id).iterdir()} == stored


def test_warming_an_unknown_page_is_a_located_error(snapshot_copy):
    from app_runner import run_cli

    root, _ = snapshot_copy
    done = run_cli(root, "warm", "--quiet", "--lang", "en", "--pages", "overview,nope")
    assert done.returncode != 0
    assert "no such page to warm: nope" in done.stderr and "Traceback" not in done.stderr


def test_warming_an_unknown_district_is_a_located_error(snapshot_copy):
    from app_runner import run_cli

    root, _ = snapshot_copy
    done = run_cli(root, "warm", "--quiet", "--lang", "en", "--districts", f"{WUCHANG},999999")
    assert done.returncode != 0
    assert "no such district in the newest snapshot: 999999" in done.stderr
    assert "Traceback" not in done.stderr and not (root / ".results").exists()
