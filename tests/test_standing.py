"""Leaders and laggards, and the 需关注 list, against the snapshot's own Parquet files."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from govdash.core.data.catalog import load_catalog
from govdash.core.engine.query import connect, run_query
from govdash.core.evaluation import standing
from govdash.core.evaluation.movers import movers
from govdash.core.evaluation.watch import falls, last_complete_month, watch_list
from govdash.core.measures.events import data_range

WUCHANG = "420106"


@pytest.fixture(scope="module")
def city(snapshot):
    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    return con, divisions, data_range(con, snapshot).months()


def test_falls_needs_each_month_lower_than_the_one_before():
    assert falls([5, 4, 3, 2], 3) and falls([9, 5, 4, 3, 2], 3)
    assert not falls([5, 4, 4, 2], 3) and not falls([4, 3, 2], 3) and not falls([2, 3, 2, 1], 3)


def test_districts_are_ranked_by_their_change_since_the_month_before_the_pilot(city, snapshot):
    con, divisions, months = city
    found = movers(con, snapshot, divisions, "420100", months)
    assert found.level == "district" and len(found.frame) == 13
    frame = found.frame
    assert (frame["change"] == frame["now"] - frame["before"]).all()
    # The stock at the two month ends, straight from the headcounts file: never summed over time.
    metric = load_catalog()[load_catalog().settings.movers_metric]
    path = snapshot.table_path("headcounts")
    sql = (f"select left(community_code, 6) d, sum({metric.column}) v from read_parquet(?) "
           "where month = ? group by 1")  # fmt: skip
    now = dict(duckdb.execute(sql, [str(path), found.last_month]).fetchall())
    # The lookback only adds the latest report of a community that missed the month.
    assert sum(now.values()) <= frame["now"].sum() <= 1.1 * sum(now.values())
    leaders, laggards = found.ranked()
    assert len(leaders) == len(laggards) == 3 and not set(leaders.index) & set(laggards.index)
    assert leaders["change"].min() >= frame["change"].nlargest(3).min()
    assert laggards["change"].iloc[0] == frame["change"].min()
    assert frame["change"].max() > frame["change"].min(), "districts differ"
    per_10k = found.ranked("change_10k")[0]
    assert per_10k["change_10k"].iloc[0] == frame["change_10k"].max()
    table = standing.movers_table(found, divisions, "zh")
    assert list(table.columns) == ["排位", "区", "试点以来变化", "每万人变化"] and len(table) == 6


def test_the_watch_list_names_communities_that_fell_or_stopped_reporting(city, snapshot):
    con, divisions, months = city
    listed = watch_list(con, snapshot, divisions, "420100", months)
    assert len(listed) and listed["community_code"].is_unique
    end = last_complete_month(months, snapshot.as_of)
    reported = set(
        duckdb.execute(
            "select distinct community_code from read_parquet(?) where month = ?",
            [str(snapshot.table_path("headcounts")), end],
        ).fetchdf()["community_code"]
    )
    stopped = listed[listed["stopped"]]
    assert len(stopped), "the demo has communities that stopped reporting"
    assert not set(stopped["community_code"]) & reported
    activities = pd.read_parquet(
        snapshot.table_path("activities"), columns=["date", "community_code"]
    )
    activities["month"] = (
        pd.to_datetime(activities["date"]).dt.to_period("M").dt.to_timestamp().dt.date
    )
    fell = listed[listed["fell"]]
    assert len(fell), "the demo has communities whose activity faded"
    for code, counts in zip(fell["community_code"], fell["counts"], strict=True):
        own = activities[activities["community_code"] == code].groupby("month").size()
        got = [float(own.get(m, 0)) for m in sorted(own.index)[-4:]]
        assert all(b < a for a, b in zip(counts, counts[1:], strict=False)), counts
        assert counts[-1] == float(own.get(end, 0)), (code, counts, got)
    line = standing.watch_line(listed, divisions, "zh")
    assert line.startswith(f"需关注：{len(listed)}个社区")


def test_a_district_s_list_holds_its_own_communities_only(city, snapshot):
    con, divisions, months = city
    listed = watch_list(con, snapshot, divisions, WUCHANG, months)
    assert listed["community_code"].str.startswith(WUCHANG).all()
    found = movers(con, snapshot, divisions, WUCHANG, months)
    assert found.level == "street" and found.frame.index.str.startswith(WUCHANG).all()
