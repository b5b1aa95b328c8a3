"""A real browser (Playwright driving Debian's Chromium) against a real Streamlit server, offline.

Every non-local request is aborted and recorded; a test fails if the app tried to reach the network.
"""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from chromium import CHROMIUM, launched
from playwright.sync_api import expect

from govdash.core.data.contract import TABLES
from govdash.core.engine.publish import write_snapshot

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
PAGES = ["", "districts", "community", "activities", "outcomes", "present", "data", "import"]
HAN = re.compile(r"[\u4e00-\u9fff]")
XSS = '<img src=x onerror="window.__xss=1">'

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env: dict, *extra: str, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """A Streamlit server on `port` (a free one by default) with `env` and `extra` options."""
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip("Debian chromium is not installed (CI installs it)")
    port = port or _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            *extra,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    # Handshake: the server prints its URL once it listens. A thread keeps draining its output,
    # so a chatty server never blocks on a full pipe.
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    seen: list[str] = []
    while url not in "".join(seen):
        try:
            seen.append(lines.get(timeout=60))
        except queue.Empty:
            proc.kill()
            pytest.fail("streamlit did not start: " + "".join(seen))
    assert urllib.request.urlopen(f"{url}/_stcore/health", timeout=10).read() == b"ok"
    return proc, url


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def server(snapshot):
    proc, url = _start(
        {"GOVDASH_SNAPSHOTS_DIR": str(snapshot.path.parent), "GOVDASH_BOUNDARIES": ""}
    )
    yield url
    _stop(proc)


@pytest.fixture(scope="module")
def hostile_server(snapshot, tmp_path_factory):
    """A snapshot whose district and community names are HTML, plus a boundary file."""
    root = tmp_path_factory.mktemp("hostile")
    tables = {n: pq.read_table(snapshot.table_path(n)) for n in TABLES if snapshot.has_table(n)}
    divisions = tables["divisions"].to_pandas()
    for code in ("420103", "420106012001"):
        row = divisions["code"] == code
        divisions.loc[row, "name_zh"] = XSS + divisions.loc[row, "name_zh"]
        divisions.loc[row, "name_en"] = XSS + divisions.loc[row, "name_en"]
    tables["divisions"] = pa.Table.from_pandas(divisions, preserve_index=False)
    write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=root)
    features = [
        {
            "type": "Feature",
            "properties": {"adcode": code},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [114 + i / 10, 30.5],
                        [114.1 + i / 10, 30.5],
                        [114.1 + i / 10, 30.6],
                        [114 + i / 10, 30.6],
                        [114 + i / 10, 30.5],
                    ]
                ],
            },
        }
        for i, code in enumerate(["420102", "420103", "420104", "420105", "420106"])
    ]
    geojson = root / "districts.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    proc, url = _start({"GOVDASH_SNAPSHOTS_DIR": str(root), "GOVDASH_BOUNDARIES": str(geojson)})
    yield url
    _stop(proc)


@pytest.fixture(scope="module")
def browser():
    with launched() as b:
        yield b


@pytest.fixture()
def page(browser):
    """A 1440×900 tab that aborts every non-local request and fails the test if any was made."""
    tab = browser.new_page(viewport={"width": 1440, "height": 900})
    blocked: list[str] = []
    dialogs: list[str] = []

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    tab.route("**/*", route)
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    yield tab
    tab.close()
    assert blocked == [], f"the app tried to reach the network: {blocked[:3]}"
    assert dialogs == [], f"a script opened a dialog: {dialogs}"


def _settled(tab) -> None:
    tab.wait_for_selector("h1", timeout=90_000)
    tab.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000
    )
    assert tab.locator('[data-testid="stException"]').count() == 0


def _visible_text(tab, selector: str) -> str:
    """Visible text without Material icon ligatures (their names are glyphs, not words)."""
    text = tab.locator(selector).inner_text()
    icons = (
        f'{selector} [data-testid="stIconMaterial"], {selector} [data-testid="stAlertDynamicIcon"]'
    )
    for icon in set(tab.locator(icons).all_inner_texts()):
        text = text.replace(icon, " ")
    return text


def _main_text(tab) -> str:
    return _visible_text(tab, '[data-testid="stMain"]')


def _shot(tab, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("lang", ["中文", "English"])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_offline_and_is_screenshotted(server, page, path, lang):
    page.goto(f"{server}/{path}?lang={lang}")
    _settled(page)
    if path not in ("data", "import", "present"):  # the first slide is the title
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    title = page.locator("h1").first.inner_text()
    assert bool(HAN.search(title)) == (lang == "中文")
    _shot(page, f"{path or 'overview'}-{'zh' if lang == '中文' else 'en'}")


ALLOWED_LATIN = re.compile(
    r"SQL|CSV|XLSX|English|GeoJSON|\d{4}-\d{2}-\d{2}-demo-[0-9a-f]{10}|[0-9a-f]{10}"
)


@pytest.mark.parametrize("path", ["", "districts", "activities", "outcomes"])
def test_language_switch_leaves_no_text_of_the_other_language(server, page, path):
    page.goto(f"{server}/{path}")
    _settled(page)
    chinese = ALLOWED_LATIN.sub("", _main_text(page))
    assert not re.findall(r"[A-Za-z]{3,}", chinese), re.findall(r"[A-Za-z]{3,}", chinese)[:10]
    page.get_by_text("English", exact=True).click()
    page.wait_for_function(
        "() => !/[\\u4e00-\\u9fff]/.test(document.querySelector('h1').innerText)"
    )
    _settled(page)
    assert "lang=English" in page.url
    english = _main_text(page)
    assert not HAN.findall(english), "".join(HAN.findall(english))[:40]
    sidebar = _visible_text(page, '[data-testid="stSidebarUserContent"]')
    # The switch names each language in its own script ("语言 / Language", "中文"); nothing else.
    leftover = HAN.findall(sidebar.replace("语言", "").replace("中文", ""))
    assert not leftover, "".join(leftover)


def _click_first_bar(tab, chart_index: int) -> None:
    chart = tab.locator('[data-testid="stPlotlyChart"]').nth(chart_index)
    chart.scroll_into_view_if_needed()
    bar = chart.locator(".barlayer .point path").last  # the top bar: the highest value
    box = bar.bounding_box()
    assert box, "bar not rendered"
    tab.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_clicking_a_district_drills_down_and_the_copied_url_reproduces_the_view(server, page):
    page.goto(f"{server}/?start=2025-01&end=2025-06&category=elderly_care")
    _settled(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .barlayer .point', timeout=60_000)
    _click_first_bar(page, 1)  # the district ranking beside the trend
    page.wait_for_url(re.compile(r"district=\d{6}"), timeout=60_000)
    expect(page.locator("h1").first).not_to_contain_text("武汉市", timeout=60_000)
    _settled(page)
    code = re.search(r"district=(\d{6})", page.url).group(1)
    title = page.locator("h1").first.inner_text()
    assert "武汉市" not in title, "the page shows the district now"
    assert page.get_by_role("button", name="武汉市").count() == 1, "breadcrumb leads back up"
    kpis = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    url = page.url
    assert "category=elderly_care" in url and "start=2025-01" in url

    fresh = page.context.browser.new_page(viewport={"width": 1440, "height": 900})
    fresh.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    fresh.goto(url)
    fresh.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
    _settled(fresh)
    assert fresh.locator("h1").first.inner_text() == title
    # Playwright retries until the cards match: a fresh session may rerun once after its first
    # run settles (the URL is normalised), and the cards are redrawn then.
    expect(fresh.locator('[data-testid="stMetricValue"]')).to_have_text(kpis, timeout=60_000)
    assert f"district={code}" in fresh.url
    fresh.close()

    page.get_by_role("button", name="武汉市").click()
    page.wait_for_function("() => document.querySelector('h1').innerText.includes('武汉市')")
    _settled(page)
    assert "district=" not in page.url


def test_deep_link_on_a_fresh_tab_keeps_page_language_and_filters(server, page):
    page.goto(f"{server}/activities?lang=English&district=420106&team=party_member")
    _settled(page)
    assert page.locator("h1").first.inner_text().startswith("Service activities")
    assert "Wuchang" in page.locator("h1").first.inner_text()
    assert "team=party_member" in page.url and "lang=English" in page.url


def test_names_from_data_render_as_text_and_no_script_runs(hostile_server, page):
    page.goto(f"{hostile_server}/community?district=420106&street=420106012&community=420106012001")
    _settled(page)
    assert XSS in page.locator("h1").first.inner_text()
    assert page.evaluate("() => window.__xss") is None
    page.goto(f"{hostile_server}/?district=420103")
    _settled(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    assert XSS in page.locator("h1").first.inner_text()
    assert XSS in _main_text(page)  # also in chart labels, literally
    assert page.evaluate("() => window.__xss") is None
    _shot(page, "xss-overview")


def test_boundary_file_draws_an_offline_choropleth(hostile_server, page):
    page.goto(hostile_server)
    _settled(page)
    page.wait_for_selector(".choroplethlayer path", timeout=60_000)
    assert page.locator(".choroplethlayer path").count() >= 5
    page.locator(".choroplethlayer").first.scroll_into_view_if_needed()
    _shot(page, "map-choropleth")


# An uploaded file's entry under the uploader: a "file chip" since Streamlit 1.66, a row before.
UPLOADED_FILE = '[data-testid="stFileChip"], [data-testid="stFileUploaderFile"]'


@pytest.fixture(scope="module")
def import_server(snapshot, tmp_path_factory):
    """A server whose import page is unlocked by a token, over a copy of the demo snapshot."""
    import shutil

    root = tmp_path_factory.mktemp("import-root")
    scratch = tmp_path_factory.mktemp("import-tmp")  # the server's temporary folder
    shutil.copytree(snapshot.path, root / snapshot.id)
    proc, url = _start(
        {
            "GOVDASH_SNAPSHOTS_DIR": str(root),
            "GOVDASH_BOUNDARIES": "",
            "GOVDASH_ADMIN_TOKEN": "browser-test-token",
            "TMPDIR": str(scratch),
        }
    )
    yield url, root, scratch
    _stop(proc)


def _import_onto_the_demo(page, url: str) -> None:
    """The import page unlocked, with the demo chosen as what to build on, settled and ready
    for files."""
    page.goto(f"{url}/import")
    _settled(page)
    page.get_by_label("管理员口令").fill("browser-test-token")
    page.get_by_role("button", name="解锁").click()
    page.wait_for_selector(
        '[data-testid="stFileUploaderDropzoneInput"]', state="attached", timeout=60_000
    )
    # The newest snapshot is demo data: the page asks what to build on; the part of an export
    # needs the rest of the demo, so the result stays demo data (and says so).
    page.get_by_text("演示数据（合并后仍标为演示数据", exact=False).click()
    # The choice reruns the page and puts a warning above the uploader; files handed to the
    # uploader while that rerun redraws it can be lost, so wait for the page to settle first.
    page.get_by_text("生成的新快照仍标为“演示数据”").wait_for(timeout=60_000)
    _settled(page)


def test_the_page_imports_the_demo_export_into_the_same_data(
    import_server, page, snapshot, tmp_path
):
    from govdash.core.data.snapshot import latest_good
    from govdash.importing.export import export_snapshot

    url, root, scratch = import_server
    # A part of the export keeps the upload small; the CLI test imports the whole of it.
    files = export_snapshot(
        snapshot, tmp_path / "export", tables=["teams", "programmes", "outcomes"], full=True
    ).files
    _import_onto_the_demo(page, url)
    page.set_input_files('[data-testid="stFileUploaderDropzoneInput"]', [str(f) for f in files])
    page.locator(UPLOADED_FILE).first.wait_for(timeout=60_000)
    try:
        page.get_by_text("全部通过检查").wait_for(timeout=180_000)
    except Exception as err:
        _shot(page, "import-report-timeout")
        shown = _main_text(page)[:3000]
        raise AssertionError(f"no check report; the page shows:\n{shown}") from err
    assert page.get_by_text("生成的新快照仍标为“演示数据”").count() == 1
    (uploaded,) = scratch.glob("govdash-up-*")  # the files wait in one private folder
    # kept apart by content: a folder per file, each named by its digest
    assert sorted(p.name for p in uploaded.glob("*/*")) == sorted(f.name for f in files)
    _shot(page, "import-report")
    page.get_by_role("button", name="导入并生成新快照").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="确认导入").click()
    page.get_by_text("导入完成").wait_for(timeout=180_000)
    _settled(page)
    new, _ = latest_good(root)
    # The same rows, still demo data: the very same snapshot, not a second copy of it.
    assert new.provenance == "demo" and new.id == snapshot.id
    assert new.id in page.locator("body").inner_text()
    # Uploaded files may hold personal data: once imported they are gone, and so is the list.
    assert list(scratch.glob("govdash-up-*")) == []
    assert page.locator(UPLOADED_FILE).count() == 0


def test_open_the_community_profile_from_a_pilot_highlight(server, page):
    """The button 查看社区画像 under a pilot community on 总览 opens 社区画像 for that community: it used
    to open the overview of the community. (st.switch_page from a script: AppTest does not
    follow it, so this is checked in the browser.)"""
    page.goto(f"{server}/")
    _settled(page)
    # Streamlit marks a keyed widget's container with the class st-key-<key>.
    button = page.locator(".st-key-pilot-420115001001 button")
    expect(button).to_have_text("查看社区画像")
    button.scroll_into_view_if_needed()
    button.click()
    page.wait_for_url(re.compile(r"/community\?.*community=420115001001"), timeout=60_000)
    expect(page.locator("h1").first).to_have_text("社区画像 · 职中社区", timeout=60_000)
    _settled(page)


# What the Chinese UI may show in Latin letters: file formats, the language switch's own name,
# and the units of software (SQL); everything else in Latin letters is an English word left over.
ZH_ALLOWED = re.compile(r"SQL|CSV|XLSX|PNG|UTC|English|Language|GeoJSON|Excel|WPS|Plotly\.js")
# Words a person reads that do not come from our text: tooltips (title), Plotly's modebar titles,
# input placeholders, and the screen-reader labels our own choices produce (a help icon reads
# "Help for <label>", a heading anchor "Link to heading"). Streamlit's fixed chrome ("Sidebar",
# "App pages", a slider's "— start") is not ours to translate and is left out.
LABELS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('[title], [data-title], [placeholder], [aria-label]')) {
    if (getComputedStyle(el).display === 'none') continue;
    for (const a of ['title', 'data-title', 'placeholder']) {
      const v = el.getAttribute(a);
      if (v) out.push(v);
    }
    const aria = el.getAttribute('aria-label') || '';
    if (/^(Help for|Link to heading)/.test(aria)) out.push(aria);
  }
  return out;
}"""


def _english_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", ZH_ALLOWED.sub("", text))


@pytest.mark.parametrize("path", PAGES)
def test_the_chinese_ui_has_no_english_words(server, page, path):
    """The rendered text of every page and its sidebar, the labels a tooltip or a screen reader
    reads, and Plotly's modebar are Chinese: no "Help for 街道", "Link to heading",
    "Download plot as a PNG", "Fullscreen" or "Choose an option"."""
    page.goto(f"{server}/{path}?lang=中文")
    _settled(page)
    if path not in ("data", "import", "present"):  # the first slide is the title
        page.wait_for_selector('[data-testid="stPlotlyChart"] .modebar-btn', state="attached")
    text = _main_text(page) + " " + _visible_text(page, '[data-testid="stSidebarUserContent"]')
    for code in page.locator('[data-testid="stMain"] pre').all_inner_texts():
        text = text.replace(code, " ")  # configuration to copy (the import page's how-to) is code
    assert not _english_words(text), _english_words(text)[:10]
    labels = page.evaluate(LABELS_JS)
    english = [v for v in labels if _english_words(v)]
    assert not english, english[:10]
    if path not in ("data", "import", "present"):  # the first slide is the title
        titles = page.locator(".modebar-btn").evaluate_all(
            "els => els.filter(e => getComputedStyle(e).display !== 'none')"
            ".map(e => e.getAttribute('data-title'))"
        )
        assert titles and not [t for t in titles if _english_words(t or "")], titles


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720), (1920, 1080)])
def test_no_kpi_value_is_cut(server, browser, size):
    """A KPI value and its unit fit their card at every common screen size: the text is never
    wider than its box (a cut value read "664.99万…" and lost its unit)."""
    tab = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        for path in ("", "community?district=420106&street=420106012&community=420106012001",
                     "outcomes"):  # fmt: skip
            tab.goto(f"{server}/{path}")
            _settled(tab)
            # Every card, not the first one to render (a busy machine draws them one by one).
            tab.wait_for_function(
                """() => document.querySelectorAll('[data-testid="stMetricValue"]').length >= 4"""
            )
            values = tab.locator('[data-testid="stMetricValue"]')
            overflow = values.evaluate_all(
                """els => els.flatMap(e => [e, ...e.querySelectorAll('*')])
                   .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right >
                     e.closest('[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stColumn"]')
                       .getBoundingClientRect().right + 1)
                   .map(e => e.innerText)"""
            )
            assert not overflow, (path, size, overflow)
    finally:
        tab.close()


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_presentation_moves_with_a_clicker_and_fits_the_screen(server, browser, size):
    """Arrow keys and PageUp/PageDown (what clickers send) move between slides and the URL
    follows; at 1920x1080 a slide fits the screen without a scroll bar, in large type."""
    tab = browser.new_page(viewport={"width": size[0], "height": size[1]})
    try:
        tab.goto(f"{server}/present?slide=1")
        _settled(tab)
        for key, expected in (("ArrowRight", "2"), ("PageDown", "3"), ("PageUp", "2")):
            tab.wait_for_function("() => window.document.__gdSlideKeys !== undefined")
            tab.keyboard.press(key)
            tab.wait_for_url(f"**/present?*slide={expected}*", timeout=60_000)
            _settled(tab)
        # Slide 2 is the city overview: its figures in large type, and nothing to scroll.
        tab.wait_for_function("() => document.querySelectorAll('.gd-tile .gd-value').length >= 4")
        value_px = tab.locator(".gd-tile .gd-value").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert value_px >= (48 if size[0] >= 1920 else 34), value_px
        # Every kind of slide fits the screen: a scope (with a two-line headline), the pilot
        # communities, the pilot evaluation (table beside its chart), the reported figures and
        # the targets' rankings; in both languages.
        for query in ("slide=2", "slide=16", "slide=17", "slide=18", "slide=21",
                      "slide=21&lang=English", "slide=17&lang=English",
                      "slide=16&lang=English"):  # fmt: skip
            tab.goto(f"{server}/present?{query}")
            _settled(tab)
            if any(f"slide={n}" in query for n in (2, 17, 21)):
                tab.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
            main = '[data-testid="stMain"]'
            overflow = tab.locator(main).evaluate("m => m.scrollHeight - m.clientHeight")
            assert overflow <= 2, f"{query} scrolls by {overflow}px at {size}"
            _shot(tab, f"present-{query.replace('&', '-').replace('=', '')}-{size[0]}")
    finally:
        tab.close()


def test_the_big_screen_theme_darkens_every_part_of_a_slide(server, browser):
    """?theme=dark: the page, the KPI tiles, the headline, the chart and a table are light on
    dark; the next slide keeps the theme."""
    tab = browser.new_page(viewport={"width": 1920, "height": 1080})

    def luminance(css: str) -> float:
        r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    try:
        tab.goto(f"{server}/present?slide=2&theme=dark")
        _settled(tab)
        tab.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
        ground = tab.locator('[data-testid="stApp"]').evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        assert luminance(ground) < 40, ground
        for selector in (".gd-slide h1", ".gd-tile .gd-value", ".gd-tile .gd-label", ".gd-lead"):
            ink = tab.locator(selector).first.evaluate("e => getComputedStyle(e).color")
            assert luminance(ink) > 150, (selector, ink)
        tile = tab.locator(".gd-tile").first.evaluate("e => getComputedStyle(e).backgroundColor")
        assert luminance(tile) < 40, tile
        paper = tab.locator(".main-svg .bg").first.evaluate(
            "e => e.style.fill || e.getAttribute('style')"
        )
        assert luminance(paper) < 40, paper
        tick = tab.locator(".main-svg .ytick text").first.evaluate("e => e.style.fill")
        assert luminance(tick) > 150, tick
        _shot(tab, "present-dark-overview")
        tab.keyboard.press("PageDown")
        tab.wait_for_url("**/present?*slide=3*", timeout=60_000)
        assert "theme=dark" in tab.url
        tab.goto(f"{server}/present?slide=18&theme=dark")
        _settled(tab)
        cell = tab.locator(".gd-slide td").first.evaluate("e => getComputedStyle(e).color")
        assert luminance(cell) > 150, cell
        _shot(tab, "present-dark-facts")
    finally:
        tab.close()


def test_a_big_screen_link_advances_by_itself_and_goes_round(server, page):
    """?rotate=5 moves on every 5 seconds; after the last slide comes the first again."""
    page.goto(f"{server}/present?slide=999&rotate=5")
    _settled(page)
    assert page.locator(".st-key-slide-next button").is_disabled(), "999 stops at the last slide"
    page.wait_for_url("**/present?*slide=1*", timeout=30_000)
    page.wait_for_url("**/present?*slide=2*", timeout=30_000)


def test_two_uploads_with_one_name_are_both_read_and_named_apart(import_server, page):
    """Two offices both send 月报.csv: each is kept (by content), read once, and a row both hold
    is named in each of them, the second as 月报 (2).csv."""
    url, _, scratch = import_server
    header = "月份,社区,专业社工,社区工作者,注册志愿者,志愿者骨干,志愿服务队,新就业群体志愿服务队,移动网格员\n"

    def report(volunteers: int) -> bytes:
        return (header + f"2025-07,420106012001,3,12,{volunteers},40,6,1,5\n").encode("utf-8")

    _import_onto_the_demo(page, url)
    page.set_input_files(
        '[data-testid="stFileUploaderDropzoneInput"]',
        [{"name": "月报.csv", "mimeType": "text/csv", "buffer": report(260)},
         {"name": "月报.csv", "mimeType": "text/csv", "buffer": report(999)}],
    )  # fmt: skip
    page.get_by_text("出现在多个文件或工作表中", exact=False).wait_for(timeout=120_000)
    text = _main_text(page)
    assert "月报.csv › 第2行" in text and "月报 (2).csv › 第2行" in text
    (uploaded,) = scratch.glob("govdash-up-*")
    assert sorted(p.name for p in uploaded.glob("*/*")) == ["月报 (2).csv", "月报.csv"]
    _shot(page, "import-same-name")
