"""No traceback reaches a visitor: an unexpected error on any page becomes a short message with an
error id, and the traceback goes to the server log under the same id.

`.streamlit/config.toml` sets `client.showErrorDetails = "none"` as the second wall, for errors
raised where this guard does not reach (widget callbacks, fragments).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import streamlit as st

from govdash.core.text.i18n import DEFAULT_LANG, t
from govdash.core.text.problems import GovdashError

log = logging.getLogger("govdash.errors")


def new_error_id() -> str:
    return uuid.uuid4().hex[:10]


def run_guarded(body: Callable[[], None], lang: Callable[[], str] = lambda: DEFAULT_LANG) -> None:
    """Run a page. Streamlit's own control flow (st.stop, st.rerun, st.switch_page) derives from
    BaseException and passes through; any Exception is logged and shown as a short message."""
    try:
        body()
    except GovdashError as exc:  # an expected problem (a query out of time ...): say what it is
        log.warning("page stopped: %s", exc.text("en"))
        st.error(exc.text(_safe(lang)), icon=":material/error:")
    except Exception:
        error_id = new_error_id()
        log.exception("unexpected error %s", error_id)
        st.error(t("error.unexpected", _safe(lang), id=error_id), icon=":material/error:")


def _safe(lang: Callable[[], str]) -> str:
    try:
        return lang()
    except Exception:  # the language switch itself may be what failed
        return DEFAULT_LANG
