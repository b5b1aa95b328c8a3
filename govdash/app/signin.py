"""Who the current session is, without drawing anything: the site's access file and the person
it names for this session (by OIDC address or by personal token), the configured secrets and
admin token, the OIDC user's standing on the allow-list, the client that token attempts are
counted against, and `session_is_admin`, which any page may ask (to show server paths, say).

The rules themselves (allow-list, token length, lockouts, people and scopes) live in
govdash.core.rules.access and govdash.core.rules.roles; the sign-in forms in govdash.app.gate.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import streamlit as st

from govdash.app import state
from govdash.core.data.paths import default_snapshots_dir
from govdash.core.rules.access import (
    Refusal,
    admin_refusal,
    client_key,
    token_fingerprint,
    token_too_short,
)
from govdash.core.rules.roles import (
    DEFAULT_OPEN_LEVELS,
    Access,
    AccessError,
    Person,
    Scope,
    access_path,
    load_access,
    pass_holder,
    person_pass,
)
from govdash.core.text.problems import Problem

TOKEN_ENV = "GOVDASH_ADMIN_TOKEN"


def read_secrets() -> dict:
    """st.secrets without a secrets.toml raises; no file simply means nothing is configured."""
    try:
        return st.secrets.to_dict()
    except Exception:  # noqa: BLE001 - Streamlit raises its own error type for a missing file
        return {}


def admin_token() -> str | None:
    """The configured admin token (the environment first, then secrets), of any length: the page
    refuses one that is too short (`token_too_short`) and says so."""
    token = os.environ.get(TOKEN_ENV) or read_secrets().get("govdash", {}).get("admin_token")
    return token if isinstance(token, str) and token else None


def oidc_configured() -> bool:
    """With [auth] in secrets, sign-in is the only way in and the admin token is ignored."""
    return "auth" in read_secrets()


def signed_in() -> bool:
    return bool(st.user.get("is_logged_in", False))  # a mapping; absent until a login


def oidc_refusal() -> Refusal | None:
    """None when the signed-in user is an admin, else why not (NO_EMAIL when nobody signed in)."""
    if not signed_in():
        return Refusal.NO_EMAIL
    admins = read_secrets().get("govdash", {}).get("admins")
    return admin_refusal(st.user.to_dict(), admins)


def client() -> str:
    """Whom token attempts are counted against: the signed-in identity, else the address
    Streamlit sees (None on localhost and behind a proxy on the same host: one shared bucket)."""
    identity = (st.user.get("sub") or st.user.get("email")) if signed_in() else None
    return client_key(st.context.ip_address, identity)


def usable_token() -> str | None:
    """The configured admin token when it may unlock anything: not with OIDC, not too short."""
    token = None if oidc_configured() else admin_token()
    return None if token is None or token_too_short(token) else token


def remember_unlock(token: str) -> None:
    """This session typed the right token; what it keeps is a keyed digest of that token, so a
    changed token locks it again."""
    st.session_state[state.IMPORT_UNLOCKED] = token_fingerprint(token)


def token_unlocked(token: str) -> bool:
    return st.session_state.get(state.IMPORT_UNLOCKED) == token_fingerprint(token)


def session_is_admin() -> bool:
    """Whether this session may act as an admin: with an access file, a signed-in person with
    the admin right; without one, an OIDC user on the allow-list (verified, normalised address)
    when [auth] is configured, else a session unlocked with the current admin token. Draws
    nothing and logs nothing, so any page may call it on every rerun."""
    access = site_access()
    if access is not None:
        found = person(access) if isinstance(access, Access) else None
        return found is not None and found.may("admin")
    if oidc_configured():
        return oidc_refusal() is None
    token = usable_token()
    return token is not None and token_unlocked(token)


# --- people of the access file -------------------------------------------------------------

VISITOR_ID = "visitor"


@st.cache_resource(max_entries=4, show_spinner=False)
def _access(root: str, mtime_ns: int, size: int) -> Access | AccessError:
    """The access file as of one version (its change time and size are in the key, so an edit
    is read on the next run); a broken file is kept as its error, so every run reports it."""
    try:
        return load_access(Path(root)) or Access()
    except AccessError as exc:
        return exc


def site_access(root: Path | None = None) -> Access | AccessError | None:
    """The data folder's access file, checked: None without one (the site then works as before),
    its error when it cannot be used (the pages then let nobody in: a broken file must not open
    what it was written to close)."""
    folder = root or default_snapshots_dir()
    try:
        stat = access_path(folder).stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return AccessError(Problem("access", f"cannot be read: {exc}", f"无法读取：{exc}",
                                   where=str(access_path(folder))))  # fmt: skip
    return _access(str(folder), stat.st_mtime_ns, stat.st_size)


def default_visitor(access: Access) -> Person:
    """Who is not signed in, on a site in "open" mode: the file's [visitors], else view and
    present over the whole city."""
    if access.visitor is not None:
        return access.visitor
    levels = access.open_levels or DEFAULT_OPEN_LEVELS
    return Person(VISITOR_ID, frozenset({"view", "present"}), Scope((), levels))


def oidc_person(access: Access) -> Person | None:
    """The person of the signed-in OIDC identity: their address must be verified by the
    provider and written in the file (compared in normal form); None otherwise."""
    if not (oidc_configured() and signed_in()):
        return None
    claims = st.user.to_dict()
    if claims.get("email_verified") is not True:
        return None
    return access.by_email(claims.get("email"))


def remember_person(found: Person) -> None:
    """This session signed in with `found`'s token; what it keeps is their id and a keyed digest
    of their stored token, so a token changed or removed in the file signs them out."""
    st.session_state[state.PERSON] = (found.id, token_fingerprint(found.token_sha256 or ""))
    st.session_state.pop(SIGNED_OUT, None)
    st.session_state.pop("_pass_value", None)  # a new pass for the new sign-in (gate.keep_pass)


def forget_person() -> None:
    st.session_state.pop(state.PERSON, None)


def token_person(access: Access) -> Person | None:
    kept = st.session_state.get(state.PERSON)
    if not (isinstance(kept, tuple) and len(kept) == 2):
        return None
    found = access.by_id(kept[0])
    if found is None or not found.token_sha256:
        return None
    return found if kept[1] == token_fingerprint(found.token_sha256) else None


def person_for_token(access: Access, typed: str) -> Person | None:
    """The person whose token was typed (by its SHA-256, compared in constant time)."""
    return access.by_token(typed) if typed else None


PASS_COOKIE = "govdash_pass"
SIGNED_OUT = "_signed_out"  # this session signed out: a pass its browser still holds is ignored


def pass_key() -> bytes:
    """The key passes are signed with: derived from Streamlit's cookie secret, which every
    worker behind the proxy shares (govdash.serving), so a pass holds on any of them."""
    secret = str(st.get_option("server.cookieSecret") or "")
    return hashlib.sha256(b"govdash-pass\0" + secret.encode("utf-8")).digest()


def pass_person(access: Access) -> Person | None:
    """The person whose pass this browser holds (a sign-in by token in an earlier tab)."""
    if st.session_state.get(SIGNED_OUT):
        return None
    try:
        value = st.context.cookies.get(PASS_COOKIE)
    except Exception:  # noqa: BLE001 - outside a browser session (tests, warming): no cookies
        return None
    return pass_holder(access, value, pass_key(), time.time())


def new_pass(found: Person) -> str:
    return person_pass(found, pass_key(), time.time())


def person(access: Access) -> Person | None:
    """The person this session is signed in as (OIDC first, then a personal token typed in this
    session or in an earlier one of this browser), or None."""
    return oidc_person(access) or token_person(access) or pass_person(access)


def method(access: Access) -> str:
    """How the session's person signed in: "oidc", "token" or "" (nobody)."""
    if oidc_person(access) is not None:
        return "oidc"
    return "token" if token_person(access) or pass_person(access) else ""
