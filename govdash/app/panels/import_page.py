"""数据导入 Import: locked behind OIDC login or an admin token; upload, preview, validation report,
confirmation, and the new snapshot in use. Also the template download and explicit retention."""

from __future__ import annotations

import hmac
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, sidebar, state
from govdash.core import fmt
from govdash.core.access import Attempts, is_admin

if TYPE_CHECKING:
    from govdash.importing.run import ImportReport
from govdash.core.i18n import join, t

log = logging.getLogger(__name__)

TOKEN_ENV = "GOVDASH_ADMIN_TOKEN"
UNLOCKED = state.IMPORT_UNLOCKED
UPLOAD_KEY = state.IMPORT_UPLOADS
UPLOAD_ROUND = f"{UPLOAD_KEY}-round"  # bumped after each import, to give a fresh uploader
ATTEMPTS = state.IMPORT_ATTEMPTS


def _secrets() -> dict:
    """st.secrets without a secrets.toml raises; no file simply means nothing is configured."""
    try:
        return st.secrets.to_dict()
    except Exception:  # noqa: BLE001 - Streamlit raises its own error type for a missing file
        return {}


def admin_token() -> str | None:
    token = os.environ.get(TOKEN_ENV) or _secrets().get("govdash", {}).get("admin_token")
    return token if isinstance(token, str) and token else None


def unlocked(ctx: context.Context) -> bool:
    """OIDC (st.login) with an allow-list when [auth] is configured, else an admin token compared
    in constant time and limited per session, else locked with instructions."""
    lang = ctx.lang
    secrets = _secrets()
    if "auth" in secrets:
        if not st.user.get("is_logged_in", False):  # a mapping; absent until a login
            st.info(t("import.login_needed", lang), icon=":material/lock:")
            st.button(t("import.login", lang), on_click=st.login)
            return False
        email = st.user.get("email")
        if not is_admin(email, secrets.get("govdash", {}).get("admins")):
            log.warning("import page refused to a signed-in user who is not on the admin list")
            st.error(t("import.not_allowed", lang, user=chrome.md(email or "?")))
            st.button(t("import.logout", lang), on_click=st.logout)
            return False
        return True
    token = admin_token()
    if token is None:
        st.warning(t("import.locked", lang), icon=":material/lock:")
        st.code(t("import.how_to", lang), language="toml")
        return False
    if st.session_state.get(UNLOCKED):
        return True
    return _token_form(lang, token)


def _token_form(lang: str, token: str) -> bool:
    attempts: Attempts = st.session_state.setdefault(ATTEMPTS, Attempts())
    wait = attempts.locked_for()
    if wait > 0:
        st.error(t("import.locked_out", lang, seconds=int(wait) + 1), icon=":material/timer:")
        return False
    box = st.columns([1, 2])[0]
    typed = box.text_input(t("import.token", lang), type="password", key=state.IMPORT_TOKEN)
    if box.button(t("import.unlock", lang), key="import-unlock") or typed:
        # Constant-time comparison: the time taken says nothing about how much of it was right.
        if hmac.compare_digest(typed.encode("utf-8"), token.encode("utf-8")):
            attempts.succeed()
            st.session_state[UNLOCKED] = True
            st.session_state.pop(state.IMPORT_TOKEN, None)
            log.info("import page unlocked with the admin token")
            st.rerun()
        attempts.fail()
        # Logged without what was typed: a near-miss token in a log is a token half given away.
        log.warning("admin token refused (%d failures in this session)", attempts.failures)
        st.error(t("import.bad_token", lang))
        if attempts.locked_for() > 0:
            st.rerun()
    return False


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
    for old in Path(folder).iterdir():
        old.unlink()
    return folder


def _drop_upload_folder() -> None:
    folder = st.session_state.pop(state.IMPORT_FOLDER, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def _save(uploads, folder: Path) -> list[Path]:
    paths = []
    for upload in uploads:
        name = Path(upload.name).name or "upload"
        path = folder / name
        path.write_bytes(upload.getvalue())
        paths.append(path)
    return paths


def run_import(
    ctx: context.Context,
    paths: list[Path],
    dry_run: bool,
    note: str = "",
    empty: bool = False,
    replace: bool = False,
    month: str | None = None,
) -> ImportReport:
    from govdash.importing.run import import_files

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
class Pending:
    """What the confirmation dialog imports: the checked files and the choices made on the page."""

    folder: str
    names: tuple[str, ...]
    rows: dict
    empty: bool
    replaced: int
    month: str | None
    confirmed: bool = False  # replacements or division changes, ticked on the page


def confirm(ctx: context.Context, pending: Pending) -> None:
    """The confirmation dialog (its title follows the language, so it is built per call)."""
    st.dialog(t("import.confirm_title", ctx.lang))(_confirm_body)(ctx, pending)


def _confirm_body(ctx: context.Context, pending: Pending) -> None:
    lang = ctx.lang
    names = pending.names
    st.write(t("import.confirm_text", lang, files=join((chrome.md(n) for n in names), lang)))
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
        )
        if report.ok and report.snapshot is not None:
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
    empty = _base_choice(ctx)
    month = _month_choice(ctx)
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
    paths = _save(uploads, Path(folder))
    with st.spinner(t("import.checking", lang)):
        report = run_import(ctx, paths, dry_run=True, empty=empty, month=month)
    st.subheader(t("import.report", lang), anchor=False)
    if report.ok:
        st.success(t("import.valid", lang, n=len(report.sheets)))
    else:
        st.error(t("import.invalid", lang, n=len(report.all_errors())))
    report_panel(ctx, report)
    if not report.ok:
        return
    if report.divisions is not None and report.divisions.changes:
        lines = "\n".join(f"- {chrome.md(line)}" for line in report.divisions.lines(lang))
        st.warning(t("import.division_plan", lang) + "\n\n" + lines, icon=":material/account_tree:")
    confirmed = replacements(ctx, report)
    if st.button(t("import.go", lang), type="primary", key="import-go", disabled=not confirmed):
        names = tuple(p.name for p in paths)
        plan = report.divisions
        needed = bool(report.replaced) or (plan is not None and plan.needs_confirmation)
        pending = Pending(
            folder, names, report.rows, empty, report.replaced_rows, month, needed and confirmed
        )
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


def _base_choice(ctx: context.Context) -> bool:
    """When the newest snapshot is demo data, ask what the import builds on: merged into the
    demo, the result is still demo data (and says so); started empty, it is the files alone.
    Returns whether to start from an empty snapshot."""
    from govdash.core.snapshot import latest_good

    newest, _ = latest_good(Path(ctx.root))
    if newest is None or not newest.is_demo:
        return False
    lang = ctx.lang
    choice = st.radio(
        t("import.base", lang),
        ["empty", "demo"],
        format_func=lambda c: t(f"import.base_{c}", lang),
        key=state.IMPORT_BASE,
    )
    if choice == "demo":
        st.warning(t("import.onto_demo", lang), icon=":material/warning:")
    return choice == "empty"


def retention_panel(ctx: context.Context) -> None:
    from govdash.core.admin import prune, prune_plan

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
        st.success(t("retention.done", lang, n=len(removed)))
