"""Start the workers and the proxy, watch them, replace what dies, stop everything together.

A worker is `streamlit run dashboard.py` on a port of the loopback interface; the proxy listens
where people connect. Every worker gets the same `server.cookieSecret`, so the XSRF and sign-in
cookies one worker signs are good on another after a redispatch. A worker that exits is
started again on its own port (the proxy's health check brings it back); the other workers and
their sessions are not touched. Stopping (Ctrl-C, SIGTERM) ends the proxy first, then the
workers, so no browser is sent to a worker that is going away.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govdash.core.text.problems import GovdashError, Problem
from govdash.serving.proxy import Backend, config

log = logging.getLogger(__name__)

HEALTH_TIMEOUT = 180.0  # seconds a worker may take to answer its first health check
RESTART_BACKOFF = (
    1.0,
    2.0,
    5.0,
    10.0,
    30.0,
)  # a worker that keeps dying is not restarted in a loop


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def healthy(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether Streamlit's health endpoint answers `ok`."""
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=timeout) as r:
            return r.read() == b"ok"
    except OSError:
        return False


@dataclass
class Worker:
    """One Streamlit process and the port it serves on."""

    name: str
    host: str
    port: int
    proc: subprocess.Popen | None = None
    restarts: int = 0
    next_start: float = 0.0  # monotonic time before which a crashed worker is not restarted

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class Plan:
    """What `serve` runs: the entry script, where people connect, how many workers, the
    environment of the workers, and whether a proxy stands in front."""

    script: Path
    address: str
    port: int
    workers: int
    env: dict[str, str]
    haproxy: str | None
    warm: bool = True  # run the default views once the workers answer (govdash warm)
    cookie_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def proxied(self) -> bool:
        return self.haproxy is not None and self.workers > 1


def worker_env(plan: Plan) -> dict[str, str]:
    """The workers' environment: one cookie secret for all (Streamlit takes it only from the
    environment or a file, never from its command line)."""
    return {**plan.env, "STREAMLIT_SERVER_COOKIE_SECRET": plan.cookie_secret}


def worker_command(plan: Plan, worker: Worker) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(plan.script),
        "--server.headless", "true",
        "--server.address", worker.host,
        "--server.port", str(worker.port),
        "--browser.gatherUsageStats", "false",
        # A served app does not change under its workers: no watching of the checkout (which
        # holds the virtualenv, and overflows inotify) and no rerun on save.
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
    ]  # fmt: skip


def warm_command(lang: str) -> list[str]:
    """`govdash warm` on the workers' data folder, at the lowest CPU priority: a visitor's run
    always goes first, the warming uses what is left."""
    return ["nice", "-n", "19", sys.executable, "-m", "govdash", "warm", "--quiet", "--lang", lang]


class Serving:
    """The running setup. `start()` returns once every worker (and the proxy) answers;
    `watch()` keeps it so until `stop()` (or a signal)."""

    def __init__(self, plan: Plan, say: Callable[[str], None] = print, lang: str = "en") -> None:
        self.plan = plan
        self._print = say
        self.lang = lang
        self.proxy: subprocess.Popen | None = None
        self.warming: subprocess.Popen | None = None
        self.run_dir = Path(tempfile.mkdtemp(prefix="govdash-serve-"))
        self._stopping = False
        if plan.proxied:
            self.workers = [
                Worker(f"w{i + 1}", "127.0.0.1", free_port()) for i in range(plan.workers)
            ]
        else:  # one worker, where people connect
            self.workers = [Worker("w1", plan.address, plan.port)]

    def say(self, en: str, zh: str) -> None:
        self._print(zh if self.lang == "zh" else en)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        for worker in self.workers:
            self._spawn(worker)
        deadline = time.monotonic() + HEALTH_TIMEOUT
        for worker in self.workers:
            while not healthy(_local(worker.host), worker.port):
                if not worker.alive():
                    raise _failed(
                        f"worker {worker.name} exited while starting (its messages are above)",
                        f"进程 {worker.name} 启动时退出（原因见上方输出）",
                    )
                if time.monotonic() > deadline:
                    raise _failed(
                        f"worker {worker.name} did not answer its health check",
                        f"进程 {worker.name} 未通过健康检查",
                    )
                time.sleep(0.3)
            self.say(
                f"worker {worker.name} on {worker.host}:{worker.port} (pid {worker.pid})",
                f"进程 {worker.name} 在 {worker.host}:{worker.port}（pid {worker.pid}）",
            )
        if self.plan.proxied:
            self._start_proxy()
        self.say(
            f"ready: {len(self.workers)} worker(s) answering",
            f"就绪：{len(self.workers)} 个进程已响应",
        )
        if self.plan.warm:
            self._start_warming()

    def _start_warming(self) -> None:
        """Fill the shared results store with the default views, in the background; its one
        line of output (how many views, how long) joins the supervisor's."""
        try:
            self.warming = subprocess.Popen(
                warm_command(self.lang),
                cwd=self.plan.script.parent,
                env=self.plan.env,  # the workers' data folder
                stdin=subprocess.DEVNULL,
            )
        except OSError as exc:  # no `nice` on this system: serving goes on unwarmed
            log.warning("could not start warming: %s", exc)

    def _spawn(self, worker: Worker) -> None:
        worker.proc = subprocess.Popen(
            worker_command(self.plan, worker),
            cwd=self.plan.script.parent,  # Streamlit reads .streamlit/config.toml from here
            env=worker_env(self.plan),
            stdin=subprocess.DEVNULL,
            # Streamlit's banner names the worker's own port, not where people connect; its
            # log (errors included) goes to stderr and stays.
            stdout=subprocess.DEVNULL,
        )

    def _start_proxy(self) -> None:
        cfg = self.run_dir / "haproxy.cfg"
        backends = [Backend(w.name, w.host, w.port) for w in self.workers]
        cfg.write_text(config(self.plan.address, self.plan.port, backends), encoding="utf-8")
        check = subprocess.run(
            [self.plan.haproxy, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True
        )
        if check.returncode != 0:
            raise _failed(
                f"haproxy refused its configuration: {check.stderr.strip()}",
                f"HAProxy 拒绝了配置：{check.stderr.strip()}",
            )
        self.proxy = subprocess.Popen(
            [self.plan.haproxy, "-db", "-f", str(cfg)], stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while not healthy(_local(self.plan.address), self.plan.port):
            if self.proxy.poll() is not None:
                raise _failed(
                    f"haproxy exited while starting (is port {self.plan.port} taken?)",
                    f"HAProxy 启动时退出（端口 {self.plan.port} 是否已被占用？）",
                )
            if time.monotonic() > deadline:
                raise _failed("haproxy did not answer", "HAProxy 无响应")
            time.sleep(0.2)
        where = f"{self.plan.address}:{self.plan.port}"
        self.say(
            f"proxy HAProxy on {where} (pid {self.proxy.pid})",
            f"代理 HAProxy 在 {where}（pid {self.proxy.pid}）",
        )

    def watch(self, interval: float = 1.0) -> None:
        """Replace whatever dies until stopped: a worker on its own port (with a growing pause
        if it keeps dying), the proxy with its configuration."""
        while not self._stopping:
            for worker in self.workers:
                if self._stopping or worker.alive() or time.monotonic() < worker.next_start:
                    continue
                code = worker.proc.returncode if worker.proc else None
                pause = RESTART_BACKOFF[min(worker.restarts, len(RESTART_BACKOFF) - 1)]
                worker.restarts += 1
                worker.next_start = time.monotonic() + pause
                self.say(
                    f"worker {worker.name} exited ({code}); starting it again",
                    f"进程 {worker.name} 已退出（{code}），正在重新启动",
                )
                log.warning("worker %s exited with %s; restarting", worker.name, code)
                self._spawn(worker)
                self.say(
                    f"worker {worker.name} restarted (pid {worker.pid})",
                    f"进程 {worker.name} 已重新启动（pid {worker.pid}）",
                )
            if self.warming is not None and self.warming.poll() is not None:
                self.warming = None  # done (poll reaps it: no zombie beside the workers)
            if self.plan.proxied and self.proxy is not None and self.proxy.poll() is not None:
                if self._stopping:
                    break
                code = self.proxy.returncode
                self.say(
                    f"the proxy exited ({code}); starting it again",
                    f"代理已退出（{code}），正在重新启动",
                )
                self._start_proxy()
            time.sleep(interval)

    def stop(self) -> None:
        """The proxy first (no new requests), then every worker; each gets ten seconds."""
        self._stopping = True
        every = [self.warming, self.proxy, *(w.proc for w in self.workers)]
        for proc in every:
            if proc is not None and proc.poll() is None:
                proc.terminate()
        for proc in every:
            if proc is None:
                continue
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def serve_forever(self) -> None:
        """start, watch and stop on SIGINT or SIGTERM: one command runs the whole setup."""

        def stop(signum: int, _frame: object) -> None:
            self._stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            self.start()
            self.watch()
        finally:
            self.stop()


def _failed(en: str, zh: str) -> GovdashError:
    return GovdashError(Problem("serve", en, zh))


def _local(address: str) -> str:
    """Where this machine reaches an address it listens on."""
    return "127.0.0.1" if address in ("0.0.0.0", "", "::") else address


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
