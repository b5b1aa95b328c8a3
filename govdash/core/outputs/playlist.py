"""Playlists of saved views: an analyst's own running order for a meeting.

A saved view is a page and the URL parameters that describe what it shows (filters, period,
language); a playlist is a named, ordered list of them, kept as a small JSON file beside the data
so that everyone who opens the dashboard can play it. A playlist file is input like any other:
it is read with a size limit, checked field by field, and every problem names the file, the view
and the parameter, in Chinese and English. The parameters are checked again against the snapshot
a playlist is played on (a district that is not in the data is named, not dropped silently).

Parameters left out follow the data: a view saved without `end` shows the latest month of
whichever snapshot is newest when it is played.

    {"format": "govdash-playlist", "version": 1, "name": "交流会",
     "views": [{"name": "武昌区活动", "page": "activities",
                "params": {"district": "420106", "start": "2024-03"}}]}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from govdash.core.data.catalog import load_catalog
from govdash.core.data.divisions import city_pilot_month
from govdash.core.data.snapshot import PLAYLISTS, Snapshot
from govdash.core.data.vocab import codes
from govdash.core.measures.events import data_range
from govdash.core.outputs.readable import safe_file_stem
from govdash.core.question.view import Options, View, parse
from govdash.core.text.problems import GovdashError, Problem

FORMAT = "govdash-playlist"
VERSION = 1
ENV_DIR = "GOVDASH_PLAYLISTS_DIR"
FOLDER = PLAYLISTS  # inside the snapshot folder; snapshot listing skips it
# The pages a view can be played from (their figures make a slide); the others have none.
PLAYABLE = ("overview", "districts", "community", "activities", "outcomes")
PARAMS = ("snapshot", "start", "end", "district", "street", "community", "category", "group",
          "team", "metric", "lang")  # fmt: skip
LANGS = ("zh", "en")
MAX_BYTES = 64 * 1024
MAX_VIEWS = 60
MAX_NAME = 60
MAX_PLAYLISTS = 1000  # every person's together: a bound on the folder, not anyone's quota
MAX_OWN = 20  # playlists one person keeps (visitors who are not signed in share one such quota)
VISITOR_PREFIX = "visitor-"  # the owner id of a visitor who is not signed in (one per session)
OWNER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:+-]{0,127}")
MAX_VALUE = 400  # characters in one parameter's value
# Limits checked on the file's text before it is decoded: json.loads recurses once per bracket
# (60,000 of them raise RecursionError), refuses integers over 4,300 digits with a ValueError,
# and accepts NaN, Infinity, 1e999 (inf) and "\ud800" (a lone surrogate no encoder can write).
MAX_DEPTH = 8  # a playlist is 4 deep: the file, its views, a view, its parameters
MAX_NUMBER = 20  # characters in one number: the only number a playlist holds is its version
MAX_SHOWN = 40  # characters of a key or a value quoted in a message
PLAYLIST_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")
# What the scan before decoding looks at: strings, brackets, numbers and the literals JSON does
# not have (json.loads takes NaN and Infinity); everything else is left to json.loads.
_TOKENS = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*"?)|(?P<open>[\[{])|(?P<close>[\]}])'
    r"|(?P<constant>-?(?:NaN|Infinity))|(?P<number>-?[0-9][0-9.eE+-]*)",
    re.DOTALL,
)
_ESCAPES = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


@dataclass(frozen=True)
class SavedView:
    name: str
    page: str
    params: dict[str, str]


@dataclass(frozen=True)
class Playlist:
    id: str
    name: str
    views: tuple[SavedView, ...]
    owner: str = ""  # who created it (a person's id, an address, or a visitor's session)

    def file_stem(self, as_of: dt.date) -> str:
        """A file name for the playlist's pack: its name and the as-of date."""
        return f"{safe_file_stem(self.name, self.id)}_{as_of.isoformat()}"

    def to_json(self, owner: bool = True) -> bytes:
        """The file's bytes; without `owner` (a download to pass on), nobody is named in it."""
        body = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            **({"owner": self.owner} if owner and self.owner else {}),
            "views": [{"name": v.name, "page": v.page, "params": v.params} for v in self.views],
        }
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def playlists_dir(snapshots_root: Path) -> Path:
    """Where playlists live: GOVDASH_PLAYLISTS_DIR, else a folder inside the snapshot folder."""
    configured = os.environ.get(ENV_DIR)
    return Path(configured) if configured else Path(snapshots_root) / FOLDER


def _problem(where: str, en: str, zh: str) -> Problem:
    return Problem("playlist", en=en, zh=zh, where=where)


def _shown(text: object) -> str:
    """A key or value from the file as a message quotes it: short, and with control characters
    written as escapes (a terminal would obey "\\x1b[2J")."""
    short = str(text)[:MAX_SHOWN]
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in short)


def _line(text: str, at: int) -> tuple[str, str]:
    line = text.count("\n", 0, at) + 1
    return f" (line {line})", f"（第{line}行）"


def _scan(text: str, where: str) -> Problem | None:
    """The first thing in the file's text that json.loads would crash on or accept wrongly: too
    deep, a number too long or too large, NaN or Infinity, a string that is not valid Unicode.
    Runs before decoding, in one pass over at most MAX_BYTES."""
    depth = 0
    for token in _TOKENS.finditer(text):
        kind, value = token.lastgroup, token.group()
        if kind == "open":
            depth += 1
            if depth > MAX_DEPTH:
                en, zh = _line(text, token.start())
                return _problem(where, f"nested more than {MAX_DEPTH} deep{en}",
                                f"嵌套超过{MAX_DEPTH}层{zh}")  # fmt: skip
        elif kind == "close":
            depth -= 1
        elif kind == "constant":
            en, zh = _line(text, token.start())
            return _problem(where, f"{value} is not a number in JSON{en}",
                            f"{value} 不是JSON中的数字{zh}")  # fmt: skip
        elif kind == "number":
            if len(value) > MAX_NUMBER:
                en, zh = _line(text, token.start())
                return _problem(where, f"a number of more than {MAX_NUMBER} characters{en}",
                                f"数字超过{MAX_NUMBER}个字符{zh}")  # fmt: skip
            try:
                finite = math.isfinite(float(value))
            except ValueError:
                continue  # not a number at all: json.loads says where
            if not finite:
                en, zh = _line(text, token.start())
                return _problem(where, f"a number too large ({_shown(value)}){en}",
                                f"数字过大（{_shown(value)}）{zh}")  # fmt: skip
        elif "\\u" in value and (bad := _lone_surrogate(value)):
            en, zh = _line(text, token.start())
            return _problem(where, f"text that is not valid Unicode ({bad} is half of a pair){en}",
                            f"文字不是有效的Unicode（{bad} 是不成对的代理码）{zh}")  # fmt: skip
    return None


def _lone_surrogate(string: str) -> str | None:
    """The first \\uD800-\\uDFFF escape in a JSON string that is not half of a high-low pair."""
    pending, high = -1, ""  # where a high surrogate's low half must start
    for escape in _ESCAPES.finditer(string):
        code = int(escape.group(1), 16) if escape.group(1) else -1
        if pending >= 0:
            if escape.start() == pending and 0xDC00 <= code <= 0xDFFF:
                pending = -1
                continue
            return high
        if 0xD800 <= code <= 0xDBFF:
            pending, high = escape.end(), escape.group()
        elif 0xDC00 <= code <= 0xDFFF:
            return escape.group()
    return high if pending >= 0 else None


class _Object(dict):
    """A JSON object that remembers the keys it was given more than once."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, object]]) -> _Object:
    made = _Object(pairs)
    if len(made) < len(pairs):
        keys = [k for k, _ in pairs]
        made.repeated = tuple(k for k in made if keys.count(k) > 1)
    return made


def _repeated_keys(node: object, where: str) -> list[Problem]:
    """Every object in the file with a key given twice: which value counts differs between
    readers, so the file is refused rather than read one way."""
    problems = []
    if isinstance(node, _Object):
        problems += [
            _problem(
                where,
                f'the key "{_shown(key)}" appears more than once',
                f"键“{_shown(key)}”出现了不止一次",
            )  # fmt: skip
            for key in node.repeated
        ]
        for key, value in node.items():
            problems += _repeated_keys(value, f"{where} › {_shown(key)}")
    elif isinstance(node, list):
        for n, value in enumerate(node, start=1):
            problems += _repeated_keys(value, f"{where}[{n}]")
    return problems


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number in JSON")  # _scan names it first, with its line


JSON_KINDS = {list: ("a JSON array", "JSON数组"), str: ("a JSON string", "JSON字符串"),
              bool: ("a JSON true or false", "JSON布尔值"), type(None): ("JSON null", "JSON null"),
              int: ("a JSON number", "JSON数字"), float: ("a JSON number", "JSON数字")}  # fmt: skip


def _text(value: object, where: str, what_en: str, what_zh: str) -> tuple[str, list[Problem]]:
    if not isinstance(value, str) or not value.strip():
        return "", [
            _problem(where, f"{what_en} must be non-empty text", f"{what_zh}必须是非空文字")
        ]
    text = " ".join(value.split())
    if any(unicodedata.category(c) == "Cc" for c in text):
        return text, [
            _problem(
                where, f"{what_en} contains a control character", f"{what_zh}含有控制字符"
            )  # fmt: skip
        ]
    if len(text) > MAX_NAME:
        return text, [
            _problem(
                where,
                f"{what_en} is longer than {MAX_NAME} characters",
                f"{what_zh}超过{MAX_NAME}个字",
            )  # fmt: skip
        ]
    return text, []


def parse_playlist(data: bytes, where: str, playlist_id: str = "") -> Playlist:
    """A playlist from a file's bytes, or a GovdashError listing every problem with its place."""
    if len(data) > MAX_BYTES:
        raise GovdashError(
            _problem(
                where,
                f"the file is larger than {MAX_BYTES // 1024} KB",
                f"文件超过{MAX_BYTES // 1024} KB",
            )  # fmt: skip
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GovdashError(
            _problem(where, f"not a JSON playlist file: not UTF-8 text (byte {exc.start + 1})",
                     f"不是JSON格式的演示列表文件：不是UTF-8文字（第{exc.start + 1}个字节）")
        ) from None  # fmt: skip
    if problem := _scan(text, where):
        raise GovdashError(problem)
    try:
        raw = json.loads(text, object_pairs_hook=_object, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise GovdashError(
            _problem(where, f"not a JSON playlist file (line {exc.lineno})",
                     f"不是JSON格式的演示列表文件（第{exc.lineno}行）")
        ) from None  # fmt: skip
    except (ValueError, RecursionError):  # what _scan let through, were it to miss anything
        raise GovdashError(
            _problem(where, "not a JSON playlist file", "不是JSON格式的演示列表文件")
        ) from None  # fmt: skip
    if not isinstance(raw, dict):
        en, zh = JSON_KINDS.get(type(raw), ("something else", "其他内容"))
        raise GovdashError(
            _problem(where, f"not a govdash playlist: the file holds {en}, not an object",
                     f"不是govdash演示列表：文件内容是{zh}，而不是对象")
        )  # fmt: skip
    if repeated := _repeated_keys(raw, where):
        raise GovdashError(repeated)
    if raw.get("format") != FORMAT:
        raise GovdashError(
            _problem(
                where,
                f'not a govdash playlist (no "format": "{FORMAT}")',
                f'不是govdash演示列表（缺少 "format": "{FORMAT}"）',
            )  # fmt: skip
        )
    problems: list[Problem] = []
    version = raw.get("version")
    if type(version) is not int or version != VERSION:  # not True, not 1.0
        shown = _shown(json.dumps(version)[:MAX_SHOWN])
        problems.append(
            _problem(
                where,
                f"version {shown} is not supported (only {VERSION})",
                f"不支持的版本 {shown}（仅支持 {VERSION}）",
            )  # fmt: skip
        )
    name, found = _text(raw.get("name"), f"{where} › name", "the playlist's name", "列表名称")
    problems += found
    owner = raw.get("owner", "")
    if not isinstance(owner, str) or (owner and not OWNER.fullmatch(owner)):
        problems.append(_problem(f"{where} › owner", "the owner must be a person's id",
                                 "owner 必须是人员编号"))  # fmt: skip
        owner = ""
    views_raw = raw.get("views")
    if not isinstance(views_raw, list) or not views_raw:
        problems.append(_problem(f"{where} › views", "a playlist needs a list of views",
                                 "演示列表需要至少一个视图"))  # fmt: skip
        views_raw = []
    if len(views_raw) > MAX_VIEWS:
        problems.append(_problem(f"{where} › views", f"more than {MAX_VIEWS} views",
                                 f"视图超过{MAX_VIEWS}个"))  # fmt: skip
    views = []
    for n, item in enumerate(views_raw[:MAX_VIEWS], start=1):
        view, found = _view(item, f"{where} › views[{n}]")
        problems += found
        if view is not None:
            views.append(view)
    if problems:
        raise GovdashError(problems)
    return Playlist(playlist_id or new_id(name), name, tuple(views), owner)


def _view(item: object, where: str) -> tuple[SavedView | None, list[Problem]]:
    if not isinstance(item, dict):
        return None, [_problem(where, "a view must be an object with name, page and params",
                               "视图必须包含 name、page 和 params")]  # fmt: skip
    problems: list[Problem] = []
    name, found = _text(item.get("name"), f"{where} › name", "the view's name", "视图名称")
    problems += found
    page = item.get("page")
    if page not in PLAYABLE:
        problems.append(
            _problem(
                f"{where} › page",
                f"unknown page {str(page)[:MAX_SHOWN]!r}; one of {', '.join(PLAYABLE)}",
                f"未知页面 {str(page)[:MAX_SHOWN]!r}；可用：{'、'.join(PLAYABLE)}",
            )  # fmt: skip
        )
    params = item.get("params", {})
    if not isinstance(params, dict):
        problems.append(_problem(f"{where} › params", "params must be an object of text values",
                                 "params 必须是由文字组成的对象"))  # fmt: skip
        params = {}
    clean: dict[str, str] = {}
    for key, value in params.items():
        place = f"{where} › params › {_shown(key)}"
        if key not in PARAMS:
            problems.append(_problem(place, f"unknown parameter; one of {', '.join(PARAMS)}",
                                     f"未知参数；可用：{'、'.join(PARAMS)}"))  # fmt: skip
        elif not isinstance(value, str) or len(value) > MAX_VALUE:
            problems.append(_problem(place, "the value must be text", "参数值必须是文字"))
        elif key == "lang" and value not in LANGS:
            problems.append(_problem(place, "lang is zh or en", "lang 只能是 zh 或 en"))
        else:
            clean[key] = value
    if problems:
        return None, problems
    return SavedView(name, str(page), clean), []


def check_against(playlist: Playlist, options: Options, where: str) -> list[Problem]:
    """Parameters the snapshot does not know (a district code not in the data, a month outside
    it), named view by view; an empty list means every view can be played as saved."""
    problems = []
    for n, saved in enumerate(playlist.views, start=1):
        params = {k: v for k, v in saved.params.items() if k != "lang"}
        _, bad = parse(params, options)
        for key in bad:
            problems.append(
                _problem(
                    f"{where} › views[{n}] ({saved.name}) › params › {key}",
                    f"{params.get(key, '')!r} is not in this snapshot",
                    f"{params.get(key, '')!r} 不在当前数据快照中",
                )  # fmt: skip
            )
    return problems


def view_of(saved: SavedView, options: Options) -> View:
    """The view a saved view shows on this snapshot (unknown values fall back to the default)."""
    return parse({k: v for k, v in saved.params.items() if k != "lang"}, options)[0]


def reorder(
    playlist: Playlist, positions: list[float | None], remove: list[bool]
) -> Playlist | None:
    """The playlist with its views in the order of their new positions (ties keep the old order;
    a blank position goes last) and without the removed ones; None when none is left."""
    last = len(playlist.views) + 1
    ranked = sorted(
        (last if p is None or p != p else float(p), i)  # p != p: NaN from a cleared cell
        for i, (p, gone) in enumerate(zip(positions, remove, strict=True))
        if not gone
    )
    views = tuple(playlist.views[i] for _, i in ranked)
    return Playlist(playlist.id, playlist.name, views, playlist.owner) if views else None


def new_id(name: str) -> str:
    """A file name for a new playlist: never the user's text, so no path can be smuggled in."""
    digest = hashlib.sha256(f"{name}\0{dt.datetime.now().isoformat()}".encode()).hexdigest()
    return f"pl-{digest[:10]}"


def load_playlists(folder: Path) -> tuple[list[Playlist], list[Problem]]:
    """Every readable playlist in the folder, by name, and the problems of the others."""
    if not folder.is_dir():
        return [], []
    found, problems = [], []
    for path in sorted(folder.glob("*.json"))[:MAX_PLAYLISTS]:
        if not PLAYLIST_ID.fullmatch(path.stem):
            continue
        try:
            found.append(parse_playlist(read_file(path), path.name, path.stem))
        except GovdashError as exc:
            problems += exc.problems
    return sorted(found, key=lambda p: p.name), problems


def read_file(path: Path, where: str | None = None) -> bytes:
    """A playlist file's bytes, at most MAX_BYTES + 1 of them (enough to say it is too large),
    from a regular file only: a named pipe would wait for a writer, /dev/zero never ends, and a
    1 GB file is not read to say it is not a playlist."""
    where = where or path.name
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # opening a pipe without it waits for a writer
    try:
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | nonblocking)) as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise GovdashError(_problem(where, "not a regular file", "不是普通文件"))
            return fh.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise GovdashError(_problem(where, "not a regular file", "不是普通文件")) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise GovdashError(
            _problem(where, f"cannot be read: {reason}", f"无法读取：{reason}")
        ) from None


@dataclass(frozen=True)
class Editor:
    """Who saves, changes or deletes playlists: a playlist belongs to whoever created it; others
    may play and copy it, and an admin may change any. Each person keeps at most MAX_OWN
    playlists; visitors who are not signed in share one such quota (a new session is a new
    visitor, so per-session quotas would bound nothing)."""

    id: str
    admin: bool = False

    @property
    def quota(self) -> str:
        return VISITOR_PREFIX if self.id.startswith(VISITOR_PREFIX) else self.id

    def may_change(self, playlist: Playlist) -> bool:
        return self.admin or (bool(playlist.owner) and playlist.owner == self.id)


def _owner_quota(owner: str) -> str:
    return VISITOR_PREFIX if owner.startswith(VISITOR_PREFIX) else owner


def not_yours(playlist: Playlist) -> GovdashError:
    return GovdashError(_problem(
        playlist.name[:MAX_SHOWN],
        "this playlist belongs to someone else: play it, or copy it to change the copy",
        "此演示列表属于他人：可以播放，或复制一份后修改副本",
    ))  # fmt: skip


def _check_editor(folder: Path, playlist: Playlist, editor: Editor) -> None:
    """Refuse a change to someone else's playlist, and a new one beyond the editor's quota."""
    stored, _ = load_playlists(folder)
    before = next((p for p in stored if p.id == playlist.id), None)
    if before is not None and not editor.may_change(before):
        raise not_yours(before)
    if before is None:
        mine = sum(_owner_quota(p.owner) == editor.quota for p in stored if p.owner)
        if mine >= MAX_OWN:
            who_en, who_zh = (("visitors who are not signed in", "未登录的访客")
                              if editor.quota == VISITOR_PREFIX else ("you", "您"))  # fmt: skip
            raise GovdashError(_problem(
                str(folder.name), f"{who_en} already keep {MAX_OWN} playlists; delete one first",
                f"{who_zh}已保存{MAX_OWN}个演示列表，请先删除一个",
            ))  # fmt: skip


def save_playlist(folder: Path, playlist: Playlist, editor: Editor | None = None) -> Path:
    """Write a playlist atomically (a reader never sees half a file); with an `editor`, only
    their own (or, for an admin, any) and within their quota."""
    if not PLAYLIST_ID.fullmatch(playlist.id):
        raise GovdashError(_problem(playlist.id[:48], "not a playlist id", "不是有效的列表编号"))
    folder.mkdir(parents=True, exist_ok=True)
    if editor is not None:
        _check_editor(folder, playlist, editor)
    existing = [p for p in folder.glob("*.json") if p.stem != playlist.id]
    if len(existing) >= MAX_PLAYLISTS:
        raise GovdashError(
            _problem(
                str(folder.name),
                f"already {MAX_PLAYLISTS} playlists; delete one first",
                f"已有{MAX_PLAYLISTS}个演示列表，请先删除一个",
            )  # fmt: skip
        )
    data = playlist.to_json()
    parse_playlist(data, playlist.id, playlist.id)  # never write what could not be read back
    target = folder / f"{playlist.id}.json"
    fd, tmp = tempfile.mkstemp(prefix=f".{playlist.id}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def delete_playlist(folder: Path, playlist_id: str, editor: Editor | None = None) -> None:
    """Remove a playlist; with an `editor`, only their own (or, for an admin, any)."""
    if not PLAYLIST_ID.fullmatch(playlist_id):
        return
    if editor is not None:
        stored, _ = load_playlists(folder)
        found = next((p for p in stored if p.id == playlist_id), None)
        if found is not None and not editor.may_change(found):
            raise not_yours(found)
    (folder / f"{playlist_id}.json").unlink(missing_ok=True)


def snapshot_options(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    divisions: pd.DataFrame,
    months: tuple[dt.date, ...] | None = None,
) -> Options:
    """What a snapshot allows in a view (the app builds the same with its caches)."""
    catalog = load_catalog()
    return Options(
        snapshots=(snap.id,),
        months=months if months is not None else tuple(data_range(con, snap).months()),
        divisions=divisions,
        metrics=tuple(m.id for m in catalog.visible()),
        categories=tuple(codes("categories")),
        target_groups=tuple(codes("target_groups")),
        team_types=tuple(codes("team_types")),
        default_metric=catalog.settings.start_metric,
        pilot_month=city_pilot_month(divisions),
    )
