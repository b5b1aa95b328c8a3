"""A playlist belongs to whoever created it (issue 26): others may play and copy it, never change
or delete it, neither from the page nor by a forged request; an admin may. Each person keeps at
most MAX_OWN playlists and visitors who are not signed in share one such quota, so nobody can
fill the folder for everyone."""

from __future__ import annotations

import json

import pytest
import streamlit as st
from app_runner import run_page
from test_playlist import _file

from govdash.app.panels import playlists
from govdash.core.data.audit import read_trail
from govdash.core.outputs import playlist as pl
from govdash.core.text.problems import GovdashError

VIEWS = [{"name": "总览", "page": "overview", "params": {}}]


def _stored(folder, owner: str, name: str = "别人的列表") -> pl.Playlist:
    made = pl.Playlist(pl.new_id(name), name, pl.parse_playlist(_file(VIEWS), "a").views, owner)
    pl.save_playlist(folder, made)
    return made


def test_only_the_owner_or_an_admin_changes_or_deletes_a_playlist(tmp_path):
    theirs = _stored(tmp_path, "city-analyst")
    me, admin = pl.Editor("wuchang-office"), pl.Editor("city-admin", admin=True)
    longer = pl.Playlist(theirs.id, theirs.name, theirs.views * 2, theirs.owner)
    with pytest.raises(GovdashError, match="belongs to someone else"):
        pl.save_playlist(tmp_path, longer, me)
    with pytest.raises(GovdashError, match="belongs to someone else"):
        pl.delete_playlist(tmp_path, theirs.id, me)
    # Claiming it by writing oneself in as the owner changes nothing either.
    with pytest.raises(GovdashError):
        pl.save_playlist(tmp_path, pl.Playlist(theirs.id, "x", theirs.views, me.id), me)
    assert pl.load_playlists(tmp_path)[0] == [theirs]
    pl.save_playlist(tmp_path, longer, pl.Editor("city-analyst"))
    pl.save_playlist(tmp_path, longer, admin)
    pl.delete_playlist(tmp_path, theirs.id, admin)
    assert pl.load_playlists(tmp_path)[0] == []


def test_each_person_has_a_quota_and_visitors_share_one(tmp_path):
    for n in range(pl.MAX_OWN):
        _stored(tmp_path, f"{pl.VISITOR_PREFIX}{n:012x}", f"访客{n}")
    fresh = pl.Editor(pl.VISITOR_PREFIX + "ffffffffffff")  # a new session: the same quota
    extra = pl.Playlist(pl.new_id("再一个"), "再一个", pl.parse_playlist(_file(VIEWS), "a").views,
                        fresh.id)  # fmt: skip
    with pytest.raises(GovdashError, match="visitors who are not signed in already keep"):
        pl.save_playlist(tmp_path, extra, fresh)
    person = pl.Editor("wuchang-office")  # a signed-in person still may save
    pl.save_playlist(tmp_path, pl.Playlist(extra.id, extra.name, extra.views, person.id), person)
    for n in range(pl.MAX_OWN - 1):
        _stored(tmp_path, person.id, f"我的{n}")
    with pytest.raises(GovdashError, match="you already keep"):
        pl.save_playlist(tmp_path, pl.Playlist(pl.new_id("z"), "z", extra.views, person.id), person)


def test_the_owner_is_kept_in_the_file_and_left_out_of_a_download(tmp_path):
    made = _stored(tmp_path, "wuchang-office")
    on_disk = json.loads((tmp_path / f"{made.id}.json").read_text(encoding="utf-8"))
    assert on_disk["owner"] == "wuchang-office"
    assert "owner" not in json.loads(made.to_json(owner=False))
    with pytest.raises(GovdashError, match="owner"):
        pl.parse_playlist(_file(VIEWS, owner="../x y"), "bad.json")


def _at(snapshot, monkeypatch, tmp_path, page: str, **query):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.setenv("GOVDASH_PLAYLISTS_DIR", str(tmp_path))
    return run_page(query, page)


def test_a_visitor_plays_and_copies_someone_elses_playlist_but_cannot_change_it(
    snapshot, monkeypatch, tmp_path
):
    owner = _at(snapshot, monkeypatch, tmp_path, "pages/overview.py")
    owner.text_input(key="playlist-new-name-overview").input("别人的列表")
    owner.button(key="playlist-save-overview").click().run()
    (theirs,) = tmp_path.glob("pl-*.json")
    before = theirs.read_bytes()

    visitor = _at(snapshot, monkeypatch, tmp_path, "pages/present.py", playlist=theirs.stem)
    assert "<h1>" in " ".join(h.proto.body for h in visitor.get("html")), "it plays"
    assert not visitor.get("arrow_data_editor"), "no order table for someone else's playlist"
    assert not [b for b in visitor.button if b.key == "playlist-save-order"]
    assert any("由他人创建" in c.value for c in visitor.caption)
    visitor.button(key="playlist-copy").click().run()
    copies = [p for p in tmp_path.glob("pl-*.json") if p != theirs]
    assert len(copies) == 1 and theirs.read_bytes() == before
    copy = json.loads(copies[0].read_text(encoding="utf-8"))
    assert copy["name"] == "别人的列表（副本）" and copy["owner"] != json.loads(before)["owner"]

    # Forged requests: a file whose owner and id claim the other's playlist is imported as the
    # importer's own new one; a save whose target names the other's playlist (as a crafted
    # widget state would reach the save's callback) is refused by the write and audited.
    forger = _at(snapshot, monkeypatch, tmp_path, "pages/overview.py")
    assert theirs.stem not in forger.selectbox(key="playlist-target-overview").options
    claimed = json.loads(before)
    st.session_state.clear()
    st.session_state["playlist-target-overview"] = theirs.stem
    st.session_state["playlist-view-name-overview"] = "伪造"
    me = pl.Editor(pl.VISITOR_PREFIX + "0123456789ab")
    playlists._save_clicked(str(snapshot.path.parent), str(tmp_path), "overview", {}, "zh", me)
    assert theirs.read_bytes() == before, "someone else's playlist is unchanged"
    assert "属于他人" in " ".join(st.session_state.get(playlists.PROBLEM, []))
    refused = [e for e in read_trail(snapshot.path.parent).entries if e.action == "refusal"
               and e.detail.get("playlist") == theirs.stem]  # fmt: skip
    assert refused, "the refusal is in the audit trail"
    st.session_state.clear()
    st.session_state[playlists.IMPORT] = Upload(json.dumps(claimed, ensure_ascii=False))
    playlists._import_clicked(str(snapshot.path.parent), str(tmp_path), "zh", me)
    assert theirs.read_bytes() == before
    imported = [json.loads(p.read_text(encoding="utf-8")) for p in tmp_path.glob("pl-*.json")]
    assert sum(body.get("owner") == me.id for body in imported) == 1
    st.session_state.clear()


class Upload:
    """What st.file_uploader hands a callback: a name and the bytes."""

    def __init__(self, text: str) -> None:
        self.name, self._data = "claimed.json", text.encode("utf-8")

    def getvalue(self) -> bytes:
        return self._data
