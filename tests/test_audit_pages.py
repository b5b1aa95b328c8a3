"""The pages write the audit trail too (issue 26): an unlock with the admin token, each wrong
token and the lockout it starts, a signed-in admin (once per session, not per rerun), and every
playlist saved, changed or deleted, each with who and when."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_runner import AUTH, run_page, sign_in
from streamlit.testing.v1 import AppTest

from govdash.core.data.audit import read_trail
from govdash.core.rules.access import LOCKOUTS, MAX_FAILURES

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
TOKEN = "s3cret-token-for-the-tests"


@pytest.fixture()
def root(snapshot_copy, monkeypatch) -> Path:
    folder, _ = snapshot_copy
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(folder))
    monkeypatch.setenv("GOVDASH_PLAYLISTS_DIR", str(folder / "playlists"))
    LOCKOUTS.clear()
    yield folder
    LOCKOUTS.clear()


def _import_page(monkeypatch) -> AppTest:
    monkeypatch.setenv("GOVDASH_ADMIN_TOKEN", TOKEN)
    at = AppTest.from_file(DASHBOARD, default_timeout=180).run()
    return at.switch_page("pages/import.py").run()


def _submit(at: AppTest, token: str) -> None:
    at.text_input[0].input(token)
    next(b for b in at.button if b.label in ("解锁", "Unlock")).click().run()


def _trail(root: Path) -> list[tuple[str, str]]:
    return [(e.action, e.who) for e in read_trail(root).entries]


def test_an_unlock_and_a_wrong_token_are_in_the_trail(root, monkeypatch):
    at = _import_page(monkeypatch)
    _submit(at, "a-wrong-token-of-some-length")
    for _ in range(3):
        at.run()  # reruns add nothing
    _submit(at, TOKEN)
    assert at.get("file_uploader")
    entries = read_trail(root).entries
    assert [(e.action, e.who) for e in entries] == [
        ("refusal", "visitor"), ("sign_in", "admin-token"),
    ]  # fmt: skip
    assert entries[0].detail == {"reason": "wrong_token", "failures": 1}
    assert entries[1].detail == {"method": "token"} and entries[1].at


def test_a_lockout_is_in_the_trail(root, monkeypatch):
    at = _import_page(monkeypatch)
    for i in range(MAX_FAILURES):
        _submit(at, f"wrong-token-number-{i:02d}-xx")
    actions = [a for a, _ in _trail(root)]
    assert actions == ["refusal"] * MAX_FAILURES + ["lockout"]
    assert read_trail(root).entries[-1].detail["seconds"] > 0


def _signed_in(email: str) -> AppTest:
    """The import page for a user signed in through OIDC with a verified address."""
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    at.secrets["auth"] = AUTH
    at.secrets["govdash"] = {"admins": ["official@example.org"]}
    sign_in(at, {"is_logged_in": True, "email": email, "email_verified": True})
    at.run()
    return at.switch_page("pages/import.py").run()


def test_a_signed_in_admin_is_in_the_trail_once_per_session(root, monkeypatch):
    at = _signed_in("Official@example.org")
    for _ in range(3):
        at.run()
    assert at.get("file_uploader")
    assert _trail(root) == [("sign_in", "official@example.org")]
    _signed_in("x@example.org").run()
    assert _trail(root)[1:] == [("refusal", "x@example.org")]
    assert read_trail(root).entries[1].detail == {"reason": "not_listed"}


def test_playlists_saved_changed_and_deleted_are_in_the_trail(root):
    at = run_page({"district": "420106"}, "pages/overview.py")
    at.text_input(key="playlist-new-name-overview").input("周一例会")
    at.button(key="playlist-save-overview").click().run()
    assert not at.exception
    (saved,) = (root / "playlists").glob("pl-*.json")
    assert at.selectbox(key="playlist-target-overview").value == saved.stem  # its own, again
    at.button(key="playlist-save-overview").click().run()
    assert not at.exception
    entries = read_trail(root).entries
    assert [(e.action, e.who, e.detail["views"]) for e in entries] == [
        ("playlist_save", "visitor", 1), ("playlist_change", "visitor", 2),
    ]  # fmt: skip
    assert entries[0].detail["playlist"] == saved.stem


def test_admins_see_the_trail_on_the_data_page_and_visitors_do_not(root, monkeypatch):
    at = _import_page(monkeypatch)
    _submit(at, "a-wrong-token-of-some-length")
    _submit(at, TOKEN)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert any(h.value == "审计记录" for h in at.subheader)
    (table,) = [d.value for d in at.dataframe if "操作" in d.value.columns]
    assert list(table["操作"]) == ["登录", "拒绝"]  # newest first
    assert list(table["人员"]) == ["admin-token", "visitor"]
    assert "原因：口令不正确" in table["详情"].iloc[1]
    visitor = run_page({}, "pages/data.py")
    assert not any(h.value == "审计记录" for h in visitor.subheader)
    assert not any("操作" in d.value.columns for d in visitor.dataframe)
