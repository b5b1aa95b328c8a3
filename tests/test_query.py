"""The query layer: values are bound, never spliced; all SQL lives in queries/*.sql."""

from __future__ import annotations

import ast
import datetime as dt
import re
import time
from pathlib import Path

import pytest

from govdash.core.engine.query import MACROS, QUERY_LOG, connect, load_query, query_names, run_query
from govdash.core.engine.rollups import RAW_SUFFIX, READS, route
from govdash.core.measures.metrics import Span, span_params

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["' OR 1=1 --", "420106'; drop table x; --", "%", "420106 OR 1=1", "\\x00"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_filter_values_match_nothing_and_raise_nothing(con, snapshot, value):
    common = dict(group_len=6, **span_params([Span(dt.date(2022, 1, 1), dt.date(2025, 7, 18))]))
    frame = run_query(
        con,
        "headcounts_by_division",
        snapshot,
        prefix_len=len(value),
        prefixes=[value],
        lookback_months=3,
        **common,
    )
    assert frame.empty
    ask = dict(categories=[value], target_groups=None, team_types=[value], prefix_len=0,
               prefixes=[""], group_len=6,
               **span_params([Span(dt.date(2022, 1, 1), dt.date(2025, 6, 30), value)]))  # fmt: skip
    for manifest in (snapshot.manifest, {}):  # the rollup, then the raw twin
        name, bound = route("activities_by_division", manifest, ask, baseline_months=12)
        flows = run_query(con, name, snapshot, **bound)
        assert flows["activities"].sum() == 0, name


def test_runs_are_recorded_with_name_parameters_and_time(con, snapshot):
    run_query(con, "divisions", snapshot)
    record = QUERY_LOG[-1]
    assert record.name == "divisions" and record.snapshot_id == snapshot.id and record.ms >= 0
    assert record.rows > 1000


def _all_but(query, left_out: str) -> dict:
    """Every value parameter of a query but one, with a placeholder value (never run)."""
    assert left_out in query.value_params
    return {p: None for p in query.value_params if p != left_out}


def test_unknown_or_missing_parameters_are_refused(con, snapshot):
    with pytest.raises(TypeError, match="unknown parameters"):
        run_query(con, "divisions", snapshot, extra=1)
    with pytest.raises(TypeError, match=r"missing \['categories'\]") as missing:
        run_query(con, "top_teams", snapshot, **_all_but(load_query("top_teams"), "categories"))
    assert "unknown parameters []" in str(missing.value)
    with pytest.raises(ValueError, match="invalid query name"):
        load_query("../secrets")


def test_every_query_file_is_documented_and_used():
    code = "\n".join(
        p.read_text() for p in [*ROOT.glob("govdash/**/*.py"), *ROOT.glob("pages/*.py")]
    )
    for name in query_names():
        q = load_query(name)
        assert q.sql.startswith("-- ") and q.purpose, name
        assert "Params:" in q.sql, name
        for p in q.params:
            assert f"${p}" in q.sql.split("\n\n")[0] or f"${p}" in "".join(
                ln for ln in q.sql.splitlines() if ln.startswith("--")
            ), f"{name}: ${p} undocumented"
        used = name.removesuffix(RAW_SUFFIX) if name.endswith(RAW_SUFFIX) else name
        assert f'"{used}"' in code, f"{name}.sql is never used"
        if name.endswith(RAW_SUFFIX):  # a raw twin is used through core.engine.rollups.query_for
            assert used in READS, f"{name}.sql has no rollup twin that falls back to it"


SQL_WORDS = re.compile(
    r"\b(select|insert|update|delete|create|drop)\b.+\b(from|into|table|set|view)\b",
    re.IGNORECASE | re.DOTALL,
)


def _looks_like_sql(text: str) -> bool:
    lowered = text.lower()
    if SQL_WORDS.search(text) and "read_parquet" in lowered:
        return True
    return bool(re.match(r"\s*(select|with)\s", text, re.IGNORECASE)) and " from " in lowered


def test_no_sql_text_in_python():
    """String literals in the package, pages and entry point never hold SQL; tests may."""
    offenders = []
    files = [*ROOT.glob("govdash/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "dashboard.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _looks_like_sql(node.value)
            ):
                offenders.append(f"{path.name}: {node.value[:60]!r}")
    assert offenders == []
    executes = [p.name for p in files if ".execute(" in p.read_text()]
    assert executes == ["query.py"]


MACRO = re.compile(r"create or replace macro (\w+)\(", re.IGNORECASE)
# Each shared rule as it would read if a query wrote it out again instead of calling its macro.
RULES_WRITTEN_OUT = {
    "pilot_starts": "coalesce(c.pilot_start",
    "activity_passes": "$categories is null",
    "in_scope": "= any($prefixes)",
    "reported_communities": "h.social_workers, h.community_workers",
    "rollup_rows": "grain = $grain",
    "rollup_keys": "('street', 9)",
    "windows": "unnest(range(len(",
}


def test_shared_sql_rules_are_macros_used_and_not_copied():
    macros = MACRO.findall(MACROS.read_text(encoding="utf-8"))
    assert sorted(macros) == sorted(RULES_WRITTEN_OUT)
    texts = {name: load_query(name).sql for name in query_names()}
    for macro, written_out in RULES_WRITTEN_OUT.items():
        users = [n for n, sql in texts.items() if f"{macro}(" in sql]
        assert users, f"macro {macro} is never used"
        copies = [n for n, sql in texts.items() if written_out in sql]
        assert copies == [], f"{copies} write out the rule of {macro} again"
    for name, sql in texts.items():  # one scope convention everywhere
        assert "$scope_prefix" not in sql and "$code_len" not in sql, name


def test_the_python_pilot_start_rule_equals_the_sql_macro(con, snapshot, tmp_path):
    """On divisions whose pilots start at every level (a community, a street, a district, the
    city), the Python twin and the macro give every community the same start."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from govdash.core.data.divisions import effective_pilot_start

    divisions = pq.read_table(snapshot.table_path("divisions")).to_pandas()
    divisions["pilot_start"] = None
    starts = {
        "420106": dt.date(2024, 1, 1),  # a district
        "420106002": dt.date(2023, 9, 1),  # a street of it
        "420106002003": dt.date(2023, 5, 1),  # a community of that street
        "420103001001": dt.date(2022, 11, 1),  # a community elsewhere
    }
    for code, start in starts.items():
        divisions.loc[divisions["code"] == code, "pilot_start"] = start
    divisions.loc[divisions["level"] == "city", "pilot_start"] = starts["city"] = dt.date(
        2024, 3, 1
    )
    path = tmp_path / "divisions.parquet"
    pq.write_table(pa.Table.from_pandas(divisions, preserve_index=False), path)
    sql = dict(
        con.execute(
            "select community_code, pilot_start from pilot_starts($p)", {"p": str(path)}
        ).fetchall()
    )
    communities = divisions.loc[divisions["level"] == "community", "code"]
    python = {c: effective_pilot_start(divisions, c) for c in communities}
    assert len(sql) == len(communities) > 1000 and python == sql
    assert set(sql.values()) == set(starts.values()), "every level's start is used somewhere"


def test_a_query_that_runs_out_of_time_is_stopped_with_a_clear_message(
    con, snapshot, monkeypatch, caplog
):
    from govdash.core.engine.query import QueryTimeout

    monkeypatch.setenv("GOVDASH_QUERY_TIMEOUT", "0.2")
    # A scope list of two million codes: minutes of comparisons, stopped after 0.2 s.
    many = [f"{i:06d}" for i in range(2_000_000)]
    params = dict(
        start=dt.date(2022, 1, 1), end=dt.date(2025, 7, 18), prefix_len=6, prefixes=many,
        categories=None, target_groups=None, team_types=None,
    )  # fmt: skip
    started = time.perf_counter()
    with pytest.raises(QueryTimeout) as stopped:
        run_query(con, "activity_event_count_raw", snapshot, **params)
    assert time.perf_counter() - started < 10
    assert "超过 0.2 秒" in stopped.value.text("zh") and "narrow" in stopped.value.text("en")
    stopped_lines = [r.getMessage() for r in caplog.records if "stopped after" in r.getMessage()]
    assert stopped_lines and "activity_event_count" in stopped_lines[0]
    # The two million codes are not written into the log: that alone took seconds and 20 MB.
    assert len(stopped_lines[0]) < 1000 and "2,000,000 in all" in stopped_lines[0]
    assert run_query(con, "divisions", snapshot).shape[0] > 1000, "the connection still works"


def test_threads_are_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("GOVDASH_DUCKDB_THREADS", "1")
    con = connect(tmp_path)
    assert con.execute("select current_setting('threads')").fetchone()[0] == 1


def test_the_watchdog_repeats_an_interrupt_until_the_query_ends():
    """DuckDB drops an interrupt that comes while parameters are still being bound, so one
    interrupt is not enough: an overdue cursor is interrupted again until it is released."""
    from govdash.core.engine.watchdog import Watchdog

    class Cursor:
        calls = 0

        def interrupt(self):
            Cursor.calls += 1

    dog, cursor = Watchdog(), Cursor()
    token = dog.watch(cursor, 0.05)
    time.sleep(0.4)
    assert Cursor.calls >= 3
    dog.release(token)
    time.sleep(0.1)
    after = Cursor.calls
    time.sleep(0.2)
    assert Cursor.calls == after, "a released cursor is left alone"
    on_time = Cursor()
    dog.release(dog.watch(on_time, 5))
    time.sleep(0.1)
    assert Cursor.calls == after
