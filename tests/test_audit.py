"""The audit trail (issue 26): entries are appended whole, by several writers at once, never
rewritten; a damaged line is skipped and counted; `govdash audit` lists them in the user's
language, filtered by day and person."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os

import pytest

from govdash.core.data.audit import AUDIT_FILE, read_trail, record

T0 = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


def test_an_entry_says_who_when_what_which_snapshot_how_many_rows_from_where(tmp_path):
    entry = record(tmp_path, "import", "wuchang-office", snapshot="2026-12-01-import-abc",
                   rows=120, address="10.0.0.7", now=T0, files=["武昌区11月.xlsx"])  # fmt: skip
    (line,) = (tmp_path / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {
        "action": "import", "who": "wuchang-office", "at": "2026-12-01T09:30:00+00:00",
        "snapshot": "2026-12-01-import-abc", "rows": 120, "address": "10.0.0.7",
        "detail": {"files": ["武昌区11月.xlsx"]},
    }  # fmt: skip
    assert read_trail(tmp_path).entries == [entry]


def test_the_trail_only_grows(tmp_path):
    record(tmp_path, "import", "a", now=T0)
    before = (tmp_path / AUDIT_FILE).read_bytes()
    record(tmp_path, "prune", "b", now=T0 + dt.timedelta(days=1), deleted=["s1"])
    after = (tmp_path / AUDIT_FILE).read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    with pytest.raises(ValueError, match="unknown audit action"):
        record(tmp_path, "rewrite", "a")
    assert (tmp_path / AUDIT_FILE).read_bytes() == after


def _writer(args) -> None:
    root, n = args
    for i in range(200):
        record(root, "playlist_change", f"writer-{n}", step=i, note="x" * 300)


def test_writers_at_once_never_interleave_lines(tmp_path):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_writer, [(tmp_path, n) for n in range(4)])
    trail = read_trail(tmp_path)
    assert trail.damaged == 0 and len(trail.entries) == 800
    for n in range(4):
        steps = [e.detail["step"] for e in trail.entries if e.who == f"writer-{n}"]
        assert steps == list(range(200))


def test_a_damaged_line_is_skipped_and_counted(tmp_path):
    record(tmp_path, "import", "a", now=T0)
    with open(tmp_path / AUDIT_FILE, "ab") as handle:
        handle.write(b'{"action": "imp')  # a disk that filled up mid-line
    os.sync()
    record(tmp_path, "import", "b", now=T0)
    trail = read_trail(tmp_path)
    assert [e.who for e in trail.entries] == ["a"] and trail.damaged == 1


def test_the_trail_filters_by_day_and_person(tmp_path):
    for days, who in ((0, "a"), (1, "b"), (2, "a")):
        record(tmp_path, "import", who, now=T0 + dt.timedelta(days=days))
    assert [e.who for e in read_trail(tmp_path, since=dt.date(2026, 12, 2)).entries] == ["b", "a"]
    assert len(read_trail(tmp_path, who="a").entries) == 2


def test_long_details_are_cut_not_refused(tmp_path):
    entry = record(tmp_path, "refusal", "x", reason="y" * 10_000, codes=list(range(100)))
    (line,) = (tmp_path / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    assert len(line.encode()) < 4100
    assert entry.who == "x"
