"""The production setup (issue 25): `python -m govdash serve` with two workers behind HAProxy.
A session stays on its worker across reruns and requests; killing one worker leaves the other
worker's sessions working, its own browsers are sent to the live worker, and the supervisor
starts it again. Functional checks only: no timing is asserted here (bench/load_bench.py
measures). HAProxy comes from Debian (`apt install haproxy`); .ci/run installs it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

from govdash.serving.proxy import COOKIE, WORKER_HEADER, Backend, config, find_haproxy
from govdash.serving.supervisor import free_port

ROOT = Path(__file__).resolve().parent.parent
HAPROXY = find_haproxy()
needs_haproxy = pytest.mark.skipif(
    HAPROXY is None and not os.environ.get("CI"),
    reason="HAProxy is not installed (apt install haproxy); CI installs it",
)
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


def test_the_proxy_config_keeps_sessions_on_their_worker_and_checks_health():
    text = config(
        "0.0.0.0", 8501, [Backend("w1", "127.0.0.1", 9001), Backend("w2", "127.0.0.1", 9002)]
    )
    assert "bind 0.0.0.0:8501" in text
    assert f"cookie {COOKIE} insert indirect nocache" in text
    assert "option httpchk GET /_stcore/health" in text and "option redispatch" in text
    assert re.search(r"server w1 127\.0\.0\.1:9001 cookie w1 check", text)
    assert re.search(r"server w2 127\.0\.0\.1:9002 cookie w2 check", text)


@needs_haproxy
def test_haproxy_accepts_the_config(tmp_path):
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(config("127.0.0.1", free_port(), [Backend("w1", "127.0.0.1", free_port())]))
    done = subprocess.run([HAPROXY, "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


class Server:
    """`python -m govdash serve` in the background, with what it printed so far."""

    def __init__(self, root: Path, workers: int) -> None:
        self.port = free_port()
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "govdash", "--data-dir", str(root), "serve", "--workers",
             str(workers), "--address", "127.0.0.1", "--port", str(self.port), "--lang", "en"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "GOVDASH_BOUNDARIES": ""},
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def wait_for(self, pattern: str, timeout: float = 240) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no {pattern!r} in:\n" + "\n".join(self.lines[-40:]))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def get(port: int, path: str, cookie: str | None = None) -> tuple[int, str | None, str | None]:
    """Status, the worker that answered, and the worker the proxy's cookie names."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if cookie:
        request.add_header("Cookie", f"{COOKIE}={cookie}")
    with urllib.request.urlopen(request, timeout=30) as response:
        given = re.search(rf"{COOKIE}=(\w+)", response.headers.get("Set-Cookie") or "")
        return response.status, response.headers.get(WORKER_HEADER), given and given.group(1)


def rerun(page: str = "") -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = page
    return msg.SerializeToString()


async def run_script(ws, page: str = "") -> bool:
    """Ask for a run and read until it ends; whether it finished without an exception."""
    await ws.send(rerun(page))
    clean = True
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=180))
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            clean = clean and msg.delta.new_element.WhichOneof("type") != "exception"
        elif kind == "script_finished" and msg.script_finished in DONE:
            return clean


def open_session(port: int, cookie: str | None = None):
    headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
    return connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                   additional_headers=headers, max_size=None, open_timeout=60)  # fmt: skip


@needs_haproxy
def test_two_workers_keep_each_session_and_survive_a_killed_one(snapshot_root, snapshot):
    server = Server(snapshot_root, workers=2)
    try:
        pids = {m.group(1): int(m.group(2)) for m in (
            server.wait_for(rf"worker ({w}) on 127\.0\.0\.1:\d+ \(pid (\d+)\)") for w in ("w1", "w2")
        )}  # fmt: skip
        server.wait_for(r"proxy HAProxy on 127\.0\.0\.1")
        _scripts_arrive_compressed(server.port)
        asyncio.run(_sessions(server, pids))
    finally:
        server.stop()
    assert server.proc.returncode is not None
    time.sleep(1)
    for pid in pids.values():  # stopping the setup stops every worker
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )


def _scripts_arrive_compressed(port: int) -> None:
    """The page and Streamlit's scripts come gzipped through the proxy (Streamlit sends them
    plain), and unpack to what the worker serves."""
    import gzip

    def fetch(path: str, encoding: str | None) -> tuple[str | None, bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
        if encoding:
            request.add_header("Accept-Encoding", encoding)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers.get("Content-Encoding"), response.read()

    encoding, page = fetch("/", "gzip")
    assert encoding == "gzip"
    html = gzip.decompress(page).decode("utf-8")
    script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', html).group(1)
    encoding, packed = fetch(f"/{script}", "gzip")
    assert encoding == "gzip"
    plain_encoding, plain = fetch(f"/{script}", None)
    assert plain_encoding is None and gzip.decompress(packed) == plain
    assert len(packed) < len(plain) / 2


async def _sessions(server: Server, pids: dict[str, int]) -> None:
    port = server.port
    async with open_session(port) as a:
        worker_a = a.response.headers[WORKER_HEADER]
        cookie_a = re.search(rf"{COOKIE}=(\w+)", a.response.headers["Set-Cookie"]).group(1)
        assert cookie_a == worker_a
        assert await run_script(a)
        async with open_session(port) as b:
            worker_b = b.response.headers[WORKER_HEADER]
            assert worker_b != worker_a, "a second browser goes to the idle worker"
            assert await run_script(b, "districts")
            # Sticky: every request and rerun of session A is answered by A's worker.
            for _ in range(5):
                assert get(port, "/_stcore/health", cookie_a)[1] == worker_a
            assert await run_script(a, "activities")
            # A's worker dies: B's session goes on, A's browser is sent to the live worker.
            os.kill(pids[worker_a], signal.SIGKILL)
            assert await run_script(b, "outcomes"), "the other worker's session keeps working"
            await asyncio.sleep(5)  # two failed health checks mark the worker down
            status, answered, _ = get(port, "/_stcore/health", cookie_a)
            assert status == 200 and answered in (worker_b, worker_a)
        server.wait_for(rf"worker {worker_a} restarted \(pid \d+\)")
    deadline = time.monotonic() + 120
    while get(port, "/_stcore/health", worker_a)[1] != worker_a:  # back in the proxy's rotation
        assert time.monotonic() < deadline, "the restarted worker never came back"
        await asyncio.sleep(1)
    async with open_session(port, worker_a) as again:
        assert again.response.headers[WORKER_HEADER] == worker_a
        assert await run_script(again)
