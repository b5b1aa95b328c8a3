"""Answers computed once for every worker: a bounded store on disk, keyed by snapshot and question.

What a page shows for a snapshot, scope, period and filters is the same for every visitor, and a
snapshot never changes, so an answer never goes stale. Each worker already keeps answers in its
own memory (Streamlit's cache); this store lets the workers of `govdash serve` (and of several
machines, on a shared volume) share them: one worker computes, the others read a file of a few KB.

- **Keys.** A question's name and its parameters, written canonically (dataclasses, tuples,
  sets, dates), hashed together with the fingerprint of the definitions (the package's code, the
  SQL in queries/ and the catalogs in data/): a deployment that changes how a figure is computed
  never reads an answer computed the old way. Files live under the snapshot's own id, which is
  content-addressed, so an answer of one snapshot can never be served for another.
- **Formats that hold data, not code.** Frames as Arrow IPC (index and dtypes kept through
  pandas' metadata), everything else as JSON through the caller's encode/decode. No pickle: a
  file in a data folder must never run code.
- **Bounded.** At most GOVDASH_RESULTS_MB (256 MB by default) in all; when a worker has written a
  tenth of that since it last looked, the oldest files go until three quarters are left, and so
  do the folders of snapshots that are gone.
- **Never in the way.** A folder that cannot be written (a read-only mount), a damaged file or a
  race with another worker is a miss: the answer is computed as if there were no store.
  GOVDASH_RESULTS_DIR puts the store elsewhere (a writable local disk).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc

from govdash.core.data.contract import SAFE_ID
from govdash.core.data.paths import DATA_DIR, QUERIES_DIR

log = logging.getLogger(__name__)

FOLDER = ".results"  # hidden: snapshot listing skips names that start with a dot
ENV_DIR = "GOVDASH_RESULTS_DIR"
ENV_MB = "GOVDASH_RESULTS_MB"
DEFAULT_MB = 256
SWEEP_SHARE = 0.10  # written since the last sweep, as a share of the bound, before sweeping again
KEEP_SHARE = 0.75  # a sweep deletes the oldest files until this share of the bound is left
T = TypeVar("T")


def canonical(value: object) -> object:
    """Parameters as plain JSON values in a fixed order: the same question gives the same key in
    every worker (a frozenset's order changes from process to process; its sorted list does not)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return [type(value).__name__, fields]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=json.dumps)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"no canonical form for {type(value).__name__}")


def _definition_files() -> list[Path]:
    """What decides how an answer is computed: the package's code, the SQL, and the reference
    data at the top of data/ (metrics, targets, vocabularies; not snapshots, maps or demo)."""
    package = Path(__file__).resolve().parents[2]  # govdash/
    found = [p for p in package.rglob("*.py") if "__pycache__" not in p.parts]
    found += list(QUERIES_DIR.rglob("*.sql"))
    found += [p for p in DATA_DIR.iterdir() if p.suffix in {".toml", ".csv"} and p.is_file()]
    return sorted(set(found))


_FINGERPRINT: str | None = None


def definitions_fingerprint() -> str:
    """A hash of the definition files' contents, computed once per process."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        digest = hashlib.sha256()
        for path in _definition_files():
            digest.update(path.name.encode("utf-8"))
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        _FINGERPRINT = digest.hexdigest()[:16]
    return _FINGERPRINT


def result_key(name: str, parts: object, fingerprint: str = "") -> str:
    text = json.dumps([name, fingerprint, canonical(parts)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


class ResultStore:
    """The store for one data folder. Thread-safe; several processes may share the folder."""

    def __init__(
        self,
        folder: Path,
        max_bytes: int,
        known: Callable[[], set[str]] | None = None,
        fingerprint: str | None = None,
    ):
        self.folder = Path(folder)
        self.fingerprint = definitions_fingerprint() if fingerprint is None else fingerprint
        self.max_bytes = max_bytes
        self.known = known  # snapshot ids that still exist, for the sweep (None: keep all)
        self._written = 0
        self._lock = threading.Lock()
        self._broken = False  # the folder cannot be written: stop trying, once logged

    # ------------------------------------------------------------------ reading and writing
    def _path(self, snapshot_id: str, name: str, key: str, suffix: str) -> Path:
        if not SAFE_ID.match(snapshot_id) or not SAFE_ID.match(name):
            raise ValueError("snapshot id and question name must be plain names")
        return self.folder / snapshot_id / f"{name}-{key}{suffix}"

    def frame(
        self, snapshot_id: str, name: str, parts: object, compute: Callable[[], pd.DataFrame]
    ) -> pd.DataFrame:
        """The stored frame for this question, or compute, store and return it."""
        path = self._path(snapshot_id, name, result_key(name, parts, self.fingerprint), ".arrow")
        found = _read_frame(path)
        if found is not None:
            return found
        frame = compute()
        self._write(path, _frame_bytes(frame))
        return frame

    def value(
        self,
        snapshot_id: str,
        name: str,
        parts: object,
        compute: Callable[[], T],
        encode: Callable[[T], Any],
        decode: Callable[[Any], T],
    ) -> T:
        """The same for anything that `encode` turns into JSON values and `decode` back."""
        path = self._path(snapshot_id, name, result_key(name, parts, self.fingerprint), ".json")
        try:
            return decode(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError):
            pass
        value = compute()
        self._write(path, json.dumps(encode(value), ensure_ascii=False).encode("utf-8"))
        return value

    def _write(self, path: Path, data: bytes) -> None:
        if self._broken:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # a reader sees the whole file or none
        except OSError as exc:
            self._broken = True
            log.warning("the results store %s cannot be written (%s); answers are not shared",
                        self.folder, exc.strerror)  # fmt: skip
            return
        with self._lock:
            self._written += len(data)
            due = self._written >= SWEEP_SHARE * self.max_bytes
            if due:
                self._written = 0
        if due:
            self.sweep()

    # ------------------------------------------------------------------ bound
    def sweep(self) -> int:
        """Delete the folders of snapshots that are gone, then the oldest files until the store
        holds KEEP_SHARE of its bound. Returns the bytes left."""
        keep = self.known() if self.known is not None else None
        files: list[tuple[float, int, Path]] = []
        try:
            folders = [p for p in self.folder.iterdir() if p.is_dir()]
        except OSError:
            return 0
        for folder in folders:
            if keep is not None and folder.name not in keep:
                _remove_tree(folder)
                continue
            for entry in os.scandir(folder):
                try:
                    st = entry.stat()
                except OSError:
                    continue
                files.append((st.st_mtime, st.st_size, Path(entry.path)))
        total = sum(size for _, size, _ in files)
        if total > self.max_bytes * KEEP_SHARE:
            for _, size, path in sorted(files):
                if total <= self.max_bytes * KEEP_SHARE:
                    break
                try:
                    path.unlink()
                    total -= size
                except OSError:
                    continue
        return total


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(frame, preserve_index=True)
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _read_frame(path: Path) -> pd.DataFrame | None:
    try:  # read whole: a file another worker evicts meanwhile must not pull memory away
        table = ipc.open_file(pa.BufferReader(path.read_bytes())).read_all()
        return table.to_pandas()
    except (OSError, pa.ArrowException, ValueError):
        return None


def _remove_tree(folder: Path) -> None:
    """A gone snapshot's answers (files only: the store writes no deeper); a race is harmless."""
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            entry.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def store_for(snapshots_root: Path, known: Callable[[], set[str]] | None = None) -> ResultStore:
    """The store of a data folder: GOVDASH_RESULTS_DIR, else `.results` inside it."""
    configured = os.environ.get(ENV_DIR)
    folder = Path(configured) if configured else Path(snapshots_root) / FOLDER
    try:
        megabytes = float(os.environ.get(ENV_MB, DEFAULT_MB))
    except ValueError:
        megabytes = DEFAULT_MB
    return ResultStore(folder, max(1, int(megabytes * 2**20)), known)
