"""Interrupt queries that run past their time limit, from one long-lived thread.

A threading.Timer per query started a thread for every query; at a page's dozens of small
queries that was a measurable share of their time. One daemon thread keeps the deadlines instead
and sleeps until the nearest one.

An overdue cursor is interrupted again every REPEAT seconds until its query ends: DuckDB ignores
an interrupt that arrives before execution starts (while large parameters are still being
bound), so a single interrupt could be lost and the query run on unbounded.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Protocol

REPEAT = 0.05


class Interruptible(Protocol):
    def interrupt(self) -> None: ...


class Watchdog:
    """watch() a cursor with a time limit, release() it when its query ends."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._jobs: dict[int, tuple[float, Interruptible]] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, cursor: Interruptible, seconds: float) -> int:
        with self._cond:
            token = next(self._tokens)
            self._jobs[token] = (time.monotonic() + seconds, cursor)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="govdash-query-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()
            return token

    def release(self, token: int) -> None:
        with self._cond:
            self._jobs.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token in [t for t, (due, _) in self._jobs.items() if due <= now]:
                    cursor = self._jobs[token][1]
                    cursor.interrupt()
                    self._jobs[token] = (now + REPEAT, cursor)
                nearest = min((due for due, _ in self._jobs.values()), default=None)
                self._cond.wait(None if nearest is None else nearest - now)


WATCHDOG = Watchdog()
