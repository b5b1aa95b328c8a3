"""数据导入 Import: locked behind OIDC login or an admin token; upload, preview, validation report,
confirmation, and the new snapshot in use. Also the template download and explicit retention."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, gate, sidebar, signin, state, trail
from govdash.app.signin import admin_token
from govdash.core.rules.access import (
    LOCKOUTS,
    MIN_TOKEN_LENGTH,
    TOKEN_RECIPE,
    Outcome,
    Refusal,
    token_too_short,
)
from govdash.core.rules.roles import Scope
from govdash.core.text import fmt

if TYPE_CHECKING:
    from govdash.importing.run import ImportReport
from govdash.core.text.i18n import join, t

log = logging.getLogger(__name__)

UNLOCKED = state.IMPORT_UNLOCKED
UPLOAD_KEY = state.IMPORT_UPLOADS
UPLOAD_ROUND = f"{UPLOAD_KEY}-round"  # bumped after each import, to give a fresh uploader
ATTEMPT = state.IMPORT_ATTEMPTS  # what became of this session's last submitted token

# What a signed-in user who is not an admin is told (the log names only the reason).
REFUSED = {
    Refusal.NO_EMAIL: "import.not_allowed",
    Refusal.NOT_LISTED: "import.not_allowed",
    Refusal.NOT_NORMALISED: "import.email_not_normalised",
    Refusal.UNVERIFIED: "import.email_unverified",
    Refusal.VERIFICATION_UNKNOWN: "import.email_verification_unknown",
}


def unlocked(ctx: context.Context) -> bool:
    """OIDC (st.login) with an allow-list when [auth] is configured, else an admin token of at
    least MIN_TOKEN_LENGTH characters with attempts limited per client, else locked with
    instructions."""
    lang = ctx.lang
    if ctx.access is not None:
        return _person_may_import(ctx)
    if signin.oidc_configured():
        if not signin.signed_in():
            st.info(t("import.login_needed", lang), icon=":material/lock:")
            st.button(t("import.login", lang), on_click=st.login)
            return False
        refusal = signin.oidc_refusal()
        if refusal is None:
            trail.note_once(ctx.root, "sign_in", method="oidc")
            return True
        trail.note_once(ctx.root, "refusal", reason=refusal.value)
        # Logged without the address: what a refused user typed is theirs, not the log's.
        log.warning("import page refused to a signed-in user (%s)", refusal.value)
        email = st.user.get("email")
        st.error(t(REFUSED[refusal], lang, user=chrome.md(email or "?")))
        st.button(t("import.logout", lang), on_click=st.logout)
        return False
    token = admin_token()
    if token is None:
        st.warning(t("import.locked", lang), icon=":material/lock:")
        st.code(t("import.how_to", lang), language="toml")
        return False
    if token_too_short(token):
        log.error("admin token refused: shorter than %d characters", MIN_TOKEN_LENGTH)
        st.error(t("import.token_too_short", lang, n=MIN_TOKEN_LENGTH), icon=":material/lock:")
        st.code(t("import.token_too_short.how_to", lang, recipe=TOKEN_RECIPE), language="bash")
        return False
    if signin.token_unlocked(token):
        return True
    return _token_form(ctx)


def _person_may_import(ctx: context.Context) -> bool:
    """With an access file: a signed-in person with the import right imports within their
    scope; a visitor signs in here; anyone else is told they lack the right (and the trail
    records the refusal once)."""
    person, lang = ctx.person, ctx.lang
    if person is not None and person.id != signin.VISITOR_ID and person.may("import"):
        return True
    if person is None or person.id == signin.VISITOR_ID:
        st.info(t("import.login_needed", lang), icon=":material/lock:")
        gate.sign_in_form(ctx.root, lang, "import")
        return False
    trail.note_once(ctx.root, "refusal", reason="no_right", right="import")
    st.warning(t("signin.no_right", lang, right=t("signin.right.import", lang)),
               icon=":material/block:")  # fmt: skip
    return False


def _import_scope(ctx: context.Context) -> Scope | None:
    """The rows an import may write: the person's scope (None: anywhere, as without a file)."""
    if ctx.person is None or ctx.person.scope.whole_city:
        return None
    return ctx.person.scope


def _token_form(ctx: context.Context) -> bool:
    """The token box in a form: a token counts once, when submitted, against this client in the
    process-wide registry (a rerun or a reload submits nothing and starts no fresh count)."""
    lang = ctx.lang
    outcome = st.session_state.pop(ATTEMPT, None)  # of the submit that started this run
    wait = LOCKOUTS.locked_for(signin.client())
    if wait > 0:
        st.error(
            t("import.locked_out", lang, wait=gate.wait_text(wait, lang)), icon=":material/timer:"
        )
        return False
    with st.columns([1, 2])[0].form("import-unlock", clear_on_submit=True, border=False):
        st.text_input(t("import.token", lang), type="password", key=state.IMPORT_TOKEN)
        st.form_submit_button(t("import.unlock", lang), on_click=_submit_token, args=(ctx.root,))
    if outcome in (Outcome.REFUSED, Outcome.REPEATED):
        st.error(t("import.bad_token", lang))
    return False


def _submit_token(root: str) -> None:
    """The submit button's callback: it runs before any script of the next run, so a submit is
    never lost to a rerun the page starts, and it runs once per submit, never on a rerun. Each
    outcome enters the audit trail: the unlock, a counted refusal, and the lockout it starts."""
    token = signin.usable_token()
    typed = st.session_state.get(state.IMPORT_TOKEN)
    if token is None or not isinstance(typed, str) or not typed:
        return
    client = signin.client()
    outcome = st.session_state[ATTEMPT] = LOCKOUTS.submit(client, typed, token)
    if outcome is Outcome.ACCEPTED:
        signin.remember_unlock(token)
        log.info("import page unlocked with the admin token")
        trail.note(root, "sign_in", method="token")
    elif outcome is Outcome.REFUSED:
        # Logged without what was typed: a near-miss token in a log is a token half given away.
        log.warning("admin token refused (%d failures from this client)", LOCKOUTS.failures(client))
        trail.note(root, "refusal", reason="wrong_token", failures=LOCKOUTS.failures(client))
        wait = LOCKOUTS.locked_for(client)
        if wait > 0:
            trail.note(root, "lockout", seconds=round(wait))


def template_download(ctx: context.Context) -> None:
    from govdash.importing.template import write_template

    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_template(Path(tmp) / "template.xlsx", ctx.divisions)
            return path.read_bytes()

    st.download_button(
        t("import.template", ctx.lang),
        on_click="ignore",  # a download needs no rerun, which would slow it
        data=build,
        file_name="govdash-template.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="template-download",
        icon=":material/download:",
    )


UPLOAD_PREFIX = "govdash-up-"
UPLOAD_TTL = 6 * 3600  # seconds; a session idle this long has its uploaded files removed


def _upload_folder() -> str:
    """This session's private folder for uploaded files, emptied for the new set of files.

    Uploaded files may hold personal data, so they must not outlive their use: folders of other
    sessions untouched for UPLOAD_TTL are removed here (Streamlit has no session-end hook), and
    this session's folder is removed after a successful import or when the files are cleared.
    """
    base = Path(tempfile.gettempdir())
    for stale in base.glob(UPLOAD_PREFIX + "*"):
        try:
            if time.time() - stale.stat().st_mtime > UPLOAD_TTL:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue
    folder = st.session_state.get(state.IMPORT_FOLDER)
    if not folder or not Path(folder).is_dir():
        folder = st.session_state[state.IMPORT_FOLDER] = tempfile.mkdtemp(prefix=UPLOAD_PREFIX)
    for old in Path(folder).iterdir():  # the last set of files, one folder per content
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink()
    return folder


def _drop_upload_folder() -> None:
    folder = st.session_state.pop(state.IMPORT_FOLDER, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def _save(uploads, folder: Path, lang: str) -> list[Path]:
    """The uploads kept apart by content (two offices' "月报.xlsx" are two files); the same
    file uploaded twice is read once, and the page says so."""
    from govdash.importing.uploads import store_uploads

    stored = store_uploads(((u.name, u.getvalue()) for u in uploads), folder)
    for name, first in stored.repeated:
        st.info(t("import.repeated_upload", lang, name=chrome.md(name), first=chrome.md(first)),
                icon=":material/content_copy:")  # fmt: skip
    return stored.paths


def run_import(
    ctx: context.Context,
    paths: list[Path],
    dry_run: bool,
    note: str = "",
    empty: bool = False,
    replace: bool = False,
    month: str | None = None,
    choice: ImportChoice | None = None,
) -> ImportReport:
    from govdash.importing.run import import_files

    choice = choice or ImportChoice()

    bar = st.progress(0.0, text=t("import.progress", ctx.lang, step=""))

    def update(fraction: float, step: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t("import.progress", ctx.lang, step=step))

    try:
        return import_files(
            paths,
            root=Path(ctx.root),
            dry_run=dry_run,
            note=note,
            progress=update,
            empty=empty,
            replace=replace,
            month=month,
            as_of=choice.as_of,
            base=choice.base,
            scope=_import_scope(ctx),
        )
    finally:
        bar.empty()


def report_panel(ctx: context.Context, report: ImportReport) -> None:
    lang = ctx.lang
    for sheet in report.sheets:
        where = sheet.file + (f" › {sheet.sheet}" if sheet.sheet else "")
        table = t(f"table.{sheet.table}", lang) if sheet.table else "?"
        with st.expander(
            t(
                "import.sheet",
                lang,
                where=chrome.md(where),
                table=table,
                rows=fmt.number(sheet.rows, lang, compact=False),
                errors=len(sheet.errors),
            ),
            expanded=bool(sheet.errors),
            icon=":material/error:" if sheet.errors else ":material/check_circle:",
        ):
            if sheet.preview is not None and len(sheet.preview):
                st.dataframe(preview(sheet.preview, sheet.table, lang), hide_index=True,
                             width="stretch")  # fmt: skip
            for p in sheet.errors:
                st.error(chrome.md(p.text(lang)))
            for p in sheet.warnings[:50]:
                st.warning(chrome.md(p.text(lang)))
            for p in sheet.notes:
                st.info(chrome.md(p.text(lang)), icon=":material/info:")
    for p in report.errors:
        st.error(chrome.md(p.text(lang)))


HELPERS_EN = {"序号": "No.", "街道": "Street", "区": "District"}  # the reader's helper columns


def preview(frame: pd.DataFrame, table: str | None, lang: str) -> pd.DataFrame:
    """The first rows as typed, under the template's headers in the page's language (not the
    contract's machine names), with empty cells empty rather than "None"."""
    from govdash.importing.spec import load_spec

    sheet = load_spec().get(table or "")
    names = {c.name: (c.zh if lang == "zh" else c.en) for c in sheet.columns} if sheet else {}
    if lang != "zh":
        names.update(HELPERS_EN)
    shown = frame.rename(columns=names).astype(object)
    return shown.where(shown.notna(), "")


def replacements(ctx: context.Context, report: ImportReport) -> bool:
    """The rows an import would change, and a box to tick: whether the user confirmed."""
    lang = ctx.lang
    if not report.replaced:
        if report.divisions is None or not report.divisions.needs_confirmation:
            return True
        return st.checkbox(t("import.divisions_ok", lang), key="import-divisions-ok")
    lines = "\n".join(f"- {chrome.md(r.text(lang))}" for r in report.replaced)
    st.warning(
        t("import.replaces", lang, n=fmt.number(report.replaced_rows, lang, compact=False))
        + "\n\n"
        + lines,
        icon=":material/find_replace:",
    )
    return st.checkbox(
        t("import.replace_ok", lang, n=fmt.number(report.replaced_rows, lang, compact=False)),
        key="import-replace-ok",
    )


@dataclass(frozen=True)
class ImportChoice:
    """The page's answers to what the CLI takes as --as-of and --base."""

    as_of: dt.date | None = None
    base: str | None = None  # a snapshot older than the newest, chosen on purpose


@dataclass(frozen=True)
class Pending:
    """What the confirmation dialog imports: the checked files and the choices made on the page."""

    folder: str
    names: tuple[str, ...]  # paths under `folder` (<digest>/<name>)
    rows: dict
    empty: bool
    replaced: int
    month: str | None
    confirmed: bool = False  # replacements or division changes, ticked on the page
    choice: ImportChoice = ImportChoice()


def confirm(ctx: context.Context, pending: Pending) -> None:
    """The confirmation dialog (its title follows the language, so it is built per call)."""
    st.dialog(t("import.confirm_title", ctx.lang))(_confirm_body)(ctx, pending)


def _confirm_body(ctx: context.Context, pending: Pending) -> None:
    lang = ctx.lang
    names = pending.names
    shown = (chrome.md(Path(n).name) for n in names)
    st.write(t("import.confirm_text", lang, files=join(shown, lang)))
    for table, n in pending.rows.items():
        st.write(f"- {t(f'table.{table}', lang)}: {fmt.number(n, lang, compact=False)}")
    if pending.replaced:
        st.write(
            t("import.replaces_short", lang, n=fmt.number(pending.replaced, lang, compact=False))
        )
    note = st.text_input(t("import.note", lang))
    if st.button(t("import.confirm", lang), type="primary"):
        paths = [Path(pending.folder) / n for n in names]
        report = run_import(
            ctx,
            paths,
            dry_run=False,
            note=note,
            empty=pending.empty,
            replace=pending.confirmed,
            month=pending.month,
            choice=pending.choice,
        )
        if report.ok and report.snapshot is not None:
            trail.note(
                ctx.root, "replace" if report.replaced else "import",
                snapshot=report.snapshot.id, rows=sum(s.rows for s in report.sheets),
                files=[Path(n).name for n in names],
            )  # fmt: skip
            if report.divisions is not None and report.divisions.changes:
                trail.note(ctx.root, "divisions", snapshot=report.snapshot.id,
                           changes=report.divisions.lines("en"))  # fmt: skip
            _drop_upload_folder()
            # Imported: the uploader starts empty again. Dropping a widget's state does not
            # clear what the browser shows, so the uploader is replaced by a new one.
            st.session_state[UPLOAD_ROUND] = st.session_state.get(UPLOAD_ROUND, 0) + 1
            st.session_state[state.IMPORT_DONE] = report.snapshot.id
            sidebar.set_view(replace(ctx.view, snapshot=report.snapshot.id))
            st.rerun()
        for p in report.all_errors():
            st.error(chrome.md(p.text(lang)))


def upload_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    done = st.session_state.pop(state.IMPORT_DONE, None)
    if done:
        st.success(t("import.done", lang, snapshot=done), icon=":material/check_circle:")
    empty, base = _base_choice(ctx)
    month = _month_choice(ctx)
    as_of = _as_of_choice(ctx)
    if as_of is False:  # typed, but not a date the import can take (the field says why)
        return
    choice = ImportChoice(as_of, base)
    uploads = st.file_uploader(
        t("import.upload", lang),
        type=["xlsx", "xlsm", "csv", "xls"],
        accept_multiple_files=True,
        key=f"{UPLOAD_KEY}-{st.session_state.get(UPLOAD_ROUND, 0)}",
        help=t("import.upload_help", lang),
    )
    if not uploads:
        _drop_upload_folder()
        return
    folder = _upload_folder()
    paths = _save(uploads, Path(folder), lang)
    with st.spinner(t("import.checking", lang)):
        report = run_import(ctx, paths, dry_run=True, empty=empty, month=month, choice=choice)
    st.subheader(t("import.report", lang), anchor=False)
    if report.ok:
        st.success(t("import.valid", lang, n=len(report.sheets)))
    else:
        st.error(t("import.invalid", lang, n=len(report.all_errors())))
        outside = sum(sheet.outside_scope for sheet in report.sheets)
        if outside and ctx.person is not None:  # rows the importer may not write: once per file
            trail.note_once(ctx.root, "refusal", reason="outside_scope", rows=outside,
                            files=tuple(p.name for p in paths), scope=ctx.person.scope.codes)  # fmt: skip
    report_panel(ctx, report)
    if not report.ok:
        return
    if report.divisions is not None and report.divisions.changes:
        lines = "\n".join(f"- {chrome.md(line)}" for line in report.divisions.lines(lang))
        st.warning(t("import.division_plan", lang) + "\n\n" + lines, icon=":material/account_tree:")
    confirmed = replacements(ctx, report)
    if st.button(t("import.go", lang), type="primary", key="import-go", disabled=not confirmed):
        names = tuple(str(p.relative_to(folder)) for p in paths)
        plan = report.divisions
        needed = bool(report.replaced) or (plan is not None and plan.needs_confirmation)
        pending = Pending(
            folder, names, report.rows, empty, report.replaced_rows, month, needed and confirmed,
            choice,
        )  # fmt: skip
        confirm(ctx, pending)


def _month_choice(ctx: context.Context) -> str | None:
    """The report month for sheets that carry it in no column, title or file name."""
    from govdash.importing.layout import month_in

    lang = ctx.lang
    typed = st.text_input(
        t("import.month", lang), placeholder="2025-06", help=t("import.month_help", lang)
    ).strip()
    if not typed:
        return None
    month = month_in(typed)
    if month is None:
        st.error(t("import.month_bad", lang, typed=chrome.md(typed)))
    return month


def _as_of_choice(ctx: context.Context) -> dt.date | None | bool:
    """The as-of date the CLI takes as --as-of: blank for the newest date in the data; False
    when what was typed cannot be taken (the message under the field says why)."""
    from govdash.core.text.problems import GovdashError
    from govdash.importing.run import parse_as_of

    lang = ctx.lang
    typed = st.text_input(
        t("import.as_of", lang), placeholder="2025-07-31", help=t("import.as_of_help", lang),
        key=state.IMPORT_AS_OF,
    ).strip()  # fmt: skip
    if not typed:
        return None
    try:
        return parse_as_of(typed)
    except GovdashError as exc:
        st.error(chrome.md(exc.text(lang)))
        return False


def _base_choice(ctx: context.Context) -> tuple[bool, str | None]:
    """What the import builds on: (start empty, an older snapshot chosen on purpose).

    When a folder that may be newer than the newest good snapshot cannot be read, the import
    is refused unless the admin ticks a box that names what the new snapshot will leave out.
    When the newest snapshot is demo data, merged into it the result is still demo data (and
    says so); started empty, it is the files alone."""
    from govdash.core.data.snapshot import scan

    good, skipped = scan(Path(ctx.root))
    newest = good[0] if good else None
    lang = ctx.lang
    base = None
    stale = [s for s in skipped if newest is None or s.may_be_newer_than(newest)]
    if stale and newest is not None:
        left = join((s.id for s in stale), lang)
        reasons = "\n".join(f"- {chrome.md(p.text(lang))}" for s in stale for p in s.problems)
        st.warning(t("import.stale", lang, left=left, base=newest.id) + "\n\n" + reasons,
                   icon=":material/history:")  # fmt: skip
        ok = t("import.stale_ok", lang, left=left, base=newest.id)
        if st.checkbox(ok, key=state.IMPORT_STALE_OK):
            base = newest.id
    if newest is None or not newest.is_demo:
        return False, base
    choice = st.radio(
        t("import.base", lang),
        ["empty", "demo"],
        format_func=lambda c: t(f"import.base_{c}", lang),
        key=state.IMPORT_BASE,
    )
    if choice == "demo":
        st.warning(t("import.onto_demo", lang), icon=":material/warning:")
    return choice == "empty", None if choice == "empty" else base


def retention_panel(ctx: context.Context) -> None:
    from govdash.core.measures.admin import prune, prune_plan

    lang = ctx.lang
    st.subheader(t("retention.heading", lang), anchor=False)
    st.caption(t("retention.explain", lang))
    keep = st.number_input(t("retention.keep", lang), min_value=1, value=5, step=1)
    plan = prune_plan(Path(ctx.root), int(keep))
    if not plan.delete:
        st.caption(t("retention.nothing", lang))
        return
    st.write(t("retention.would", lang, ids=join((s.id for s in plan.delete), lang)))
    if st.button(t("retention.go", lang, n=len(plan.delete)), key="prune-go"):
        removed = prune(Path(ctx.root), int(keep))
        trail.note(ctx.root, "prune", deleted=[getattr(s, "id", str(s)) for s in removed])
        st.success(t("retention.done", lang, n=len(removed)))
