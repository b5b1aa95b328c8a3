"""Running the dashboard in Streamlit's AppTest: a page with its URL parameters, checked for
exceptions, as every page-level test starts."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")


def run_page(query: dict | None = None, page: str | None = None) -> AppTest:
    """The entry script, then `page` (pages/x.py) if given, with `query` as the URL's parameters."""
    at = AppTest.from_file(DASHBOARD, default_timeout=180)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
