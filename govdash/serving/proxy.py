"""The reverse proxy in front of the workers: HAProxy from the distribution's packages.

Why HAProxy: a meeting room shares one Wi-Fi, so every browser arrives from the same address
and source-address stickiness (nginx's ip_hash) would put the whole room on one worker. HAProxy
inserts a cookie naming the worker on a browser's first response, so each browser stays on its
own worker for the websocket, uploads (`/_stcore/upload_file`) and downloads (`/media`) alike,
while new browsers go to the worker with the fewest connections. It checks every worker's
`/_stcore/health` and sends a browser whose worker is down to a live one (`option redispatch`).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

COOKIE = "GOVDASH_WORKER"
WORKER_HEADER = "X-Govdash-Worker"  # which worker answered: for tests and for the operator
COMPRESSED = ("text/html", "text/css", "text/plain", "application/javascript",
              "text/javascript", "application/json", "image/svg+xml")  # fmt: skip
# Debian keeps haproxy in /usr/sbin, which is not on an ordinary user's PATH.
SEARCHED = ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")


def find_haproxy() -> str | None:
    """The haproxy binary, or None when it is not installed."""
    found = shutil.which("haproxy")
    if found:
        return found
    return next((p for p in SEARCHED if Path(p).is_file()), None)


@dataclass(frozen=True)
class Backend:
    """One worker as the proxy sees it."""

    name: str
    host: str
    port: int


def config(address: str, port: int, backends: list[Backend]) -> str:
    """An HAProxy configuration: one frontend, the workers behind it with cookie stickiness,
    health checks every two seconds and redispatch when a worker is down.

    The timeouts fit Streamlit: a session is one websocket that stays open while the page is
    open (`timeout tunnel`), and a cold page may take several seconds to run."""
    servers = "\n".join(
        f"    server {b.name} {b.host}:{b.port} cookie {b.name} check inter 2s fall 2 rise 2"
        for b in backends
    )
    return f"""global
    maxconn 4096

defaults
    mode http
    option http-server-close
    option redispatch
    retries 3
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 12h
    timeout http-request 30s
    timeout queue 30s

frontend govdash
    bind {address}:{port}
    # Streamlit sends its scripts uncompressed: 7 MB on a first visit to a page with charts (its
    # Plotly bundle alone is 4.7 MB). A meeting room shares one Wi-Fi, so the proxy compresses.
    compression algo gzip
    compression type {" ".join(COMPRESSED)}
    default_backend workers

backend workers
    balance leastconn
    cookie {COOKIE} insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk GET /_stcore/health
    http-check expect string ok
    http-response set-header {WORKER_HEADER} %[srv_name]
{servers}
"""
