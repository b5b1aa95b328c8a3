"""Server paths never reach a visitor (issue 24): a damaged snapshot is named by its id and a
reason in a few words on every page; the file's path is in the log and shown to a signed-in
admin only, and so is the snapshot folder under 显示技术细节."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from app_runner import AUTH, sign_in
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
ADMIN = {"is_logged_in": True, "email": "official@example.org", "email_verified": True}
PAGES = ["overview", "districts", "community", "activities", "outcomes", "data", "present"]


@pytest.fixture()
def damaged_root(snapshot_copy, tmp_path) -> tuple[Path, str]:
    """The demo beside a newer copy of it whose teams file was changed after it was written."""
    import shutil

    root, snap = snapshot_copy
    newer_id = "2025-07-19-demo-0123456789"
    newer = root / newer_id
    shutil.copytree(snap.path, newer)
    manifest = (newer / "manifest.json").read_text(encoding="utf-8")
    (newer / "manifest.json").write_text(
        manifest.replace(snap.id, newer_id).replace(snap.as_of.isoformat(), "2025-07-19"),
        encoding="utf-8",
    )
    with open(newer / "teams.parquet", "ab") as fh:
        fh.write(b"tampered")
    return root, newer_id


def _page(root: Path, page: str, monkeypatch, user: dict | None = None, details: bool = False):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    if user is not None:
        at.secrets["auth"] = AUTH
        at.secrets["govdash"] = {"admins": ["official@example.org"]}
        sign_in(at, user)
    if details:
        at.query_params["details"] = "true"
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    return at


def _shown(at: AppTest) -> str:
    """Every text a visitor reads: messages, markdown, captions and table cells."""
    parts = [e.value for kind in ("warning", "error", "info", "markdown", "caption")
             for e in getattr(at, kind)]  # fmt: skip
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for table in at.table:
        parts.append(table.value.to_csv())
    # As read on screen: Markdown's escapes (2025\-07) taken off, so an escaped path still counts.
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


@pytest.mark.parametrize("page", PAGES)
def test_a_visitor_sees_the_snapshot_id_and_a_reason_never_a_path(
    damaged_root, monkeypatch, caplog, page
):
    root, newer = damaged_root
    with caplog.at_level(logging.WARNING, logger="govdash.core.data.snapshot"):
        at = _page(root, page, monkeypatch, details=True)
    shown = _shown(at)
    assert f"数据快照 {newer} 已跳过：文件损坏" in shown
    assert str(root) not in shown and "teams.parquet" not in shown and "/tmp" not in shown
    assert "存放位置" not in shown


def test_the_path_goes_to_the_log(damaged_root, monkeypatch, caplog):
    from govdash.core.data import snapshot

    snapshot._LOGGED.clear()
    root, newer = damaged_root
    with caplog.at_level(logging.WARNING, logger="govdash.core.data.snapshot"):
        _page(root, "overview", monkeypatch)
    logged = [r.getMessage() for r in caplog.records if r.name == "govdash.core.data.snapshot"]
    assert any(str(root / newer / "teams.parquet") in m and "checksum" in m for m in logged)


def test_a_signed_in_admin_sees_the_path_and_the_folder(damaged_root, monkeypatch):
    root, newer = damaged_root
    at = _page(root, "data", monkeypatch, user=ADMIN, details=True)
    shown = _shown(at)
    assert str(root / newer / "teams.parquet") in shown
    assert "存放位置" in shown and str(root) in shown


def test_a_signed_in_user_who_is_not_an_admin_is_a_visitor(damaged_root, monkeypatch):
    root, newer = damaged_root
    stranger = {**ADMIN, "email": "someone@example.org"}
    at = _page(root, "data", monkeypatch, user=stranger, details=True)
    shown = _shown(at)
    assert f"数据快照 {newer} 已跳过" in shown and str(root) not in shown


def test_with_no_good_snapshot_a_visitor_is_told_to_ask_the_admin(snapshot_copy, monkeypatch):
    root, snap = snapshot_copy
    with open(root / snap.id / "teams.parquet", "ab") as fh:
        fh.write(b"tampered")
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180).run()
    shown = _shown(at)
    assert f"没有可用的数据快照：{snap.id}（文件损坏）" in shown and "联系管理员" in shown
    assert str(root) not in shown
