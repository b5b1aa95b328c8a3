"""Who the current session is, without drawing anything: the configured secrets and admin token,
the OIDC user's standing on the allow-list, the client that token attempts are counted against,
and `session_is_admin`, which any page may ask (to show server paths, say).

The rules themselves (allow-list, token length, lockouts) live in govdash.core.rules.access.
"""

from __future__ import annotations

import os

import streamlit as st

from govdash.app import state
from govdash.core.rules.access import (
    Refusal,
    admin_refusal,
    client_key,
    token_fingerprint,
    token_too_short,
)

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
    """Whether this session may act as an admin: an OIDC user on the allow-list (verified,
    normalised address) when [auth] is configured, else a session unlocked with the current
    admin token. Draws nothing and logs nothing, so any page may call it on every rerun."""
    if oidc_configured():
        return oidc_refusal() is None
    token = usable_token()
    return token is not None and token_unlocked(token)
