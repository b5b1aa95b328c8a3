"""Running the dashboard in Streamlit's AppTest (a page with its URL parameters, checked for
exceptions, as every page-level test starts) and its command line as a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from govdash.app.state import LAZY_SECTIONS

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
# An [auth] table for st.login in AppTest: never contacted (AppTest sets st.user itself).
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-secret",
    "client_id": "govdash",
    "client_secret": "x",
    "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration",
}


def run_page(query: dict | None = None, page: str | None = None, *, opened: bool = True) -> AppTest:
    """The entry script, then `page` (pages/x.py) if given, with `query` as the URL's parameters.
    With `opened`, every lazy section is open, as after a visitor opened them all, so the tests
    that walk a page see every chart it can show."""
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        for key in LAZY_SECTIONS if opened else ():
            at.session_state[key] = True
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_cli(
    root: Path, *args: str, lang_env: str | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    """`python -m govdash --data-dir ROOT ARGS…` as a user runs it; `lang_env` sets LANG (and
    clears the variables that would override it)."""
    env = None
    if lang_env is not None:
        env = {
            k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANGUAGE")
        }
        env["LANG"] = lang_env
    return subprocess.run(
        [sys.executable, "-m", "govdash", "--data-dir", str(root), *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env,
    )  # fmt: skip


def sign_in(at: AppTest, user: dict) -> None:
    """Give an AppTest run st.user's claims. AppTest reads them from `at.user` only since
    Streamlit 1.67 (before, st.user is a fixed test user), so at the lower bounds these tests
    cannot say anything and are skipped; the main environment runs them."""
    if tuple(int(part) for part in streamlit.__version__.split(".")[:2]) < (1, 67):
        pytest.skip("AppTest sets st.user's claims from Streamlit 1.67 on")
    at.user = user
