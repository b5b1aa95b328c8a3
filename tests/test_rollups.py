"""Rollups give the figures the raw tables give, are reproducible, and are verified like tables.

The proof is by comparison: the same question asked of the snapshot with its rollups and of the
same snapshot without them (Snapshot.without_rollups, which sends every query to its `_raw` twin)
must give equal answers, for random scopes, periods, groupings and filters.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govdash.core.data.catalog import load_catalog
from govdash.core.data.contract import ROLLUPS
from govdash.core.data.snapshot import open_snapshot, verify_snapshot
from govdash.core.data.vocab import codes
from govdash.core.engine.query import QUERY_LOG, run_query
from govdash.core.engine.recall import RECALL
from govdash.core.engine.rollups import READS, build, query_for
from govdash.core.measures import events, metrics
from govdash.core.measures.events import data_range
from govdash.core.question.scope import ActivityScope, Filters, Selection, month_end
from govdash.core.text.problems import SnapshotError

CATALOG = load_catalog()
ROLLUP_SOURCE_TABLES = ("activities", "teams", "divisions")
# Every metric computed from activities alone: the flows and the ratios made of them.
ACTIVITY_METRICS = sorted(
    m.id
    for m in CATALOG.metrics.values()
    if {CATALOG[b].source for b in CATALOG.base_metrics(m.id)} == {"activities"}
)


@pytest.fixture()
def world(snapshot, con):
    divisions = run_query(con, "divisions", snapshot)
    months = data_range(con, snapshot).months()
    return snapshot, divisions, months


def _scopes(divisions: pd.DataFrame) -> dict[str, list[str]]:
    by_level = {lv: sorted(divisions.loc[divisions["level"] == lv, "code"]) for lv in
                ("district", "street", "community")}  # fmt: skip
    return by_level


@st.composite
def questions(draw, divisions: pd.DataFrame, months: list[dt.date]):
    """A scope (city, one or several districts, a street or a community), a run of whole months,
    a grouping level at or below the scope, and filters (each may be absent)."""
    levels = _scopes(divisions)
    kind = draw(st.sampled_from(["city", "district", "districts", "street", "community"]))
    if kind == "city":
        chosen: list[str] = []
    elif kind == "districts":
        chosen = draw(st.lists(st.sampled_from(levels["district"]), min_size=2, max_size=3,
                               unique=True))  # fmt: skip
    else:
        chosen = [draw(st.sampled_from(levels[kind.rstrip("s")]))]
    selection = Selection.of(chosen, divisions)
    first = draw(st.integers(0, len(months) - 1))
    last = draw(st.integers(first, min(len(months) - 1, first + 14)))
    start, end = months[first], month_end(months[last])
    below = {"city": "district", "district": "street", "street": "community"}
    by = draw(st.sampled_from([None, below.get(selection.level)]))

    def some(vocabulary: str):
        return draw(st.one_of(st.none(), st.lists(st.sampled_from(codes(vocabulary)),
                                                   min_size=1, max_size=3, unique=True)))  # fmt: skip

    filters = Filters(
        categories=tuple(v) if (v := some("categories")) else None,
        target_groups=tuple(v) if (v := some("target_groups")) else None,
        team_types=tuple(v) if (v := some("team_types")) else None,
    )
    return selection, start, end, by, filters


def _same(a: pd.DataFrame, b: pd.DataFrame, keys: list[str]) -> None:
    a = a.sort_values(keys).reset_index(drop=True)
    b = b.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9, atol=1e-9)


def _used(name: str) -> str:
    """The query that answered last, if it was `name` or its raw twin. Answers remembered from an
    earlier example (govdash.core.engine.recall) are forgotten first, by the callers below."""
    return QUERY_LOG[-1].name if QUERY_LOG and QUERY_LOG[-1].name.startswith(name) else ""


def test_the_rollups_are_written_listed_and_verified(snapshot):
    manifest = verify_snapshot(snapshot.path, force=True)
    assert set(manifest["rollups"]) == set(ROLLUPS)
    assert manifest["rollup_settings"] == {
        "baseline_months": CATALOG.settings.baseline_months,
        "response_bin_hours": CATALOG.settings.response_bin_hours,
        "response_max_hours": CATALOG.settings.response_max_hours,
        # The last activity date: a period ending on or after it is whole months of data.
        "activities_through": pq.read_table(snapshot.table_path("activities"))["date"]
        .to_pandas()
        .max()
        .isoformat(),
        # Which engine built them (GOVDASH_ENGINE; DuckDB unless set).
        "engine": "duckdb",
    }
    for name, entry in manifest["rollups"].items():
        assert (snapshot.path / entry["file"]).is_file() and entry["rows"] > 0, name


def test_every_grain_and_kind_of_row_holds_every_activity(snapshot, con):
    """Each grain, in detail and in summary rows, adds up to the whole table: nothing lost,
    nothing counted twice."""
    raw = con.execute(
        "select count(*), sum(served_person_times), count(*) filter (where is_request "
        "and response_hours is not null), count(*) filter (where team_id is not null) "
        "from read_parquet($p)",
        {"p": str(snapshot.table_path("activities"))},
    ).fetchone()

    def totals(table: str, column: str, by: str) -> dict:
        path = str(snapshot.table_path(table))
        rows = con.execute(
            f"select {by}, sum({column}) from read_parquet($p) group by all", {"p": path}
        ).fetchall()
        return {tuple(r[:-1]): r[-1] for r in rows}

    grains = {(d, g) for d in (True, False) for g in ("district", "street", "community")}
    assert totals("activity_rollup", "activities", "detail, grain") == dict.fromkeys(grains, raw[0])
    served = totals("activity_rollup", "served_person_times", "detail, grain")
    assert served == dict.fromkeys(grains, raw[1])
    assert totals("response_rollup", "requests", "detail, grain") == dict.fromkeys(grains, raw[2])
    assert totals("team_rollup", "activities", "detail") == {(True,): raw[3], (False,): raw[3]}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_activity_figure_from_rollups_equals_the_raw_figure(world, con, data):
    snapshot, divisions, months = world
    raw = snapshot.without_rollups()
    selection, start, end, by, filters = data.draw(questions(divisions, months))
    level, scope = selection.grouping(by)
    ask = {"divisions": divisions, "group_level": level, "scope_code": scope,
           "start": start, "end": end, "filters": filters}  # fmt: skip

    RECALL.clear()
    fast = metrics.compute(con, snapshot, ACTIVITY_METRICS, **ask)
    assert _used("activities_by_division") == "activities_by_division"
    slow = metrics.compute(con, raw, ACTIVITY_METRICS, **ask)
    assert _used("activities_by_division") == "activities_by_division_raw"
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False, rtol=1e-9, atol=1e-9)

    fast = metrics.monthly(con, snapshot, ACTIVITY_METRICS, **ask)
    slow = metrics.monthly(con, raw, ACTIVITY_METRICS, **ask)
    _same(fast, slow, ["month", "division_code", "metric"])

    scope_ = ActivityScope(selection, start, end, filters)
    assert events.event_count(con, snapshot, scope_) == events.event_count(con, raw, scope_)
    _same(
        events.breakdown(con, snapshot, scope_),
        events.breakdown(con, raw, scope_),
        ["month", "category", "target_group"],
    )
    pd.testing.assert_frame_equal(
        events.top_teams(con, snapshot, scope_, limit=10),
        events.top_teams(con, raw, scope_, limit=10),
        check_dtype=False,
        rtol=1e-9,
    )
    bins = {"bin_hours": CATALOG.settings.response_bin_hours,
            "max_hours": CATALOG.settings.response_max_hours}  # fmt: skip
    fast = events.response_histogram(con, snapshot, scope_, **bins)
    assert _used("response_histogram") == "response_histogram"
    _same(fast, events.response_histogram(con, raw, scope_, **bins), ["phase", "bin_start"])


@st.composite
def spans(draw, divisions: pd.DataFrame, months: list[dt.date], through: dt.date):
    """Two to four windows, each with its own place (any level) and period; a period may end on
    the last activity date, as a reported fact's does."""
    levels = _scopes(divisions)
    out = []
    for _ in range(draw(st.integers(2, 4))):
        level = draw(st.sampled_from(["city", "district", "street", "community"]))
        scope = "" if level == "city" else draw(st.sampled_from(levels[level]))
        first = draw(st.integers(0, len(months) - 1))
        last = draw(st.integers(first, len(months) - 1))
        end = through if last == len(months) - 1 else month_end(months[last])
        out.append(metrics.Span(months[first], end, scope))
    return out


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_many_windows_in_one_query_equal_one_raw_query_per_window(world, con, data):
    """The KPI cards and reconciliation ask for several windows (periods and places) in one
    statement; each answer equals the raw table's answer to that window asked alone."""
    snapshot, divisions, months = world
    through = dt.date.fromisoformat(snapshot.manifest["rollup_settings"]["activities_through"])
    asked = data.draw(spans(divisions, months, through))
    filters = data.draw(st.sampled_from([Filters(), Filters(categories=("station",)),
                                         Filters(team_types=("new_employment",))]))  # fmt: skip
    city = divisions.loc[divisions["level"] == "city", "code"].iloc[0]
    RECALL.clear()
    together = metrics.compute_spans(
        con, snapshot, ACTIVITY_METRICS, divisions=divisions, group_level="city",
        scope_code=city, spans=asked, filters=filters,
    )  # fmt: skip
    assert _used("activities_by_division") == "activities_by_division"
    raw = snapshot.without_rollups()
    for span, frame in zip(asked, together, strict=True):
        alone = metrics.compute_total(
            con, raw, ACTIVITY_METRICS, divisions=divisions, scope_code=span.scope or city,
            start=span.start, end=span.end, filters=filters,
        )  # fmt: skip
        got = {m: (None if pd.isna(v) else float(v)) for m, v in frame.iloc[0].items()}
        assert got.keys() == alone.keys()
        for m, v in alone.items():
            assert (v is None and got[m] is None) or got[m] == pytest.approx(v, rel=1e-9), m


def test_questions_the_rollups_cannot_answer_read_the_raw_table(snapshot):
    manifest = snapshot.manifest
    june = (dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    for name in READS:
        assert query_for(name, manifest, *june) == name
        assert query_for(name, manifest, dt.date(2025, 6, 2), june[1]) == name + "_raw"
        assert query_for(name, manifest, june[0], dt.date(2025, 6, 29)) == name + "_raw"
        assert query_for(name, snapshot.without_rollups().manifest, *june) == name + "_raw"
    months = CATALOG.settings.baseline_months
    assert query_for("activities_by_division", manifest, *june, baseline_months=months + 1) == (
        "activities_by_division_raw"
    )
    other_bins = {"bin_hours": CATALOG.settings.response_bin_hours + 1}
    assert query_for("response_histogram", manifest, *june, **other_bins) == (
        "response_histogram_raw"
    )
    other_cap = {"max_hours": CATALOG.settings.response_max_hours * 2}
    assert query_for("response_histogram", manifest, *june, **other_cap) == (
        "response_histogram_raw"
    )
    assert query_for("activity_events", manifest, *june) == "activity_events"
    # A period ending on the last activity date (the as-of) is whole months of data; one ending
    # before it in a month is not.
    through = dt.date.fromisoformat(manifest["rollup_settings"]["activities_through"])
    july = through.replace(day=1)
    assert query_for("activities_by_division", manifest, july, through) == "activities_by_division"
    if through.day > 1:
        before = through - dt.timedelta(days=1)
        assert query_for("activities_by_division", manifest, july, before) == (
            "activities_by_division_raw"
        )


def test_a_part_month_period_still_gives_the_raw_answer(world, con):
    snapshot, divisions, _ = world
    scope_ = ActivityScope(Selection.of([], divisions), dt.date(2025, 3, 10), dt.date(2025, 5, 20))
    n = events.event_count(con, snapshot, scope_)
    assert QUERY_LOG[-1].name == "activity_event_count_raw"
    counted = con.execute(
        "select count(*) from read_parquet($p) where date between $a and $b",
        {"p": str(snapshot.table_path("activities")), "a": scope_.start, "b": scope_.end},
    ).fetchone()[0]
    assert n == counted > 0


def test_the_same_tables_roll_up_to_the_same_bytes(snapshot, tmp_path):
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        for table in ("activities", "teams", "divisions"):
            shutil.copy(snapshot.table_path(table), folder / f"{table}.parquet")
        entries, _ = build(folder, settings=CATALOG.settings)
        assert {k: v["sha256"] for k, v in entries.items()} == {
            k: v["sha256"] for k, v in snapshot.rollups.items()
        }


def test_a_changed_rollup_is_refused_and_an_old_snapshot_still_opens(snapshot_copy, con):
    root, snapshot = snapshot_copy
    folder = root / snapshot.id
    rollup = folder / snapshot.rollups["team_rollup"]["file"]
    data = bytearray(rollup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    rollup.write_bytes(bytes(data))
    with pytest.raises(SnapshotError) as caught:
        verify_snapshot(folder, force=True)
    assert "team_rollup.parquet" in str(caught.value.problems[0].where)

    # A snapshot written before rollups existed: no "rollups" in its manifest. It opens, and its
    # figures come from the raw tables.
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for table in manifest.pop("rollups"):
        (folder / f"{table}.parquet").unlink()
    manifest.pop("rollup_settings")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    old = open_snapshot(snapshot.id, root)
    assert old.rollups == {}
    divisions = run_query(con, "divisions", old)
    june = ActivityScope(Selection.of([], divisions), dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    assert events.event_count(con, old, june) > 0
    assert QUERY_LOG[-1].name == "activity_event_count_raw"


def test_an_unknown_rollup_in_the_manifest_is_refused(snapshot_copy):
    root, snapshot = snapshot_copy
    folder = root / snapshot.id
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["rollups"]["../../etc/passwd"] = {"file": "x.parquet", "rows": 1, "sha256": "0"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(SnapshotError, match="unknown rollups"):
        verify_snapshot(folder, force=True)


def test_a_build_in_runs_of_months_equals_one_build(snapshot, tmp_path, monkeypatch):
    """A national build aggregates one run of months at a time and sorts the runs together; the
    rollups must be the ones a single run gives, row for row (float sums to the last few bits:
    the second-level sums add the same numbers in another order)."""
    from govdash.core.engine import rollups

    for table in ROLLUP_SOURCE_TABLES:
        shutil.copy(snapshot.table_path(table), tmp_path / f"{table}.parquet")
    monkeypatch.setattr(rollups, "CHUNK_ROWS", 3_000)  # a dozen runs at test scale
    seen = []
    entries, settings_ = build(tmp_path, settings=CATALOG.settings,
                               progress=lambda f, label: seen.append(label))  # fmt: skip
    assert sum("sort" in label for label in seen) == len(rollups.BUILDS)
    assert len(seen) > 10 * len(rollups.BUILDS), "the build ran in runs of months"
    assert settings_ == snapshot.manifest["rollup_settings"]
    for table, entry in entries.items():
        assert entry["rows"] == snapshot.rollups[table]["rows"], table
        chunked = pq.read_table(tmp_path / entry["file"]).to_pandas()
        whole = pq.read_table(snapshot.table_path(table)).to_pandas()
        pd.testing.assert_frame_equal(chunked, whole, check_exact=False, rtol=1e-12, obj=table)
    assert not list(tmp_path.glob(".*-chunks")), "the chunk files are removed"


def test_windows_of_a_district_and_one_of_its_streets_read_every_street(world, con):
    """Found by the test above: the rows read must reach the end of the longest-reaching scope
    (the district's), not of the longest code (its street's)."""
    snapshot, divisions, months = world
    city = divisions.loc[divisions["level"] == "city", "code"].iloc[0]
    june = (dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    streets = divisions[(divisions["level"] == "street") & (divisions["parent_code"] == "420102")]
    asked = [metrics.Span(*june, "420102"), metrics.Span(*june, streets["code"].min())]
    RECALL.clear()
    together = metrics.compute_spans(con, snapshot, ["activities"], divisions=divisions,
                                     group_level="city", scope_code=city, spans=asked)  # fmt: skip
    for span, frame in zip(asked, together, strict=True):
        alone = metrics.compute_total(con, snapshot.without_rollups(), ["activities"],
                                      divisions=divisions, scope_code=span.scope, start=june[0],
                                      end=june[1])  # fmt: skip
        assert frame.iloc[0]["activities"] == alone["activities"] > 0, span
