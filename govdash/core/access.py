"""Who may import: the OIDC allow-list and the admin-token attempt limit, as plain functions.

The allow-list is compared as a set of whole addresses, never as text: written as a string in
secrets.toml (`admins = "a@x.org"`) it is one address (or several, comma-separated), not a string
to search in; a user without an email is never an admin.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

MAX_FAILURES = 5  # wrong tokens in a session before it is locked out
LOCKOUT_SECONDS = 60.0  # doubled for every further failure while locked, up to an hour
MAX_LOCKOUT_SECONDS = 3600.0


def admin_emails(configured: object) -> frozenset[str]:
    """The allow-list as lower-case addresses; anything that is not text or a list of text
    (a number, a table, nothing) admits nobody."""
    if isinstance(configured, str):
        items: list[object] = re.split(r"[,;\s]+", configured)
    elif isinstance(configured, list | tuple):
        items = list(configured)
    else:
        return frozenset()
    return frozenset(
        item.strip().lower() for item in items if isinstance(item, str) and "@" in item.strip()
    )


def is_admin(email: object, configured: object) -> bool:
    """Whole-address match, case-insensitive; no email, no access."""
    if not isinstance(email, str) or "@" not in email:
        return False
    return email.strip().lower() in admin_emails(configured)


@dataclass
class Attempts:
    """Failed token attempts of one session and the time it is locked until (monotonic clock)."""

    failures: int = 0
    locked_until: float = 0.0

    def locked_for(self, now: float | None = None) -> float:
        """Seconds left in the lockout (0 when the session may try)."""
        now = time.monotonic() if now is None else now
        return max(0.0, self.locked_until - now)

    def fail(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.failures += 1
        if self.failures >= MAX_FAILURES:
            extra = self.failures - MAX_FAILURES
            self.locked_until = now + min(LOCKOUT_SECONDS * 2**extra, MAX_LOCKOUT_SECONDS)

    def succeed(self) -> None:
        self.failures, self.locked_until = 0, 0.0
