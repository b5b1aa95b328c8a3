"""Signing in for real (issue 26): Chromium, the dashboard and a local OpenID Connect provider,
with no outside service.

The provider is oidc-provider-mock (PyPI), a maintained test provider built on Authlib, the
library Streamlit's own `st.login` uses: it serves discovery, signed ID tokens and the
authorisation-code flow, and offers its predefined users as one-click buttons, so the browser
goes through every redirect a real provider makes. A city analyst and 武昌区's office (both in
the test's access.toml by address) sign in; the office sees its own district only below the
districts, cannot change the analyst's playlist but may copy it; an address the file does not
name is refused; every sign-in and refusal is in the audit trail."""

from __future__ import annotations

import json
import os
import shutil
import threading

import pytest
from chromium import CHROMIUM, launched
from test_browser import _free_port, _settled, _shot, _start, _stop

from govdash.core.data.audit import read_trail
from govdash.core.outputs import playlist as pl
from govdash.core.rules.roles import ACCESS_FILE, token_digest

pytestmark = pytest.mark.browser

PEOPLE = {
    "city": ("analyst@city.example.gov.cn", "city-analyst"),
    "wuchang": ("office@wuchang.example.gov.cn", "wuchang-office"),
    "stranger": ("someone@else.example.org", None),
}
ACCESS = """
mode = "signed-in"

[[people]]
id = "city-analyst"
name = "市民政局数据科"
email = "analyst@city.example.gov.cn"
rights = ["view", "present", "import"]

[[people]]
id = "wuchang-office"
name = "武昌区民政局"
email = "office@wuchang.example.gov.cn"
token_sha256 = "{digest}"
scope = ["420106"]
rights = ["view", "present", "import"]
"""
TOKEN = "wuchang-office-token-0123456789"
PLAYLIST = "pl-0c17a0a1a5"


@pytest.fixture(scope="module")
def provider():
    """The OIDC provider on a free local port, its users verified by address."""
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on localhost
    import werkzeug.serving
    from oidc_provider_mock import User, app

    users = [User(sub=sub, claims={"email": email, "email_verified": True})
             for sub, (email, _) in PEOPLE.items()]  # fmt: skip
    port = _free_port()
    server = werkzeug.serving.make_server("127.0.0.1", port, app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="module")
def site(snapshot, tmp_path_factory, provider):
    """The dashboard on the demo with the access file, [auth] pointing at the provider, and a
    playlist the city analyst owns."""
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip("Debian chromium is not installed (CI installs it)")
    root = tmp_path_factory.mktemp("signed-in-site")
    shutil.copytree(snapshot.path, root / snapshot.id)
    (root / ACCESS_FILE).write_text(
        ACCESS.replace("{digest}", token_digest(TOKEN)), encoding="utf-8"
    )
    views = [{"name": "武汉市总览", "page": "overview", "params": {}}]
    body = {"format": pl.FORMAT, "version": pl.VERSION, "name": "全市交流会",
            "owner": "city-analyst", "views": views}  # fmt: skip
    (root / "playlists").mkdir()
    (root / "playlists" / f"{PLAYLIST}.json").write_text(json.dumps(body, ensure_ascii=False))
    port = _free_port()
    secrets = root / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "govdash-test-cookie-secret-0123456789"\n'
        'client_id = "govdash"\nclient_secret = "govdash-test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = {"GOVDASH_SNAPSHOTS_DIR": str(root), "GOVDASH_BOUNDARIES": "",
           "GOVDASH_PLAYLISTS_DIR": str(root / "playlists")}  # fmt: skip
    proc, url = _start(env, "--secrets.files", str(secrets), "--server.fileWatcherType", "none",
                       port=port)  # fmt: skip
    yield root, url
    _stop(proc)


@pytest.fixture(scope="module")
def browser():
    with launched() as b:
        yield b


def _sign_in(browser, url: str, provider: str, who: str):
    """A fresh browser (no cookies) through the dashboard's sign-in, the provider's page and
    back; the tab is returned settled on the dashboard."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    tab.goto(url)
    tab.wait_for_selector("h1", timeout=90_000)
    assert "请先登录" in tab.locator('[data-testid="stMain"]').inner_text()
    tab.get_by_role("button", name="通过单点登录进入").click()
    tab.wait_for_url(f"{provider}/**", timeout=30_000)
    tab.get_by_role("button", name=who, exact=True).click()
    tab.wait_for_url(f"{url}/**", timeout=30_000)
    _settled(tab)
    return context, tab


def _sidebar(tab) -> str:
    return tab.locator('[data-testid="stSidebar"]').inner_text()


def test_a_city_user_and_a_district_user_sign_in_through_the_provider(site, browser, provider):
    root, url = site
    context, tab = _sign_in(browser, url, provider, "city")
    assert "已登录：市民政局数据科 · 查看范围：武汉市" in _sidebar(tab)
    tab.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    _shot(tab, "signed-in-city-overview")
    tab.goto(f"{url}/activities?district=420103")
    _settled(tab)
    assert "仅列出您的查看范围" not in tab.locator('[data-testid="stMain"]').inner_text()
    context.close()

    context, tab = _sign_in(browser, url, provider, "wuchang")
    assert "已登录：武昌区民政局 · 查看范围：武昌区" in _sidebar(tab)
    tab.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    _shot(tab, "signed-in-district-overview")
    tab.goto(f"{url}/activities?district=420103")
    _settled(tab)
    main = tab.locator('[data-testid="stMain"]').inner_text()
    assert "此处的街道、社区和明细不在您的查看范围（武昌区）内" in main
    tab.goto(f"{url}/activities")
    _settled(tab)
    assert (
        "仅列出您的查看范围（武昌区）内的明细" in tab.locator('[data-testid="stMain"]').inner_text()
    )
    _shot(tab, "signed-in-district-activities")
    tab.goto(f"{url}/community?district=420103&street=420103001")
    _settled(tab)
    assert "链接中的部分参数无效" in tab.locator('[data-testid="stMain"]').inner_text()
    context.close()
    signed = {(e.who, e.detail.get("method")) for e in read_trail(root).entries
              if e.action == "sign_in"}  # fmt: skip
    assert {("city-analyst", "oidc"), ("wuchang-office", "oidc")} <= signed


def test_an_address_the_access_file_does_not_name_is_refused(site, browser, provider):
    root, url = site
    context, tab = _sign_in(browser, url, provider, "stranger")
    main = tab.locator('[data-testid="stMain"]').inner_text()
    assert "未获授权访问本看板" in main and "someone@else.example.org" in main
    assert tab.get_by_role("button", name="退出登录").count() == 1
    assert tab.locator('[data-testid="stPlotlyChart"]').count() == 0, "nothing of the data"
    context.close()
    assert any(e.action == "refusal" and e.detail.get("reason") == "not_listed"
               for e in read_trail(root).entries)  # fmt: skip


def test_a_district_user_may_play_and_copy_the_city_s_playlist_but_not_change_it(
    site, browser, provider
):
    root, url = site
    before = (root / "playlists" / f"{PLAYLIST}.json").read_bytes()
    context, tab = _sign_in(browser, url, provider, "wuchang")
    tab.goto(f"{url}/present?playlist={PLAYLIST}")
    _settled(tab)
    tab.get_by_role("button", name="列表与下载").click()
    menu = tab.locator('[data-testid="stPopoverBody"]')
    menu.wait_for(timeout=30_000)
    assert "由他人创建" in menu.inner_text()
    assert menu.get_by_role("button", name="保存顺序").count() == 0
    assert menu.locator('[data-testid="stDataFrame"]').count() == 0, "no order table"
    menu.get_by_role("button", name="复制为我的演示列表").click()
    tab.wait_for_function(  # the copy plays: the link names it, not the original
        f"location.search.includes('playlist=pl-') && !location.search.includes('{PLAYLIST}')",
        timeout=30_000,
    )
    _settled(tab)
    context.close()
    assert (root / "playlists" / f"{PLAYLIST}.json").read_bytes() == before
    owners = {json.loads(p.read_text(encoding="utf-8")).get("owner")
              for p in (root / "playlists").glob("pl-*.json")}  # fmt: skip
    assert owners == {"city-analyst", "wuchang-office"}


def _check_upload(tab, url: str, path) -> str:
    """The import page's check of one file on the demo (built on, as the page asks), as text."""
    tab.goto(f"{url}/import")
    _settled(tab)
    tab.get_by_text("演示数据（合并后仍标为演示数据", exact=False).click()
    tab.get_by_text("生成的新快照仍标为“演示数据”").wait_for(timeout=60_000)
    _settled(tab)
    tab.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', [str(path)])
    tab.get_by_text("检查结果").wait_for(timeout=180_000)
    _settled(tab)
    return tab.locator('[data-testid="stMain"]').inner_text()


def test_a_district_office_s_import_of_another_district_s_row_is_refused_on_the_page(
    site, browser, provider, tmp_path
):
    from office_reports import write_csv
    from test_access_cli import HEADCOUNTS, JIANGHAN, ZJW, _row

    root, url = site
    report = write_csv(tmp_path / "七月.csv", HEADCOUNTS, [_row(ZJW, vol="261"), _row(JIANGHAN)])
    context, tab = _sign_in(browser, url, provider, "wuchang")
    shown = _check_upload(tab, url, report)
    _shot(tab, "signed-in-district-import-refused")
    context.close()
    assert "不在您的导入范围内" in shown and "第3行" in shown and JIANGHAN in shown, shown[:2000]
    assert "全部通过检查" not in shown
    refusals = [e for e in read_trail(root).entries
                if e.action == "refusal" and e.detail.get("reason") == "outside_scope"]  # fmt: skip
    assert refusals and refusals[-1].who == "wuchang-office" and refusals[-1].rows == 1

    context, tab = _sign_in(browser, url, provider, "city")
    shown = _check_upload(tab, url, report)
    context.close()
    assert "全部通过检查" in shown and "不在您的导入范围内" not in shown, shown[:2000]


def test_a_sign_in_by_token_lasts_across_tabs_until_the_person_signs_out(site, browser):
    """Without OIDC a person types their token once: the browser keeps a signed pass (never the
    token), so a new tab or a link opens signed in; signing out ends it in every tab."""
    root, url = site
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    tab.goto(url)
    _settled(tab)
    tab.get_by_label("个人口令").fill(TOKEN)
    tab.get_by_role("button", name="登录", exact=True).click()
    tab.get_by_text("已登录：武昌区民政局").wait_for(timeout=60_000)
    _settled(tab)
    tab.wait_for_function("document.cookie.includes('govdash_pass=')", timeout=30_000)
    assert TOKEN not in tab.evaluate("document.cookie")
    other = context.new_page()
    other.goto(f"{url}/districts?district=420106")
    _settled(other)
    assert "已登录：武昌区民政局" in _sidebar(other)
    other.get_by_role("button", name="退出登录").click()
    other.get_by_text("本看板仅对授权人员开放").wait_for(timeout=60_000)
    other.wait_for_function("!document.cookie.includes('govdash_pass=')", timeout=30_000)
    third = context.new_page()
    third.goto(url)
    third.get_by_text("本看板仅对授权人员开放").wait_for(timeout=60_000)
    context.close()
