"""Aggregation semantics: stocks are not summed over time, ratios are recomputed from sums."""

from __future__ import annotations

import datetime as dt

import pytest

from govdash.core.data.catalog import load_catalog
from govdash.core.engine.query import run_query
from govdash.core.engine.rollups import route
from govdash.core.measures.metrics import Span, compute, compute_total, span_params

CATALOG = load_catalog()


@pytest.fixture()
def divisions(con, snapshot):
    return run_query(con, "divisions", snapshot)


def test_stock_over_three_months_is_last_value_not_sum(con, snapshot, divisions):
    june = dt.date(2025, 6, 1)
    one = compute_total(
        con,
        snapshot,
        ["registered_volunteers"],
        divisions=divisions,
        scope_code="420100",
        start=june,
        end=dt.date(2025, 6, 30),
    )["registered_volunteers"]
    three = compute_total(
        con,
        snapshot,
        ["registered_volunteers"],
        divisions=divisions,
        scope_code="420100",
        start=dt.date(2025, 4, 1),
        end=dt.date(2025, 6, 30),
    )["registered_volunteers"]
    # Each community's latest report up to June (a June report, or an earlier one where June's
    # is missing), within the catalog's look-back: the stock at June's end, whatever the start.
    direct = con.execute(
        "select sum(v) from (select arg_max(registered_volunteers, month) as v "
        "from read_parquet($p) where month between $m - to_months($n - 1) and $m "
        "group by community_code)",
        {"p": str(snapshot.table_path("headcounts")), "m": june, "n": 3},
    ).fetchone()[0]
    assert one == three == direct
    assert three < 2 * direct  # tripling would show up here


def test_flow_over_three_months_is_summed(con, snapshot, divisions):
    months = [(dt.date(2025, m, 1), dt.date(2025, m, 28 if m == 2 else 30)) for m in (4, 6)]
    parts = [
        compute_total(
            con, snapshot, ["activities"], divisions=divisions, scope_code="420100", start=s, end=e
        )["activities"]
        for s, e in months
    ]
    both = compute_total(
        con,
        snapshot,
        ["activities"],
        divisions=divisions,
        scope_code="420100",
        start=dt.date(2025, 4, 1),
        end=dt.date(2025, 6, 30),
    )["activities"]
    may = compute_total(
        con,
        snapshot,
        ["activities"],
        divisions=divisions,
        scope_code="420100",
        start=dt.date(2025, 5, 1),
        end=dt.date(2025, 5, 31),
    )["activities"]
    assert both == parts[0] + parts[1] + may


def test_ratio_over_districts_is_recomputed_from_sums(con, snapshot, divisions):
    args = dict(divisions=divisions, start=dt.date(2025, 7, 1), end=dt.date(2025, 7, 18))
    ids = ["volunteers_per_social_worker", "registered_volunteers", "social_workers"]
    per_district = compute(con, snapshot, ids, group_level="district", scope_code="420100", **args)
    city = compute_total(con, snapshot, ids, scope_code="420100", **args)
    from_sums = per_district["registered_volunteers"].sum() / per_district["social_workers"].sum()
    mean_of_ratios = per_district["volunteers_per_social_worker"].mean()
    assert city["volunteers_per_social_worker"] == pytest.approx(from_sums)
    assert abs(city["volunteers_per_social_worker"] - mean_of_ratios) > 1  # the two really differ


def test_every_metric_is_bilingual_with_a_kind():
    for m in CATALOG.metrics.values():
        assert m.kind in ("stock", "flow", "ratio"), m.id
        for part in (m.label, m.unit, m.definition):
            assert part["zh"] and part["en"], m.id


def test_every_catalog_column_exists_in_its_source_query(con, snapshot):
    common = {"group_len": 6, "prefix_len": 0, "prefixes": [""]}
    span = span_params([Span(dt.date(2025, 1, 1), dt.date(2025, 7, 18))])
    results = {
        "headcounts": run_query(
            con, "headcounts_by_division", snapshot, **common, **span, lookback_months=3
        ),
        "activities": run_query(
            con,
            "activities_by_division_raw",
            snapshot,
            **common,
            **span,
            categories=None,
            target_groups=None,
            team_types=None,
            baseline_months=12,
        ),
        "divisions": run_query(con, "communities_by_division", snapshot, **common, **span),
    }
    resource_kinds = set(
        run_query(con, "resources_by_division", snapshot, **common, **span, levels=None)["kind"]
    )
    outcome_metrics = set(
        run_query(con, "outcomes_by_division", snapshot, **common, **span)["metric"]
    )
    ask = {**common, **span_params([Span(dt.date(2025, 1, 1), dt.date(2025, 6, 30))])}
    ask |= {"categories": None, "target_groups": None, "team_types": None}
    name, bound = route("activities_by_division", snapshot.manifest, ask)
    assert name == "activities_by_division"
    rolled = run_query(con, name, snapshot, **bound)
    assert list(rolled.columns) == list(results["activities"].columns)  # twins, column for column
    for m in CATALOG.metrics.values():
        if m.source in results:
            assert m.column in results[m.source].columns, m.id
        elif m.source == "resources":
            assert m.column in resource_kinds, m.id
        elif m.source == "outcomes":
            assert m.column in outcome_metrics, m.id


def test_unknown_metric_is_refused(con, snapshot, divisions):
    from govdash.core.text.problems import GovdashError

    with pytest.raises(GovdashError, match="unknown metric"):
        compute_total(
            con,
            snapshot,
            ["population; drop table x"],
            divisions=divisions,
            scope_code="420100",
            start=dt.date(2025, 7, 1),
            end=dt.date(2025, 7, 18),
        )


def test_targets_are_data_checked_on_load(tmp_path):
    from govdash.core.measures.targets import load_targets
    from govdash.core.text.problems import GovdashError

    shipped = load_targets()
    assert shipped and all(t.source["zh"] and t.source["en"] for t in shipped)
    bad_metric = tmp_path / "a.toml"
    bad_metric.write_text('[[targets]]\nmetric = "nope"\nvalue = 1\nsource = {zh="x", en="x"}\n')
    with pytest.raises(GovdashError):
        load_targets(bad_metric)
    no_number = tmp_path / "b.toml"
    no_number.write_text(
        '[[targets]]\nmetric = "volunteers_per_10k"\nvalue = "many"\nsource = {zh="x", en="x"}\n'
    )
    with pytest.raises(GovdashError, match="not a number"):
        load_targets(no_number)
    assert load_targets(tmp_path / "missing.toml") == ()
