"""A real browser (Playwright driving Debian's Chromium) against a real Streamlit server, offline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--disable-extensions",
]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(snapshot):
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip("Debian chromium is not installed (CI installs it)")
    port = _free_port()
    env = {**os.environ, "GOVDASH_SNAPSHOTS_DIR": str(snapshot.path.parent)}
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
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + (proc.stdout.read() if proc.stdout else ""))
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def _page(browser, blocked: list[str]):
    page = browser.new_page(viewport={"width": 1440, "height": 900})

    def route(r):
        if r.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page


def _settled(page) -> None:
    page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000
    )
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=30_000)


def test_overview_shows_kpis_and_charts_offline(server, browser):
    blocked: list[str] = []
    page = _page(browser, blocked)
    page.goto(server)
    _settled(page)
    cards = page.locator('[data-testid="stMetric"]')
    assert cards.count() == 7
    assert "注册志愿者" in cards.first.inner_text()
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 2
    assert "演示数据" in page.locator('[data-testid="stAlert"]').first.inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "overview-zh.png"))
    # Switch language: the URL carries it, and a reload keeps it.
    page.get_by_text("English", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('h1')?.innerText.includes('City overview')", timeout=30_000
    )
    _settled(page)
    assert "lang=English" in page.url
    page.reload()
    _settled(page)
    assert "City overview" in page.locator("h1").first.inner_text()
    page.screenshot(path=str(SHOTS / "overview-en.png"))
    page.close()
    assert blocked == [], f"the app tried to reach the network: {blocked[:3]}"
