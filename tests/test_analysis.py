"""Figures for selections and windows, checked against independent DuckDB aggregates.

Stocks are never summed over months, flows are, and ratios are recomputed from sums.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from govdash.core.engine.query import run_query
from govdash.core.measures import events, figures
from govdash.core.question.scope import ActivityScope, Filters, Selection, Window

TWO = ("420103", "420106")


@pytest.fixture(scope="module")
def ctx(snapshot):
    from govdash.core.engine.query import connect

    con = connect(snapshot.path.parent)
    return con, snapshot, run_query(con, "divisions", snapshot)


def _one(con, sql: str, **params):
    return con.execute(sql, params).fetchone()[0]


def test_window_drops_a_partial_month_for_flows_only(snapshot):
    july = dt.date(2025, 7, 1)
    w = Window.of(july, july, snapshot.as_of)  # as of 18 July
    assert w.partial
    assert w.dates(flow=False) == (july, snapshot.as_of)
    assert w.dates(flow=True) == (dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    before = w.previous()
    assert before.dates(flow=True) == (dt.date(2025, 5, 1), dt.date(2025, 5, 31))
    assert before.dates(flow=False)[0] == dt.date(2025, 6, 1)
    year = Window.of(dt.date(2024, 7, 1), dt.date(2025, 6, 1), snapshot.as_of)
    assert not year.partial and year.previous().start == dt.date(2023, 7, 1)


def test_two_districts_stock_is_the_sum_of_their_end_month_values(ctx):
    con, snap, divisions = ctx
    w = Window.of(dt.date(2025, 1, 1), dt.date(2025, 6, 1), snap.as_of)
    got = figures.values(
        con, snap, divisions, Selection.of(TWO, divisions), w, ["registered_volunteers"]
    )
    where = (  # the catalog's look-back: the three months up to the window's end
        "from read_parquet($p) where month between '2025-04-01' and '2025-06-01' "
        "and left(community_code, 6) in ('420103', '420106')"
    )
    # Each community's latest report by June: June's, or an earlier one where June's is missing.
    expected = _one(
        con,
        f"select sum(v) from (select arg_max(registered_volunteers, month) as v {where} "
        "group by community_code)",
        p=str(snap.table_path("headcounts")),
    )
    june_only = _one(
        con,
        "select sum(registered_volunteers) from read_parquet($p) "
        "where month = '2025-06-01' and left(community_code, 6) in ('420103', '420106')",
        p=str(snap.table_path("headcounts")),
    )
    assert june_only < expected, "the demo has communities whose June report is missing"
    summed_over_months = _one(
        con,
        "select sum(registered_volunteers) from read_parquet($p) where month between "
        "'2025-01-01' and '2025-06-01' and left(community_code, 6) in ('420103', '420106')",
        p=str(snap.table_path("headcounts")),
    )
    assert got["registered_volunteers"].iloc[0] == expected
    assert expected < summed_over_months  # the wrong answer is far away


def test_flows_are_summed_over_the_window_and_filters_apply(ctx):
    con, snap, divisions = ctx
    w = Window.of(dt.date(2025, 1, 1), dt.date(2025, 6, 1), snap.as_of)
    f = Filters(categories=("elderly_care",), team_types=("party_member",))
    got = figures.values(
        con, snap, divisions, Selection.of(TWO, divisions), w, ["activities"], filters=f
    )
    expected = _one(
        con,
        "select count(*) from read_parquet($a) a join read_parquet($t) t using (team_id) "
        "where date between '2025-01-01' and '2025-06-30' and category = 'elderly_care' "
        "and team_type = 'party_member' and left(a.community_code, 6) in ('420103', '420106')",
        a=str(snap.table_path("activities")),
        t=str(snap.table_path("teams")),
    )
    assert expected > 0
    assert got["activities"].iloc[0] == expected


def test_ratio_of_a_selection_is_recomputed_from_sums_not_averaged(ctx):
    con, snap, divisions = ctx
    w = Window.of(dt.date(2025, 6, 1), dt.date(2025, 6, 1), snap.as_of)
    sel = Selection.of(TWO, divisions)
    ids = ["volunteers_per_social_worker", "registered_volunteers", "social_workers"]
    whole = figures.values(con, snap, divisions, sel, w, ids)
    per = figures.values(con, snap, divisions, sel, w, ids, by="district")
    assert list(per.index) == list(TWO)
    ratio = whole["volunteers_per_social_worker"].iloc[0]
    assert ratio == pytest.approx(per["registered_volunteers"].sum() / per["social_workers"].sum())
    assert ratio != pytest.approx(per["volunteers_per_social_worker"].mean())


def test_children_of_a_street_and_series_agree_with_sql(ctx):
    con, snap, divisions = ctx
    street = Selection.of(("420106012",), divisions)
    long = figures.series(
        con,
        snap,
        divisions,
        street,
        dt.date(2025, 1, 1),
        dt.date(2025, 6, 30),
        ["activities"],
        by="community",
    )
    assert set(long["division_code"].str[:9]) == {"420106012"}
    sql = con.execute(
        "select left(community_code, 12) c, date_trunc('month', date)::date m, count(*) n "
        "from read_parquet($p) where starts_with(community_code, '420106012') "
        "and date between '2025-01-01' and '2025-06-30' group by all",
        {"p": str(snap.table_path("activities"))},
    ).df()
    merged = long.merge(
        sql.assign(month=sql["m"].dt.date),
        left_on=["division_code", "month"],
        right_on=["c", "month"],
        how="left",
    )
    assert (merged["value"] == merged["n"].fillna(0)).all()
    assert long["value"].sum() == sql["n"].sum()


def test_kpis_compare_with_the_previous_window_and_the_pilot_start(ctx):
    con, snap, divisions = ctx
    w = Window.of(dt.date(2025, 7, 1), dt.date(2025, 7, 1), snap.as_of)
    (kpi,) = figures.kpis(
        con, snap, divisions, Selection.of(("420106",), divisions), w, ["activities"]
    )
    count = (
        "select count(*) from read_parquet($p) where starts_with(community_code, '420106') "
        "and date between $a and $b"
    )
    p = str(snap.table_path("activities"))
    june = _one(con, count, p=p, a=dt.date(2025, 6, 1), b=dt.date(2025, 6, 30))
    may = _one(con, count, p=p, a=dt.date(2025, 5, 1), b=dt.date(2025, 5, 31))
    march_2024 = _one(con, count, p=p, a=dt.date(2024, 3, 1), b=dt.date(2024, 3, 31))
    assert (kpi.value, kpi.previous, kpi.at_pilot_start) == (june, may, march_2024)
    assert kpi.delta == june - may and kpi.since_pilot == june - march_2024


def test_explorer_counts_pages_and_histogram_agree(ctx):
    con, snap, divisions = ctx
    sel = Selection.of(TWO, divisions)
    start, end = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
    scope = ActivityScope(sel, start, end)
    n = events.event_count(con, snap, scope)
    page = events.events(con, snap, scope, page=1, page_size=25)
    assert len(page) == 25 and page["date"].is_monotonic_decreasing
    assert set(page["community_code"].str[:6]) <= set(TWO)
    everything = events.events(con, snap, scope, page=0, page_size=n + 10)
    assert len(everything) == n == everything["activity_id"].nunique()
    hist = events.response_histogram(con, snap, scope)
    assert hist["requests"].sum() == int(everything["is_request"].sum())
    by_type = events.teams_by_type(con, snap, sel, "district", end)
    teams = _one(
        con,
        "select count(*) from read_parquet($p) where founded <= $e "
        "and left(community_code, 6) in ('420103', '420106')",
        p=str(snap.table_path("teams")),
        e=end,
    )
    assert by_type["teams"].sum() == teams


@pytest.mark.parametrize("page_size", [7, 50, 400])
def test_event_pages_read_newest_first_equal_one_query_over_the_whole_range(ctx, page_size):
    """events() reads the newest stretch of the range first and widens it; every page must be
    the page one query over the whole range gives, down to the last, short one."""
    con, snap, divisions = ctx
    scope = ActivityScope(Selection.of(("420106",), divisions), dt.date(2022, 9, 1),
                          dt.date(2025, 6, 30), Filters(categories=("station",)))  # fmt: skip
    n = events.event_count(con, snap, scope)
    last = (n - 1) // page_size
    for page in sorted({0, 1, last // 2, last, last + 1}):
        got = events.events(con, snap, scope, page=page, page_size=page_size)
        whole = run_query(con, "activity_events", snap, limit=page_size,
                          offset=page * page_size, **scope.params())  # fmt: skip
        pd.testing.assert_frame_equal(got, whole)
        assert len(got) == max(0, min(page_size, n - page * page_size))


def test_programmes_and_resources_know_their_relation(ctx):
    con, snap, divisions = ctx
    progs = events.programmes_for(con, snap, divisions, "420106012001")
    assert dict(zip(progs["programme_id"], progs["relation"], strict=True)) == {"P-JTJF": "own"}
    city = events.programmes_for(con, snap, divisions, "420100")
    assert len(city) == snap.row_counts["programmes"] and set(city["relation"]) == {"below"}
    res = events.resources_for(con, snap, divisions, "420106012001", snap.as_of)
    assert not res.empty and set(res["relation"]) <= {"own", "above"}
    assert set(res["division_code"]) <= {"420106", "420106012", "420106012001", "420100"}


def test_a_monthly_stock_does_not_dip_when_reports_are_missing(ctx):
    """Each month of a trend equals the stock of the window from the trend's start to that month,
    so a late or missing report (the demo's 黄陂区 missed a quarter of them in January and
    February 2025) stands at the community's previous report instead of falling to nothing."""
    con, snap, divisions = ctx
    city = Selection.of((), divisions)
    start, end = dt.date(2024, 10, 1), dt.date(2025, 6, 1)
    trend = figures.series(con, snap, divisions, city, start, end, ["registered_volunteers"])
    by_month = dict(zip(pd.to_datetime(trend["month"]).dt.date, trend["value"], strict=True))
    for month in (dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1), end):
        window = Window.of(start, month, snap.as_of)
        stock = figures.values(con, snap, divisions, city, window, ["registered_volunteers"])
        assert by_month[month] == stock["registered_volunteers"].iloc[0]
    reported_only = _one(
        con,
        "select sum(registered_volunteers) from read_parquet($p) where month = '2025-01-01'",
        p=str(snap.table_path("headcounts")),
    )
    assert reported_only < by_month[dt.date(2025, 1, 1)], "January has missing reports"
    assert by_month[dt.date(2025, 1, 1)] >= by_month[dt.date(2024, 12, 1)]


def test_a_community_silent_longer_than_the_look_back_drops_out_of_a_stock(snapshot, tmp_path):
    """Stocks carry a community's latest report for settings.stock_lookback_months (3): one
    whose May and June reports are missing counts its April figure at June's end; one silent
    since March no longer counts at all (its figure is too old to stand for June)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from govdash.core.data.contract import TABLES
    from govdash.core.engine.publish import write_snapshot
    from govdash.core.engine.query import connect

    tables = {n: pq.read_table(snapshot.table_path(n)) for n in TABLES if snapshot.has_table(n)}
    head = tables["headcounts"].to_pandas()
    june = dt.date(2025, 6, 1)
    month = pd.to_datetime(head["month"]).dt.date
    everyone = set(head.loc[month == june, "community_code"])
    steady = sorted(everyone & set(head.loc[month == dt.date(2025, 4, 1), "community_code"]))
    late, silent = steady[0], steady[1]
    gone = ((head["community_code"] == late) & month.isin([dt.date(2025, 5, 1), june])) | (
        (head["community_code"] == silent) & (month >= dt.date(2025, 4, 1))
    )
    tables["headcounts"] = pa.Table.from_pandas(
        head[~gone], schema=tables["headcounts"].schema, preserve_index=False
    )
    changed = write_snapshot(tables, as_of=snapshot.as_of, provenance="imported", root=tmp_path)
    con = connect(tmp_path)
    divisions = run_query(con, "divisions", changed)
    city = Selection.of((), divisions)
    window = Window.of(june, june, changed.as_of)
    got = figures.values(con, changed, divisions, city, window, ["registered_volunteers"])
    by = head.set_index(["community_code", month])["registered_volunteers"]
    original = connect(snapshot.path.parent)
    before = figures.values(original, snapshot, divisions, city, window, ["registered_volunteers"])
    full = before["registered_volunteers"].iloc[0]
    expected = full - by[(late, june)] + by[(late, dt.date(2025, 4, 1))] - by[(silent, june)]
    assert got["registered_volunteers"].iloc[0] == expected
    assert by[(late, june)] != by[(late, dt.date(2025, 4, 1))], "the carried figure differs"
