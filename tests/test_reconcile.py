"""Every reported fact reconciles with the demo snapshot; qualifiers keep their Chinese meaning."""

from __future__ import annotations

import pytest

from govdash.facts import FACTS_FILE, bounds, load_facts_csv
from govdash.reconcile import reconcile


def test_every_reported_fact_matches_the_demo(con, snapshot):
    result = reconcile(con, snapshot)
    assert len(result) == load_facts_csv(FACTS_FILE).num_rows == 20
    bad = result[result["status"] != "match"]
    assert bad.empty, bad[
        ["fact_id", "metric", "value", "value_computed", "bounds", "message"]
    ].to_string()


def test_a_wrong_fact_is_reported_as_mismatch(con, snapshot):
    result = reconcile(con, snapshot).set_index("fact_id")
    teams = result.loc["F08", "value_computed"]
    assert 530 <= teams < 540
    assert not bounds(teams + 20, "more_than").contains(teams)  # 550余 would not match this data


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
