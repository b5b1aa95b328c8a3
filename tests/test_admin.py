"""Snapshot management and the import page: template, diff, explicit retention, completeness,
and the lock on the page (admin token compared in constant time, or nothing without config)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from govdash.cli import main
from govdash.core.access import Attempts, is_admin
from govdash.core.admin import completeness, metric_diff, prune_plan, table_diff
from govdash.core.contract import TABLES
from govdash.core.query import connect
from govdash.core.snapshot import scan_snapshots, write_snapshot

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
JULY = dt.date(2025, 7, 1)


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
    at = _import_page(monkeypatch, "s3cret-token")

    def unlock(token: str) -> None:
        at.text_input[0].input(token)
        next(b for b in at.button if b.label == "解锁").click().run()

    unlock("wrong")
    assert any("口令不正确" in e.value for e in at.error)
    assert not at.get("file_uploader")
    unlock("s3cret-token")
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
    assert is_admin(email, configured) is allowed


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
    at = _import_page(monkeypatch, "s3cret-token")
    for i in range(5):
        at.text_input[0].input(f"guess-{i}-s3cret")
        next(b for b in at.button if b.label == "解锁").click().run()
    assert not at.text_input, "locked: no token field"
    assert any("口令错误次数过多" in e.value for e in at.error)
    refusals = [r.getMessage() for r in caplog.records if "admin token refused" in r.getMessage()]
    assert len(refusals) == 5
    assert not any("guess" in r.getMessage() or "s3cret" in r.getMessage() for r in caplog.records)
