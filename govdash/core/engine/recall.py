"""Answers of identical queries on one snapshot, asked again within a process, without running them.

A page asks the same aggregate more than once: 区域对比's four metric panels each need the
headcounts of every district over the same window, and each used to run that query again. A
verified snapshot never changes, so (snapshot id, query name, bound values) names one answer for
the life of the process. The memory is bounded by bytes (least recently used answers go first)
and hands out copies, because the measures reshape frames in place. Snapshots being written
(a build) are never remembered: their id is known before their tables are complete.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict

import duckdb
import pandas as pd

from govdash.core.data.snapshot import Snapshot
from govdash.core.engine.query import Tables, run_query
from govdash.core.engine.results import canonical

ENV_MB, DEFAULT_MB = "GOVDASH_RECALL_MB", 64


class Recall:
    """A byte-bounded, thread-safe least-recently-used memory of query answers."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self._frames: OrderedDict[str, tuple[pd.DataFrame, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> pd.DataFrame | None:
        with self._lock:
            found = self._frames.get(key)
            if found is None:
                self.misses += 1
                return None
            self._frames.move_to_end(key)
            self.hits += 1
            return found[0].copy()

    def put(self, key: str, frame: pd.DataFrame) -> None:
        size = int(frame.memory_usage(index=True, deep=True).sum())
        if size > self.limit:
            return
        with self._lock:
            if key in self._frames:
                return
            self._frames[key] = (frame.copy(), size)
            self._bytes += size
            while self._bytes > self.limit:
                _, (_, dropped) = self._frames.popitem(last=False)
                self._bytes -= dropped

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._bytes = 0


def _limit() -> int:
    try:
        return int(float(os.environ.get(ENV_MB, DEFAULT_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MB * 1024 * 1024


RECALL = Recall(_limit())


def recalled_query(
    con: duckdb.DuckDBPyConnection, name: str, snapshot: Tables, **params: object
) -> pd.DataFrame:
    """run_query(), answered from memory when the same question was asked on the same verified
    snapshot before in this process."""
    if not isinstance(snapshot, Snapshot):
        return run_query(con, name, snapshot, **params)
    key = json.dumps([snapshot.id, name, canonical(params)], ensure_ascii=False)
    found = RECALL.get(key)
    if found is not None:
        return found
    frame = run_query(con, name, snapshot, **params)
    RECALL.put(key, frame)
    return frame
