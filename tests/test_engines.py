"""The rollup build gives the same tables on ClickHouse (chdb, in this process) as on DuckDB.

Golden equality: every query the builder runs is recorded from a real build and then run on both
engines over the same small snapshot; the results must be equal after one stated normalisation:

- types: each column cast to the type DuckDB returns (ClickHouse hands back UInt64 counts and
  Nullable columns where DuckDB gives int64), so a value that changed would fail the cast or the
  comparison, never be hidden by it;
- rows: the same rows in the same order (every build query orders its output completely);
- floats: equal within a relative 1e-12. A sum of floats depends on the order it adds them in,
  and the engines add in different orders (DuckDB on one thread in file order, ClickHouse per
  thread, then merged); measured differences are a few units in the last place (2e-15).

A query the builder starts to use is recorded here too, so it cannot reach CI without passing on
both engines. The one exception, DUCKDB_ONLY, is a step the ClickHouse build never takes (checked).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govdash.core.data.catalog import load_catalog
from govdash.core.data.contract import ROLLUPS
from govdash.core.data.snapshot import open_snapshot, verify_snapshot
from govdash.core.engine import rollups
from govdash.core.engine.build_engine import DuckDBEngine, engine_name, open_engine
from govdash.core.engine.clickhouse_engine import (
    CLICKHOUSE_DIR,
    ClickHouseEngine,
    open_clickhouse,
    translate,
    warehouse_tables,
)
from govdash.core.engine.query import QUERIES_DIR, load_query
from govdash.core.text.problems import GovdashError

pytest.importorskip("chdb", reason="the ClickHouse build is tested through chdb")

FLOAT_RTOL = 1e-12
SOURCES = ("activities", "teams", "divisions")
# Queries the DuckDB build runs and the ClickHouse build does not, and why.
DUCKDB_ONLY = {
    # A large DuckDB build aggregates runs of months into chunk files and sorts them together
    # (DuckDB's joins and two-level grouping do not spill); ClickHouse spills both on its own and
    # builds each rollup in one query, so it never writes chunks. Its result is still proven
    # equal: test_a_chunked_duckdb_build_equals_one_clickhouse_query.
    "sorted_rollup_chunks",
}
# Queries that are not part of a rollup build but of a build from a warehouse (warehouse.py).
WAREHOUSE_QUERIES = {
    "source_activities": {},
    "activity_duplicates": {},
}


class Recording:
    """An engine that records each query it is asked to run (name and values) and runs it."""

    def __init__(self, engine):
        self.engine, self.calls = engine, []
        self.name, self.chunked = engine.name, engine.chunked

    def frame(self, query, tables, **params):
        self.calls.append((query, params))
        return self.engine.frame(query, tables, **params)

    def stream(self, query, tables, **params):
        self.calls.append((query, params))
        return self.engine.stream(query, tables, **params)

    def close(self):
        self.engine.close()


def _sources(snapshot, folder: Path) -> Path:
    for table in SOURCES:
        shutil.copy(snapshot.table_path(table), folder / f"{table}.parquet")
    return folder


def _record_build(folder: Path, monkeypatch, engine_of) -> list[tuple[str, dict]]:
    recorder = {}

    def opened(where):
        recorder["engine"] = Recording(engine_of(where))
        return recorder["engine"]

    monkeypatch.setattr(rollups, "open_engine", opened)
    rollups.build(folder, settings=load_catalog().settings)
    return recorder["engine"].calls


def _table(engine, query, tables, params) -> pa.Table:
    batches = list(engine.stream(query, tables, **params))
    return pa.Table.from_batches(batches) if batches else None


def normalised(duck: pa.Table, click: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both results as DataFrames in DuckDB's column names and types (see the module)."""
    assert click is not None, "ClickHouse returned no batches"
    assert click.column_names == duck.column_names
    return duck.to_pandas(), click.cast(duck.schema).to_pandas()


def assert_same(duck: pa.Table, click: pa.Table, what: str) -> None:
    a, b = normalised(duck, click)
    assert len(a) == len(b) > 0, what
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=FLOAT_RTOL, atol=0, obj=what)


@pytest.fixture(scope="module")
def recorded(snapshot, tmp_path_factory):
    """The queries a default (one-run) DuckDB build and a chunked one run, with their values."""
    with pytest.MonkeyPatch.context() as mp:
        whole = _record_build(_sources(snapshot, tmp_path_factory.mktemp("whole")), mp,
                              DuckDBEngine)  # fmt: skip
        mp.setattr(rollups, "CHUNK_ROWS", 5_000)
        chunked = _record_build(_sources(snapshot, tmp_path_factory.mktemp("chunked")), mp,
                                DuckDBEngine)  # fmt: skip
    return whole + chunked


@pytest.fixture(scope="module")
def tables(snapshot, tmp_path_factory) -> rollups.Staging:
    return rollups.Staging(_sources(snapshot, tmp_path_factory.mktemp("golden")))


@pytest.mark.parametrize("copy_local", [False, True], ids=["chdb-files", "server-copies"])
def test_every_query_the_builder_runs_gives_the_same_result_on_both_engines(
    recorded, tables, copy_local
):
    """chdb-files reads the snapshot's Parquet in place; server-copies first copies each table
    into a temporary table, as the engine does for a server that cannot read the builder's files."""
    duck = DuckDBEngine(tables.folder)
    click = open_clickhouse(tables.folder, {}, copy_local=copy_local)
    checked = set()
    try:
        for query, params in recorded + [(q, p) for q, p in WAREHOUSE_QUERIES.items()]:
            if query in DUCKDB_ONLY:
                continue
            key = (query, tuple(sorted(params.items())))
            if key in checked:
                continue
            checked.add(key)
            expected = _table(duck, query, tables, params)
            if expected is None or expected.num_rows == 0:
                continue  # a run of months with no activities: checked below that some have rows
            assert_same(expected, _table(click, query, tables, params), f"{query} {params}")
    finally:
        duck.close()
        click.close()
    names = {query for query, _ in recorded}
    assert names >= set(rollups.BUILDS.values()) | {"activities_span"} | DUCKDB_ONLY
    assert {query for query, _ in checked} == (names - DUCKDB_ONLY) | set(WAREHOUSE_QUERIES)


def test_a_new_query_cannot_skip_the_check(recorded):
    """Every ClickHouse variant belongs to a DuckDB query that the builder runs (no stale variant),
    and every query the builder runs either runs on ClickHouse or is a DuckDB-only step the
    ClickHouse build does not take."""
    names = {query for query, _ in recorded} | set(WAREHOUSE_QUERIES)
    for variant in CLICKHOUSE_DIR.glob("*.sql"):
        assert (QUERIES_DIR / variant.name).is_file(), f"{variant.name} has no DuckDB query"
        assert variant.stem in names, f"{variant.name} is not run by the builder"
    for name in names - DUCKDB_ONLY:
        assert load_query(name), name


def test_the_clickhouse_build_never_takes_a_duckdb_only_step(snapshot, tmp_path, monkeypatch):
    monkeypatch.setattr(rollups, "CHUNK_ROWS", 5_000)  # would make DuckDB chunk
    calls = _record_build(_sources(snapshot, tmp_path), monkeypatch,
                          lambda where: open_clickhouse(where, {}))  # fmt: skip
    assert {query for query, _ in calls} == set(rollups.BUILDS.values()) | {"activities_span"}
    assert not DUCKDB_ONLY & {query for query, _ in calls}


def test_a_chunked_duckdb_build_equals_one_clickhouse_query(snapshot, tmp_path, monkeypatch):
    """The DuckDB-only chunk sort is proven by its result: a DuckDB build in a dozen runs of
    months and the ClickHouse build in one query give equal rollups."""
    monkeypatch.setattr(rollups, "CHUNK_ROWS", 3_000)
    (tmp_path / "duck").mkdir()
    (tmp_path / "click").mkdir()
    duck_dir, click_dir = (
        _sources(snapshot, tmp_path / "duck"),
        _sources(snapshot, tmp_path / "click"),
    )
    settings = load_catalog().settings
    seen: list[str] = []
    duck_entries, _ = rollups.build(duck_dir, settings=settings,
                                    progress=lambda f, label: seen.append(label))  # fmt: skip
    assert sum("sort" in label for label in seen) == len(rollups.BUILDS), "DuckDB ran in chunks"
    monkeypatch.setenv("GOVDASH_ENGINE", "clickhouse")
    click_entries, built_with = rollups.build(click_dir, settings=settings)
    assert built_with["engine"] == "clickhouse"
    for table in rollups.BUILDS:
        assert duck_entries[table]["rows"] == click_entries[table]["rows"], table
        assert_same(pq.read_table(duck_dir / f"{table}.parquet"),
                    pq.read_table(click_dir / f"{table}.parquet"), table)  # fmt: skip


def test_a_snapshot_built_on_clickhouse_holds_the_duckdb_rollups(snapshot, tmp_path, monkeypatch):
    """GOVDASH_ENGINE=clickhouse builds the same demo: same id (the source tables are the same
    bytes), verified like any snapshot, rollups equal to DuckDB's under the normalisation, and
    the manifest says which engine built them."""
    from govdash.demo.build import build_demo

    monkeypatch.setenv("GOVDASH_ENGINE", "clickhouse")
    built = build_demo(tmp_path, activity_rows=snapshot.manifest["generator"]["activity_rows"])
    assert built.id == snapshot.id
    verify_snapshot(built.path, force=True)
    assert built.manifest["rollup_settings"] == {**snapshot.manifest["rollup_settings"],
                                                 "engine": "clickhouse"}  # fmt: skip
    assert snapshot.manifest["rollup_settings"]["engine"] == "duckdb"
    for table, entry in snapshot.rollups.items():
        assert built.rollups[table]["rows"] == entry["rows"], table
        assert_same(pq.read_table(snapshot.table_path(table)),
                    pq.read_table(built.table_path(table)), table)  # fmt: skip
        assert pq.read_table(built.table_path(table)).schema.equals(ROLLUPS[table].schema)


@pytest.fixture()
def warehouse(snapshot, tmp_path):
    """A ClickHouse database on disk (chdb) with the demo's activities in a MergeTree table, laid
    out as docs/scaling.md tells a province to create it."""
    from chdb import session

    path = tmp_path / "chdb"
    db = session.Session(str(path))
    try:
        db.query("CREATE DATABASE province")
        db.query(
            """
            CREATE TABLE province.activities (
                activity_id Int64, date Date32, community_code String, team_id Nullable(String),
                category String, target_group String, volunteers Int32, social_workers Int32,
                service_hours Float64, served_person_times Int32, is_request Bool,
                response_hours Nullable(Float64)
            ) ENGINE = MergeTree ORDER BY (community_code, date, activity_id)
            """
        )
        db.query(
            "INSERT INTO province.activities SELECT * FROM file({p:String}, 'Parquet')",
            params={"p": str(snapshot.table_path("activities"))},
        )
    finally:
        db.close()
    return {
        "GOVDASH_ENGINE": "clickhouse",
        "GOVDASH_CHDB_PATH": str(path),
        "GOVDASH_CLICKHOUSE_TABLES": "activities=province.activities",
    }


def test_rollups_built_from_a_warehouse_table_equal_those_from_the_snapshot(
    snapshot, tmp_path, warehouse, monkeypatch
):
    """No activities file at all in the build folder: the engine reads the warehouse table."""
    folder = tmp_path / "build"
    folder.mkdir()
    for table in ("teams", "divisions"):
        shutil.copy(snapshot.table_path(table), folder / f"{table}.parquet")
    for key, value in warehouse.items():
        monkeypatch.setenv(key, value)
    entries, built_with = rollups.build(folder, settings=load_catalog().settings)
    assert not (folder / "activities.parquet").exists()
    assert (
        built_with["activities_through"]
        == snapshot.manifest["rollup_settings"]["activities_through"]
    )
    for table in rollups.BUILDS:
        assert_same(pq.read_table(snapshot.table_path(table)),
                    pq.read_table(folder / entries[table]["file"]), table)  # fmt: skip


def test_the_warehouse_command_writes_a_verified_snapshot_of_the_warehouse_rows(
    snapshot, tmp_path, warehouse, monkeypatch
):
    """`python -m govdash warehouse` on a base snapshot: the activities come from the warehouse
    (same rows, so the same snapshot id), the rollups are built there, the demo label stays, and
    every reported fact still reconciles from its rollups."""
    from govdash.cli import main
    from govdash.core.engine.query import connect
    from govdash.core.engine.warehouse import build_from_warehouse
    from govdash.core.measures.reconcile import reconcile

    for key, value in warehouse.items():
        monkeypatch.setenv(key, value)
    built = build_from_warehouse(tmp_path / "out", snapshot)
    assert built.id == snapshot.id and built.is_demo
    assert built.manifest["generator"] == {"warehouse": "province.activities", "base": snapshot.id}
    assert built.manifest["rollup_settings"]["engine"] == "clickhouse"
    verify_snapshot(built.path, force=True)
    assert pq.read_table(built.table_path("activities")).equals(
        pq.read_table(snapshot.table_path("activities"))
    )
    facts = reconcile(connect(built.path.parent), built)
    assert len(facts) == 20 and set(facts["status"]) == {"match"}
    # and through the command line, beside its base (a new as-of date: a new id)
    root = tmp_path / "snaps"
    root.mkdir()
    shutil.copytree(snapshot.path, root / snapshot.id)
    assert (
        main(["--data-dir", str(root), "warehouse", "--as-of", "2025-07-31", "--lang", "en"]) == 0
    )
    ids = sorted(p.name for p in root.iterdir() if p.name.startswith("2025-07-31"))
    assert len(ids) == 1 and open_snapshot(ids[0], root).row_counts == snapshot.row_counts


def test_duplicate_ids_in_the_warehouse_are_refused_by_id(
    snapshot, tmp_path, warehouse, monkeypatch
):
    from chdb import session

    from govdash.core.engine.warehouse import build_from_warehouse
    from govdash.core.text.problems import ContractError

    db = session.Session(warehouse["GOVDASH_CHDB_PATH"])
    try:
        twice = db.query("SELECT min(activity_id) FROM province.activities", "CSV").bytes().decode()
        db.query(
            "INSERT INTO province.activities SELECT * FROM province.activities "
            "WHERE activity_id = {id:Int64}",
            params={"id": twice.strip()},
        )
    finally:
        db.close()
    root = tmp_path / "out"
    with pytest.raises(ContractError, match=rf"{int(twice)} \(×2\)"):
        build_from_warehouse(root, snapshot, env=warehouse)
    assert not root.exists() or not [p for p in root.iterdir() if not p.name.startswith(".")]


def test_configuration_mistakes_are_located():
    with pytest.raises(GovdashError, match="GOVDASH_ENGINE='spark'"):
        engine_name({"GOVDASH_ENGINE": "spark"})
    with pytest.raises(GovdashError, match=r"entry 2 'teams=prov; drop'"):
        warehouse_tables({"GOVDASH_CLICKHOUSE_TABLES": "activities=prov.a, teams=prov; drop"})
    with pytest.raises(GovdashError, match="entry 1 'people=prov.p'"):
        warehouse_tables({"GOVDASH_CLICKHOUSE_TABLES": "people=prov.p"})
    with pytest.raises(GovdashError, match="GOVDASH_CLICKHOUSE_THREADS='two'"):
        open_clickhouse(Path("."), {"GOVDASH_CLICKHOUSE_THREADS": "two"})
    assert warehouse_tables({}) == {}
    assert engine_name({}) == "duckdb"
    engine = open_engine(Path("."), {})
    assert isinstance(engine, DuckDBEngine)
    engine.close()


def test_values_stay_bound_parameters_on_clickhouse(tables):
    """The two fix-ups and nothing else: tables become file()/Identifier, values typed params."""
    query = load_query("build_team_rollup")
    sql, bound = translate(query, tables, {}, {"first_day": dt.date(2024, 3, 1),
                                                "last_day": dt.date(2024, 3, 31)})  # fmt: skip
    assert "{first_day:Date32}" in sql and "2024-03-01" not in sql
    assert "file({activities_parquet:String}, 'Parquet')" in sql and "$" not in sql
    assert bound["first_day"] == "2024-03-01"
    assert bound["activities_parquet"] == str(tables.table_path("activities"))
    engine = ClickHouseEngine(client=None, warehouse={"activities": "prov.acts"})
    sql, bound = translate(query, tables, engine._sources(tables, query),
                           {"first_day": dt.date(2024, 3, 1), "last_day": dt.date(2024, 3, 31)})  # fmt: skip
    assert "{activities_database:Identifier}.{activities_table:Identifier}" in sql
    assert (bound["activities_database"], bound["activities_table"]) == ("prov", "acts")
    with pytest.raises(TypeError, match="missing"):
        translate(query, tables, {}, {"first_day": dt.date(2024, 3, 1)})


def test_the_warehouse_command_without_a_table_says_what_to_set(snapshot_copy, monkeypatch, capsys):
    from govdash.cli import main

    root, _ = snapshot_copy
    monkeypatch.delenv("GOVDASH_CLICKHOUSE_TABLES", raising=False)
    monkeypatch.delenv("GOVDASH_CLICKHOUSE_URL", raising=False)
    assert main(["--data-dir", str(root), "warehouse", "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "GOVDASH_CLICKHOUSE_TABLES=activities=<库.表>" in err
