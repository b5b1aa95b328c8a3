"""Who may import: the OIDC allow-list and the admin token, as plain functions.

The allow-list is compared as a set of whole addresses, never as text: written as a string in
secrets.toml (`admins = "a@x.org"`) it is one address (or several, comma-separated), not a string
to search in; a user without an email is never an admin. An address counts only when the identity
provider says it is verified (`email_verified` true; a provider that sends no such claim admits
nobody, since an unverified address proves nothing about who holds it) and only when it is
already in normal form: addresses are compared after NFKC normalisation and case folding, but one
that normalisation would change (a Kelvin sign, U+212A, for `k`, a full-width letter, `ß` for
`ss`) is refused rather than folded onto an ASCII address it merely looks like.

Wrong admin tokens are counted per client (its address, or its identity when signed in) in one
process-wide registry, `LOCKOUTS`, so a reload or a new session starts no fresh count. The same
wrong token submitted again is one attempt, not another. The registry holds at most
`MAX_CLIENTS` clients; an entry is forgotten `FORGET_SECONDS` after its last failure or lockout,
and clients beyond the limit share one bucket (they are locked out together rather than
evicting someone's lockout); a right token clears its client's count, except in a shared
bucket, where the others keep theirs.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import math
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_FAILURES = 5  # wrong tokens from one client before it is locked out
LOCKOUT_SECONDS = 60.0  # doubled for every further failure while locked, up to an hour
MAX_LOCKOUT_SECONDS = 3600.0
FORGET_SECONDS = 24 * 3600.0  # a client's failures are kept this long after its last one
MAX_CLIENTS = 10_000  # clients with failures the registry remembers (about 2 MB)
UNKNOWN_CLIENT = "unknown"  # no address (localhost, a proxy on the same host): one shared bucket
OVERFLOW_CLIENT = "overflow"  # clients beyond MAX_CLIENTS: one shared bucket

MIN_TOKEN_LENGTH = 16  # characters of a configured admin token
TOKEN_RECIPE = 'python -c "import secrets; print(secrets.token_urlsafe(24))"'

# Keyed digests of tokens (the last wrong guess, a session's unlock) are never a plain hash of a
# token: the key lives only in this process.
_PROCESS_KEY = secrets.token_bytes(32)


# --- the OIDC allow-list ---------------------------------------------------------------------


class Refusal(enum.Enum):
    """Why a signed-in identity is not an admin (the value names the message and the log line)."""

    NO_EMAIL = "no_email"
    NOT_NORMALISED = "not_normalised"
    NOT_LISTED = "not_listed"
    UNVERIFIED = "unverified"  # the provider says email_verified is false
    VERIFICATION_UNKNOWN = "verification_unknown"  # the provider sends no email_verified claim


def address_key(address: str) -> str | None:
    """The form an address is compared in (NFKC, case-folded), or None when the address is not
    already in that form up to letter case: spaces around it, compatibility characters (Kelvin
    sign, full-width letters, ligatures) or letters that fold to others (`ß` to `ss`)."""
    if address != address.strip() or unicodedata.normalize("NFKC", address) != address:
        return None
    folded = address.casefold()
    if folded != address.lower() or unicodedata.normalize("NFKC", folded) != folded:
        return None
    return folded


def admin_emails(configured: object) -> frozenset[str]:
    """The allow-list in comparison form; anything that is not text or a list of text (a number,
    a table, nothing) admits nobody, and neither does an entry not in normal form."""
    if isinstance(configured, str):
        items: list[object] = re.split(r"[,;\s]+", configured)
    elif isinstance(configured, list | tuple):
        items = list(configured)
    else:
        return frozenset()
    keys = (address_key(item.strip()) for item in items if isinstance(item, str))
    return frozenset(key for key in keys if key is not None and "@" in key)


def email_verified(claims: Mapping[str, object]) -> bool | None:
    """What the provider says of the address: True, False, or None when it says nothing. Some
    providers send the claim as the text "true"; that counts as true."""
    value = claims.get("email_verified")
    if value is None:
        return None
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def admin_refusal(claims: Mapping[str, object], configured: object) -> Refusal | None:
    """None when the identity (the OIDC claims, st.user) is an admin, else why not."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return Refusal.NO_EMAIL
    key = address_key(email)
    if key is None:
        return Refusal.NOT_NORMALISED
    if key not in admin_emails(configured):
        return Refusal.NOT_LISTED
    verified = email_verified(claims)
    if verified is None:
        return Refusal.VERIFICATION_UNKNOWN
    return None if verified else Refusal.UNVERIFIED


def is_admin(claims: Mapping[str, object], configured: object) -> bool:
    """A verified, normalised address on the allow-list; anything else is no access."""
    return admin_refusal(claims, configured) is None


# --- the admin token ---------------------------------------------------------------------------


def token_too_short(token: str) -> bool:
    """A configured token shorter than MIN_TOKEN_LENGTH is refused: the page stays locked."""
    return len(token) < MIN_TOKEN_LENGTH


def token_fingerprint(token: str) -> str:
    """A keyed digest of a token, to remember which token unlocked a session without keeping it
    (a changed token then locks the sessions it had unlocked)."""
    return hmac.new(_PROCESS_KEY, token.encode("utf-8"), hashlib.sha256).hexdigest()


def token_matches(typed: str, token: str) -> bool:
    """Compared as digests in constant time: neither the time taken nor the length says anything
    about how much of the token was right."""
    return hmac.compare_digest(
        hashlib.sha256(typed.encode("utf-8")).digest(),
        hashlib.sha256(token.encode("utf-8")).digest(),
    )


def wait_parts(seconds: float) -> tuple[int, int]:
    """A wait as whole minutes and seconds, rounded up so that "try again in" is never early."""
    return divmod(max(0, math.ceil(seconds)), 60)


@dataclass
class Attempts:
    """Failed token attempts of one client and the time it is locked until (monotonic clock)."""

    failures: int = 0
    locked_until: float = 0.0
    last_failure: float = 0.0
    last_guess: bytes = b""  # keyed digest of the last wrong token, which is not counted twice

    def locked_for(self, now: float | None = None) -> float:
        """Seconds left in the lockout (0 when the client may try)."""
        now = time.monotonic() if now is None else now
        return max(0.0, self.locked_until - now)

    def fail(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.failures += 1
        self.last_failure = now
        if self.failures >= MAX_FAILURES:
            extra = min(self.failures - MAX_FAILURES, 32)  # 2**extra stays a float
            self.locked_until = now + min(LOCKOUT_SECONDS * 2**extra, MAX_LOCKOUT_SECONDS)

    def expired(self, now: float, forget_after: float = FORGET_SECONDS) -> bool:
        return now >= max(self.locked_until, self.last_failure) + forget_after

    def succeed(self) -> None:
        self.failures, self.locked_until, self.last_guess = 0, 0.0, b""


class Outcome(enum.Enum):
    """What became of a submitted token."""

    ACCEPTED = "accepted"
    REFUSED = "refused"  # wrong, and counted
    REPEATED = "repeated"  # the same wrong token as this client's last: refused, not counted
    LOCKED = "locked"  # not compared at all: the client must wait


class Lockouts:
    """Failed token attempts per client, shared by every session of the process (thread-safe,
    bounded, forgetting). A client is any text: `client_key` builds it from what the app knows."""

    def __init__(
        self,
        max_clients: int = MAX_CLIENTS,
        forget_after: float = FORGET_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_clients = max_clients
        self.forget_after = forget_after
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: dict[bytes, Attempts] = {}
        self._shared = {self._key(UNKNOWN_CLIENT), self._key(OVERFLOW_CLIENT)}
        self._next_sweep = 0.0

    def __len__(self) -> int:
        return len(self._clients)

    def clear(self) -> None:
        with self._lock:
            self._clients.clear()

    def locked_for(self, client: str) -> float:
        """Seconds the client must wait before it may try again (0: it may try now)."""
        with self._lock:
            now = self._clock()
            entry = self._entry(client, now, create=False)
            return entry.locked_for(now) if entry else 0.0

    def failures(self, client: str) -> int:
        with self._lock:
            entry = self._entry(client, self._clock(), create=False)
            return entry.failures if entry else 0

    def submit(self, client: str, typed: str, token: str | Callable[[str], bool]) -> Outcome:
        """Check one submitted token and count it against the client if it is wrong. `token` is
        the one right token, or a test of a typed one (several people's hashed tokens)."""
        with self._lock:
            now = self._clock()
            entry = self._entry(client, now, create=False)
            if entry is not None and entry.locked_for(now) > 0:
                return Outcome.LOCKED
            if token(typed) if callable(token) else token_matches(typed, token):
                key = self._slot(client, now)
                if key not in self._shared:  # a shared bucket keeps counting the others
                    self._clients.pop(key, None)
                return Outcome.ACCEPTED
            guess = hmac.new(_PROCESS_KEY, typed.encode("utf-8"), hashlib.sha256).digest()
            entry = entry or self._entry(client, now, create=True)
            if entry.last_guess and hmac.compare_digest(entry.last_guess, guess):
                return Outcome.REPEATED
            entry.last_guess = guess
            entry.fail(now)
            return Outcome.REFUSED

    @staticmethod
    def _key(client: str) -> bytes:
        """Clients are kept as short digests: bounded in size, and no address held as text."""
        return hashlib.blake2b(client.encode("utf-8"), digest_size=16).digest()

    def _slot(self, client: str, now: float) -> bytes:
        """The client's own entry, or the shared overflow bucket when the registry is full."""
        key = self._key(client)
        if key in self._clients or len(self._clients) < self.max_clients:
            return key
        if now >= self._next_sweep:  # a full registry is swept at most once a second
            self._next_sweep = now + 1.0
            self._forget_expired(now)
        return key if len(self._clients) < self.max_clients else self._key(OVERFLOW_CLIENT)

    def _entry(self, client: str, now: float, create: bool) -> Attempts | None:
        key = self._slot(client, now)
        entry = self._clients.get(key)
        if entry is not None and entry.expired(now, self.forget_after):
            del self._clients[key]
            entry = None
        if entry is None and create:
            entry = self._clients[key] = Attempts()
        return entry

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, e in self._clients.items() if e.expired(now, self.forget_after)]:
            del self._clients[key]


def client_key(address: object, identity: object = None) -> str:
    """Whom attempts are counted against: the signed-in identity when there is one, else the
    connection's address, else the shared UNKNOWN_CLIENT bucket. The address is what Streamlit
    reports (st.context.ip_address): the TCP peer, or, for a proxy on the same host, the
    X-Forwarded-For address that proxy sets (uvicorn trusts it from 127.0.0.1 only). Without one
    (a local visit, a proxy that sets no header) every client is counted together: the
    conservative choice, since it can lock an admin out but never lets a guesser split itself."""
    if isinstance(identity, str) and identity:
        return f"user:{identity}"
    if isinstance(address, str) and address:
        return f"ip:{address}"
    return UNKNOWN_CLIENT


LOCKOUTS = Lockouts()  # the process's registry: every session and reload of the server shares it
