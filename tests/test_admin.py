"""Snapshot management and the import page: template, diff, explicit retention, completeness,
and the lock on the page (admin token compared in constant time with attempts limited per client
across sessions, OIDC with a verified allow-list, or nothing without config)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from app_runner import AUTH, sign_in
from streamlit.testing.v1 import AppTest

from govdash.cli import main
from govdash.core.data.contract import TABLES
from govdash.core.data.snapshot import scan_snapshots
from govdash.core.engine.publish import write_snapshot
from govdash.core.engine.query import connect
from govdash.core.measures.admin import completeness, metric_diff, prune_plan, table_diff
from govdash.core.rules.access import LOCKOUTS, UNKNOWN_CLIENT, Attempts, is_admin

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
JULY = dt.date(2025, 7, 1)
TOKEN = "s3cret-token-for-the-tests"  # at least MIN_TOKEN_LENGTH characters


@pytest.fixture(autouse=True)
def no_lockouts():
    """The lockout registry is the process's: every AppTest here shares it, so each test starts
    and ends with it empty."""
    LOCKOUTS.clear()
    yield
    LOCKOUTS.clear()


@pytest.fixture()
def two(snapshot, tmp_path):
    """The demo and a revision of it: 武昌区's July reports dropped (codes ending 001–030), one figure corrected."""
    tables = {n: pq.read_table(snapshot.table_path(n)) for n in TABLES if snapshot.has_table(n)}
    older = write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=tmp_path)
    head = tables["headcounts"]
    wuchang_july = pc.and_(
        pc.equal(head["month"], pa.scalar(JULY, pa.date32())),
        pc.starts_with(head["community_code"], "420106"),
    )
    drop = pc.and_(
        wuchang_july,
        pc.less(pc.cast(pc.utf8_slice_codeunits(head["community_code"], 9, 12), pa.int32()), 31),
    )
    revised = dict(tables)
    revised["headcounts"] = head.filter(pc.invert(drop))
    facts = tables["reported_facts"].to_pandas()
    revised["reported_facts"] = pa.Table.from_pandas(facts, preserve_index=False)
    newer = write_snapshot(revised, as_of=snapshot.as_of, provenance="imported", root=tmp_path)
    return tmp_path, older, newer, int(pc.sum(pc.cast(drop, pa.int64())).as_py())


def test_template_cli_writes_every_sheet_with_headers_and_drop_downs(snapshot, tmp_path, capsys):
    out = tmp_path / "模板.xlsx"
    code = main(["--data-dir", str(snapshot.path.parent), "template", "--out", str(out)])
    assert code == 0 and out.exists()
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["说明", "行政区划"]
    sheet = book["服务活动"]
    assert sheet["A1"].value == "活动编号" and sheet["A2"].value == "activity_id"
    assert sheet.data_validations.dataValidation, "category and division drop-downs"


def test_diff_lists_changed_tables_and_district_figures(two, capsys):
    root, older, newer, dropped = two
    tables = {d.table: d for d in table_diff(older, newer)}
    assert tables["headcounts"].removed == dropped and tables["headcounts"].added == 0
    assert tables["activities"].removed == tables["activities"].changed == 0
    changes = metric_diff(connect(older.path.parent), older, newer)
    wuchang = changes[changes["division_code"] == "420106"]
    assert "registered_volunteers" in set(wuchang["metric"])
    assert set(changes["division_code"]) == {"420106"}, "only the district that changed"
    code = main(["--data-dir", str(root), "snapshots", "diff", older.id, newer.id])
    printed = capsys.readouterr().out
    assert code == 0 and f"-{dropped:,}" in printed and "420106" in printed


def test_prune_deletes_only_when_asked_and_keeps_the_newest(two, capsys):
    root, older, newer, _ = two
    assert main(["--data-dir", str(root), "snapshots", "prune"]) == 2
    assert main(["--data-dir", str(root), "snapshots", "prune", "--keep", "1"]) == 0
    assert "would delete" in capsys.readouterr().out
    assert len(scan_snapshots(root)[0]) == 2
    assert prune_plan(root, 0).keep == [newer], "keep 0 still keeps the newest"
    assert main(["--data-dir", str(root), "snapshots", "prune", "--keep", "1", "--yes"]) == 0
    assert [s.id for s in scan_snapshots(root)[0]] == [newer.id]
    assert not list(root.glob(".trash-*"))


def test_completeness_counts_missing_reports_never_zero(two, capsys):
    root, older, newer, dropped = two
    con = connect(root)
    before = completeness(con, older, JULY, JULY).set_index("district_code")
    after = completeness(con, newer, JULY, JULY).set_index("district_code")
    assert (after["reported"] + after["missing"] == after["communities"]).all()
    assert after.at["420106", "missing"] - before.at["420106", "missing"] == dropped
    others = after.index != "420106"
    assert (after.loc[others, "missing"] == before.loc[others, "missing"]).all()
    assert main(["--data-dir", str(root), "completeness", "--snapshot", newer.id]) == 1
    wuchang = after.loc["420106"]
    assert f"420106  {wuchang['reported']:>5,d} of" in capsys.readouterr().out


def test_data_page_shows_missing_reports_and_the_snapshot_diff(two, monkeypatch):
    root, older, newer, dropped = two
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    at.query_params["details"] = "true"  # the snapshot diff and SQL are an analyst's details
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    con = connect(root)
    missing = int(completeness(con, newer, JULY, JULY)["missing"].sum())
    assert missing > dropped, "the demo's own late reports and the 30 dropped ones"
    assert any(f"有{missing}个社区尚未提交月报" in w.value for w in at.warning)
    assert any(e.label == "查看SQL" for e in at.expander)
    diff = [df.value for df in at.dataframe if "新增" in df.value.columns]
    assert diff and diff[0].set_index("数据表").loc["月度人员与队伍", "删除"] == dropped


def _import_page(monkeypatch, token: str | None) -> AppTest:
    monkeypatch.delenv("GOVDASH_ADMIN_TOKEN", raising=False)
    if token:
        monkeypatch.setenv("GOVDASH_ADMIN_TOKEN", token)
    at = AppTest.from_file(DASHBOARD, default_timeout=180).run()
    return at.switch_page("pages/import.py").run()


def test_import_page_is_locked_without_configuration(snapshot, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = _import_page(monkeypatch, None)
    assert not at.exception
    assert any("数据导入已锁定" in w.value for w in at.warning)
    assert "admin_token" in at.code[0].value and "[auth]" in at.code[0].value
    assert not at.get("file_uploader")
    assert any(b.label == "下载填报模板（XLSX）" for b in at.get("download_button"))


def test_import_page_unlocks_only_with_the_right_token(snapshot, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = _import_page(monkeypatch, TOKEN)

    def unlock(token: str) -> None:
        at.text_input[0].input(token)
        next(b for b in at.button if b.label == "解锁").click().run()

    unlock("wrong")
    assert any("口令不正确" in e.value for e in at.error)
    assert not at.get("file_uploader")
    unlock(TOKEN)
    assert not at.exception
    assert at.get("file_uploader"), "unlocked: the upload is offered"


def test_with_oidc_configured_the_page_asks_for_login_and_offers_no_upload(snapshot, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.setenv("GOVDASH_ADMIN_TOKEN", "ignored-when-oidc-is-configured")
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-secret",
        "client_id": "govdash",
        "client_secret": "x",
        "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration",
    }
    at.secrets["govdash"] = {"admins": ["official@example.org"]}
    at.run()
    at.switch_page("pages/import.py").run()
    assert not at.exception
    assert any("请先登录" in i.value for i in at.info)
    assert any(b.label == "登录" for b in at.button)
    assert not at.get("file_uploader") and not at.text_input


@pytest.mark.parametrize(
    ("configured", "email", "allowed"),
    [
        (["official@example.org"], "official@example.org", True),
        (["Official@Example.org"], "official@example.ORG", True),
        (["official@example.org"], "fficial@example.org", False),
        # Written as a string: one address (or a comma-separated few), never a text to search.
        ("official@example.org", "official@example.org", True),
        ("official@example.org", "l@example.org", False),
        ("official@example.org", "", False),
        ("official@example.org", "example", False),
        ("a@x.org, b@y.org", "b@y.org", True),
        ("a@x.org, b@y.org", "a@x.org, b@y.org", False),
        (["official@example.org"], None, False),  # a user without an email
        (["official@example.org"], 42, False),
        ([], "official@example.org", False),
        (None, "official@example.org", False),
        ({"official@example.org": True}, "official@example.org", False),
        ([None, 3, ""], "", False),
    ],
)
def test_the_admin_allow_list_matches_whole_addresses(configured, email, allowed):
    assert is_admin({"email": email, "email_verified": True}, configured) is allowed


def test_token_attempts_lock_a_session_out_and_back_in():
    attempts = Attempts()
    for _ in range(4):
        attempts.fail(now=100.0)
    assert attempts.locked_for(now=100.0) == 0, "four mistakes are allowed"
    attempts.fail(now=100.0)
    assert attempts.locked_for(now=100.0) == 60.0
    assert attempts.locked_for(now=161.0) == 0
    attempts.fail(now=161.0)
    assert attempts.locked_for(now=161.0) == 120.0, "each further failure doubles the wait"
    attempts.succeed()
    assert attempts.failures == 0 and attempts.locked_for(now=161.0) == 0


def test_wrong_tokens_lock_the_form_and_the_log_never_holds_a_token(snapshot, monkeypatch, caplog):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = _import_page(monkeypatch, TOKEN)
    for i in range(5):
        at.text_input[0].input(f"guess-{i}-s3cret")
        next(b for b in at.button if b.label == "解锁").click().run()
    assert not at.text_input, "locked: no token field"
    assert any("口令错误次数过多" in e.value for e in at.error)
    refusals = [r.getMessage() for r in caplog.records if "admin token refused" in r.getMessage()]
    assert len(refusals) == 5
    assert not any("guess" in r.getMessage() or "s3cret" in r.getMessage() for r in caplog.records)


def _submit(at: AppTest, token: str) -> None:
    at.text_input[0].input(token)
    next(b for b in at.button if b.label in ("解锁", "Unlock")).click().run()


def _refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "admin token refused" in r.getMessage()]


def test_a_reload_or_a_new_session_does_not_reset_the_lockout(snapshot, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = _import_page(monkeypatch, TOKEN)
    for i in range(5):
        _submit(at, f"guess-{i}-s3cret")
    assert any("口令错误次数过多" in e.value for e in at.error)
    # A reload is a new session: AppTest has no client address (st.context.ip_address is not
    # an address there), so both count against the shared "unknown" bucket, as behind a proxy.
    again = AppTest.from_file(DASHBOARD, default_timeout=180)
    again.query_params["lang"] = "English"
    again.run()
    again.switch_page("pages/import.py").run()
    assert not again.exception
    assert not again.text_input, "still locked: no token field"
    wait = [e.value for e in again.error if "Too many wrong tokens" in e.value]
    assert wait and re.search(r"try again in (1 min|\d{1,2} s) ", wait[0]), wait
    assert LOCKOUTS.locked_for(UNKNOWN_CLIENT) > 0


def test_a_wrong_token_left_in_the_box_counts_once(snapshot, monkeypatch, caplog):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = _import_page(monkeypatch, TOKEN)
    _submit(at, "one-typo-s3cret-token")
    assert any("口令不正确" in e.value for e in at.error)
    for _ in range(5):  # reruns (another widget, a reload of the page's data) submit nothing
        at.run()
    assert not at.exception
    assert at.text_input, "one typo never locks a user out"
    _submit(at, "one-typo-s3cret-token")  # the same token sent again is still one attempt
    assert len(_refusals(caplog)) == 1
    _submit(at, TOKEN)
    assert at.get("file_uploader"), "unlocked"


def test_a_short_configured_token_keeps_the_page_locked_and_says_how_to_make_one(
    snapshot, monkeypatch
):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = _import_page(monkeypatch, "abc")
    assert not at.exception
    assert not at.text_input and not at.get("file_uploader"), "no way in, not even with abc"
    assert any("管理员口令太短（至少需要16个字符）" in e.value for e in at.error)
    assert "secrets.token_urlsafe(24)" in at.code[0].value
    assert "GOVDASH_ADMIN_TOKEN" in at.code[0].value


def _signed_in(monkeypatch, snapshot, user: dict) -> AppTest:
    """The import page for a user signed in through OIDC (st.user's claims as given)."""
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    at.secrets["auth"] = AUTH
    at.secrets["govdash"] = {"admins": ["official@example.org", "kate@example.org"]}
    sign_in(at, {"is_logged_in": True, **user})
    at.run()
    return at.switch_page("pages/import.py").run()


def test_a_verified_admin_signed_in_gets_the_upload(snapshot, monkeypatch):
    at = _signed_in(
        monkeypatch, snapshot, {"email": "Official@example.org", "email_verified": True}
    )
    assert not at.exception
    assert at.get("file_uploader")


@pytest.mark.parametrize(
    ("user", "message"),
    [
        # No email_verified claim at all: refused, and the page says why.
        ({"email": "official@example.org"}, "没有说明邮箱"),
        ({"email": "official@example.org", "email_verified": False}, "尚未验证"),
        # A Kelvin sign is "k" after lower() or NFKC, but it is not kate's address.
        ({"email": "\u212aate@example.org", "email_verified": True}, "规范化后会改变"),
    ],
    ids=["claim-absent", "unverified", "kelvin-sign"],
)
def test_an_unverified_or_look_alike_address_is_refused(
    snapshot, monkeypatch, caplog, user, message
):
    at = _signed_in(monkeypatch, snapshot, user)
    assert not at.exception
    assert not at.get("file_uploader")
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    refusals = [
        r.getMessage() for r in caplog.records if "refused to a signed-in" in r.getMessage()
    ]
    assert refusals, "the refusal is logged"
    assert not any("ate@example.org" in r.getMessage() for r in caplog.records), "not the address"


def _admin_probe():
    """A page that asks session_is_admin (as another page would, to show server paths)."""
    import streamlit as st

    from govdash.app import signin

    if st.button("unlock"):  # what the import page does after the right token
        signin.remember_unlock(signin.admin_token())
    st.text(f"admin={signin.session_is_admin()}")


def _probe(at: AppTest) -> bool:
    return {"admin=True": True, "admin=False": False}[at.text[0].value]


def test_session_is_admin_follows_the_token_unlock(monkeypatch):
    monkeypatch.setenv("GOVDASH_ADMIN_TOKEN", TOKEN)
    at = AppTest.from_function(_admin_probe, default_timeout=30).run()
    assert not at.exception and _probe(at) is False
    at.button[0].click().run()
    assert _probe(at) is True
    monkeypatch.setenv("GOVDASH_ADMIN_TOKEN", TOKEN + "-rotated")
    assert _probe(at.run()) is False, "a changed token locks the sessions the old one unlocked"
    monkeypatch.setenv("GOVDASH_ADMIN_TOKEN", "short")
    assert _probe(at.button[0].click().run()) is False, "a too short token unlocks nothing"
    monkeypatch.delenv("GOVDASH_ADMIN_TOKEN")
    assert _probe(at.run()) is False


@pytest.mark.parametrize(
    ("user", "admin"),
    [
        ({"is_logged_in": True, "email": "official@example.org", "email_verified": True}, True),
        ({"is_logged_in": True, "email": "official@example.org"}, False),
        ({"is_logged_in": True, "email": "someone@example.org", "email_verified": True}, False),
        ({"email": "official@example.org", "email_verified": True}, False),  # not signed in
    ],
)
def test_session_is_admin_follows_the_oidc_allow_list(monkeypatch, user, admin):
    monkeypatch.setenv("GOVDASH_ADMIN_TOKEN", TOKEN)  # ignored when OIDC is configured
    at = AppTest.from_function(_admin_probe, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.secrets["govdash"] = {"admins": ["official@example.org"]}
    sign_in(at, user)
    at.run()
    assert not at.exception
    assert _probe(at.button[0].click().run()) is admin
