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
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from govdash.core.catalog import load_catalog
from govdash.core.divisions import city_pilot_month
from govdash.core.events import data_range
from govdash.core.problems import GovdashError, Problem
from govdash.core.snapshot import PLAYLISTS, Snapshot
from govdash.core.view import Options, View, parse
from govdash.core.vocab import codes

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
MAX_PLAYLISTS = 200
MAX_VALUE = 400  # characters in one parameter's value
PLAYLIST_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")


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

    def file_stem(self, as_of: dt.date) -> str:
        """A file name for the playlist's pack: its name without path separators or characters
        Windows refuses, and the as-of date."""
        name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", self.name).strip(" ._") or self.id
        return f"{name}_{as_of.isoformat()}"

    def to_json(self) -> bytes:
        body = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "views": [{"name": v.name, "page": v.page, "params": v.params} for v in self.views],
        }
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def playlists_dir(snapshots_root: Path) -> Path:
    """Where playlists live: GOVDASH_PLAYLISTS_DIR, else a folder inside the snapshot folder."""
    configured = os.environ.get(ENV_DIR)
    return Path(configured) if configured else Path(snapshots_root) / FOLDER


def _problem(where: str, en: str, zh: str) -> Problem:
    return Problem("playlist", en=en, zh=zh, where=where)


def _text(value: object, where: str, what_en: str, what_zh: str) -> tuple[str, list[Problem]]:
    if not isinstance(value, str) or not value.strip():
        return "", [
            _problem(where, f"{what_en} must be non-empty text", f"{what_zh}必须是非空文字")
        ]
    text = " ".join(value.split())
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
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        line_zh = f"（第{exc.lineno}行）" if isinstance(exc, json.JSONDecodeError) else ""
        raise GovdashError(
            _problem(
                where, f"not a JSON playlist file{line}", f"不是JSON格式的演示列表文件{line_zh}"
            )
        ) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise GovdashError(
            _problem(
                where,
                f'not a govdash playlist (no "format": "{FORMAT}")',
                f'不是govdash演示列表（缺少 "format": "{FORMAT}"）',
            )  # fmt: skip
        )
    problems: list[Problem] = []
    if raw.get("version") != VERSION:
        problems.append(
            _problem(
                where,
                f"version {raw.get('version')!s} is not supported (only {VERSION})",
                f"不支持的版本 {raw.get('version')!s}（仅支持 {VERSION}）",
            )  # fmt: skip
        )
    name, found = _text(raw.get("name"), f"{where} › name", "the playlist's name", "列表名称")
    problems += found
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
    return Playlist(playlist_id or new_id(name), name, tuple(views))


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
                f"unknown page {str(page)[:40]!r}; one of {', '.join(PLAYABLE)}",
                f"未知页面 {str(page)[:40]!r}；可用：{'、'.join(PLAYABLE)}",
            )  # fmt: skip
        )
    params = item.get("params", {})
    if not isinstance(params, dict):
        problems.append(_problem(f"{where} › params", "params must be an object of text values",
                                 "params 必须是由文字组成的对象"))  # fmt: skip
        params = {}
    clean: dict[str, str] = {}
    for key, value in params.items():
        place = f"{where} › params › {str(key)[:40]}"
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
    return Playlist(playlist.id, playlist.name, views) if views else None


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
            found.append(parse_playlist(path.read_bytes(), path.name, path.stem))
        except GovdashError as exc:
            problems += exc.problems
        except OSError as exc:
            problems.append(_problem(path.name, f"cannot be read: {exc.strerror}",
                                     f"无法读取：{exc.strerror}"))  # fmt: skip
    return sorted(found, key=lambda p: p.name), problems


def save_playlist(folder: Path, playlist: Playlist) -> Path:
    """Write a playlist atomically (a reader never sees half a file)."""
    if not PLAYLIST_ID.fullmatch(playlist.id):
        raise GovdashError(_problem(playlist.id[:48], "not a playlist id", "不是有效的列表编号"))
    folder.mkdir(parents=True, exist_ok=True)
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


def delete_playlist(folder: Path, playlist_id: str) -> None:
    if PLAYLIST_ID.fullmatch(playlist_id):
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
