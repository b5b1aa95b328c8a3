"""The pages' entries in the audit trail: who (the signed-in address, or the admin token), from
which address, what.

The trail itself is core (govdash.core.data.audit); here is only what a page knows about its
visitor. A trail that cannot be written (a read-only data folder) is logged as an error and
never stops the page: the action it records has already happened, or failed on its own.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from govdash.app import signin, state
from govdash.core.data.audit import record
from govdash.core.rules.access import address_key
from govdash.core.rules.roles import Access

log = logging.getLogger(__name__)

ADMIN_TOKEN = "admin-token"  # who unlocked with the site's one admin token (not a person)
VISITOR = "visitor"
SIGNED_IN = "_trail_once"  # entries this session has written once already


def who() -> str:
    """The person of the access file this session signed in as; without an access file, the
    signed-in address (normal form), else the admin token if this session typed it; else a
    visitor."""
    access = signin.site_access()
    if isinstance(access, Access):
        found = signin.person(access)
        if found is not None:
            return found.id
    if signin.signed_in():
        email = st.user.get("email")
        key = address_key(email) if isinstance(email, str) else None
        return key or f"oidc:{st.user.get('sub') or '?'}"
    if st.session_state.get(state.IMPORT_UNLOCKED):
        return ADMIN_TOKEN
    return VISITOR


def address() -> str:
    """The visitor's address as Streamlit sees it ("" on localhost or behind a local proxy)."""
    try:
        found = st.context.ip_address
    except Exception:  # noqa: BLE001 - outside a session (tests, warming): no address
        return ""
    return found if isinstance(found, str) else ""  # AppTest's stand-in is no address


def note(root: str | Path, action: str, *, who_: str | None = None, **detail: object) -> None:
    """Append one entry for this session's visitor."""
    snapshot = str(detail.pop("snapshot", "") or "")
    rows = detail.pop("rows", None)
    try:
        record(Path(root), action, who_ or who(), snapshot=snapshot, rows=rows,
               address=address(), **detail)  # fmt: skip
    except OSError:
        log.exception("the audit trail of %s could not be written (%s)", root, action)


def note_once(root: str | Path, action: str, **detail: object) -> None:
    """An entry a page would otherwise write on every rerun (a sign-in, a refused identity)
    enters the trail once per session and visitor."""
    tag = (action, who(), tuple(sorted(detail.items())))
    seen = st.session_state.setdefault(SIGNED_IN, set())
    if tag not in seen:
        seen.add(tag)
        note(root, action, **detail)
