"""`python -m govdash serve`: the dashboard as people reach it, in one command.

It builds the demo snapshot when the data folder holds nothing yet (once, before any worker
starts, so workers never race to build it), then serves one worker per core behind HAProxy,
or one worker alone where HAProxy is not installed (and says how to install it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from govdash.core.data.paths import ENV_SNAPSHOTS, checkout_root
from govdash.core.data.snapshot import ensure_root, scan
from govdash.core.text.problems import GovdashError, Problem
from govdash.serving.proxy import find_haproxy
from govdash.serving.supervisor import Plan, Serving, default_workers

INSTALL_HINT = (
    "HAProxy is not installed, so one worker serves everyone on one core; to serve on every "
    "core: sudo apt install haproxy",
    "未安装 HAProxy，仅用一个进程（一个 CPU 核）提供服务；如需用满所有核：sudo apt install haproxy",
)


def plan(
    data_dir: Path,
    address: str,
    port: int,
    workers: int | None,
    haproxy: str | None,
    warm: bool = True,
) -> Plan:
    """What to run. Without HAProxy, or with one worker asked for, one worker serves directly."""
    root = checkout_root()
    if root is None:
        raise GovdashError(
            Problem(
                "serve",
                "serve runs from a source checkout (it starts dashboard.py); in an installed "
                "package, run `streamlit run dashboard.py` from the checkout instead",
                "serve 需要在源代码目录中运行（它会启动 dashboard.py）",
            )
        )
    count = workers if workers is not None else default_workers()
    if count < 1:
        raise GovdashError(Problem("serve", "--workers must be at least 1", "--workers 至少为 1"))
    env = {**os.environ, ENV_SNAPSHOTS: str(Path(data_dir).resolve())}
    return Plan(root / "dashboard.py", address, port, count, env, haproxy, warm)


def ensure_data(data_dir: Path, build: Callable[[Path], object]) -> bool:
    """Build the demo when the folder holds no snapshot at all (a damaged one is the app's to
    report, not ours to paper over). Returns whether it built."""
    ensure_root(Path(data_dir))
    good, skipped = scan(Path(data_dir))
    if good or skipped:
        return False
    build(Path(data_dir))
    return True


def serve(
    data_dir: Path,
    *,
    address: str,
    port: int,
    workers: int | None,
    say: Callable[[str], None],
    lang: str,
    build: Callable[[Path], object],
    warm: bool = True,
) -> None:
    """Serve until stopped; `build` makes the demo snapshot (with the caller's progress bar)."""
    haproxy = find_haproxy()
    wanted = plan(data_dir, address, port, workers, haproxy, warm)
    if wanted.workers > 1 and haproxy is None:
        say(INSTALL_HINT[0] if lang == "en" else INSTALL_HINT[1])
        wanted = plan(data_dir, address, port, 1, None, warm)
    ensure_data(data_dir, build)
    shown = "localhost" if address in ("0.0.0.0", "", "::") else address
    how = f"{wanted.workers} workers behind HAProxy" if wanted.proxied else "one worker"
    how_zh = f"{wanted.workers} 个进程，经 HAProxy" if wanted.proxied else "一个进程"
    say(
        f"govdash on http://{shown}:{port} ({how}); Ctrl-C stops it"
        if lang == "en"
        else f"govdash 已在 http://{shown}:{port} 提供服务（{how_zh}）；按 Ctrl-C 停止"
    )
    Serving(wanted, say, lang).serve_forever()
