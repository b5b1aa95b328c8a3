"""Real Streamlit (AppTest) on a real snapshot: every page renders, in both languages, with true figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


@pytest.fixture()
def app_env(snapshot, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    return snapshot


def _run(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["中文", "English"])
def test_every_page_renders_in_both_languages(app_env, page, lang):
    at = _run({"lang": lang})
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error
    text = " ".join(x.value for x in [*at.title, *at.markdown, *at.caption])
    assert ("武汉" in text) == (lang == "中文")


def test_overview_kpi_equals_an_independent_duckdb_aggregate(app_env, con):
    at = _run()
    cards = {m.label: m for m in at.metric}
    assert len(cards) == 7
    snapshot = app_env
    volunteers = con.execute(
        "select sum(registered_volunteers) from read_parquet($p) where month = $m",
        {"p": str(snapshot.table_path("headcounts")), "m": snapshot.as_of.replace(day=1)},
    ).fetchone()[0]
    from govdash.fmt import number

    assert cards["注册志愿者"].value == number(volunteers, "zh") + "名"
    june = con.execute(
        "select count(*) from read_parquet($p) where date between '2025-06-01' and '2025-06-30'",
        {"p": str(snapshot.table_path("activities"))},
    ).fetchone()[0]
    assert cards["服务活动"].value == number(june, "zh") + "场"


def test_demo_banner_and_snapshot_caption(app_env):
    at = _run()
    assert any("演示数据" in w.value for w in at.warning)
    assert any(app_env.id in c.value and "演示数据" in c.value for c in at.caption)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "服务活动" in figure["layout"]["title"]["text"]


def test_bad_snapshot_shows_chinese_error_not_traceback(snapshot, tmp_path, monkeypatch):
    bad = tmp_path / snapshot.id
    bad.mkdir()
    for f in snapshot.path.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["schema_version"] = 7
    (bad / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(tmp_path))
    at = _run()
    assert not at.exception
    assert at.error and "不支持的数据契约版本" in at.error[0].value
    assert "python -m govdash demo" in at.info[0].value


def test_missing_configured_folder_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(tmp_path / "missing"))
    at = _run()
    assert not at.exception
    assert "数据文件夹不存在" in at.error[0].value
    assert not (tmp_path / "missing").exists()  # a typo is not silently turned into a new folder
