"""The audit trail: who did what, when, to which snapshot, from where; appended, never rewritten.

Government systems keep such a log (who, when, what, from where) and so does every admin tool we
learn from. One JSON object per line in `<data folder>/audit.jsonl`. Each entry is one `write` on
a file opened with O_APPEND, so lines from several workers and the command line never interleave
and an entry is either whole or absent; the app opens the file for appending only, so it can add
to the trail but never change or shorten it. A damaged line (a disk that filled up mid-write) is
skipped and counted when the trail is read, never fatal.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

AUDIT_FILE = "audit.jsonl"
ACTIONS = (
    "import", "replace", "divisions", "prune", "playlist_save", "playlist_change",
    "playlist_delete", "sign_in", "refusal", "lockout",
)  # fmt: skip
MAX_LINE = 4000  # bytes; a detail that would make the line longer is cut (and says so)
MAX_DETAIL_VALUE = 400  # characters of one detail value


@dataclass(frozen=True)
class Entry:
    """One line of the trail."""

    action: str
    who: str
    at: str = ""  # UTC, ISO 8601 to the second; filled in when written
    snapshot: str = ""
    rows: int | None = None
    address: str = ""
    detail: Mapping[str, object] = field(default_factory=dict)

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at)


def audit_path(root: Path) -> Path:
    return root / AUDIT_FILE


def _short(value: object) -> object:
    if isinstance(value, str) and len(value) > MAX_DETAIL_VALUE:
        return value[:MAX_DETAIL_VALUE] + "…"
    if isinstance(value, list | tuple):
        return [_short(v) for v in value[:20]] + (["…"] if len(value) > 20 else [])
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return _short(str(value))


def _line(entry: Entry) -> bytes:
    record = asdict(entry)
    record["detail"] = {str(k): _short(v) for k, v in entry.detail.items()}
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode("utf-8")) > MAX_LINE:
        record["detail"] = {"cut": True, "keys": sorted(record["detail"])[:20]}
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def record(
    root: Path,
    action: str,
    who: str,
    *,
    snapshot: str = "",
    rows: int | None = None,
    address: str = "",
    now: dt.datetime | None = None,
    **detail: object,
) -> Entry:
    """Append one entry to the trail of a data folder and return it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    entry = Entry(action, who or "?", moment.isoformat(), snapshot, rows, address, detail)
    data = _line(entry)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(audit_path(root), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        written = os.write(fd, data)
        if written != len(data):  # a full disk: say so rather than leave half a line unnoticed
            raise OSError(f"audit trail: wrote {written} of {len(data)} bytes")
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


@dataclass
class Trail:
    """The entries of a trail that matched, and how many lines could not be read."""

    entries: list[Entry]
    damaged: int = 0


def _entries(path: Path) -> Iterator[Entry | None]:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for raw in handle:
            try:
                item = json.loads(raw)
                yield Entry(
                    str(item["action"]), str(item["who"]), str(item["at"]),
                    str(item.get("snapshot", "")), item.get("rows"),
                    str(item.get("address", "")), dict(item.get("detail", {})),
                )  # fmt: skip
            except (ValueError, KeyError, TypeError, AttributeError):
                yield None


def read_trail(root: Path, *, since: dt.date | None = None, who: str | None = None) -> Trail:
    """The trail of a data folder, oldest first, optionally from a day on and for one person."""
    trail = Trail([])
    for entry in _entries(audit_path(root)):
        if entry is None:
            trail.damaged += 1
            continue
        try:
            day = entry.when.date()
        except ValueError:
            trail.damaged += 1
            continue
        if since and day < since:
            continue
        if who and entry.who != who:
            continue
        trail.entries.append(entry)
    return trail
