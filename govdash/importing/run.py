"""Import files into a new snapshot: read, validate everything, then write atomically or not at all.

The new snapshot is the previous one plus the imported rows (matched by each table's key), so a
district's monthly report adds to what is there. Two imports at once are serialised by a lock on
the snapshot folder; a killed import leaves only a hidden temporary folder, never a snapshot.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from govdash.core.data.catalog import load_catalog
from govdash.core.data.checks import validate_tables
from govdash.core.data.contract import OPTIONAL_TABLES, TABLES, row_key
from govdash.core.data.files import sha256
from govdash.core.data.paths import default_snapshots_dir
from govdash.core.data.snapshot import Skipped, Snapshot, ensure_root, open_snapshot, scan
from govdash.core.engine.publish import write_snapshot
from govdash.core.rules.roles import Scope
from govdash.core.text.problems import ContractError, GovdashError, Problem
from govdash.core.text.progress import Progress
from govdash.importing import division_plan
from govdash.importing.readers import ImportFileError, RawSheet, iter_csv, read_file
from govdash.importing.spec import load_spec, table_title
from govdash.importing.validate import (
    GENERATED_IDS_FROM,
    Known,
    SheetResult,
    Vocabularies,
    validate_sheet,
)

LOCK_FILE = ".import.lock"
CHUNKED_BYTES = 20 * 1024 * 1024  # CSV files above this are read and checked in chunks
STALE_TMP_SECONDS = 600


# The column that places a table's rows, and the one that dates them, for the replacement summary.
PLACE_COLUMNS = ("community_code", "division_code", "owner_code", "scope_code", "code")
DATE_COLUMNS = ("month", "date", "as_of", "launch_date", "opened", "founded")


@dataclass(frozen=True)
class Replacement:
    """Existing rows an import would change (same key, different values), by table, with the
    district and month they belong to: [(district code, "2025-06" or "", rows)], and the
    districts' names {code: (Chinese, English)}."""

    table: str
    rows: int
    places: tuple[tuple[str, str, int], ...]
    names: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)

    def _district(self, code: str, lang: str) -> str:
        zh, en = self.names.get(code, (code, code))
        return zh if lang == "zh" else en

    def text(self, lang: str = "zh", limit: int = 8) -> str:
        shown = [(self._district(d, lang), m, n) for d, m, n in self.places[:limit]]
        more = len(self.places) - len(shown)
        if lang == "zh":
            parts = "、".join(f"{_place(d, m)}（{n:,}行）" for d, m, n in shown)
            tail = f"等{len(self.places)}处" if more else ""
            return f"{table_title(self.table, lang)}：{parts}{tail}"
        parts = ", ".join(f"{_place(d, m)} ({n:,})" for d, m, n in shown)
        tail = f" and {more} more" if more else ""
        return f"{table_title(self.table, lang)}: {parts}{tail}"


def _place(district: str, month: str) -> str:
    return " ".join(part for part in (district, month) if part)


@dataclass
class ImportReport:
    """What an import found and did. `snapshot` is set only when a snapshot was written."""

    sheets: list[SheetResult] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    previous: Snapshot | None = None
    snapshot: Snapshot | None = None
    dry_run: bool = False
    onto_demo: bool = False  # the rows were merged into demo data: the result stays labelled demo
    demo_files: list[str] = field(default_factory=list)  # files whose title row says 演示数据
    replaced: list[Replacement] = field(default_factory=list)  # rows changed (needs --replace)
    divisions: division_plan.DivisionPlan | None = None  # what an imported division table changes
    skipped: list[Skipped] = field(default_factory=list)  # snapshot folders that cannot be read
    left_out: list[str] = field(default_factory=list)  # newer snapshots the base leaves out

    @property
    def provenance(self) -> str:
        """A snapshot that holds generated rows is demo data, whatever was imported into it."""
        return "demo" if self.onto_demo or self.demo_files else "imported"

    @property
    def ok(self) -> bool:
        return not self.all_errors()

    def all_errors(self) -> list[Problem]:
        return [p for s in self.sheets for p in s.errors] + self.errors

    def all_warnings(self) -> list[Problem]:
        return [p for s in self.sheets for p in s.warnings] + self.warnings

    def all_notes(self) -> list[Problem]:
        return [p for s in self.sheets for p in s.notes]

    @property
    def replaced_rows(self) -> int:
        return sum(r.rows for r in self.replaced)


class ImportLockError(GovdashError):
    """Another import holds the snapshot folder."""


@contextlib.contextmanager
def import_lock(root: Path, timeout: float = 0.0) -> Iterator[None]:
    """An exclusive lock on the snapshot folder; the kernel releases it if the process dies."""
    path = root / LOCK_FILE
    try:
        fh = open(path, "a+")  # noqa: SIM115 - held for the duration of the import
    except OSError as exc:  # a read-only or full data folder: say so, change nothing
        raise _disk_error(exc, root) from None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "?"
                    raise ImportLockError(
                        Problem(
                            "locked",
                            f"another import is running (process {holder}); try again when it "
                            "has finished",
                            f"另一个导入正在进行（进程 {holder}），请待其完成后再试",
                            str(root),
                        )
                    ) from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()


def _disk_error(exc: OSError, root: Path) -> GovdashError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        en, zh = "the disk is full; nothing was changed", "磁盘空间不足，未做任何更改"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        en, zh = (
            "the data folder is read-only; nothing was changed",
            "数据文件夹为只读，未做任何更改",
        )
    else:
        en, zh = (
            f"cannot write the snapshot ({exc.strerror}); nothing was changed",
            (f"无法写入快照（{exc.strerror}），未做任何更改"),
        )
    return GovdashError(Problem("disk", en, zh, str(root)))


def _sheets(
    paths: list[Path], progress: Progress | None, month: str | None = None
) -> Iterator[RawSheet]:
    total = len(paths)
    for i, path in enumerate(paths):

        def step(fraction: float, message: str, i: int = i) -> None:
            if progress:
                progress((i + min(max(fraction, 0.0), 1.0)) / total, message)

        if path.suffix.lower() == ".csv" and path.exists() and path.stat().st_size > CHUNKED_BYTES:
            yield from iter_csv(path, progress=step, month=month)
        else:
            yield from read_file(path, progress=step, month=month)


def _distinct(paths: list[Path], report: ImportReport) -> list[Path]:
    """Each file once: the same file named twice, or two files with the same bytes, would
    otherwise be read twice and every row reported as its own duplicate."""
    seen: dict[str, Path] = {}
    kept = []
    for path in paths:
        try:
            digest = sha256(path) if path.is_file() else f"path:{path}"
        except OSError:  # the reader says what is wrong with it
            digest = f"path:{path}"
        first = seen.setdefault(digest, path)
        if first is path:
            kept.append(path)
            continue
        same = (
            "is named twice"
            if first.resolve() == path.resolve()
            else (f"has the same content as {first.name}")
        )
        same_zh = "重复指定" if first.resolve() == path.resolve() else f"与 {first.name} 内容相同"
        report.warnings.append(
            Problem("duplicate_file", f"{same}; it is read once", f"{same_zh}，只读取一次",
                    path.name)
        )  # fmt: skip
    return kept


def _previous_tables(snapshot: Snapshot | None) -> dict[str, pa.Table]:
    if snapshot is None:
        return {}
    return {
        name: pq.read_table(snapshot.table_path(name))
        for name in TABLES
        if snapshot.has_table(name)
    }


def _merge_qualifiers(
    old: pa.Table | None, new: dict[str, list[pa.Table]], qualifiers: list[pa.Table]
) -> pa.Table | None:
    """Qualifiers of re-imported rows go (the new cell says what holds now); the new ones come in."""
    spec = TABLES["value_qualifiers"]
    parts = []
    if old is not None and old.num_rows:
        kept = old.to_pandas()
        for table, tables in new.items():
            if table == "value_qualifiers" or not (kept["table"] == table).any():
                continue
            keys = list(TABLES[table].unique)
            renewed = {
                row_key(list(values))
                for t in tables
                for values in t.select(keys).to_pandas().itertuples(index=False, name=None)
            }
            kept = kept[~((kept["table"] == table) & kept["row_key"].isin(renewed))]
        parts.append(pa.Table.from_pandas(kept, preserve_index=False).cast(spec.schema))
    parts += [q.cast(spec.schema) for q in qualifiers]
    if not parts:
        return None
    merged = pa.concat_tables(parts)
    return merged if merged.num_rows else None


def _merge(old: pa.Table | None, new: list[pa.Table], table: str) -> pa.Table:
    """Rows of the new tables replace old rows with the same key; the rest of the old stay."""
    spec = TABLES[table]
    incoming = pa.concat_tables([t.cast(spec.schema) for t in new]) if new else None
    if old is None:
        return incoming
    if incoming is None:
        return old
    key = list(spec.unique)
    new_keys = incoming.select(key).to_pandas()
    old_keys = old.select(key).to_pandas()
    keep = ~old_keys.set_index(key).index.isin(new_keys.set_index(key).index)
    return pa.concat_tables([old.filter(pa.array(keep)), incoming])


def _replaced(
    old: pa.Table | None, new: list[pa.Table], table: str, divisions: pd.DataFrame
) -> Replacement | None:
    """The existing rows that `new` would change: same key, any other value different. Rows
    imported again unchanged (a district resending its report) are not counted."""
    spec = TABLES[table]
    if old is None or not old.num_rows or not new or not spec.unique:
        return None
    incoming = pa.concat_tables([t.cast(spec.schema) for t in new]).to_pandas()
    key = list(spec.unique)
    old_keys = old.select(key).to_pandas()
    hit = old_keys.set_index(key).index.isin(incoming.set_index(key).index)
    if not hit.any():
        return None
    before = old.filter(pa.array(hit)).to_pandas()
    paired = before.merge(incoming, on=key, suffixes=("", "__new"))
    changed = pd.Series(False, index=paired.index)
    for column in spec.schema.names:
        if column in key:
            continue
        a, b = paired[column], paired[f"{column}__new"]
        same = (a == b) | (a.isna() & b.isna())
        changed |= ~same.fillna(False).astype(bool)
    rows = paired[changed]
    if rows.empty:
        return None
    return Replacement(table, len(rows), _places(rows), _district_names(divisions))


def _superseded(old: pa.Table | None, new: list[pa.Table]) -> np.ndarray | None:
    """Old activities that a report without activity ids supersedes. Such a report's ids are made
    from each row's values, so a corrected row comes back under a new id: the report is taken as
    the whole of its communities' months, and their earlier generated-id rows that it no longer
    holds (corrected or withdrawn) go. Rows with issued ids are never touched."""
    if old is None or not old.num_rows or not new:
        return None
    columns = ["activity_id", "community_code", "date"]
    incoming = pa.concat_tables([t.select(columns) for t in new]).to_pandas()
    made = incoming[incoming["activity_id"] >= GENERATED_IDS_FROM]
    if made.empty:
        return None
    month = pd.to_datetime(made["date"]).dt.to_period("M")
    scope = pd.MultiIndex.from_arrays([made["community_code"], month]).unique()
    before = old.select(columns).to_pandas()
    keys = pd.MultiIndex.from_arrays(
        [before["community_code"], pd.to_datetime(before["date"]).dt.to_period("M")]
    )
    mask = (
        (before["activity_id"] >= GENERATED_IDS_FROM).to_numpy()
        & keys.isin(scope)
        & ~before["activity_id"].isin(made["activity_id"]).to_numpy()
    )
    return mask if mask.any() else None


def _add_replaced(report: ImportReport, extra: Replacement) -> None:
    """One entry per table: rows superseded by a report join the rows it changes."""
    same = next((r for r in report.replaced if r.table == extra.table), None)
    if same is None:
        report.replaced.append(extra)
        return
    counts: dict[tuple[str, str], int] = {}
    for district, month, n in (*same.places, *extra.places):
        counts[(district, month)] = counts.get((district, month), 0) + n
    places = tuple(
        (d, m, n) for (d, m), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    report.replaced[report.replaced.index(same)] = Replacement(
        extra.table, same.rows + extra.rows, places, {**same.names, **extra.names}
    )


def _district_names(divisions: pd.DataFrame) -> dict[str, tuple[str, str]]:
    districts = divisions[divisions["level"].isin(["city", "district"])]
    return {
        code: (str(zh), str(en) if isinstance(en, str) and en else str(zh))
        for code, zh, en in zip(
            districts["code"], districts["name_zh"], districts["name_en"], strict=True
        )
    }


def _places(rows: pd.DataFrame) -> tuple[tuple[str, str, int], ...]:
    """(district code, month, rows) of changed rows, most rows first."""
    place = next((c for c in PLACE_COLUMNS if c in rows.columns), None)
    when = next((c for c in DATE_COLUMNS if c in rows.columns), None)
    district = rows[place].astype(str).str[:6] if place else pd.Series("", index=rows.index)
    month = (
        pd.to_datetime(rows[when], errors="coerce").dt.strftime("%Y-%m").fillna("")
        if when
        else pd.Series("", index=rows.index)
    )
    counts = pd.DataFrame({"d": district, "m": month}).value_counts()
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple((d, m, int(n)) for (d, m), n in ordered)


def _unconfirmed(replaced: list[Replacement]) -> Problem:
    total = sum(r.rows for r in replaced)
    return Problem(
        "import",
        f"this import would replace {total:,} existing row(s) with different values: "
        + "; ".join(r.text("en") for r in replaced)
        + ". Nothing was written. Check that the files are right, then confirm the replacement "
        "(--replace on the command line, or the confirmation box on the import page)",
        f"本次导入将以不同的数值替换已有的 {total:,} 行："
        + "；".join(r.text("zh") for r in replaced)
        + "。未写入任何数据。请核对文件无误后确认替换（命令行加 --replace，或在导入页勾选确认）",
    )


def _unconfirmed_divisions(plan: division_plan.DivisionPlan) -> Problem:
    return Problem(
        "import",
        "the division table changes the city's divisions: "
        + " ".join(plan.lines("en"))
        + " Nothing was written. Check the list, then confirm (--replace on the command line, "
        "or the confirmation box on the import page)",
        "区划表将改变现有区划："
        + "".join(plan.lines("zh"))
        + "。未写入任何数据。请核对上述清单后确认（命令行加 --replace，或在导入页勾选确认）",
    )


def _clean_stale(root: Path) -> None:
    """Temporary folders of killed writers are hidden; remove old ones (we hold the lock)."""
    now = time.time()
    for tmp in root.glob(".tmp-*"):
        if tmp.is_dir() and now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
            shutil.rmtree(tmp, ignore_errors=True)


def import_files(
    paths: list[Path],
    *,
    root: Path | None = None,
    as_of: dt.date | None = None,
    note: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 0.0,
    empty: bool = False,
    replace: bool = False,
    month: str | None = None,
    base: str | None = None,
    scope: Scope | None = None,
) -> ImportReport:
    """Validate every file, then (unless dry_run or anything is wrong) write the new snapshot.

    The new snapshot is the newest snapshot plus the imported rows; with `empty`, the files alone
    (they must then hold every table). When the newest snapshot cannot be read, the import stops
    rather than build on an older one and silently drop what only the newest held: `base` (a
    snapshot id) says to build on that one anyway, and the report names what it leaves out.
    Rows imported onto demo data stay labelled demo data.
    Existing rows that the files would change are listed in `report.replaced`; they are only
    replaced with `replace` (a dry run lists them and writes nothing). `month` (YYYY-MM) is the
    report month of a sheet whose month is in no column, title or file name. `scope` (the
    importer's, from access.toml) refuses every row outside it, each named.
    """
    root = Path(root) if root else default_snapshots_dir()
    report = ImportReport(dry_run=dry_run)
    options = _Options(as_of, note, dry_run, lock_timeout, empty, replace, month, base, scope)
    try:
        return _import_locked(paths, root, options, progress, report)
    except GovdashError as exc:  # a lock held elsewhere, a read-only or missing data folder
        report.errors.extend(exc.problems)
        return report


@dataclass(frozen=True)
class _Options:
    as_of: dt.date | None
    note: str
    dry_run: bool
    lock_timeout: float
    empty: bool
    replace: bool
    month: str | None
    base: str | None = None
    scope: Scope | None = None


def _base(root: Path, options: _Options, report: ImportReport) -> Snapshot | None:
    """The snapshot the import builds on. Without `base`, the newest good one, unless a folder
    that may be newer cannot be read: then nothing is built (an error that names both), because
    what only that folder holds would be gone from the current data without a word."""
    good, report.skipped = scan(root)
    if options.empty:
        return None
    if options.base:
        chosen = open_snapshot(options.base, root)  # a SnapshotError names a bad or unknown id
        report.left_out = [s.id for s in good if _newer(s, chosen)] + [
            s.id for s in report.skipped if s.may_be_newer_than(chosen)
        ]
        return chosen
    newest = good[0] if good else None
    stale = [s for s in report.skipped if newest is None or s.may_be_newer_than(newest)]
    if stale:
        report.errors.append(_stale_base(newest, stale))
    return newest


def _newer(a: Snapshot, b: Snapshot) -> bool:
    def key(s: Snapshot) -> tuple:
        return (s.manifest["as_of"], s.manifest.get("created_at", ""), s.id)

    return key(a) > key(b)


def _stale_base(newest: Snapshot | None, stale: list[Skipped]) -> Problem:
    ids = ", ".join(s.id for s in stale)
    reasons = "; ".join(p.text("en") for s in stale for p in s.problems[:1])
    reasons_zh = "；".join(p.text("zh") for s in stale for p in s.problems[:1])
    if newest is None:
        en_way = "or start from your files alone with --empty"
        zh_way = "或加 --empty 仅以所导入的文件建立快照"
    else:
        en_way = (
            f"or build on {newest.id} anyway with --base {newest.id} on the command line (or "
            f"the box on the import page): what only {ids} holds will not be in the new snapshot"
        )
        zh_way = (
            f"或明确在 {newest.id} 上导入（命令行加 --base {newest.id}，或在导入页勾选确认）："
            f"仅存在于 {ids} 中的数据将不会进入新快照"
        )
    return Problem(
        "stale_base",
        f"the newest snapshot {ids} cannot be read ({reasons}); an import now would build on an "
        f"older one and leave out what only {ids} holds. Nothing was written. Repair or restore "
        f"{ids} (python -m govdash snapshots verify says what is wrong), {en_way}",
        f"最新的数据快照 {ids} 无法读取（{reasons_zh}）；此时导入会在较早的快照上进行，"
        f"{ids} 中独有的数据将丢失。未写入任何数据。请修复或恢复 {ids}（可用 python -m govdash "
        f"snapshots verify 查看原因），{zh_way}",
    )


def _import_locked(
    paths: list[Path],
    root: Path,
    options: _Options,
    progress: Progress | None,
    report: ImportReport,
) -> ImportReport:
    as_of, note, dry_run = options.as_of, options.note, options.dry_run
    try:
        ensure_root(root)
    except OSError as exc:
        raise _disk_error(exc, root) from None
    with import_lock(root, options.lock_timeout):
        _clean_stale(root)
        previous = _base(root, options, report)
        report.previous = previous
        if report.errors:
            return report
        report.onto_demo = previous is not None and previous.is_demo
        old = _previous_tables(previous)
        paths = _distinct([Path(p) for p in paths], report)
        try:
            sheets = list(_sheets(paths, progress, options.month))
        except ImportFileError as exc:
            report.errors.extend(exc.problems)
            return report
        report.demo_files = sorted({s.file for s in sheets if s.demo})
        new = _validate_all(sheets, old, as_of, report, options.scope)
        if report.all_errors():
            return report
        divisions = old["divisions"].to_pandas() if "divisions" in old else _empty_divisions()
        report.replaced = [
            found
            for name, tables in new.items()
            if (found := _replaced(old.get(name), tables, name, divisions)) is not None
        ]
        superseded = _superseded(old.get("activities"), new.get("activities", []))
        if superseded is not None:
            gone = old["activities"].filter(pa.array(superseded)).to_pandas()
            extra = Replacement("activities", len(gone), _places(gone), _district_names(divisions))
            _add_replaced(report, extra)
            old = {**old, "activities": old["activities"].filter(pa.array(~superseded))}
        merged = {
            name: _merge(old.get(name), new.get(name, []), name)
            for name in TABLES
            if name not in OPTIONAL_TABLES
        }
        if "divisions" in new:
            incoming = pa.concat_tables(new["divisions"]).to_pandas()
            tables = {k: v for k, v in merged.items() if v is not None}
            report.divisions = division_plan.plan(divisions, incoming, tables)
        if report.replaced and not (options.replace or dry_run):
            report.errors.append(_unconfirmed(report.replaced))
            return report
        plan = report.divisions
        if plan is not None and plan.needs_confirmation and not (options.replace or dry_run):
            report.errors.append(_unconfirmed_divisions(plan))
            return report
        qualifiers = _merge_qualifiers(
            old.get("value_qualifiers"), new, [s.qualifiers for s in report.sheets if s.qualifiers]
        )
        missing = [name for name, table in merged.items() if table is None]
        for name in missing:
            report.errors.append(
                Problem(
                    "import",
                    f"there is no previous snapshot, so the import must include table {name!r}",
                    f"尚无已有快照，导入文件必须包含数据表“{name}”",
                )
            )
        if missing:
            return report
        if qualifiers is not None:
            merged["value_qualifiers"] = qualifiers
        try:
            validate_tables(merged, {m.id for m in load_catalog().by_source("outcomes")})
        except ContractError as exc:
            report.errors.extend(exc.problems)
            return report
        report.rows = {name: sum(t.num_rows for t in tables) for name, tables in new.items()}
        if dry_run:
            return report
        stamp = as_of or _as_of(merged, previous)
        try:
            report.snapshot = write_snapshot(
                merged,
                as_of=stamp,
                provenance=report.provenance,
                root=root,
                note=note,
                generator={
                    "import": [Path(p).name for p in paths],
                    "previous": previous.id if previous else None,
                    "left_out": report.left_out,
                    "onto_demo": report.onto_demo,
                    "rows": report.rows,
                },
                validate=False,  # validated above, on the same tables
            )
        except OSError as exc:
            report.errors.extend(_disk_error(exc, root).problems)
    return report


def parse_as_of(text: str, today: dt.date | None = None) -> dt.date:
    """The as-of date an operator types: YYYY-MM-DD, or YYYY-MM for the month's last day (today,
    for the current month). A date after today is refused: no snapshot holds the future."""
    today = today or dt.date.today()
    text = text.strip()
    try:
        if len(text) == 7:
            month = dt.datetime.strptime(text, "%Y-%m").date()
            following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
            day = min(following - dt.timedelta(days=1), today) if month <= today else following
        else:
            day = dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise GovdashError(
            Problem(
                "as_of",
                f"{text!r} is not a date written YYYY-MM-DD or a month written YYYY-MM",
                f"“{text}”不是 YYYY-MM-DD 格式的日期或 YYYY-MM 格式的月份",
            )
        ) from None
    if day > today:
        raise GovdashError(
            Problem(
                "as_of",
                f"the as-of date {text} is after today ({today.isoformat()}): a snapshot cannot "
                "hold figures for days that have not happened",
                f"截至日期 {text} 晚于今天（{today.isoformat()}）：快照不能包含尚未发生的数据",
            )
        )
    return day


def _as_of(tables: dict[str, pa.Table], previous: Snapshot | None) -> dt.date:
    """Without --as-of: the later of the previous as-of date and the last date in the data (the
    last activity's day, the first day of the last reported month, or the date the reported
    facts are stated at: districts that send activities monthly leave the last days empty)."""
    candidates = [previous.as_of] if previous else []
    dated = (
        ("activities", "date"),
        ("headcounts", "month"),
        ("outcomes", "month"),
        ("reported_facts", "as_of"),
    )
    for table, column in dated:
        if table not in tables or column not in tables[table].column_names:
            continue
        values = tables[table].column(column)
        if len(values):  # a month counts by its first day: a July report does not mean 31 July
            candidates.append(pd.Timestamp(pa.compute.max(values).as_py()).date())
    return min(max(candidates), dt.date.today()) if candidates else dt.date.today()


def _validate_all(
    sheets: list[RawSheet],
    old: dict[str, pa.Table],
    as_of: dt.date | None,
    report: ImportReport,
    scope: Scope | None = None,
) -> dict[str, list[pa.Table]]:
    """Divisions first (other sheets are checked against them), then everything else."""
    vocab = Vocabularies()
    divisions = old["divisions"].to_pandas() if "divisions" in old else _empty_divisions()
    last_day = as_of or dt.date.today()
    new: dict[str, list[pa.Table]] = {}
    ordered = sorted(sheets, key=lambda s: s.table != "divisions")
    previous_stocks = old["headcounts"].to_pandas() if "headcounts" in old else None
    for sheet in ordered:
        known = Known(
            divisions, previous_stocks, last_day, as_of_given=as_of is not None, scope=scope
        )
        result = validate_sheet(sheet, known, vocab)
        report.sheets.append(result)
        if result.data is not None:
            new.setdefault(sheet.table, []).append(result.data)
            if sheet.table == "divisions":
                incoming = result.data.to_pandas()
                divisions = pd.concat(
                    [divisions[~divisions["code"].isin(incoming["code"])], incoming],
                    ignore_index=True,
                )
    report.errors.extend(cross_sheet_duplicates(report.sheets))
    return new


MAX_DUPLICATES_LISTED = 50


def cross_sheet_duplicates(sheets: list[SheetResult]) -> list[Problem]:
    """Rows of one table with the same key in two sheets or files (a report sent twice, or two
    offices reporting one community): each named with its file, sheet and row, so the person
    who fixes it knows where to look. Duplicates inside one sheet are that sheet's own errors."""
    problems: list[Problem] = []
    by_table: dict[str, list[SheetResult]] = {}
    for sheet in sheets:
        if sheet.data is not None and sheet.table and sheet.source_rows is not None:
            by_table.setdefault(sheet.table, []).append(sheet)
    for table, group in by_table.items():
        keys = list(TABLES[table].unique)
        if len(group) < 2 or not keys:
            continue
        frames = []
        for i, sheet in enumerate(group):
            frame = sheet.data.select(keys).to_pandas()
            frame["_sheet"], frame["_row"] = i, sheet.source_rows
            frames.append(frame)
        rows = pd.concat(frames, ignore_index=True)
        rows = rows[rows.duplicated(keys, keep=False)]
        spread = rows.groupby(keys, sort=False, dropna=False)["_sheet"].transform("nunique")
        rows = rows[spread > 1]
        for found, (key, same) in enumerate(rows.groupby(keys, sort=False, dropna=False)):
            if found == MAX_DUPLICATES_LISTED:
                problems.append(_more_duplicates(table, rows, keys))
                break
            places = [(group[i], int(r)) for i, r in zip(same["_sheet"], same["_row"], strict=True)]
            problems.append(_duplicate(table, keys, key, places))
    return problems


def _place_text(sheet: SheetResult, row: int, lang: str) -> str:
    parts = [sheet.file] + ([sheet.sheet] if sheet.sheet else [])
    parts.append(f"第{row}行" if lang == "zh" else f"row {row}")
    return " › ".join(parts)


def _duplicate(
    table: str, keys: list[str], key: object, places: list[tuple[SheetResult, int]]
) -> Problem:
    values = key if isinstance(key, tuple) else (key,)
    headers = {c.name: c for c in load_spec()[table].columns}
    key_en = ", ".join(
        f"{headers[k].en if k in headers else k} {_key_text(v)}"
        for k, v in zip(keys, values, strict=True)
    )
    key_zh = "，".join(
        f"{headers[k].zh if k in headers else k} {_key_text(v)}"
        for k, v in zip(keys, values, strict=True)
    )
    en = "; ".join(_place_text(s, r, "en") for s, r in places)
    zh = "；".join(_place_text(s, r, "zh") for s, r in places)
    return Problem(
        "duplicate",
        f"{table_title(table, 'en')}: the same row ({key_en}) is in more than one file or "
        f"sheet: {en}. Keep it in one of them",
        f"{table_title(table, 'zh')}：同一行（{key_zh}）出现在多个文件或工作表中：{zh}。"
        "请只保留其中一处",
    )


def _more_duplicates(table: str, rows: pd.DataFrame, keys: list[str]) -> Problem:
    n = len(rows.drop_duplicates(keys))
    return Problem(
        "duplicate",
        f"{table_title(table, 'en')}: {n:,} rows in all are in more than one file or sheet; the "
        f"first {MAX_DUPLICATES_LISTED} are listed",
        f"{table_title(table, 'zh')}：共有 {n:,} 行出现在多个文件或工作表中；以上列出前 "
        f"{MAX_DUPLICATES_LISTED} 行",
    )


def _key_text(value: object) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if value.day == 1 else value.isoformat()
    return str(value)


def _empty_divisions() -> pd.DataFrame:
    return pd.DataFrame(
        {name: pd.Series(dtype=object) for name in TABLES["divisions"].schema.names}
    )
