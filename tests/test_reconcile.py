"""Every reported fact reconciles with the demo snapshot; qualifiers keep their Chinese meaning."""

from __future__ import annotations

import re
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govdash.core.data.contract import TABLES
from govdash.core.engine.publish import write_snapshot
from govdash.core.measures.facts import FACTS_FILE, bounds, load_facts_csv
from govdash.core.measures.reconcile import mismatches, reconcile


def test_every_reported_fact_matches_the_demo(con, snapshot):
    result = reconcile(con, snapshot)
    assert len(result) == load_facts_csv(FACTS_FILE).num_rows == 20
    bad = result[result["status"] != "match"]
    assert bad.empty, bad[
        ["fact_id", "metric", "value", "value_computed", "bounds", "message"]
    ].to_string()


def test_a_wrong_fact_is_reported_as_mismatch(con, snapshot, tmp_path):
    """A snapshot whose facts are wrong: the figure is outside the bounds, or cannot be checked."""
    tables = {n: pq.read_table(snapshot.table_path(n)) for n in TABLES if snapshot.has_table(n)}
    facts = tables["reported_facts"].to_pandas()
    facts.loc[facts["fact_id"] == "F08", "value"] = 550.0  # "550余支": the data has 530-odd
    facts.loc[facts["fact_id"] == "F19", "filters"] = "category=employment"  # not an outcome filter
    tables["reported_facts"] = pa.Table.from_pandas(facts, preserve_index=False).cast(
        tables["reported_facts"].schema
    )
    wrong = write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=tmp_path)
    result = reconcile(con, wrong).set_index("fact_id")
    assert result.loc["F08", "status"] == "mismatch"
    assert 530 <= result.loc["F08", "value_computed"] < 540
    assert result.loc["F08", "bounds"] == bounds(550, "more_than").describe()
    assert result.loc["F19", "status"] == "error"
    assert "does not apply to flexible_employment" in result.loc["F19", "message"]
    assert (result.drop(index=["F08", "F19"])["status"] == "match").all()
    assert len(mismatches(result.reset_index())) == 2
    cli = subprocess.run(
        [sys.executable, "-m", "govdash", "--data-dir", str(tmp_path), "reconcile"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 1, "a failed reconciliation fails the command"
    assert "18 of 20 facts match" in cli.stdout
    assert re.search(r"F08\s+mismatch", cli.stdout) and re.search(r"F19\s+error", cli.stdout)


@pytest.mark.parametrize(
    ("value", "qualifier", "inside", "outside"),
    [
        (530, "more_than", [530, 534, 539], [529, 540]),  # 530余支
        (40, "more_than", [41, 49], [39, 50]),  # 40余名
        (2800, "more_than", [2801, 2899], [2799, 2900]),  # 2800余名
        (30000, "nearly", [28500, 29999], [30000, 28000, 31000]),  # 近3万名
        (40, "exact", [39.6, 40.0, 40.4], [39.4, 40.6]),  # 提升了40%
        (52, "exact", [52], [51, 53]),  # 52所
        (60, "about", [57, 63], [56, 64]),  # 约60
    ],
)
def test_qualifier_bounds(value, qualifier, inside, outside):
    b = bounds(value, qualifier)
    assert all(b.contains(x) for x in inside), b.describe()
    assert not any(b.contains(x) for x in outside), b.describe()


def test_reported_facts_trace_to_the_source_article():
    facts = load_facts_csv(FACTS_FILE).to_pylist()
    for f in facts:
        assert f["source_sentence"] and f["source_document"]
        digits = str(int(f["value"])) if f["value"] != 30000 else "3万"
        spelled = {"2": "两个"}.get(digits, digits)
        assert digits in f["source_sentence"] or spelled in f["source_sentence"], f["fact_id"]
