"""The query layer: values are bound, never spliced; all SQL lives in queries/*.sql."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from govdash.core.query import QUERY_LOG, load_query, query_names, run_query

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ["' OR 1=1 --", "420106'; drop table x; --", "%", "420106 OR 1=1", "\\x00"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_filter_values_match_nothing_and_raise_nothing(con, snapshot, value):
    common = dict(code_len=6, start=dt.date(2022, 1, 1), end=dt.date(2025, 7, 18))
    frame = run_query(con, "stocks_by_division", snapshot, scope_prefix=value, **common)
    assert frame.empty
    flows = run_query(
        con,
        "flows_by_division",
        snapshot,
        scope_prefix="",
        categories=[value],
        target_groups=None,
        team_types=[value],
        baseline_months=12,
        **common,
    )
    assert flows["activities"].sum() == 0


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
        assert f'"{name}"' in code, f"{name}.sql is never used"


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
