"""The in-process memory of query answers: an identical question on one snapshot runs once, each
caller gets its own copy, the memory keeps to its bound, and a snapshot being written is never
remembered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from govdash.core.engine.query import QUERY_LOG, run_query
from govdash.core.engine.recall import RECALL, Recall, recalled_query
from govdash.core.measures.metrics import Span, span_params

ASK = dict(
    lookback_months=3, group_len=6, prefix_len=0, prefixes=[""],
    **span_params([Span(dt.date(2024, 3, 1), dt.date(2025, 7, 18))]),
)  # fmt: skip


def _runs(name: str) -> int:
    return sum(1 for record in QUERY_LOG if record.name == name)


def test_an_identical_question_runs_once_and_callers_get_copies(con, snapshot):
    RECALL.clear()
    QUERY_LOG.clear()
    first = recalled_query(con, "headcounts_by_division", snapshot, **ASK)
    first["volunteers"] = -1  # a caller reshaping its frame in place
    second = recalled_query(con, "headcounts_by_division", snapshot, **ASK)
    assert _runs("headcounts_by_division") == 1
    direct = run_query(con, "headcounts_by_division", snapshot, **ASK)
    pd.testing.assert_frame_equal(second, direct)
    other = recalled_query(con, "headcounts_by_division", snapshot, **{**ASK, "lookback_months": 2})
    assert _runs("headcounts_by_division") == 3  # the direct run and a different question
    assert len(other) == len(direct)


def test_the_memory_keeps_to_its_bound_dropping_the_least_recently_used():
    frame = pd.DataFrame({"x": range(1000)})
    size = int(frame.memory_usage(index=True, deep=True).sum())
    memory = Recall(limit_bytes=int(size * 2.5))
    for key in "abc":
        memory.put(key, frame)
    assert memory.size_bytes <= memory.limit
    assert memory.get("a") is None and memory.get("c") is not None
    memory.get("b")  # b is now the most recent; d pushes c out
    memory.put("d", frame)
    assert memory.get("c") is None and memory.get("b") is not None
    Recall(limit_bytes=size // 2).put("big", frame)  # larger than the bound: not kept, no error


@dataclass(frozen=True)
class _BeingWritten:
    """A snapshot under construction: its id is known before its tables are complete."""

    id: str
    folder: Path

    def table_path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"


def test_a_snapshot_being_written_is_never_remembered(con, snapshot):
    RECALL.clear()
    QUERY_LOG.clear()
    building = _BeingWritten(snapshot.id, snapshot.path)
    for _ in range(2):
        recalled_query(con, "headcounts_by_division", building, **ASK)
    assert _runs("headcounts_by_division") == 2
    assert RECALL.size_bytes == 0
