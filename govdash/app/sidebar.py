"""The shared sidebar filters and their two-way binding to the URL.

The widgets live in the entry script, so they keep their values across pages. Their state is
seeded once per session from the URL (validated by govdash.core.question.view), and after every run the URL is
rewritten from the widgets, with codes rather than names, so a copied link reproduces the view in
either language. Drill-downs and the breadcrumb change the view through `request`, which applies
before the widgets are drawn on the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from govdash.app import state
from govdash.core.data.vocab import label
from govdash.core.question.view import KEYS, Options, View, default_start, parse, to_params
from govdash.core.text.i18n import month_label, t

SEEDED = state.VIEW_SEEDED
PENDING = state.VIEW_PENDING
NOTICE = state.VIEW_NOTICE
PERIOD_VERSION = state.PERIOD_VERSION
W = state.FILTER_WIDGETS


def request(view: View) -> None:
    """Show another view (a drill-down or a breadcrumb step): applied at the top of the next run."""
    st.session_state[PENDING] = view
    st.rerun()


def set_view(view: View) -> None:
    """For widget callbacks, which run before the script and may set widget state directly."""
    st.session_state[PENDING] = view


def _write_state(view: View) -> None:
    state = st.session_state
    state[W["period"]] = (view.start, view.end)
    state[PERIOD_VERSION] = state.get(PERIOD_VERSION, 0) + 1
    state[W["districts"]] = list(view.districts)
    state[W["street"]] = view.street
    state[W["community"]] = view.community
    state[W["categories"]] = list(view.categories)
    state[W["target_groups"]] = list(view.target_groups)
    state[W["team_types"]] = list(view.team_types)
    state[W["metric"]] = view.metric


def seed_snapshot(snapshots: tuple[str, ...]) -> str:
    """The snapshot id for this run: from the URL on a session's first run, then from the widget."""
    state = st.session_state
    if SEEDED not in state:
        wanted = st.query_params.get("snapshot")
        state[W["snapshot"]] = wanted if wanted in snapshots else snapshots[0]
        if wanted is not None and wanted not in snapshots:
            state[NOTICE] = ["snapshot"]
    pending = state.get(PENDING)
    if pending is not None and pending.snapshot in snapshots:
        state[W["snapshot"]] = pending.snapshot
    if state.get(W["snapshot"]) not in snapshots:
        state[W["snapshot"]] = snapshots[0]
    return state[W["snapshot"]]


def _seed(options: Options) -> None:
    state = st.session_state
    if SEEDED not in state:
        params = {k: st.query_params.get(k) for k in KEYS if st.query_params.get(k) is not None}
        view, bad = parse(params, options)
        _write_state(view)
        state[NOTICE] = sorted(set(state.get(NOTICE, [])) | set(bad))
        state[SEEDED] = True
    if (pending := state.pop(PENDING, None)) is not None:
        _write_state(pending)


def _sanitise(options: Options) -> None:
    """Drop widget values the current options no longer allow (e.g. after a snapshot switch)."""
    state = st.session_state
    months = options.months
    start, end = _period(state.get(W["period"]), months)
    state[W["period"]] = (start, end)
    if start not in months or end not in months:
        state[W["period"]] = (default_start(options), months[-1])
        state[PERIOD_VERSION] = state.get(PERIOD_VERSION, 0) + 1
    districts = options.children(None, "district")
    state[W["districts"]] = [d for d in state.get(W["districts"]) or [] if d in districts]
    chosen = state[W["districts"]]
    streets = options.children(chosen[0], "street") if len(chosen) == 1 else []
    if state.get(W["street"]) not in streets:
        state[W["street"]] = None
    street = state[W["street"]]
    communities = options.children(street, "community") if street else []
    if state.get(W["community"]) not in communities:
        state[W["community"]] = None
    for key, allowed in (
        ("categories", options.categories),
        ("target_groups", options.target_groups),
        ("team_types", options.team_types),
    ):
        state[W[key]] = [c for c in state.get(W[key]) or [] if c in allowed]
    if state.get(W["metric"]) not in options.metrics:
        state[W["metric"]] = options.default_metric


# The groups of filters a page can show; a page shows only the ones that change what it shows.
GROUPS = {
    "snapshot": ("snapshot",),
    "period": ("period",),
    "place": ("districts", "street", "community"),
    "activity": ("categories", "target_groups", "team_types"),
    "metric": ("metric",),
}
ALL_GROUPS = frozenset(GROUPS)


def _keep(hidden: set[str]) -> None:
    """Keep the values of filters this page does not draw: Streamlit forgets a widget's state
    after a run that does not draw it, and the next page would start from the defaults."""
    state = st.session_state
    for group in hidden:
        for name in GROUPS[group]:
            if W[name] in state:
                state[W[name]] = state[W[name]]


def render(
    options: Options,
    lang: str,
    snapshot_label: Callable[[str], str],
    name_of: Callable[[str], str],
    metric_name: Callable[[str], str],
    shown: frozenset[str] = ALL_GROUPS,
    snapshot_detail: Callable[[str], str] | None = None,
) -> tuple[View, list[str]]:
    """Draw the filters this page uses (shown: names of GROUPS; values come from session state)
    and return the view they describe. The others keep their values and stay in the URL.

    snapshot_label, name_of and metric_name turn ids into display text in the current language;
    snapshot_detail, the chosen snapshot's full description under its picker (a select box cuts
    a long label, a caption wraps).
    """
    _seed(options)
    _sanitise(options)
    _keep(set(GROUPS) - set(shown))
    side = st.sidebar
    if "snapshot" in shown:
        _choice(side, "sidebar.snapshot", options.snapshots, snapshot_label, "snapshot", lang)
        if snapshot_detail is not None:
            side.caption(snapshot_detail(st.session_state[W["snapshot"]]))
    if shown & {"period", "place", "activity", "metric"}:
        _filters(side, options, lang, name_of, metric_name, shown)
    view = current(options)
    _sync_url(view, options)
    return view, st.session_state.get(NOTICE, [])


def _filters(side, options: Options, lang: str, name_of, metric_name, shown) -> None:
    if "period" in shown and len(options.months) > 1:
        # A range slider is a range only if created with a pair; setting its state from code as
        # well makes Streamlit warn. So the pair lives in our own key, the slider is created with
        # it as its value, and a programmatic change (link, snapshot switch) re-creates the slider.
        chosen = side.select_slider(
            t("filter.period", lang),
            options=list(options.months),
            value=st.session_state[W["period"]],
            format_func=lambda m: month_label(m, lang),
            key=f"f_period_{st.session_state.get(PERIOD_VERSION, 0)}",
        )
        st.session_state[W["period"]] = _period(chosen, options.months)
    if "place" in shown:
        _place(side, options, lang, name_of)
    if "activity" in shown:
        _activity(side, options, lang)
    if "metric" in shown:
        _choice(side, "filter.metric", options.metrics, metric_name, "metric", lang)


def _choice(side, label_key: str, values, format_func, name: str, lang: str) -> None:
    """A single-choice filter bound to its state key, with a placeholder in the page's language
    (Streamlit's own is the English "Choose an option")."""
    side.selectbox(
        t(label_key, lang),
        options=list(values),
        format_func=format_func,
        key=W[name],
        placeholder=t("filter.choose", lang),
    )


def _place(side, options: Options, lang: str, name_of) -> None:
    districts = side.multiselect(
        t("filter.districts", lang),
        options=options.children(None, "district"),
        format_func=name_of,
        key=W["districts"],
        placeholder=t("filter.all_districts", lang),
    )
    streets = options.children(districts[0], "street") if len(districts) == 1 else []
    _child_picker(side, "street", streets, lang, name_of)
    street = st.session_state[W["street"]]
    communities = options.children(street, "community") if street else []
    _child_picker(side, "community", communities, lang, name_of)


def _activity(side, options: Options, lang: str) -> None:
    for key, vocab, text in (
        ("categories", "categories", "filter.categories"),
        ("target_groups", "target_groups", "filter.target_groups"),
        ("team_types", "team_types", "filter.team_types"),
    ):
        side.multiselect(
            t(text, lang),
            options=list(getattr(options, key)),
            format_func=lambda c, v=vocab: label(v, c, lang),
            key=W[key],
            placeholder=t("filter.all", lang),
        )


def _child_picker(side, level: str, codes: list[str], lang: str, name_of) -> None:
    """The street or community picker: "all" first, disabled until the level above is chosen,
    and then saying so in its own box (a help icon would read "Help for 街道" to a screen reader)."""
    side.selectbox(
        t(f"filter.{level}", lang),
        options=[None, *codes],
        format_func=lambda c: (
            (t("filter.all", lang) if codes else t(f"filter.{level}_help", lang))
            if c is None
            else name_of(c)
        ),
        key=W[level],
        disabled=not codes,
        # A None value shows the placeholder, Streamlit's English "Choose an option" by default.
        placeholder=t("filter.all", lang) if codes else t(f"filter.{level}_help", lang),
    )


def current(options: Options) -> View:
    state = st.session_state
    start, end = _period(state.get(W["period"]), options.months)
    if start > end:
        start, end = end, start
    return View(
        snapshot=state[W["snapshot"]],
        start=start,
        end=end,
        districts=tuple(state.get(W["districts"]) or ()),
        street=state.get(W["street"]),
        community=state.get(W["community"]),
        categories=tuple(state.get(W["categories"]) or ()),
        target_groups=tuple(state.get(W["target_groups"]) or ()),
        team_types=tuple(state.get(W["team_types"]) or ()),
        metric=state.get(W["metric"]),
    )


def _period(value, months) -> tuple:
    """The (start, end) pair a period widget holds; a lone month (as a test harness may report a
    range whose ends are equal) counts as both ends."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return tuple(value)
    if isinstance(value, dt.date):
        return value, value
    return months[-1], months[-1]


def _sync_url(view: View, options: Options) -> None:
    """Make the URL describe the view; only our keys are touched (the language is bound)."""
    wanted = to_params(view, options)
    for key in KEYS:
        have = st.query_params.get(key)
        if key in wanted and have != wanted[key]:
            st.query_params[key] = wanted[key]
        elif key not in wanted and have is not None:
            del st.query_params[key]


def clear_notice() -> None:
    st.session_state[NOTICE] = []
