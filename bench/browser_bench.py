"""What people wait for in a browser: a first visit and a sidebar page switch, every page.

    python bench/browser_bench.py [--data DIR] [--repeat 5] [--workers N] [--mbit 20]

Runs, in one go and on loopback: the README's run command (`python -m govdash serve`, default
worker count, behind HAProxy where it is installed) and, as the floor, a one-line Streamlit app
(`st.title`) started with a worker's own command, and the same app with one two-bar Plotly
chart (what Streamlit itself costs any page with a chart). Debian's Chromium (headless, 1440×900) measures:

- **first visit**: a fresh browser context (an empty cache, as a phone that scans the QR code),
  from navigation to settled; the server is warm (every page was visited before measuring, from
  several contexts, so every worker has run it); `--mbit` throttles its downloads to a device's
  share of a meeting room's Wi-Fi (the floor app's visits too);
- **page switch**: within one tab, a click on a sidebar link until the new page is settled.

Settled means: Streamlit's script is not running, the page's title (h1) is there, no element is
still a loading skeleton (a chart is one until Streamlit's Plotly bundle, 4.7 MB, has loaded), and
every Plotly chart has drawn its SVG. Beside the wall time: the serving setup's CPU time during the visit
(all its processes, from /proc), the bytes the browser received over HTTP and over the
websocket, and the number of charts. Medians and p95 over --repeat visits; the ratio to the
floor is each page's median over the floor's median, measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import free_port, start_server  # noqa: E402
from timing import p95  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-extensions"]  # fmt: skip
PAGES = ["", "districts", "community", "activities", "outcomes", "present", "data"]
SETTLED = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const title = document.querySelector('h1');
  if (!title) return false;
  // A chart is a skeleton until Streamlit's Plotly bundle has loaded (first visit).
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    if (!chart.querySelector('.main-svg')) return false;
  return title.innerText;
}"""
CLK_TCK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, children that exited
    included (cutime, cstime)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / CLK_TCK
        todo += parents.get(current, [])
    return total


@dataclass
class Visits:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    http_kb: list[float] = field(default_factory=list)
    ws_kb: list[float] = field(default_factory=list)
    charts: int = 0


class Traffic:
    """Bytes a tab received: HTTP response bodies and websocket frames."""

    def __init__(self, tab) -> None:
        self.http = 0
        self.ws = 0
        tab.on("requestfinished", self._http)
        tab.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _http(self, request) -> None:
        with contextlib.suppress(Exception):  # a request the tab no longer holds
            self.http += request.sizes()["responseBodySize"]

    def _frame(self, payload) -> None:
        self.ws += len(payload)

    def reset(self) -> None:
        self.http = self.ws = 0


def settle(tab, previous_title: str | None = None) -> str:
    """Wait until settled (and, after a switch, showing another page's title)."""
    while True:
        handle = tab.wait_for_function(SETTLED, timeout=120_000, polling=25)
        title = handle.json_value()
        if title != previous_title:
            return title
        time.sleep(0.01)


MBIT: float | None = None  # --mbit: the download rate of one device on the room's Wi-Fi


def throttled(context, tab) -> None:
    """Chromium's network emulation (DevTools protocol): MBIT down, a quarter of it up, 20 ms."""
    if MBIT:
        cdp = context.new_cdp_session(tab)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 20,
            "downloadThroughput": MBIT * 125_000, "uploadThroughput": MBIT * 125_000 / 4,
        })  # fmt: skip


def first_visits(browser, url: str, page: str, repeat: int, pid: int) -> Visits:
    out = Visits()
    for _ in range(repeat):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        tab = context.new_page()
        throttled(context, tab)
        traffic = Traffic(tab)
        cpu, wall = tree_cpu(pid), time.perf_counter()
        tab.goto(f"{url}/{page}")
        settle(tab)
        out.wall.append(time.perf_counter() - wall)
        time.sleep(0.3)  # the server's share that ends after the browser settled
        out.cpu.append(tree_cpu(pid) - cpu)
        out.http_kb.append(traffic.http / 1024)
        out.ws_kb.append(traffic.ws / 1024)
        out.charts = tab.locator('[data-testid="stPlotlyChart"]').count()
        context.close()
    return out


def page_switches(browser, url: str, repeat: int, pid: int) -> dict[str, Visits]:
    """In one tab: open the overview, then click each page's sidebar link in turn."""
    out = {page: Visits() for page in PAGES}
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    traffic = Traffic(tab)
    # 演示模式 hides the sidebar: it comes last, and the tab goes back by its address.
    order = [page for page in [*PAGES[1:], PAGES[0]] if page != "present"] + ["present"]
    for _ in range(repeat):
        tab.goto(f"{url}/")
        title = settle(tab)
        for page in order:
            link = tab.locator(f'[data-testid="stSidebarNav"] a[href$="/{page}"]').first
            traffic.reset()
            cpu, wall = tree_cpu(pid), time.perf_counter()
            link.click()
            title = settle(tab, title)
            out[page].wall.append(time.perf_counter() - wall)
            time.sleep(0.3)
            out[page].cpu.append(tree_cpu(pid) - cpu)
            out[page].ws_kb.append(traffic.ws / 1024)
            out[page].charts = tab.locator('[data-testid="stPlotlyChart"]').count()
    context.close()
    return out


FLOOR = 'import streamlit as st\n\nst.title("govdash")\n'
# The same app with one two-bar Plotly chart: what Streamlit itself costs a page with a chart.
FLOOR_CHART = FLOOR + (
    'st.plotly_chart({"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}], "layout": {}})\n'
)


def start_floor(source: str = FLOOR) -> tuple[subprocess.Popen, str]:
    """The one-line app, started with the very command `serve` gives a worker (same Streamlit,
    same flags)."""
    from govdash.serving.supervisor import Plan, Worker, healthy, worker_command

    folder = Path(tempfile.mkdtemp(prefix="govdash-floor-"))
    (folder / "app.py").write_text(source)
    port = free_port()
    plan = Plan(folder / "app.py", "127.0.0.1", port, 1, dict(os.environ), None, warm=False)
    command = worker_command(plan, Worker("floor", "127.0.0.1", port))
    proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while not healthy("127.0.0.1", port):
        if time.monotonic() > deadline:
            raise SystemExit("the one-line app did not start")
        time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}"


def row(label: str, v: Visits, floor: float | None) -> str:
    median = statistics.median(v.wall)
    ratio = f"{median / floor:.2f}×" if floor else "1.00×"
    kb = f"{statistics.median(v.http_kb):,.0f}" if v.http_kb else "—"
    return (
        f"| {label} | {median:.2f} | {p95(v.wall):.2f} | {ratio} | "
        f"{statistics.median(v.cpu) * 1000:,.0f} | {kb} | {statistics.median(v.ws_kb):,.0f} | "
        f"{v.charts} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=None, help="snapshot folder to serve")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--mbit",
        type=float,
        default=None,
        help="emulate a device's share of the room's Wi-Fi (Mbit/s) on first visits",
    )
    args = parser.parse_args()
    global MBIT
    MBIT = args.mbit
    from playwright.sync_api import sync_playwright

    data = args.data or ROOT / "data" / "snapshots"
    load = os.getloadavg()
    print(f"load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cores: {os.cpu_count()}")
    server, port = start_server(data, args.workers)
    floor_proc, floor_url = start_floor()
    chart_proc, chart_url = start_floor(FLOOR_CHART)
    url = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            print("warming: every page from three contexts, so every worker has run it")
            for _ in range(3):
                first_visits(browser, floor_url, "", 1, floor_proc.pid)
                first_visits(browser, chart_url, "", 1, chart_proc.pid)
                for page in PAGES:
                    first_visits(browser, url, page, 1, server.pid)
            floor = first_visits(browser, floor_url, "", args.repeat, floor_proc.pid)
            base = statistics.median(floor.wall)
            one_chart = first_visits(browser, chart_url, "", args.repeat, chart_proc.pid)
            visits = {page: first_visits(browser, url, page, args.repeat, server.pid)
                      for page in PAGES}  # fmt: skip
            switches = page_switches(browser, url, args.repeat, server.pid)
            browser.close()
    finally:
        for proc in (server, floor_proc, chart_proc):
            proc.terminate()
            proc.wait(timeout=30)
    head = ("| page | median s | p95 s | × floor | server CPU ms | HTTP KB | websocket KB | "
            "charts |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    network = f", network {args.mbit:g} Mbit/s down, 20 ms" if args.mbit else ", loopback"
    print(
        f"\nFirst visit (fresh context, server warm{network}), {args.repeat} visits each\n\n{head}"
    )
    print(row("one-line app (floor)", floor, None))
    print(row("one-line app + one Plotly chart", one_chart, base))
    for page, v in visits.items():
        print(row(f"/{page}", v, base))
    print(f"\nSidebar page switch (one tab, warm), {args.repeat} switches each\n\n{head}")
    for page, v in switches.items():
        print(row(f"→ /{page}", v, None).replace("| 1.00× |", "| — |"))
    load = os.getloadavg()
    print(f"\nload after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
