"""Immutable snapshots on disk: one folder per snapshot, a Parquet file per table and a
manifest.json; reading, verifying and listing them.

A snapshot is written into a hidden temporary folder and renamed into place in one step
(govdash.core.engine.publish), so a reader sees either the whole snapshot or nothing. A folder
without a valid manifest is invisible; one that fails verification is skipped with its problem,
and what can still be told of it (its dates) is kept, so an import knows what it would pass over.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from govdash.core.data.checks import check_schema
from govdash.core.data.contract import (
    OPTIONAL_TABLES,
    ROLLUPS,
    SAFE_ID,
    SUPPORTED_SCHEMA_VERSIONS,
    TABLES,
)
from govdash.core.data.files import sha256
from govdash.core.data.paths import default_snapshots_dir, is_default_snapshots_dir
from govdash.core.text.problems import Problem, SnapshotError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Snapshot:
    """A verified snapshot on disk."""

    id: str
    path: Path
    manifest: dict

    @property
    def as_of(self) -> dt.date:
        return dt.date.fromisoformat(self.manifest["as_of"])

    @property
    def provenance(self) -> str:
        return self.manifest["provenance"]

    @property
    def is_demo(self) -> bool:
        return self.provenance == "demo"

    @property
    def row_counts(self) -> dict[str, int]:
        return {name: entry["rows"] for name, entry in self.manifest["tables"].items()}

    def has_table(self, table: str) -> bool:
        """Optional tables (value_qualifiers) may be absent from a snapshot."""
        return table in self.manifest["tables"]

    @property
    def rollups(self) -> dict[str, dict]:
        """The rollup tables written with the snapshot (none in one written before rollups)."""
        return self.manifest.get("rollups") or {}

    def table_path(self, table: str) -> Path:
        if table in TABLES:
            return self.path / self.manifest["tables"][table]["file"]
        if table in ROLLUPS and table in self.rollups:
            return self.path / self.rollups[table]["file"]
        raise KeyError(table)

    def without_rollups(self) -> Snapshot:
        """The same snapshot as if written before rollups: every question reads the raw tables.
        For proving the two paths equal and for measuring what the rollups save."""
        manifest = {
            k: v for k, v in self.manifest.items() if k not in ("rollups", "rollup_settings")
        }
        return Snapshot(self.id, self.path, manifest)


def _problem(code: str, where: Path | str, en: str, zh: str) -> Problem:
    return Problem(code, en, zh, str(where))


def _read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not folder.is_dir():
        raise SnapshotError(
            _problem("missing", folder, "snapshot folder not found", "快照文件夹不存在")
        )
    if not path.exists():
        if not any(folder.iterdir()):
            raise SnapshotError(
                _problem(
                    "empty",
                    folder,
                    "snapshot folder is empty (no manifest.json)",
                    "快照文件夹为空（缺少 manifest.json）",
                )
            )
        raise SnapshotError(
            _problem("no_manifest", path, "manifest.json is missing", "缺少 manifest.json")
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(
            _problem(
                "bad_manifest",
                path,
                f"manifest is not valid JSON ({exc})",
                "manifest.json 不是有效的 JSON",
            )
        ) from None
    version = manifest.get("schema_version") if isinstance(manifest, dict) else None
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise SnapshotError(
            _problem(
                "schema_version",
                path,
                f"unknown schema version {version!r} (this build reads "
                f"{sorted(SUPPORTED_SCHEMA_VERSIONS)})",
                f"不支持的数据契约版本 {version!r}（本程序支持 "
                f"{sorted(SUPPORTED_SCHEMA_VERSIONS)}）",
            )
        )
    for key in ("id", "as_of", "provenance", "tables"):
        if key not in manifest:
            raise SnapshotError(
                _problem(
                    "bad_manifest", path, f"manifest lacks {key!r}", f"manifest.json 缺少 {key!r}"
                )
            )
    if manifest["id"] != folder.name:
        raise SnapshotError(
            _problem(
                "bad_manifest",
                path,
                f"manifest id {manifest['id']!r} does not match the folder name",
                f"manifest 中的 id {manifest['id']!r} 与文件夹名不符",
            )
        )
    return manifest


_VERIFIED: dict[tuple, dict] = {}


def _fingerprint(folder: Path) -> tuple:
    """Inode, size, mtime and ctime of every file: any change to any file forces a full
    re-verification. ctime is set by the kernel on every write and cannot be set back (touch or
    os.utime can restore an mtime, not a ctime), so an edit that keeps size and mtime is seen."""
    return (str(folder.resolve()),) + tuple(
        (p.name, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        for p in sorted(folder.iterdir())
        if (st := p.stat())
    )


def verify_snapshot(folder: Path, *, force: bool = False) -> dict:
    """Check the manifest, every file's checksum and every file's Parquet schema against the contract.

    Verified folders are remembered by the inode, size, mtime and ctime of every file, so the app
    does not re-hash on every rerun but still notices a file that changed. A folder that cannot be
    read is a SnapshotError like any other damage, never an OSError.
    """
    try:
        return _verify(folder, force)
    except OSError as exc:
        raise SnapshotError(_unreadable(folder, exc, "snapshot folder", "快照文件夹")) from None


def _verify(folder: Path, force: bool) -> dict:
    manifest = _read_manifest(folder)
    key = _fingerprint(folder)
    if not force and key in _VERIFIED:
        return _VERIFIED[key]
    for name in TABLES:
        entry = manifest["tables"].get(name)
        if entry is None and name in OPTIONAL_TABLES:
            continue
        if entry is None:
            raise SnapshotError(
                _problem(
                    "missing_table",
                    folder / MANIFEST,
                    f"table {name!r} is not listed",
                    f"未列出数据表 {name!r}",
                )
            )
        _verify_file(folder, name, entry)
    rollups = manifest.get("rollups") or {}
    if not isinstance(rollups, dict) or set(rollups) - set(ROLLUPS):
        raise SnapshotError(
            _problem(
                "bad_manifest",
                folder / MANIFEST,
                f"unknown rollups {sorted(set(rollups) - set(ROLLUPS))}",
                f"未知的汇总表 {sorted(set(rollups) - set(ROLLUPS))}",
            )
        )
    for name, entry in rollups.items():
        _verify_file(folder, name, entry)
    _VERIFIED[key] = manifest
    return manifest


def _verify_file(folder: Path, name: str, entry: dict) -> None:
    """One table file: where the manifest says, a regular file, its checksum, schema and rows."""
    path = folder / entry["file"]
    if path.parent != folder or not path.exists():
        raise SnapshotError(
            _problem(
                "missing_file",
                path,
                "file listed in the manifest is missing",
                "manifest 中列出的文件不存在",
            )
        )
    if path.is_symlink() or not path.is_file():  # a pipe or device would never finish hashing
        raise SnapshotError(
            _problem(
                "not_a_file",
                path,
                "not a regular file (a link, pipe or device)",
                "不是普通文件（链接、管道或设备）",
            )
        )
    if sha256(path) != entry["sha256"]:
        raise SnapshotError(
            _problem(
                "checksum",
                path,
                "checksum mismatch: the file changed after it was written",
                "校验和不符：文件在写入后被改动",
            )
        )
    try:
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(
            _problem(
                "corrupt",
                path,
                f"not a readable Parquet file ({exc})",
                "不是可读取的 Parquet 文件",
            )
        ) from None
    problems = check_schema(name, schema, where=str(path))
    if problems:
        raise SnapshotError(problems)
    if meta.num_rows != entry["rows"]:
        raise SnapshotError(
            _problem(
                "rows",
                path,
                f"{meta.num_rows} rows, manifest says {entry['rows']}",
                f"行数 {meta.num_rows} 与 manifest 中的 {entry['rows']} 不符",
            )
        )


def check_root(root: Path) -> None:
    if not root.exists():
        raise SnapshotError(
            _problem("no_data_dir", root, "data folder does not exist", "数据文件夹不存在")
        )
    if not root.is_dir():
        raise SnapshotError(
            _problem("no_data_dir", root, "data path is not a folder", "数据路径不是文件夹")
        )


# Folders that live beside the snapshots and are not snapshots (playlists of saved views).
PLAYLISTS = "playlists"
NOT_SNAPSHOTS = frozenset({PLAYLISTS})


def candidate_folders(root: Path) -> list[Path]:
    """Visible snapshot folders (hidden temporary folders and NOT_SNAPSHOTS excluded), newest
    name last."""
    check_root(root)
    try:
        entries = list(root.iterdir())
    except OSError as exc:
        raise SnapshotError(_unreadable(root, exc, "data folder", "数据文件夹")) from None
    return sorted(
        p
        for p in entries
        if not p.name.startswith(".") and p.name not in NOT_SNAPSHOTS and _is_dir(p)
    )


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # an entry that cannot even be looked at is not a snapshot
        return False


def _unreadable(path: Path, exc: OSError, what_en: str, what_zh: str) -> Problem:
    return _problem(
        "unreadable",
        path,
        f"{what_en} cannot be read ({exc.strerror or type(exc).__name__}); it was skipped",
        f"{what_zh}无法读取（{exc.strerror or type(exc).__name__}），已跳过",
    )


# Why a folder was skipped, in words that name no file: the i18n key snapshot.reason.<reason>.
REASONS = ("damaged", "incomplete", "unreadable", "version")
PROBLEM_REASONS = {
    "missing_file": "incomplete",
    "missing_table": "incomplete",
    "no_manifest": "incomplete",
    "empty": "incomplete",
    "missing": "incomplete",
    "unreadable": "unreadable",
    "schema_version": "version",
}  # every other problem (checksum, corrupt, rows, not_a_file, bad_manifest, contract): damaged


@dataclass(frozen=True)
class Skipped:
    """A snapshot folder that could not be used, why, and when it was made as far as can be
    told: an import must know whether what it skips is newer than what it builds on."""

    folder: Path
    problems: tuple[Problem, ...]
    as_of: dt.date | None  # from the manifest, else from the folder name; None when neither
    created_at: str = ""  # from the manifest, when it could be read

    @property
    def id(self) -> str:
        return self.folder.name

    @property
    def reason(self) -> str:
        """What a visitor is told, as one of REASONS: the problems name files on the server,
        which are for the log and for admins only."""
        code = self.problems[0].code if self.problems else "unreadable"
        return PROBLEM_REASONS.get(code, "damaged")

    def may_be_newer_than(self, snap: Snapshot) -> bool:
        """False only when this folder is known to be older than `snap`: an unknown date, the
        same date without a creation time, or a later one may hold what `snap` lacks."""
        if self.as_of is None or self.as_of > snap.as_of:
            return True
        if self.as_of < snap.as_of:
            return False
        return not self.created_at or self.created_at >= snap.manifest.get("created_at", "")


def _skipped(folder: Path, problems: list[Problem]) -> Skipped:
    """What can still be told about a damaged folder: its manifest's dates (a damaged table
    leaves the manifest readable), else the as-of date its name starts with."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        as_of = dt.date.fromisoformat(manifest["as_of"])
        created = manifest.get("created_at", "")
        return Skipped(folder, tuple(problems), as_of, created if isinstance(created, str) else "")
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        pass
    try:
        as_of = dt.date.fromisoformat(folder.name[:10])
    except ValueError:
        as_of = None
    return Skipped(folder, tuple(problems), as_of)


_LOGGED: set[str] = set()


def _log_once(problems: list[Problem]) -> None:
    """Paths of damaged files go to the log (never to a visitor), once per process and problem:
    every page run scans the folder, and a log line per run would bury everything else."""
    text = "; ".join(p.text("en") for p in problems)
    if text not in _LOGGED and len(_LOGGED) < 1000:
        _LOGGED.add(text)
        log.warning("snapshot skipped: %s", text)


def scan(root: Path | None = None) -> tuple[list[Snapshot], list[Skipped]]:
    """All good snapshots, newest first, and the folders skipped, with their problems. One
    unreadable or damaged folder never hides the others."""
    root = Path(root) if root else default_snapshots_dir()
    good, skipped = [], []
    for folder in candidate_folders(root):
        try:
            good.append(Snapshot(folder.name, folder, verify_snapshot(folder)))
        except SnapshotError as exc:  # unreadable folders included (see verify_snapshot)
            skipped.append(_skipped(folder, exc.problems))
            _log_once(exc.problems)
    good.sort(
        key=lambda s: (s.manifest["as_of"], s.manifest.get("created_at", ""), s.id), reverse=True
    )
    return good, skipped


def scan_snapshots(root: Path | None = None) -> tuple[list[Snapshot], list[Problem]]:
    """All good snapshots, newest first, and the problems of the bad ones (see `scan`)."""
    good, skipped = scan(root)
    return good, [p for s in skipped for p in s.problems]


def validate_snapshot_id(snapshot_id_: str) -> str:
    """Ids come from URLs and command lines: refuse anything that could leave the snapshot folder."""
    if not isinstance(snapshot_id_, str) or not SAFE_ID.match(snapshot_id_):
        raise SnapshotError(
            Problem(
                "bad_id",
                f"invalid snapshot id {snapshot_id_!r}",
                f"无效的快照编号 {snapshot_id_!r}",
            )
        )
    return snapshot_id_


def open_snapshot(snapshot_id_: str, root: Path | None = None) -> Snapshot:
    root = Path(root) if root else default_snapshots_dir()
    check_root(root)
    folder = root / validate_snapshot_id(snapshot_id_)
    return Snapshot(folder.name, folder, verify_snapshot(folder))


def latest_good(root: Path | None = None) -> tuple[Snapshot | None, list[Problem]]:
    """The newest snapshot that verifies, plus what was wrong with any newer ones."""
    good, problems = scan_snapshots(root)
    return (good[0] if good else None), problems


def ensure_root(root: Path) -> None:
    """Create the bundled snapshot folder on demand; a configured folder that is missing is an error."""
    if not root.exists() and is_default_snapshots_dir(root):
        root.mkdir(parents=True, exist_ok=True)
    check_root(root)
