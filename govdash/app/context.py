"""The small Streamlit layer: language, snapshot loading with demo build, caching and chart chrome.

Pages call these; the logic they wrap lives in plain modules (analysis, explore, panels, charts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from govdash.app import sidebar
from govdash.core import admin, events, figures, fmt, reconcile
from govdash.core.catalog import load_catalog
from govdash.core.divisions import city_code
from govdash.core.divisions import name as division_name
from govdash.core.exports import csv_bytes
from govdash.core.figures import Selection, Window
from govdash.core.i18n import DEFAULT_LANG, LANGS, date_label, month_label, t
from govdash.core.metrics import Filters
from govdash.core.paths import default_snapshots_dir
from govdash.core.problems import GovdashError, Problem
from govdash.core.query import connect, load_query, run_query
from govdash.core.snapshot import Snapshot, ensure_root, open_snapshot, scan_snapshots
from govdash.core.view import Options, View
from govdash.core.view import breadcrumb as view_breadcrumb
from govdash.core.vocab import codes, label

# Session-state keys and URL parameter names, defined once.
LANG_KEY = "lang"
CTX_KEY = "_ctx"


@dataclass(frozen=True)
class Context:
    """What every page needs: the language, the verified snapshot, its divisions and the view."""

    lang: str
    snapshot: Snapshot
    divisions: pd.DataFrame
    view: View
    options: Options
    notices: tuple[str, ...] = ()

    @property
    def root(self) -> str:
        return str(self.snapshot.path.parent)

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

    def name(self, code: str) -> str:
        return division_name(self.divisions, code, self.lang)


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


def connection():
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

    Stops the page with a clear message when there is nothing usable.
    """
    root = default_snapshots_dir()
    try:
        ensure_root(root)
        good, problems = scan_snapshots(root)
        if not good and problems:
            raise GovdashError(problems)
        if not good:
            good = [_build_demo_with_progress(root, lang)]
    except GovdashError as exc:
        show_error(exc.problems, lang)
        st.stop()
    for problem in problems:
        st.warning(t("warning.skipped", lang, problem=problem.text(lang)))
    return good


def show_error(problems: list[Problem], lang: str) -> None:
    st.error(t("error.title", lang) + "\n\n" + "\n\n".join(p.text(lang) for p in problems))
    st.info(t("error.next_step", lang))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_divisions(snapshot_id: str, root: str) -> pd.DataFrame:
    snap = open_snapshot(snapshot_id, Path(root))
    return run_query(connection(), "divisions", snap)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_months(snapshot_id: str, root: str) -> tuple:
    snap = open_snapshot(snapshot_id, Path(root))
    return tuple(events.data_range(connection(), snap).months())


def _options(snap: Snapshot, divisions: pd.DataFrame) -> Options:
    catalog = load_catalog()
    return Options(
        snapshots=(),
        months=cached_months(snap.id, str(snap.path.parent)),
        divisions=divisions,
        metrics=tuple(m.id for m in catalog.visible()),
        categories=tuple(codes("categories")),
        target_groups=tuple(codes("target_groups")),
        team_types=tuple(codes("team_types")),
        default_metric=catalog.settings.get("compare_metric", catalog.settings["ranking_metric"]),
    )


def setup(lang: str) -> Context:
    """Load the snapshot the view asks for, draw the shared filters and remember the context."""
    snapshots = load_snapshots(lang)
    by_id = {s.id: s for s in snapshots}
    snap = by_id[sidebar.seed_snapshot(tuple(by_id))]
    divisions = cached_divisions(snap.id, str(snap.path.parent))
    options = replace(_options(snap, divisions), snapshots=tuple(by_id))
    catalog = load_catalog()

    def snapshot_label(sid: str) -> str:
        s = by_id[sid]
        prov = label("provenances", s.provenance, lang)
        return f"{date_label(s.as_of, lang)} · {prov} · {sid[-10:]}"

    view, notices = sidebar.render(
        options,
        lang,
        snapshot_label,
        lambda code: division_name(divisions, code, lang),
        lambda mid: catalog[mid].name(lang),
    )
    ctx = Context(lang, snap, divisions, view, options, tuple(notices))
    st.session_state[CTX_KEY] = ctx
    return ctx


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


def demo_banner(ctx: Context) -> None:
    if ctx.snapshot.is_demo:
        st.warning(t("banner.demo", ctx.lang), icon=":material/warning:")


def download_preamble(ctx: Context) -> list[str]:
    """The lines every downloaded file starts with: its snapshot and, for demo data, the label."""
    lines = [snapshot_caption(ctx)]
    if ctx.snapshot.is_demo:
        lines.append(t("banner.demo", ctx.lang))
    return lines


def snapshot_caption(ctx: Context) -> str:
    return t(
        "caption.snapshot",
        ctx.lang,
        snapshot=ctx.snapshot.id,
        provenance=label("provenances", ctx.snapshot.provenance, ctx.lang),
        as_of=date_label(ctx.snapshot.as_of, ctx.lang),
    )


MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """Data text (names from a snapshot) made literal for Streamlit's markdown: no links, images,
    formatting or HTML can come from the data."""
    return MD_SPECIAL.sub(r"\\\1", str(text))


def scope_label(ctx: Context) -> str:
    """The selection in words: the city, a district, several districts, a street or a community."""
    sel = ctx.selection
    if sel.single:
        return ctx.name(sel.codes[0])
    names = [ctx.name(c) for c in sel.codes]
    if len(names) <= 3:
        return t(
            "scope.list", ctx.lang, names="、".join(names) if ctx.lang == "zh" else ", ".join(names)
        )
    return t("scope.many", ctx.lang, n=len(names), first=names[0])


def period_label(ctx: Context, flow: bool) -> str:
    """The months a figure covers, as the window reads them for stocks or flows."""
    if flow:
        return period_label_for(ctx.window, True, ctx.lang)
    return t("period.stock", ctx.lang, month=month_label(ctx.window.end, ctx.lang))


def chart_title(ctx: Context, what: str, unit: str, period: str, scope: str | None = None) -> str:
    """Metric, unit, period and scope: every chart title says all four."""
    return t(
        "chart.title",
        ctx.lang,
        what=what,
        unit=unit,
        period=period,
        scope=scope or scope_label(ctx),
    )


@st.cache_data(max_entries=512, ttl=6 * 3600, show_spinner=False)
def _fetch(func: str, snapshot_id: str, root: str, args: tuple, kwargs: tuple):
    snap = open_snapshot(snapshot_id, Path(root))
    divisions = cached_divisions(snapshot_id, root)
    return FETCHERS[func](connection(), snap, divisions, *args, **dict(kwargs))


def fetch(ctx: Context, func: str, *args, **kwargs):
    """A query-backed result, cached per snapshot and parameters with bounded memory.

    Metric values pass through `suppress`, so no page can show a small count of vulnerable people.
    """
    result = _fetch(func, ctx.snapshot.id, ctx.root, args, tuple(sorted(kwargs.items())))
    return suppress(result) if func in ("values", "series") else result


def suppress(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank sensitive metrics between 0 and the minimum cell size (a copy; the cache keeps the
    true values for reconciliation). frame.attrs["suppressed"] says whether anything was hidden."""
    catalog = load_catalog()
    floor = min_cell()
    out = frame.copy()
    hidden = False
    if "metric" in out.columns and "value" in out.columns:  # long: month, division, metric, value
        sensitive = out["metric"].map(lambda m: m in catalog and catalog[m].sensitive)
        mask = sensitive & out["value"].between(0, floor, inclusive="neither")
        out.loc[mask, "value"] = np.nan
        hidden = bool(mask.any())
    else:
        for column in out.columns:
            if column in catalog and catalog[column].sensitive:
                mask = out[column].between(0, floor, inclusive="neither")
                out.loc[mask, column] = np.nan
                hidden = hidden or bool(mask.any())
    out.attrs["suppressed"] = hidden
    return out


def _no_divisions(fn):
    return lambda con, snap, divisions, *a, **k: fn(con, snap, *a, **k)


FETCHERS = {
    "values": figures.values,
    "series": figures.series,
    "kpis": figures.kpis,
    "reconcile": lambda con, snap, divisions: reconcile.reconcile(con, snap),
    "events": _no_divisions(events.events),
    "event_count": _no_divisions(events.event_count),
    "breakdown": _no_divisions(events.breakdown),
    "top_teams": _no_divisions(events.top_teams),
    "response_histogram": _no_divisions(events.response_histogram),
    "teams_by_type": _no_divisions(events.teams_by_type),
    "qualifiers": _no_divisions(events.qualifiers),
    "programmes_for": events.programmes_for,
    "resources_for": lambda con, snap, divisions, code, end: events.resources_for(
        con, snap, divisions, code, end
    ),
    "facts": lambda con, snap, divisions: run_query(con, "reported_facts", snap),
    "completeness": lambda con, snap, divisions, start, end: admin.completeness(
        con, snap, start, end
    ),
    "missing_reports": lambda con, snap, divisions, selection, month: admin.missing_reports(
        con, snap, selection, month
    ),
}


@st.cache_data(max_entries=8, ttl=6 * 3600, show_spinner=False)
def _diff(a: str, b: str, root: str):
    snap_a, snap_b = open_snapshot(a, Path(root)), open_snapshot(b, Path(root))
    return (
        admin.table_diff(snap_a, snap_b),
        admin.metric_diff(connection(), snap_a, snap_b),
    )


def diff(ctx: Context, a: str, b: str):
    """Table and metric differences between two snapshots of the current folder (cached)."""
    return _diff(a, b, ctx.root)


def page_header(ctx: Context, title: str) -> None:
    """Title, demo banner, notices about ignored link parameters and the breadcrumb."""
    st.title(md(title))
    demo_banner(ctx)
    if ctx.notices:
        names = ", ".join(t(f"param.{n}", ctx.lang) for n in ctx.notices)
        st.info(t("notice.bad_params", ctx.lang, names=names), icon=":material/info:")
        sidebar.clear_notice()
    breadcrumb(ctx)


def breadcrumb(ctx: Context) -> None:
    """City › district › street › community; every step above the current one goes back up."""
    crumbs = view_breadcrumb(ctx.view, city_code(ctx.divisions))
    if len(ctx.view.districts) > 1:
        st.caption(t("breadcrumb.many", ctx.lang, scope=md(scope_label(ctx))))
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        for i, (level, code) in enumerate(crumbs):
            last = i == len(crumbs) - 1
            st.button(
                md(ctx.name(code)),
                key=f"crumb-{level}",
                disabled=last,
                on_click=sidebar.set_view,
                args=(ctx.view.up_to(level),),
                type="tertiary",
                help=None if last else t("breadcrumb.up", ctx.lang),
                icon=":material/location_on:" if i == 0 else None,
            )
            if not last:
                st.markdown("›")


def drill(ctx: Context, event) -> None:
    """Follow a click on a division (bar, tile or map) down one level."""
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    if not points:
        return
    point = points[0]
    code = point.get("customdata")
    if isinstance(code, list):
        code = code[0] if code else None
    code = code or point.get("location")
    if not isinstance(code, str) or ctx.options.level(code) is None:
        return
    if code in ctx.view.scope_codes and ctx.selection.single:
        return
    sidebar.request(ctx.view.drill(code, ctx.options))


def empty(ctx: Context, key: str = "empty.no_data") -> None:
    st.info(t(key, ctx.lang), icon=":material/search:")


def kpi_card(
    ctx: Context, kpi: figures.Kpi, flow: bool, qualified: pd.DataFrame | None = None
) -> None:
    """One KPI. `qualified` lists the values behind it that were typed with 余/近/约: a single
    one is shown in the value ("40余名"), several are counted under the card."""
    m = kpi.metric
    unit = m.unit_label(ctx.lang)
    lang = ctx.lang
    pp = t("delta.pp", lang)
    since = fmt.signed_delta(kpi.since_pilot, unit, m.kind, lang, pp=pp)
    previous = kpi.window.previous()
    prev_text = period_label_for(previous, flow, lang)
    value = fmt.metric_value(kpi.value, unit, m.kind, lang)
    mine = (
        qualified[qualified["metric_column"] == m.column]
        if qualified is not None and m.column and len(qualified)
        else None
    )
    if mine is not None and len(mine) == 1 and ctx.selection.level == "community":
        value = fmt.qualified(
            kpi.value, mine["qualifier"].iloc[0], lang, unit if lang == "zh" else ""
        )
    delta = fmt.signed_delta(kpi.delta, unit, m.kind, lang, pp=pp)
    if suppressed(m, kpi.value):
        # Small counts of vulnerable people could identify them: show "<5" and no changes.
        value, delta, since = f"<{min_cell()}", None, None
    st.metric(
        label=md(m.name(lang)),
        value=value,
        delta=delta,
        help=t(
            "kpi.help",
            lang,
            definition=m.definition[lang],
            period=period_label_for(kpi.window, flow, lang),
            previous=prev_text,
        ),
        border=True,
    )
    if mine is not None and len(mine) and ctx.selection.level != "community":
        st.caption(t("kpi.qualified", lang, n=len(mine)))
    if since is not None and kpi.pilot_window is not None:
        st.caption(
            t(
                "kpi.since_pilot",
                lang,
                delta=since,
                period=period_label_for(kpi.pilot_window, flow, lang),
            )
        )


def min_cell() -> int:
    return int(load_catalog().settings.get("min_cell", 5))


def suppressed(metric, value: float | None) -> bool:
    """Sensitive metrics (children in difficulty ...) below the minimum cell size are not shown."""
    return bool(metric.sensitive) and value is not None and 0 < value < min_cell()


def period_label_for(w: Window, flow: bool, lang: str) -> str:
    a, b = (w.flow_start, w.flow_end) if flow else (w.end, w.end)
    if a == b:
        return month_label(a, lang)
    return t("period.range", lang, start=month_label(a, lang), end=month_label(b, lang))


def chart(
    ctx: Context,
    fig,
    data: pd.DataFrame,
    *,
    key: str,
    queries: list[str],
    note: str = "",
    on_select: str = "ignore",
    config: dict | None = None,
):
    """A chart with the chrome every chart has: snapshot caption, SQL behind it, data download."""
    event = st.plotly_chart(
        fig,
        key=key,
        on_select=on_select,
        config={"displaylogo": False, **(config or {})},
        width="stretch",
    )
    st.caption(snapshot_caption(ctx) + (f" · {note}" if note else ""))
    chrome(ctx, data, key=key, queries=queries)
    return event


def chrome(ctx: Context, data: pd.DataFrame, *, key: str, queries: list[str]) -> None:
    """The SQL expander and the CSV download under a chart or table."""
    left, right = st.columns([2, 1])
    with left.expander(t("sql.expander", ctx.lang)):
        for name in queries:
            st.code(load_query(name).sql, language="sql")
    right.download_button(
        t("download.csv", ctx.lang),
        data=csv_bytes(data, download_preamble(ctx)),
        file_name=f"{key}-{ctx.snapshot.id}.csv",
        mime="text/csv",
        key=f"{key}-download",
        width="stretch",
    )
