"""The session context every page gets: language, the verified snapshot (built on first start),
its divisions, the shared view, and the one DuckDB connection per snapshot folder.

The entry script calls `setup`; a page calls `context()`. Typed cached queries live in
govdash.app.fetch and the chrome around charts in govdash.app.chrome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from govdash.app import gate, sidebar, signin, state
from govdash.app.markup import md
from govdash.core.data.catalog import load_catalog
from govdash.core.data.divisions import city_code
from govdash.core.data.divisions import name as division_name
from govdash.core.data.paths import default_snapshots_dir
from govdash.core.data.snapshot import Skipped, Snapshot, ensure_root, open_snapshot, scan
from govdash.core.data.vocab import label
from govdash.core.engine.query import connect
from govdash.core.engine.recall import recalled_query
from govdash.core.measures import events
from govdash.core.question.scope import ActivityScope, Filters, Selection, Window
from govdash.core.question.view import Options, View
from govdash.core.rules.roles import Access, Person, Scope
from govdash.core.text.i18n import DEFAULT_LANG, LANGS, date_label, join, stamp_label, t
from govdash.core.text.problems import GovdashError, Problem

LANG_KEY = state.LANG
CTX_KEY = state.CONTEXT


@dataclass(frozen=True)
class Context:
    """What every page needs: the language, the verified snapshot, its divisions and the view."""

    lang: str
    snapshot: Snapshot
    divisions: pd.DataFrame
    view: View
    options: Options
    notices: tuple[str, ...] = ()
    details: bool = False  # the analyst's switch: SQL, snapshot ids and paths are shown
    person: Person | None = None  # who is signed in, by the access file (None: there is none)
    access: Access | None = None

    @property
    def root(self) -> str:
        return str(self.snapshot.path.parent)

    @property
    def scope(self) -> Scope:
        """What the person may see below the open levels (the whole city without a person)."""
        return self.person.scope if self.person is not None else Scope()

    def may(self, right: str) -> bool:
        """Whether the session's person holds a right (everyone does without an access file)."""
        return self.person is None or self.person.may(right)

    def rows_selection(self, selection: Selection | None = None) -> Selection | None:
        """The part of a selection whose single rows (events, teams, programmes) this person may
        see: the selection itself, narrowed to their scope, or None when it lies outside."""
        selection = selection or self.selection
        codes = () if selection.level == "city" else selection.codes
        narrowed = self.scope.narrow(codes)
        if narrowed is None:
            return None
        return selection if narrowed == codes else Selection.of(narrowed, self.divisions)

    @property
    def selection(self) -> Selection:
        return Selection.of(self.view.scope_codes, self.divisions)

    @property
    def window(self) -> Window:
        return Window.of(self.view.start, self.view.end, self.snapshot.as_of)

    @property
    def filters(self) -> Filters:
        v = self.view
        return Filters(
            categories=v.categories or None,
            target_groups=v.target_groups or None,
            team_types=v.team_types or None,
        )

    def activities(self, start: dt.date, end: dt.date) -> ActivityScope:
        """The view's events between two dates (both inclusive)."""
        return ActivityScope(self.selection, start, end, self.filters)

    def row_activities(self, start: dt.date, end: dt.date) -> ActivityScope | None:
        """The view's events a list of single events or teams may show: narrowed to the
        person's scope (see rows_selection), None when the view lies outside it."""
        selection = self.rows_selection()
        return None if selection is None else ActivityScope(selection, start, end, self.filters)

    @property
    def rows_narrowed(self) -> bool:
        """Whether lists of single rows show less than the view (only the person's scope)."""
        return self.rows_selection() != self.selection

    @cached_property
    def visible(self) -> frozenset[str]:
        """The codes of every division this session may see."""
        return frozenset(self.divisions["code"])

    @cached_property
    def _names(self) -> dict[str, str]:
        """Division names in the page's language, looked up once per page run: a boolean mask
        over the divisions per name cost a sixth of a warm page."""
        return dict(zip(self.divisions["code"], self.divisions[f"name_{self.lang}"], strict=True))

    def name(self, code: str) -> str:
        found = self._names.get(code)
        return division_name(self.divisions, code, self.lang) if found is None else str(found)


def language() -> str:
    """The zh/en switch in the sidebar, bound to ?lang= so a copied link keeps the language.

    Streamlit writes the option's label into the URL (?lang=English) and drops any value that is not
    a label, so a hostile or stale value falls back to Chinese.
    """
    choice = st.sidebar.segmented_control(
        t("lang.label", st.session_state.get(LANG_KEY) or DEFAULT_LANG),
        options=list(LANGS),
        format_func=lambda code: t(f"lang.{code}"),
        required=True,
        key=LANG_KEY,
        default=DEFAULT_LANG,
        bind="query-params",
    )
    return choice if choice in LANGS else DEFAULT_LANG


def current_language() -> str:
    """The language chosen in this session, for messages shown when the page itself failed."""
    choice = st.session_state.get(LANG_KEY)
    return choice if choice in LANGS else DEFAULT_LANG


@st.cache_resource(max_entries=4)
def _connection(root: str):
    return connect(Path(root))


def connection() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per snapshot folder and server process, sandboxed to that folder;
    every query runs on its own cursor."""
    return _connection(str(default_snapshots_dir()))


def _build_demo_with_progress(root: Path, lang: str) -> Snapshot:
    from govdash.demo.build import build_demo

    bar = st.progress(0.0, text=t("spinner.building_demo", lang))

    def update(fraction: float, step: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t("progress.step", lang, step=step))

    with st.spinner(t("spinner.building_demo", lang)):
        snap = build_demo(root, progress=update)
    bar.empty()
    return snap


def load_snapshots(lang: str) -> list[Snapshot]:
    """Every good snapshot, newest first; builds the demo when the folder holds none.

    Stops the page with a clear message when there is nothing usable. A skipped folder is named
    to a visitor by its id and a reason in a few words; the files and folders on the server go to
    the log (core.data.snapshot) and to a signed-in admin only.
    """
    root = default_snapshots_dir()
    admin = signin.session_is_admin()
    try:
        ensure_root(root)
        good, skipped = scan(root)
        if not good and skipped:
            if admin:
                raise GovdashError([p for s in skipped for p in s.problems])
            st.error(t("error.title", lang) + "\n\n" + t("error.no_good_snapshot", lang,
                     skipped=join((_skipped_short(s, lang) for s in skipped), lang)))  # fmt: skip
            st.info(t("error.ask_admin", lang))
            st.stop()
        if not good:
            good = [_build_demo_with_progress(root, lang)]
    except GovdashError as exc:
        show_error(exc.problems, lang, admin)
        st.stop()
    for folder in skipped:
        if admin:
            for problem in folder.problems:
                st.warning(t("warning.skipped", lang, problem=md(problem.text(lang))))
        else:
            st.warning(t("warning.skipped_short", lang, snapshot=md(folder.id),
                         reason=t(f"snapshot.reason.{folder.reason}", lang)))  # fmt: skip
    return good


def _skipped_short(folder: Skipped, lang: str) -> str:
    reason = t(f"snapshot.reason.{folder.reason}", lang)
    return f"{md(folder.id)}（{reason}）" if lang == "zh" else f"{md(folder.id)} ({reason})"


def show_error(problems: list[Problem], lang: str, admin: bool = False) -> None:
    """Problems with their places for an admin; for a visitor, what is wrong without the
    server's paths (they are in the log)."""
    shown = [md(p.text(lang) if admin else (p.zh if lang == "zh" else p.en)) for p in problems]
    st.error(t("error.title", lang) + "\n\n" + "\n\n".join(shown))
    st.info(t("error.next_step", lang))


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_divisions(snapshot_id: str, root: str) -> pd.DataFrame:
    """The snapshot's divisions, one shared object for every session and run: read-only (nothing
    writes to it), and its look-up dicts (core.data.divisions.lookup) are built once, not per run."""
    snap = open_snapshot(snapshot_id, Path(root))
    return recalled_query(connection(), "divisions", snap)


@st.cache_resource(max_entries=64, show_spinner=False)
def visible_divisions(snapshot_id: str, root: str, scope: Scope) -> pd.DataFrame:
    """The snapshot's divisions a scope sees (all of them for the whole city), one shared object
    per scope: what the pickers offer, what a URL may name, and the names pages look up."""
    return scope.visible(cached_divisions(snapshot_id, root))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_months(snapshot_id: str, root: str) -> tuple:
    snap = open_snapshot(snapshot_id, Path(root))
    return tuple(events.data_range(connection(), snap).months())


def snapshot_options_for(snap: Snapshot, divisions: pd.DataFrame) -> Options:
    """What the snapshot allows in a view (months read once per snapshot)."""
    from govdash.core.outputs.playlist import snapshot_options

    months = cached_months(snap.id, str(snap.path.parent))
    return snapshot_options(connection(), snap, divisions, months)


def details_switch(lang: str) -> bool:
    """The analyst's switch, bound to ?details= so a shared link keeps it; off by default, so an
    official sees figures, not SQL and snapshot ids."""
    return bool(st.sidebar.toggle(t("details.label", lang), key=state.DETAILS, bind="query-params"))


def setup(lang: str, shown: frozenset[str] = sidebar.ALL_GROUPS) -> Context:
    """Load the snapshot the view asks for, draw the filters the page uses (shown) and the
    details switch, and remember the context."""
    access, person = gate.admit(str(default_snapshots_dir()), lang)
    snapshots = load_snapshots(lang)
    by_id = {s.id: s for s in snapshots}
    snap = by_id[sidebar.seed_snapshot(tuple(by_id))]
    scope = person.scope if person is not None else Scope()
    whole = cached_divisions(snap.id, str(snap.path.parent))
    divisions = visible_divisions(snap.id, str(snap.path.parent), scope)
    # The pickers and the URL check see only the person's divisions; the pilot's month is the
    # city's, the same for everyone.
    options = replace(snapshot_options_for(snap, whole), divisions=divisions,
                      snapshots=tuple(by_id))  # fmt: skip
    catalog = load_catalog()

    labels = snapshot_labels(snapshots, lang)

    def snapshot_detail(sid: str) -> str:
        """What the short label leaves out: when it was made (generated or imported) and, where
        another snapshot has the same as-of date, the id's content hash that tells them apart
        (the whole id, with the details switch, under the page's title)."""
        s = by_id[sid]
        text = t("sidebar.snapshot_detail", lang,
                 made=t(f"sidebar.made.{'demo' if s.is_demo else 'imported'}", lang),
                 when=stamp_label(s.manifest.get("created_at"), lang))  # fmt: skip
        if any(o.as_of == s.as_of for o in snapshots if o.id != sid):
            text += t("sidebar.snapshot_id", lang, id=sid.rsplit("-", 1)[-1])
        return text

    if person is not None:  # who is signed in, and what they see, above the filters
        seen = scope_words(scope, divisions, lang)
        gate.sidebar_box(str(snap.path.parent), access, person, seen, lang)
    view, notices = sidebar.render(
        options,
        lang,
        labels.__getitem__,
        lambda code: division_name(divisions, code, lang),
        lambda mid: catalog[mid].name(lang),
        shown,
        snapshot_detail,
    )
    st.sidebar.divider()
    details = details_switch(lang)
    ctx = Context(lang, snap, divisions, view, options, tuple(notices), details, person, access)
    st.session_state[CTX_KEY] = ctx
    return ctx


def snapshot_labels(snapshots: list[Snapshot], lang: str) -> dict[str, str]:
    """Short labels a sidebar's select box shows whole: the as-of date and the kind; where two
    read the same, the time each was made (and the date as 2025-07-18, so that it fits); where
    those match too, the end of the id instead. (A label must not change with other widgets, or
    the select box would get a new identity.)"""
    kind = {s.id: label("provenances", s.provenance, lang) for s in snapshots}
    out = {s.id: f"{date_label(s.as_of, lang)} · {kind[s.id]}" for s in snapshots}
    same_day = {text for text in out.values() if list(out.values()).count(text) > 1}
    for s in snapshots:
        stamp = s.manifest.get("created_at")
        if out[s.id] in same_day and stamp:  # the short date, so the time fits in the box
            made = dt.datetime.fromisoformat(stamp)
            out[s.id] = f"{s.as_of.isoformat()} · {kind[s.id]} · {made:%H:%M}"
    repeated = {text for text in out.values() if list(out.values()).count(text) > 1}
    short = {s.id: f"{s.as_of.isoformat()} · {kind[s.id]}" for s in snapshots}
    return {sid: f"{short[sid]} · {sid[-6:]}" if text in repeated else text
            for sid, text in out.items()}  # fmt: skip


def scope_words(scope: Scope, divisions: pd.DataFrame, lang: str) -> str:
    """A scope in words (the city's name when it is the whole city)."""
    codes = scope.codes or (city_code(divisions),)
    return join((division_name(divisions, c, lang) for c in codes), lang)


def scope_name(ctx: Context) -> str:
    """The session's scope in words."""
    return scope_words(ctx.scope, ctx.divisions, ctx.lang)


def context() -> Context:
    """The context the entry script prepared for this run.

    On a fresh server, Streamlit's legacy discovery of the pages/ folder stays active until some
    run calls st.navigation, so the very first visit to a deep link (/activities?district=...) runs
    the page file alone, without the entry script's layout, language switch and filters. Switch
    discovery off and run again: the entry script then routes to the same page.
    """
    ctx = st.session_state.pop(CTX_KEY, None)
    if ctx is None:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    return ctx
