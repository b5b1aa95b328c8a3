"""A district office sees the city whole and its own district below it, and nothing more
(issue 26): signed in as 武昌区's office, every page, every download on it, every slide of
演示模式 and its PPTX, workbook and report, and the command line's export and briefing pack are
searched for the codes and names of other districts' streets and communities. A city user's
walk finds them (so the search can fail), and a link that asks for another district's street or
community gets the notice an unknown code gets."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from app_runner import DASHBOARD, run_cli
from google.protobuf.text_format import MessageToString
from streamlit.testing.v1 import AppTest

from govdash.app import state
from govdash.core.data.snapshot import open_snapshot
from govdash.core.engine.query import connect, run_query
from govdash.core.rules.access import token_fingerprint
from govdash.core.rules.roles import ACCESS_FILE, token_digest

WUCHANG, JIANGHAN = "420106", "420103"
TOKENS = {
    "wuchang-office": "wuchang-office-token-0123456789",
    "city-analyst": "city-token-0123456789",
}
ACCESS = f"""
mode = "signed-in"

[[people]]
id = "city-analyst"
name = "市民政局数据科"
token_sha256 = "{token_digest(TOKENS["city-analyst"])}"
rights = ["view", "present", "import"]

[[people]]
id = "wuchang-office"
name = "武昌区民政局"
token_sha256 = "{token_digest(TOKENS["wuchang-office"])}"
scope = ["{WUCHANG}"]
rights = ["view", "present", "import"]
"""
PAGES = ["overview", "districts", "community", "activities", "outcomes", "data", "present"]
# The city, another district, and a crafted link into that district's street and community.
LINKS = [
    {},
    {"district": JIANGHAN},
    {"district": JIANGHAN, "street": JIANGHAN + "001", "community": JIANGHAN + "001001"},
]
FACTS = Path(__file__).resolve().parent.parent / "data" / "reported_facts.csv"
QUOTED = sorted(
    {str(s) for s in pd.read_csv(FACTS)["source_sentence"].dropna()}, key=len, reverse=True
)
CODE = re.compile(r"(?<!\d)4201\d{5}(?:\d{3})?(?!\d)")


@pytest.fixture(scope="module")
def site(snapshot, tmp_path_factory) -> Path:
    """The demo snapshot in a data folder of its own, with the access file above."""
    root = tmp_path_factory.mktemp("scoped-site")
    shutil.copytree(snapshot.path, root / snapshot.id)
    (root / ACCESS_FILE).write_text(ACCESS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def others(site, snapshot) -> tuple[set[str], set[str]]:
    """Codes and names of the streets and communities outside 武昌区; a name that a division
    武昌区's office may see also carries (two communities of one name) is left out."""
    divisions = run_query(connect(site), "divisions", open_snapshot(snapshot.id, site))
    below = divisions[divisions["level"].isin(["street", "community"])]
    inside = below["code"].str.startswith(WUCHANG)
    outside = below[~inside]
    seen_names = set(divisions.loc[~divisions.index.isin(outside.index), "name_zh"]) | set(
        divisions.loc[~divisions.index.isin(outside.index), "name_en"]
    )
    names = {
        n
        for n in set(outside["name_zh"]) | set(outside["name_en"])
        if isinstance(n, str) and len(n) >= 3 and not any(n in s for s in seen_names if s)
    }
    return set(outside["code"]), names


def signed_in(person: str, query: dict) -> AppTest:
    """A session signed in with the person's token, as the sign-in form leaves it."""
    at = AppTest.from_file(DASHBOARD, default_timeout=240)
    at.session_state[state.PERSON] = (person, token_fingerprint(token_digest(TOKENS[person])))
    for key, value in query.items():
        at.query_params[key] = value
    return at


def page_text(at: AppTest, skip=lambda body: False) -> str:
    """Everything the page drew: every element's message (charts' specs decoded) and every
    table's values; an element whose text `skip` accepts is left out."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and skip(str(getattr(proto, "body", ""))):
            pass
        elif proto is not None:
            if hasattr(proto, "spec") and proto.spec:
                parts.append(json.dumps(json.loads(proto.spec), ensure_ascii=False))
            else:
                parts.append(MessageToString(proto, as_utf8=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for table in at.table:
        parts.append(table.value.to_csv())
    return "\n".join(parts)


def file_text(name: str, content: bytes) -> str:
    """The words of a downloaded file: the XML parts of an Office file (and of the workbooks a
    PPTX embeds for its charts), else the text."""
    if content[:2] == b"PK":
        out = []
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            for member in book.namelist():
                data = book.read(member)
                if member.endswith(".xml"):  # characters may be written as &#27494; references
                    out.append(html.unescape(data.decode("utf-8", "replace")))
                elif member.endswith(".xlsx"):
                    out.append(file_text(member, data))
        return "\n".join(out)
    return content.decode("utf-8-sig", "replace")


def leaks(text: str, others: tuple[set[str], set[str]]) -> list[str]:
    """Codes and names of divisions outside the scope found in `text`; the source report's own
    sentences, quoted beside the reported figures, are public text and read as such."""
    codes, names = others
    text = text.replace("\\", "")  # markdown's and the message format's escapes
    for sentence in QUOTED:
        text = text.replace(sentence, "")
    found = sorted({c for c in CODE.findall(text) if c in codes})
    return found + sorted(n for n in names if n in text)


@pytest.mark.parametrize("page", PAGES)
def test_a_district_office_sees_no_other_districts_streets_or_communities(
    site, others, monkeypatch, downloads, page
):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(site))
    for query in LINKS:
        at = signed_in("wuchang-office", query)
        at.run()
        told = [i.value for i in at.info if "链接中的部分参数无效" in i.value]
        if "street" in query:  # a crafted link: the notice an unknown code gets, no error
            assert told and "街道" in told[0] and "社区" in told[0], told
        at.switch_page(f"pages/{page}.py")
        for key in state.LAZY_SECTIONS:
            at.session_state[key] = True
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        text = page_text(at)
        assert "武昌区民政局" in text, "the sidebar names who is signed in"
        assert not leaks(text, others), (page, query, leaks(text, others)[:5])
    assert downloads, "the page offers downloads"
    for name, content in downloads:
        assert not leaks(file_text(name, content), others), (page, name)


def test_every_slide_of_the_deck_keeps_to_the_office_s_scope(site, others, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(site))
    at = signed_in("wuchang-office", {})
    at.run()
    at.switch_page("pages/present.py").run()
    count = int(re.search(r"共(\d+)页", page_text(at)).group(1))
    assert count > 15, count
    for number in range(1, count + 1):
        at.query_params[state_slide()] = str(number)
        at.run()
        assert not at.exception, number
        assert not leaks(page_text(at), others), (number, leaks(page_text(at), others)[:5])


def state_slide() -> str:
    from govdash.app.panels.present import SLIDE_PARAM

    return SLIDE_PARAM


def test_a_city_user_s_walk_finds_what_the_office_may_not_see(site, others, monkeypatch, downloads):
    """The search above can fail: the same pages as a city user show other districts' rows."""
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(site))
    at = signed_in("city-analyst", {"district": JIANGHAN})
    at.run()
    at.switch_page("pages/activities.py").run()
    assert not at.exception
    assert leaks(page_text(at), others)
    assert any(leaks(file_text(n, c), others) for n, c in downloads)


def test_the_command_line_writes_only_the_office_s_divisions(site, others, tmp_path):
    export = run_cli(site, "export", "--user", "wuchang-office", "--out", str(tmp_path / "x"))
    assert export.returncode == 0, export.stderr
    brief = run_cli(site, "briefing", "--user", "wuchang-office", "--formats", "pptx,xlsx,html",
                    "--out", str(tmp_path / "b"))  # fmt: skip
    assert brief.returncode == 0, brief.stderr
    files = [*(tmp_path / "x").iterdir(), *(tmp_path / "b").iterdir()]
    assert {f.suffix for f in files} >= {".xlsx", ".pptx", ".html"}
    for path in files:
        text = file_text(path.name, path.read_bytes())
        assert not leaks(text, others), (path.name, leaks(text, others)[:5])
    assert "武昌" in file_text("x.xlsx", next((tmp_path / "x").glob("*.xlsx")).read_bytes())
    refused = run_cli(site, "export", "--out", str(tmp_path / "y"))
    assert refused.returncode != 0 and "--user" in refused.stderr
    city = run_cli(site, "export", "--user", "city-analyst", "--out", str(tmp_path / "z"))
    assert city.returncode == 0, city.stderr
    whole = "\n".join(file_text(p.name, p.read_bytes()) for p in (tmp_path / "z").iterdir())
    assert leaks(whole, others), "a city user's export holds every district"


def test_a_playlist_of_another_district_s_community_plays_within_the_office_s_scope(
    site, others, monkeypatch, downloads
):
    """A playlist someone made of 江汉区's community and its streets' ranking, played by
    武昌区's office: each view falls back as its link would, and neither the slides nor the
    PPTX, workbook and report show a 江汉区 street or community."""
    folder = site / "playlists"
    folder.mkdir(exist_ok=True)
    views = [
        {"name": "社区成效", "page": "outcomes",
         "params": {"district": JIANGHAN, "street": JIANGHAN + "001",
                    "community": JIANGHAN + "001001"}},
        {"name": "街道排名", "page": "districts",
         "params": {"district": JIANGHAN, "metric": "registered_volunteers"}},
    ]  # fmt: skip
    body = {"format": "govdash-playlist", "version": 1, "name": "江汉区交流", "views": views,
            "owner": "city-analyst"}  # fmt: skip
    (folder / "pl-0000scope1.json").write_text(json.dumps(body, ensure_ascii=False))
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(site))
    monkeypatch.delenv("GOVDASH_PLAYLISTS_DIR", raising=False)
    for number in (1, 2, 3):
        at = signed_in("wuchang-office", {"playlist": "pl-0000scope1", state_slide(): str(number)})
        at.run()
        at.switch_page("pages/present.py").run()
        assert not at.exception, number
        # The notices quote the playlist file's own views (their names and parameters), as a
        # link's notice quotes the link: the file's text, not the snapshot's.
        quoted = [w.value for w in at.warning if "0000scope1" in w.value]
        assert quoted, "each view that falls back is named"
        text = page_text(at, skip=lambda body: "0000scope1" in body)
        assert not leaks(text, others), (number, leaks(text, others)[:5])
    files = {name.rsplit(".", 1)[-1] for name, _ in downloads}
    assert {"pptx", "xlsx", "html"} <= files, files
    for name, content in downloads:  # the playlist's own file (its export) holds what it says
        if not name.endswith(".json"):
            assert not leaks(file_text(name, content), others), name
