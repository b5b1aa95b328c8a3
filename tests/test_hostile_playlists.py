"""Hostile playlist files through every path that reads one: the parser, the saved-playlists folder
(?playlist=ID, the sidebar and the manage panel), the import on 演示模式 and the command line.

Each file gives a located message in both languages (the file, the view, the parameter); none
raises, prints a traceback or shows an error id. Limits apply before JSON decoding: size, nesting,
the length of a number, UTF-8 and Unicode (json.loads accepts a lone "\\ud800" escape, and NaN).
Names are plain text wherever they are shown, and every file name offered is one that Windows,
macOS and Linux all accept.
"""

from __future__ import annotations

import datetime as dt
import html as html_
import json
import os
import re
import unicodedata
from pathlib import Path

import pytest
from app_runner import run_cli, run_page
from hostile import MARKUP, PATHS

from govdash.app.chrome import md
from govdash.core.outputs import briefing, playlist
from govdash.core.text.problems import GovdashError

HAN = re.compile(r"[\u4e00-\u9fff]")
VIEW = {"name": "武昌区总览", "page": "overview", "params": {"district": "420106"}}


def _file(views: object = (VIEW,), **extra: object) -> bytes:
    body = {"format": "govdash-playlist", "version": 1, "name": "交流会", "views": list(views)}
    return json.dumps({**body, **extra}, ensure_ascii=False).encode("utf-8")


def _raw(text: str) -> bytes:
    """A playlist written by hand: JSON text as an editor or an attacker types it."""
    return text.encode("utf-8")


def _with_param(value: str) -> bytes:
    """A one-view playlist whose district parameter is the raw JSON text `value`."""
    return _raw('{"format": "govdash-playlist", "version": 1, "name": "a", "views": [{"name": "a", '
                f'"page": "overview", "params": {{"district": {value}}}}}]}}')  # fmt: skip


def _with_name(value: str) -> bytes:
    """A playlist whose name is the raw JSON text `value`."""
    return _raw(f'{{"format": "govdash-playlist", "version": 1, "name": {value}, "views": '
                '[{"name": "a", "page": "overview", "params": {}}]}')  # fmt: skip


PARAM = " › views[1] › params › district"
# case -> (file bytes, where the problem is after the file's name, words of the English message)
CASES: dict[str, tuple[bytes, str, str]] = {
    "60,000 nested brackets": (b"[" * 60_000, "", "nested more than 8 deep"),
    "60,000 nested objects": (b'{"a":' * 12_000, "", "nested more than 8 deep"),
    "deep nesting in a parameter": (_with_param("[" * 5_000 + "]" * 5_000), "",
                                    "nested more than 8 deep"),
    "an integer of 4,301 digits": (_raw('{"format": "govdash-playlist", "version": '
                                        + "9" * 4_301 + "}"), "", "a number of more than"),
    "an integer of 4,301 digits in a parameter": (_with_param("1" * 4_301), "",
                                                   "a number of more than"),
    "a huge float": (_raw('{"format": "govdash-playlist", "version": 1e999}'), "",
                     "a number too large"),
    "a huge float in a parameter": (_with_param("-1e400"), "", "a number too large"),
    "NaN": (_raw('{"format": "govdash-playlist", "version": NaN}'), "", "NaN is not a number"),
    "Infinity in a parameter": (_with_param("Infinity"), "", "Infinity is not a number"),
    "-Infinity in a parameter": (_with_param("-Infinity"), "", "-Infinity is not a number"),
    "a lone surrogate name": (_with_name('"\\ud800"'), "", "not valid Unicode"),
    "a lone low surrogate": (_with_name('"ok \\udfff"'), "", "not valid Unicode"),
    "a reversed surrogate pair": (_with_name('"\\udc00\\ud800"'), "", "not valid Unicode"),
    "a high surrogate before text": (_with_name('"\\ud83dA"'), "", "not valid Unicode"),
    "a lone surrogate in a key": (_raw('{"format": "govdash-playlist", "version": 1, "name": "a", '
                                       '"views": [{"name": "a", "page": "overview", '
                                       '"params": {"\\ud800": "1"}}]}'), "", "not valid Unicode"),
    "surrogate bytes (CESU-8)": (b'{"name": "\xed\xa0\x80"}', "", "not UTF-8 text"),
    "UTF-16": (_file().decode().encode("utf-16"), "", "not UTF-8 text"),
    "Latin-1 bytes": (b'{"name": "caf\xe9"}', "", "not UTF-8 text"),
    "a JSON array": (b"[]", "", "holds a JSON array"),
    "a JSON number": (b"42", "", "holds a JSON number"),
    "a JSON null": (b"null", "", "holds JSON null"),
    "a JSON string": (b'"govdash-playlist"', "", "holds a JSON string"),
    "an empty file": (b"", "", "not a JSON playlist file"),
    "a repeated key": (_raw('{"format": "govdash-playlist", "version": 1, "name": "a", '
                            '"name": "b", "views": [{"name": "a", "page": "overview"}]}'), "",
                       'the key "name" appears more than once'),
    "a repeated parameter": (_raw('{"format": "govdash-playlist", "version": 1, "name": "a", '
                                  '"views": [{"name": "a", "page": "overview", "params": '
                                  '{"district": "420106", "district": "420103"}}]}'),
                             " › views[1] › params", 'the key "district" appears more than once'),
    "version true": (_file(version=True), "", "version true is not supported"),
    "version 1.0": (_file(version=1.0), "", "version 1.0 is not supported"),
    "params a list": (_file([{**VIEW, "params": ["420106"]}]), " › views[1] › params",
                      "params must be an object"),
    "params null": (_file([{**VIEW, "params": None}]), " › views[1] › params",
                    "params must be an object"),
    "a number parameter": (_file([{**VIEW, "params": {"district": 420106}}]), PARAM,
                           "the value must be text"),
    "an object parameter": (_file([{**VIEW, "params": {"district": {"code": "420106"}}}]), PARAM,
                            "the value must be text"),
    "a list parameter": (_file([{**VIEW, "params": {"district": ["420106"]}}]), PARAM,
                         "the value must be text"),
    "a null parameter": (_file([{**VIEW, "params": {"district": None}}]), PARAM,
                         "the value must be text"),
    "a boolean parameter": (_file([{**VIEW, "params": {"district": True}}]), PARAM,
                            "the value must be text"),
    "a terminal escape as a key": (_file([{**VIEW, "params": {"\x1b[2J\x1b[31m": "x"}}]),
                                   " › views[1] › params › \\x1b[2J\\x1b[31m",
                                   "unknown parameter"),
    "a NUL in a view's name": (_file([{**VIEW, "name": "a\x00b"}]), " › views[1] › name",
                               "control character"),
    "a bell in the playlist's name": (_file(name="交流\x07会"), " › name", "control character"),
    "views an object": (_raw('{"format": "govdash-playlist", "version": 1, "name": "a", '
                             '"views": {"1": {}}}'), " › views",
                        "a playlist needs a list of views"),
    "a view a string": (_file(["overview"]), " › views[1]", "a view must be an object"),
    "a page a list": (_file([{**VIEW, "page": ["overview"]}]), " › views[1] › page",
                      "unknown page"),
}  # fmt: skip


def _fifo(folder: Path, name: str) -> None:
    os.mkfifo(folder / name)


def _zero(folder: Path, name: str) -> None:
    (folder / name).symlink_to("/dev/zero")


def _dangling(folder: Path, name: str) -> None:
    (folder / name).symlink_to(folder / "gone" / "x.json")


def _directory(folder: Path, name: str) -> None:
    (folder / name).mkdir()


def _sparse(folder: Path, name: str) -> None:
    with open(folder / name, "wb") as out:
        out.truncate(1 << 30)  # 1 GB that takes no disk


# Files only a folder or a command line can hold: case -> (maker, words of the English message).
FILES = {
    "a named pipe": (_fifo, "not a regular file"),
    "a link to /dev/zero": (_zero, "not a regular file"),
    "a dangling link": (_dangling, "cannot be read"),
    "a folder": (_directory, "not a regular file"),
    "a sparse 1 GB file": (_sparse, "larger than 64 KB"),
}


def _slug(case: str) -> str:
    """The case as a playlist id, so the folder reads it (pl-<letters and digits>)."""
    return "pl-" + re.sub(r"[^a-z0-9]+", "-", case.lower()).strip("-")[:40]


def _printable(text: str) -> bool:
    """Text a terminal and a web page show as it is: encodable, no control characters."""
    text.encode("utf-8")  # a lone surrogate cannot be
    return not [c for c in text if unicodedata.category(c) in ("Cc", "Cs") and c != "\n"]


def _check_messages(problems: list, name: str, words: str, where: str = "") -> None:
    assert problems
    assert any(p.where == f"{name}{where}" and words in p.en for p in problems), [
        (p.where, p.en) for p in problems
    ]
    for p in problems:
        assert p.where.startswith(name), "every message names the file"
        assert HAN.search(p.zh) and not HAN.search(p.en), (p.zh, p.en)
        for text in (p.text("zh"), p.text("en")):
            assert _printable(text) and len(text) < 2_000, ascii(text[:200])
            assert "Traceback" not in text and "Error(" not in text and "nan" not in text


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_playlist_file_is_a_located_message(case):
    data, where, words = CASES[case]
    with pytest.raises(GovdashError) as caught:
        playlist.parse_playlist(data, "x.json")
    _check_messages(caught.value.problems, "x.json", words, where)


@pytest.mark.parametrize("case", list(FILES))
def test_a_file_that_is_not_a_playlist_file_is_named_by_the_folder(tmp_path, case):
    make, words = FILES[case]
    good = playlist.parse_playlist(_file(), "a.json")
    playlist.save_playlist(tmp_path, good)
    make(tmp_path, "pl-hostile.json")
    loaded, problems = playlist.load_playlists(tmp_path)
    assert [p.id for p in loaded] == [good.id], "the good playlist still loads"
    _check_messages(problems, "pl-hostile.json", words)


def _folder(snapshot, monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.setenv("GOVDASH_PLAYLISTS_DIR", str(tmp_path))
    return tmp_path


def _shown(at) -> list[str]:
    """What the visitor reads in warnings and errors, without markdown's escapes."""
    return [re.sub(r"\\(.)", r"\1", x.value) for x in [*at.warning, *at.error]]


@pytest.mark.parametrize("case", [*CASES, *FILES])
def test_a_hostile_playlist_in_the_folder_is_named_when_played(snapshot, monkeypatch, tmp_path,
                                                               case):  # fmt: skip
    folder = _folder(snapshot, monkeypatch, tmp_path)
    slug = _slug(case)
    if case in FILES:
        FILES[case][0](folder, f"{slug}.json")
    else:
        (folder / f"{slug}.json").write_bytes(CASES[case][0])
    at = run_page({"playlist": slug}, "pages/present.py")
    assert not at.exception
    shown = _shown(at)
    assert any(f"{slug}.json" in s for s in shown), shown
    assert not any("错误编号" in s or "error id" in s.lower() for s in shown), shown
    assert "<h1>" in " ".join(h.proto.body for h in at.get("html")), "the default deck plays"


def test_every_page_opens_with_every_hostile_playlist_in_the_folder(snapshot, monkeypatch,
                                                                    tmp_path):  # fmt: skip
    """The sidebar reads the folder on every page: a bad file there is named in 演示模式's
    playlist menu, and never stops a page."""
    folder = _folder(snapshot, monkeypatch, tmp_path)
    for case, (data, _, _) in CASES.items():
        (folder / f"{_slug(case)}.json").write_bytes(data)
    for case, (make, _) in FILES.items():
        make(folder, f"{_slug(case)}.json")
    good = playlist.save_playlist(folder, playlist.parse_playlist(_file(), "a.json"))
    run_page({}, "pages/overview.py")  # the sidebar's save panel lists the playlists
    at = run_page({"playlist": good.stem}, "pages/present.py")
    assert "<h1>交流会</h1>" in " ".join(h.proto.body for h in at.get("html")), "the good one plays"
    shown = " ".join(_shown(at))
    missing = [c for c in [*CASES, *FILES] if f"{_slug(c)}.json" not in shown]
    assert not missing, missing


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_playlist_is_refused_on_import(snapshot, monkeypatch, tmp_path, case):
    folder = _folder(snapshot, monkeypatch, tmp_path)
    at = run_page({}, "pages/present.py")
    at.file_uploader(key="playlist-import").set_value(("x.json", CASES[case][0], "text/plain"))
    at.run()
    at.button(key="playlist-import-go").click().run()
    assert not at.exception
    errors = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]
    assert any(e.startswith("x.json") for e in errors), errors
    assert not any("错误编号" in e for e in errors), errors
    assert not list(folder.iterdir()), "nothing written"


@pytest.mark.parametrize("case", [*CASES, *FILES])
def test_the_cli_names_a_hostile_playlist(snapshot, tmp_path, capsys, case):
    from govdash.cli import main

    path = tmp_path / "hostile.json"
    if case in FILES:
        FILES[case][0](tmp_path, path.name)
    else:
        path.write_bytes(CASES[case][0])
    out = tmp_path / "out"
    code = main(["--data-dir", str(snapshot.path.parent), "briefing", "--formats", "xlsx",
                 "--out", str(out), "--playlist", str(path)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2, err
    assert "hostile.json" in err and "Traceback" not in err, err
    assert _printable(err), ascii(err[:300])
    assert not out.exists(), "nothing written"


@pytest.mark.parametrize("case", ["60,000 nested brackets", "an integer of 4,301 digits",
                                  "a lone surrogate name", "a named pipe"])  # fmt: skip
def test_the_cli_never_prints_a_traceback_for_a_hostile_playlist(snapshot, tmp_path, case):
    path = tmp_path / "hostile.json"
    if case in FILES:
        FILES[case][0](tmp_path, path.name)
    else:
        path.write_bytes(CASES[case][0])
    for lang, words in (("en_US.UTF-8", "hostile.json"), ("zh_CN.UTF-8", "hostile.json")):
        done = run_cli(snapshot.path.parent, "briefing", "--formats", "xlsx", "--out",
                       str(tmp_path / "out"), "--playlist", str(path), lang_env=lang,
                       timeout=120)  # fmt: skip
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert words in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ names are plain text
NAMES = ["**B** ![i](/x.png)", *MARKUP]


@pytest.mark.parametrize("name", NAMES)
def test_a_playlist_name_is_plain_text_in_the_save_message(snapshot, monkeypatch, tmp_path,
                                                           name):  # fmt: skip
    folder = _folder(snapshot, monkeypatch, tmp_path)
    at = run_page({"district": "420106"}, "pages/overview.py")
    at.text_input(key="playlist-new-name-overview").input(name)
    at.text_input(key="playlist-view-name-overview").input(name)
    at.button(key="playlist-save-overview").click().run()
    assert not at.exception
    (saved,) = folder.glob("pl-*.json")
    kept = playlist.load_playlists(folder)[0][0]
    assert kept.name == " ".join(name.split()), "kept as typed"
    (message,) = [s.value for s in at.success]
    assert f"《{md(kept.name)}》" in message, message
    # The slides: the title and the view's name are text in the slide's HTML, not markup.
    at = run_page({"playlist": saved.stem, "slide": "1"}, "pages/present.py")
    body = " ".join(h.proto.body for h in at.get("html"))
    assert f"<h1>{html_.escape(kept.name)}</h1>" in body


def test_an_imported_playlists_name_is_plain_text(snapshot, monkeypatch, tmp_path):
    folder = _folder(snapshot, monkeypatch, tmp_path)
    name = "**B** ![i](/x.png)"
    at = run_page({}, "pages/present.py")
    at.file_uploader(key="playlist-import").set_value(
        ("x.json", _file(name=name), "application/json")
    )
    at.run()
    at.button(key="playlist-import-go").click().run()
    assert not at.exception
    assert len(list(folder.glob("pl-*.json"))) == 1
    messages = [s.value for s in at.success]
    assert any(f"《{md(name)}》" in m for m in messages), messages


# ------------------------------------------------------------------ file names
WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]|CONIN\$|CONOUT\$)",
                              re.IGNORECASE)  # fmt: skip


def portable(file_name: str) -> bool:
    """A name Windows, macOS and Linux all accept and show as written."""
    return (
        0 < len(file_name.encode("utf-8")) <= 255
        and not re.search(r'[\\/:*?"<>|]', file_name)
        and not [c for c in file_name if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
        and not file_name.endswith((".", " "))
        and not file_name.startswith((".", " "))
        and not WINDOWS_RESERVED.fullmatch(file_name.split(".")[0].strip())
    )


FILE_NAMES = ["CON", "nul", "com1", "LPT9", "CON.tar", "aux .x", "a:b", "a/b\\c", "x.", "x ",
              " .hidden", "...", "--help", "a\x00b", "\u202egpj.exe", "a\u2028b", "名" * 200,
              "a" * 300, "?*<>|\"", "", *PATHS]  # fmt: skip


@pytest.mark.parametrize("text", FILE_NAMES)
def test_every_file_name_offered_is_portable(text):
    as_of = dt.date(2025, 7, 18)
    stems = [playlist.Playlist("pl-0123456789", text, ()).file_stem(as_of)]
    for lang in ("zh", "en"):
        stems.append(briefing.Source("snap", as_of, text, False).file_stem(lang))
    for stem in stems:
        for suffix in ("pptx", "xlsx", "html", "pdf"):
            assert portable(f"{stem}.{suffix}"), ascii(stem)
        assert stem.endswith("_2025-07-18"), stem


def test_the_english_decks_file_name_is_portable():
    """The English meeting's name has a colon ("Wuhan: integrating …"), which Windows refuses."""
    source = briefing.Source("snap", dt.date(2025, 7, 18), "Wuhan", False)
    stem = source.file_stem("en")
    assert portable(f"{stem}.pptx"), stem
    assert stem.startswith("Wuhan") and "pilot review" in stem
