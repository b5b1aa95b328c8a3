"""Snapshots: atomic writes, tamper detection, bad input with located messages, fallback, determinism."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from govdash.cli import main as cli_main
from govdash.core.data.snapshot import latest_good, open_snapshot, scan_snapshots, verify_snapshot
from govdash.core.text.problems import SnapshotError

ROOT = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import govdash.core.engine.publish as snap
    from govdash.demo.build import build_demo
    real = snap.write_parquet
    count = 0
    def slow(table, path):
        global count
        real(table, path)
        count += 1
        if count == 3:
            print("HALFWAY", flush=True)
            time.sleep(60)
    snap.write_parquet = slow
    build_demo(Path(sys.argv[1]), activity_rows=20000)
""")


def test_write_killed_halfway_leaves_nothing_visible(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "HALFWAY"
        written = [p for p in tmp_path.rglob("*.parquet")]
        assert len(written) == 3  # the kill really lands in the middle of the write
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    good, problems = scan_snapshots(tmp_path)
    assert good == [] and problems == []
    assert all(p.name.startswith(".tmp-") for p in tmp_path.iterdir())


def _damage(folder: Path, table: str = "activities") -> Path:
    path = folder / f"{table}.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def test_tampered_file_is_detected_and_named(snapshot_copy):
    root, snap = snapshot_copy
    damaged = _damage(root / snap.id)
    with pytest.raises(SnapshotError, match="checksum mismatch") as err:
        verify_snapshot(root / snap.id, force=True)
    assert str(damaged) in str(err.value)
    assert "校验和不符" in err.value.text("zh")


def test_corrupt_parquet_with_matching_checksum_is_detected(snapshot_copy):
    root, snap = snapshot_copy
    folder = root / snap.id
    path = folder / "teams.parquet"
    path.write_bytes(b"this is not parquet")
    manifest = json.loads((folder / "manifest.json").read_text())
    import hashlib

    manifest["tables"]["teams"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="not a readable Parquet file") as err:
        verify_snapshot(folder, force=True)
    assert "teams.parquet" in str(err.value)


def test_unknown_schema_version_is_refused(snapshot_copy):
    root, snap = snapshot_copy
    manifest_path = root / snap.id / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["schema_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="unknown schema version 99") as err:
        verify_snapshot(root / snap.id, force=True)
    assert "不支持的数据契约版本" in err.value.text("zh")


def test_empty_snapshot_folder_is_invisible_and_reported(snapshot_copy):
    root, snap = snapshot_copy
    (root / "2099-01-01-demo-0000000000").mkdir()
    good, problems = scan_snapshots(root)
    assert [s.id for s in good] == [snap.id]
    assert any("empty" in p.en and "2099-01-01" in p.where for p in problems)


def test_missing_data_folder_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert cli_main(["--data-dir", str(missing), "snapshots", "list"]) == 2
    err = capsys.readouterr().err
    assert "data folder does not exist" in err and str(missing) in err
    assert "Traceback" not in err


def test_falls_back_to_newest_good_snapshot(snapshot_copy, tmp_path):
    root, snap = snapshot_copy
    newer = root / "2099-12-31-demo-ffffffffff"
    newer.mkdir()
    for f in (root / snap.id).iterdir():
        (newer / f.name).write_bytes(f.read_bytes())
    manifest = json.loads((newer / "manifest.json").read_text())
    manifest.update(id=newer.name, as_of="2099-12-31")
    (newer / "manifest.json").write_text(json.dumps(manifest))
    assert latest_good(root)[0].id == newer.name
    _damage(newer, "headcounts")
    chosen, problems = latest_good(root)
    assert chosen.id == snap.id
    assert any("headcounts.parquet" in p.where for p in problems)


@pytest.mark.parametrize("bad_id", ["../../etc", "..", "a/b", "", "x" * 200, "snap;rm -rf"])
def test_hostile_snapshot_ids_are_refused(snapshot_root, bad_id):
    with pytest.raises(SnapshotError, match="invalid snapshot id"):
        open_snapshot(bad_id, snapshot_root)


def test_same_seed_gives_byte_identical_parquet(snapshot, tmp_path):
    from govdash.demo.build import build_demo

    again = build_demo(tmp_path, activity_rows=40_000)
    assert again.id == snapshot.id
    for name in snapshot.row_counts:
        assert again.table_path(name).read_bytes() == snapshot.table_path(name).read_bytes(), name


def test_contract_violation_is_listed_with_location(snapshot, tmp_path):
    import pyarrow.parquet as pq

    from govdash.core.engine.publish import write_snapshot
    from govdash.core.text.problems import ContractError

    tables = {name: pq.read_table(snapshot.table_path(name)) for name in snapshot.row_counts}
    acts = tables["activities"].to_pandas()
    acts.loc[5, "category"] = "not-a-category"
    acts.loc[7, "volunteers"] = -3
    import pyarrow as pa

    tables["activities"] = pa.Table.from_pandas(
        acts, schema=tables["activities"].schema, preserve_index=False
    )
    with pytest.raises(ContractError) as err:
        write_snapshot(tables, as_of=snapshot.as_of, provenance="imported", root=tmp_path)
    text = str(err.value)
    assert "activities.category" in text and "not-a-category" in text
    assert "activities.volunteers" in text and "negative" in text
    assert list(tmp_path.iterdir()) == []  # nothing written


def _copy_as(root, snap, name: str):
    """A second good snapshot folder (same tables) under another, newer id."""
    folder = root / name
    shutil.copytree(root / snap.id, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(id=name, as_of="2099-12-31")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


@contextlib.contextmanager
def unreadable(folder, monkeypatch):
    """What a folder with mode 000 does for a user other than root (the suite runs as root,
    which permissions do not stop): the folder itself can be seen, nothing inside it read."""
    real_stat, real_iterdir, real_open = Path.stat, Path.iterdir, Path.open

    def denied(path):
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    def inside(path) -> bool:
        return Path(os.path.abspath(path)).is_relative_to(folder) and Path(path) != folder

    def stat(self, *args, **kwargs):
        if inside(self):
            raise denied(self)
        return real_stat(self, *args, **kwargs)

    def iterdir(self):
        if Path(os.path.abspath(self)) == folder:
            raise denied(self)
        return real_iterdir(self)

    def open_(self, *args, **kwargs):
        if inside(self):
            raise denied(self)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    monkeypatch.setattr(Path, "iterdir", iterdir)
    monkeypatch.setattr(Path, "open", open_)
    yield


def test_an_unreadable_snapshot_folder_is_skipped_with_a_notice(snapshot_copy, monkeypatch, capsys):
    root, snap = snapshot_copy
    locked = _copy_as(root, snap, "2099-12-31-demo-eeeeeeeeee")
    with unreadable(locked, monkeypatch):
        good, problems = scan_snapshots(root)
        assert [s.id for s in good] == [snap.id]
        (problem,) = problems
        assert problem.where == str(locked) and "无法读取" in problem.zh and "skipped" in problem.en
        assert cli_main(["--data-dir", str(root), "snapshots", "list"]) == 0
        assert cli_main(["--data-dir", str(root), "snapshots", "verify"]) == 1
        out = capsys.readouterr().out
        assert (
            out.count(snap.id) == 2 and out.count("cannot be read") == 2 and "Traceback" not in out
        )
        with pytest.raises(SnapshotError, match="cannot be read"):
            open_snapshot(locked.name, root)


def test_an_unreadable_data_folder_is_a_clear_error(snapshot_copy, monkeypatch):
    root, _ = snapshot_copy
    real_iterdir = Path.iterdir

    def iterdir(self):
        if self == root:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    with pytest.raises(SnapshotError, match="data folder cannot be read"):
        scan_snapshots(root)


def test_a_pipe_in_place_of_a_table_is_refused_not_read_forever(snapshot_copy):
    root, snap = snapshot_copy
    table = root / snap.id / "teams.parquet"
    table.unlink()
    os.mkfifo(table)
    with pytest.raises(SnapshotError, match="not a regular file"):
        verify_snapshot(root / snap.id, force=True)


def test_a_running_server_notices_an_edit_that_keeps_size_and_mtime(snapshot_copy):
    root, snap = snapshot_copy
    folder = root / snap.id
    assert verify_snapshot(folder)  # remembered as verified
    path = folder / "headcounts.parquet"
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # size and mtime as they were
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with pytest.raises(SnapshotError, match="checksum mismatch"):
        verify_snapshot(folder)  # not forced: the app's own check on every rerun
