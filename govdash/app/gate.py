"""The door of every page when the data folder has an access file (docs/access.md): who this
session is, the sign-in when it is nobody yet, and what a person without the right is told.

Without an access file nothing changes: every visitor sees every page, and 数据导入 keeps its
admin token or OIDC allow-list. With one, in "signed-in" mode a page shows nothing but the
sign-in until a person of the file signs in (OIDC through `st.login` when [auth] is configured,
and a personal token always); in "open" mode a visitor browses as the file's [visitors] and may
sign in from the sidebar. A broken file lets nobody in: what it was written to close stays
closed. Sign-ins, refusals and lockouts enter the audit trail.
"""

from __future__ import annotations

import json
import logging

import streamlit as st

from govdash.app import signin, state, trail
from govdash.app.markup import md
from govdash.core.rules.access import LOCKOUTS, Outcome, wait_parts
from govdash.core.rules.roles import PASS_SECONDS, Access, AccessError, Person
from govdash.core.text.i18n import t

log = logging.getLogger(__name__)

# The right each page needs (the others need "view"); 数据导入 asks for "import" itself, since
# a visitor of an open site signs in there.
PAGE_RIGHTS = {"present": "present", "import": None}


def wait_text(seconds: float, lang: str) -> str:
    """A lockout's wait in words, rounded up."""
    minutes, rest = wait_parts(seconds)
    if not minutes:
        return t("import.wait_seconds", lang, s=rest)
    if not rest:
        return t("import.wait_minutes", lang, m=minutes)
    return t("import.wait_minutes_seconds", lang, m=minutes, s=rest)


def admit(root: str, lang: str) -> tuple[Access | None, Person | None]:
    """The site's access file and this session's person, before any page draws; stops the run
    with the sign-in (or the reason) when nobody may see the pages yet. (None, None) without an
    access file."""
    access = signin.site_access()
    if access is None:
        return None, None
    if isinstance(access, AccessError):
        log.error("the access file cannot be used: %s", access.text("en"))
        st.error(t("signin.broken", lang) + "\n\n" + "\n\n".join(
            md(p.zh if lang == "zh" else p.en) for p in access.problems))  # fmt: skip
        st.stop()
    keep_pass(access)
    found = signin.person(access)
    if found is not None:
        if signin.oidc_person(access) or signin.token_person(access):  # not a pass's new tab
            trail.note_once(root, "sign_in", method=signin.method(access))
        return access, found
    if signin.oidc_configured() and signin.signed_in():
        refused(root, lang)
    if access.mode_for(signin.oidc_configured()) == "open":
        return access, signin.default_visitor(access)
    st.title(t("signin.title", lang))
    st.info(t("signin.needed", lang), icon=":material/lock:")
    sign_in_form(root, lang, "page")
    st.stop()


def refused(root: str, lang: str) -> None:
    """A signed-in OIDC identity the file does not name (or whose address is unverified): told
    so, with the way out, and never let in as a visitor."""
    claims = st.user.to_dict()
    reason = "unverified" if claims.get("email_verified") is not True else "not_listed"
    trail.note_once(root, "refusal", reason=reason)
    log.warning("a signed-in identity is not in the access file (%s)", reason)
    st.title(t("signin.title", lang))
    st.error(t(f"signin.refused.{reason}", lang, user=md(str(claims.get("email") or "?"))))
    st.button(t("import.logout", lang), on_click=st.logout)
    st.stop()


def require(person: Person | None, right: str | None, lang: str) -> None:
    """Stop a page the person has no right to (none needed without an access file)."""
    if person is None or right is None or person.may(right):
        return
    st.warning(t("signin.no_right", lang, right=t(f"signin.right.{right}", lang)),
               icon=":material/block:")  # fmt: skip
    st.stop()


def sign_in_form(root: str, lang: str, where: str) -> None:
    """OIDC's button when [auth] is configured, and the personal token box: a token counts once,
    when submitted, against this client in the process-wide lockout registry."""
    if signin.oidc_configured():
        st.button(t("signin.oidc", lang), on_click=st.login, key=f"signin-oidc-{where}",
                  type="primary")  # fmt: skip
    outcome = st.session_state.pop(state.SIGNIN_ATTEMPT, None)
    wait = LOCKOUTS.locked_for(signin.client())
    if wait > 0:
        st.error(t("import.locked_out", lang, wait=wait_text(wait, lang)), icon=":material/timer:")
        return
    with st.form(f"signin-{where}", clear_on_submit=True, border=False):
        st.text_input(t("signin.token", lang), type="password", key=f"{state.SIGNIN_TOKEN}-{where}")
        st.form_submit_button(t("signin.go", lang), on_click=_submit, args=(root, where))
    if outcome in (Outcome.REFUSED, Outcome.REPEATED):
        st.error(t("import.bad_token", lang))


def _submit(root: str, where: str) -> None:
    """The sign-in button's callback (it runs once per submit, before the next run): the person
    whose token was typed signs in; a wrong token is counted, audited, and may lock the client."""
    access = signin.site_access()
    typed = st.session_state.get(f"{state.SIGNIN_TOKEN}-{where}")
    if not isinstance(access, Access) or not isinstance(typed, str) or not typed:
        return
    client = signin.client()
    found: list[Person] = []

    def matches(text: str) -> bool:
        person = signin.person_for_token(access, text)
        if person is not None:
            found.append(person)
        return person is not None

    outcome = st.session_state[state.SIGNIN_ATTEMPT] = LOCKOUTS.submit(client, typed, matches)
    if outcome is Outcome.ACCEPTED and found:
        signin.remember_person(found[0])  # the next run's admit() writes the sign-in, once
    elif outcome is Outcome.REFUSED:
        trail.note(root, "refusal", reason="wrong_token", failures=LOCKOUTS.failures(client))
        wait = LOCKOUTS.locked_for(client)
        if wait > 0:
            trail.note(root, "lockout", seconds=round(wait))


# Our own script, never user text (a person id is letters, digits and ._@+-, quoted by json).
PASS_SCRIPT = """<script>
(function () {
  const secure = window.parent.location.protocol === "https:" ? "; Secure" : "";
  window.parent.document.cookie = %(cookie)s + "; Path=/; Max-Age=%(age)d; SameSite=Strict" + secure;
})();
</script>"""
PASS_VALUE = "_pass_value"  # the pass this session's sign-in made (the same on every run)


def sign_out() -> None:
    """Forget the person in this session, and have the browser drop its pass (see keep_pass)."""
    signin.forget_person()
    st.session_state[signin.SIGNED_OUT] = True
    st.session_state.pop(PASS_VALUE, None)
    st.session_state.pop(trail.SIGNED_IN, None)


def keep_pass(access: Access) -> None:
    """After a sign-in by token, the browser keeps a signed pass (roles.person_pass) for
    PASS_SECONDS, so a reload, a new tab or a shared link does not ask for the token again;
    after a sign-out it drops it. Streamlit sets no cookies of its own, so a script in a
    1-pixel frame writes it, on every run of the session (a run that a rerun replaces may
    never reach the browser; an unchanged frame is not run again)."""
    if st.session_state.get(signin.SIGNED_OUT):
        cookie, age = f"{signin.PASS_COOKIE}=", 0
    else:
        found = signin.token_person(access)
        if found is None:
            return
        value = st.session_state.setdefault(PASS_VALUE, signin.new_pass(found))
        cookie, age = f"{signin.PASS_COOKIE}={value}", PASS_SECONDS
    with st.sidebar:
        st.iframe(PASS_SCRIPT % {"cookie": json.dumps(cookie), "age": age}, height=1)


def sidebar_box(root: str, access: Access | None, person: Person | None, scope_name: str,
                lang: str) -> None:  # fmt: skip
    """Who is signed in and what they see, with the way out; on an open site, the way in."""
    if access is None or person is None:
        return
    box = st.sidebar.container()
    if person.id == signin.VISITOR_ID:
        with box.popover(t("signin.title", lang), icon=":material/login:"):
            sign_in_form(root, lang, "sidebar")
        return
    box.caption(t("signin.as", lang, who=md(person.name or person.id), scope=md(scope_name)))
    if signin.method(access) == "oidc":
        box.button(t("import.logout", lang), on_click=st.logout, key="signout-oidc")
    else:
        box.button(t("import.logout", lang), on_click=sign_out, key="signout-token")
