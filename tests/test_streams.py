"""Streamed tables and the streaming demo generator: a table written batch by batch is the same
snapshot as the table written whole, a bad batch aborts the write with a located error, and the
generator's months come out the same every time they are generated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govdash.core.data.snapshot import scan_snapshots
from govdash.core.data.streams import TableStream
from govdash.core.engine.publish import write_snapshot
from govdash.core.text.problems import ContractError
from govdash.demo.config import load_demo_config, scaled


def _tables(snapshot) -> dict[str, pa.Table]:
    return {name: pq.read_table(snapshot.table_path(name)) for name in snapshot.row_counts}


def _stream(table: pa.Table, rows: int = 7_000) -> TableStream:
    return TableStream(iter(table.to_batches(max_chunksize=rows)))


def test_a_streamed_table_gives_the_same_snapshot_as_the_whole_table(snapshot, tmp_path):
    tables = _tables(snapshot)
    tables["activities"] = _stream(tables["activities"])
    again = write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=tmp_path)
    assert again.id == snapshot.id
    assert again.row_counts == snapshot.row_counts
    assert again.rollups.keys() == snapshot.rollups.keys()
    for name in snapshot.row_counts:
        assert pq.read_table(again.table_path(name)).equals(
            pq.read_table(snapshot.table_path(name))
        )


def _broken(snapshot, change) -> dict:
    tables = _tables(snapshot)
    acts = tables["activities"].to_pandas()
    change(acts)
    table = pa.Table.from_pandas(acts, schema=tables["activities"].schema, preserve_index=False)
    tables["activities"] = _stream(table)
    return tables


def _assert_nothing_written(root) -> None:
    snapshots, problems = scan_snapshots(root)
    assert snapshots == [] and problems == []
    assert list(root.iterdir()) == [], "the temporary folder was left behind"


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        (
            lambda a: a.__setitem__(
                "community_code", a["community_code"].where(a.index != 20_001, "420199999999")
            ),
            "activities.community_code row 20002",
            "unknown community",
        ),
        (
            lambda a: a.__setitem__("volunteers", a["volunteers"].where(a.index != 15_000, -1)),
            "activities.volunteers row 15001",
            "negative",
        ),
    ],
    ids=["unknown-community", "negative-count"],
)
def test_a_bad_batch_aborts_the_write_with_its_row_in_the_whole_table(
    snapshot, tmp_path, change, where, words
):
    root = tmp_path / "snaps"
    with pytest.raises(ContractError) as err:
        write_snapshot(
            _broken(snapshot, change), as_of=snapshot.as_of, provenance="demo", root=root
        )
    assert where in str(err.value) and words in str(err.value)
    _assert_nothing_written(root)


def test_a_stream_out_of_date_order_is_refused(snapshot, tmp_path):
    tables = _tables(snapshot)
    acts = tables["activities"]
    late, early = acts.slice(20_000), acts.slice(0, 20_000)
    tables["activities"] = TableStream(iter([*late.to_batches(), *early.to_batches()]))
    root = tmp_path / "snaps"
    with pytest.raises(ContractError, match="not in date order"):
        write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=root)
    _assert_nothing_written(root)


def test_a_key_repeated_in_a_later_batch_is_refused(snapshot, tmp_path):
    tables = _tables(snapshot)
    acts = tables["activities"]
    ids = acts["activity_id"].to_numpy().copy()
    ids[30_000] = ids[10]  # same date order, a duplicate id far from the first
    tables["activities"] = _stream(acts.set_column(0, "activity_id", pa.array(ids)))
    root = tmp_path / "snaps"
    with pytest.raises(ContractError, match="duplicate activity_id"):
        write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=root)
    _assert_nothing_written(root)


def test_the_demo_is_sorted_and_numbered_like_the_contract(snapshot):
    """Months are written one after another, each merged with its calibrated rows and sorted."""
    acts = pq.read_table(snapshot.table_path("activities"))
    ids = acts["activity_id"].to_numpy()
    dates = acts["date"].cast(pa.int32()).to_numpy()
    # Ids read like a register's: the day (YYYYMMDD), then the activity's number that day.
    days = pd.to_datetime(acts["date"].to_pandas()).dt.strftime("%Y%m%d").astype("int64")
    assert (ids // 100_000 == days.to_numpy()).all() and len(set(ids)) == len(ids)
    first = np.r_[True, dates[1:] != dates[:-1]]
    assert (ids[first] % 100_000 == 1).all() and (np.diff(ids)[~first[1:]] == 1).all()
    assert (np.diff(dates) >= 0).all()
    # Within a day, communities ascend.
    same_day = dates[1:] == dates[:-1]
    comm = acts["community_code"].to_pylist()
    assert all(a <= b for a, b, s in zip(comm[:-1], comm[1:], same_day, strict=True) if s)


def test_a_month_is_generated_the_same_every_time():
    from govdash.demo.generate import DemoBuilder

    builder = DemoBuilder(load_demo_config(), activity_rows=30_000, seed=7)
    builder.build_divisions()
    builder.build_teams()
    builder.build_activities()
    g = builder.generator
    for m in (0, 17, len(builder.months) - 1):
        first, second = g.month(m), g.month(m)
        assert first.keys() == second.keys()
        for col in first:
            np.testing.assert_array_equal(first[col], second[col])
    other = DemoBuilder(load_demo_config(), activity_rows=30_000, seed=8)
    other.build_divisions()
    other.build_teams()
    other.build_activities()
    assert not np.array_equal(other.generator.month(3)["date"], g.month(3)["date"])


def test_held_rows_are_a_small_share_at_scale():
    """The first pass keeps only the rows facts calibrate, so memory does not grow with size."""
    from govdash.demo.generate import DemoBuilder

    builder = DemoBuilder(load_demo_config(), activity_rows=2_000_000, seed=1)
    builder.build_divisions()
    builder.build_teams()
    builder.build_activities()
    assert 0 < len(builder.activities) < 0.05 * 2_000_000


def test_scaled_city_has_the_asked_size():
    config = load_demo_config()
    big = scaled(config, communities=3_000, months=60)
    assert sum(d["communities"] for d in big["districts"]) == 3_000
    assert big["city"]["months"] == 60
    assert [d["streets"] for d in big["districts"]] == [d["streets"] for d in config["districts"]]
    assert config["city"]["months"] != 60, "the loaded config must not change"
    with pytest.raises(ValueError, match="at least the number of streets"):
        scaled(config, communities=5)
