"""Load check: concurrent sessions open links and switch pages against the production setup.

    python bench/load_bench.py [--sessions 20,50] [--minutes 10] [--rows 1000000] [--data DIR]
                               [--workers N]

The server is the README's run command, `python -m govdash serve` (one Streamlit worker per core
behind HAProxy, where HAProxy is installed), on a loopback port. Each virtual visitor speaks
Streamlit's own websocket protocol (the protobuf messages the browser sends) through the proxy,
so the measure is the server's: from the request to the script's end, with nothing of a
browser's rendering on these two cores. A visitor opens a link (a random page, district, period
and category), switches pages three times within that session as the sidebar would, then opens
a new link, with a think time of 1-3 s between steps. Everything runs on loopback.

Reported: interactions, errors (a dropped connection, a run that never finishes, an exception or
the page guard's error message in what the server sent), settle time median and p95, the RSS of
the whole serving setup (supervisor, workers, proxy) sampled every 5 s, and a cross-session
check: every page's title must name the district its own session asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["", "districts", "community", "activities", "outcomes", "data"]
DISTRICTS: dict[str, str] = {}  # code -> Chinese name, read from the served snapshot (districts())
PERIODS: list[tuple[str | None, str | None]] = [(None, None)]  # filled from the snapshot
CATEGORIES: list[str | None] = [None]


def learn(data: Path) -> None:
    """Districts, periods and categories for the links, from the newest snapshot served: the
    bench knows no city of its own."""
    import pandas as pd

    from govdash.core.data.snapshot import latest_good
    from govdash.core.data.vocab import codes

    snapshot, _ = latest_good(data)
    divisions = pd.read_parquet(snapshot.table_path("divisions"))
    districts = divisions[divisions["level"] == "district"]
    DISTRICTS.update(zip(districts["code"], districts["name_zh"], strict=True))
    last = (snapshot.as_of.replace(day=1) - pd.DateOffset(months=1)).date()
    month = lambda n: (pd.Timestamp(last) - pd.DateOffset(months=n)).strftime("%Y-%m")  # noqa: E731
    PERIODS[:] = [(month(0), month(0)), (month(5), month(0)), (month(15), month(0)), (None, None)]
    CATEGORIES[:] = [None, *codes("categories")[:3]]


ERROR_MARKS = ("错误编号", "error id")
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


@dataclass
class Tally:
    settle: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    checked: int = 0  # pages whose title was compared with the session's own district
    rss_mb: list[tuple[float, float]] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def link(rng: random.Random) -> tuple[str, str]:
    district = rng.choice(list(DISTRICTS))
    start, end = rng.choice(PERIODS)
    params = [f"district={district}"]
    if start:
        params += [f"start={start}", f"end={end}"]
    if category := rng.choice(CATEGORIES):
        params.append(f"category={category}")
    return district, "&".join(params)


def rerun(query: str, page: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    return msg.SerializeToString()


async def run_once(ws, query: str, page: str, district: str, tally: Tally) -> None:
    """One interaction: ask for a run and read until the script has finished (a run the app
    itself restarts, e.g. to repair a link, is followed to its end)."""
    started = time.perf_counter()
    await ws.send(rerun(query, page))
    titles: list[str] = []
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout=120)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                tally.errors.append(f"exception on /{page}?{query}: {element.exception.type}")
            elif which == "alert" and any(m in element.alert.body for m in ERROR_MARKS):
                tally.errors.append(f"page guard on /{page}?{query}: {element.alert.body[:80]}")
            elif which == "heading" and element.heading.tag == "h1":
                titles.append(element.heading.body)
        elif kind == "script_finished" and msg.script_finished in DONE:
            break
    tally.settle.append(time.perf_counter() - started)
    if page != "data" and titles:
        tally.checked += 1
        if DISTRICTS[district] not in titles[-1]:
            tally.leaks.append(f"/{page}?{query} showed {titles[-1]!r}")


async def visitor(url: str, seed: int, deadline: float, tally: Tally) -> None:
    rng = random.Random(seed)
    while time.monotonic() < deadline:
        district, query = link(rng)
        try:
            async with connect(
                url, subprotocols=["streamlit"], max_size=None, open_timeout=60
            ) as ws:
                for page in [rng.choice(PAGES), *rng.sample(PAGES, 3)]:
                    if time.monotonic() >= deadline:
                        break
                    await run_once(ws, query, page, district, tally)
                    await asyncio.sleep(rng.uniform(1, 3))
        except (OSError, TimeoutError) as exc:
            tally.errors.append(f"connection: {type(exc).__name__} {exc}")
        except Exception as exc:  # a closed websocket and the like: count, keep going
            tally.errors.append(f"{type(exc).__name__}: {exc}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0  # a process that has exited (a zombie) holds no memory


async def sample_rss(pid: int, deadline: float, tally: Tally, started: float) -> None:
    while time.monotonic() < deadline:
        tally.rss_mb.append((time.monotonic() - started, tree_rss_mb(pid)))
        await asyncio.sleep(5)


async def drive(url: str, pid: int, sessions: int, seconds: float, tally: Tally) -> None:
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        sample_rss(pid, deadline, tally, started),
        *(visitor(url, seed, deadline, tally) for seed in range(sessions)),
    )


def start_server(data: Path, workers: int | None) -> tuple[subprocess.Popen, int]:
    """The README's run command (`python -m govdash serve`: one worker per core behind HAProxy
    unless `workers` says otherwise) on a free loopback port, once it answers through the proxy."""
    port = free_port()
    env = {**os.environ, "GOVDASH_BOUNDARIES": ""}
    command = [sys.executable, "-m", "govdash", "--data-dir", str(data), "serve",
               "--address", "127.0.0.1", "--port", str(port), "--lang", "en"]  # fmt: skip
    if workers:
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 1200  # the demo may be built first, then warmed
    # Ready is when the workers answer and the default views are warm (`warm:`), as before a
    # meeting: the warming runs at the lowest priority but would still share the two cores.
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            print(f"  serve: {line.rstrip()}", flush=True)
        if line.startswith("warm:"):
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining
            return proc, port
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("the server did not start")


def tree_rss_mb(pid: int) -> float:
    """The resident memory of a process and all its descendants (the supervisor, the workers,
    the proxy): what the whole serving setup holds."""
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        children.setdefault(int(fields["PPid"].strip()), []).append(int(fields["Pid"].strip()))
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += rss_mb(current)
        except OSError:
            continue
        todo += children.get(current, [])
    return total


def run(data: Path, sessions: int, minutes: float, workers: int | None = None) -> dict:
    """Serve the snapshots under `data`, drive the sessions, and return what was measured."""
    learn(data)
    proc, port = start_server(data, workers)
    tally = Tally()
    try:
        url = f"ws://127.0.0.1:{port}/_stcore/stream"
        start_rss = tree_rss_mb(proc.pid)
        asyncio.run(drive(url, proc.pid, sessions, minutes * 60, tally))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    settle = sorted(tally.settle)
    rss = [r for _, r in tally.rss_mb]
    first = [r for t, r in tally.rss_mb if t < 60] or rss
    last = [r for t, r in tally.rss_mb if t >= minutes * 60 - 60] or rss
    return {
        "sessions": sessions,
        "minutes": minutes,
        "interactions": len(settle),
        "settle_median": statistics.median(settle) if settle else float("nan"),
        "settle_p95": settle[min(len(settle) - 1, round(0.95 * (len(settle) - 1)))]
        if settle
        else float("nan"),
        "settle_max": settle[-1] if settle else float("nan"),
        "errors": len(tally.errors),
        "error_samples": tally.errors[:10],
        "leaks": len(tally.leaks),
        "checked": tally.checked,
        "rss_start": start_rss,
        "rss_first": statistics.median(first),
        "rss_last": statistics.median(last),
        "rss_max": max(rss),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", default="20", help="session counts, comma-separated: 20,50")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=None, help="a snapshot folder to serve")
    parser.add_argument(
        "--workers", type=int, default=None, help="serve's workers (default: its own, one per core)"
    )
    args = parser.parse_args()
    data = args.data
    if data is None:
        from govdash.demo.build import build_demo

        data = Path(tempfile.mkdtemp(prefix="govdash-load-"))
        build_demo(data, activity_rows=args.rows)
    for sessions in [int(n) for n in args.sessions.split(",")]:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        r = run(data, sessions, args.minutes, args.workers)
        print(f"sessions {r['sessions']}, {r['minutes']:g} min, {r['interactions']} interactions")
        print(f"settle: median {r['settle_median']:.2f} s, p95 {r['settle_p95']:.2f} s, "
              f"max {r['settle_max']:.2f} s")  # fmt: skip
        print(f"errors: {r['errors']}")
        for error in r["error_samples"]:
            print(f"  {error}")
        print(f"cross-session: {r['leaks']} of {r['checked']} page titles showed another "
              "session's district")  # fmt: skip
        print(f"serving setup RSS (supervisor, workers, proxy): start {r['rss_start']:.0f} MB, "
              f"max {r['rss_max']:.0f} MB; first minute median {r['rss_first']:.0f} MB, last "
              f"minute median {r['rss_last']:.0f} MB")  # fmt: skip
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("command: " + shlex.join([sys.executable, *sys.argv]))


if __name__ == "__main__":
    main()
