"""The small Streamlit layer: language, snapshot loading with demo build, caching and chart chrome.

Pages call these; the logic they wrap lives in plain modules (overview, metrics, charts).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from govdash import fmt
from govdash.i18n import DEFAULT_LANG, LANGS, date_label, t
from govdash.paths import default_snapshots_dir
from govdash.problems import GovdashError, Problem
from govdash.query import connect, load_query, run_query
from govdash.snapshot import Snapshot, ensure_root, latest_good, open_snapshot
from govdash.vocab import label

# Session-state keys and URL parameter names, defined once.
LANG_KEY = "lang"


@dataclass(frozen=True)
class Context:
    """What every page needs: the language, the verified snapshot and its divisions."""

    lang: str
    snapshot: Snapshot
    divisions: pd.DataFrame


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


@st.cache_resource
def connection():
    """One in-memory DuckDB per server process; every query runs on its own cursor."""
    return connect()


def _build_demo_with_progress(root: Path, lang: str) -> Snapshot:
    from govdash.demo.build import build_demo

    bar = st.progress(0.0, text=t("spinner.building_demo", lang))

    def update(fraction: float, step: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=t("progress.step", lang, step=step))

    with st.spinner(t("spinner.building_demo", lang)):
        snap = build_demo(root, progress=update)
    bar.empty()
    return snap


def load_snapshot(lang: str) -> Snapshot:
    """The newest good snapshot; builds the demo when the folder holds none. Stops the page on error."""
    root = default_snapshots_dir()
    try:
        ensure_root(root)
        snap, problems = latest_good(root)
        if snap is None and problems:
            raise GovdashError(problems)
        if snap is None:
            snap = _build_demo_with_progress(root, lang)
    except GovdashError as exc:
        show_error(exc.problems, lang)
        st.stop()
    for problem in problems:
        st.warning(t("warning.skipped", lang, problem=problem.text(lang)))
    return snap


def show_error(problems: list[Problem], lang: str) -> None:
    st.error(t("error.title", lang) + "\n\n" + "\n\n".join(p.text(lang) for p in problems))
    st.info(t("error.next_step", lang))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_divisions(snapshot_id: str, root: str) -> pd.DataFrame:
    snap = open_snapshot(snapshot_id, Path(root))
    return run_query(connection(), "divisions", snap)


def context() -> Context:
    lang = st.session_state.get(LANG_KEY) or DEFAULT_LANG
    lang = lang if lang in LANGS else DEFAULT_LANG
    snap = load_snapshot(lang)
    divisions = cached_divisions(snap.id, str(snap.path.parent))
    return Context(lang=lang, snapshot=snap, divisions=divisions)


def demo_banner(ctx: Context) -> None:
    if ctx.snapshot.is_demo:
        st.warning(t("banner.demo", ctx.lang), icon="⚠️")


def snapshot_caption(ctx: Context) -> str:
    return t(
        "caption.snapshot",
        ctx.lang,
        snapshot=ctx.snapshot.id,
        provenance=label("provenances", ctx.snapshot.provenance, ctx.lang),
        as_of=date_label(ctx.snapshot.as_of, ctx.lang),
    )


def kpi_card(ctx: Context, kpi, period: str, previous: str) -> None:
    m = kpi.metric
    unit = m.unit_label(ctx.lang)
    st.metric(
        label=m.name(ctx.lang),
        value=fmt.metric_value(kpi.value, unit, m.kind, ctx.lang),
        delta=fmt.signed_delta(kpi.delta, unit, m.kind, ctx.lang, pp=t("delta.pp", ctx.lang)),
        help=t(
            "kpi.help",
            ctx.lang,
            definition=m.definition[ctx.lang],
            period=period,
            previous=previous,
        ),
        border=True,
    )


def chart(
    ctx: Context,
    fig,
    data: pd.DataFrame,
    *,
    key: str,
    queries: list[str],
    note: str = "",
    on_select: str = "ignore",
):
    """A chart with the chrome every chart has: snapshot caption, SQL behind it, data download."""
    event = st.plotly_chart(fig, key=key, on_select=on_select, config={"displaylogo": False})
    st.caption(snapshot_caption(ctx) + (f" · {note}" if note else ""))
    with st.expander(t("sql.expander", ctx.lang)):
        for name in queries:
            st.code(load_query(name).sql, language="sql")
    st.download_button(
        t("download.csv", ctx.lang),
        data=data.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"{key}-{ctx.snapshot.id}.csv",
        mime="text/csv",
        key=f"{key}-download",
    )
    return event


@st.cache_data(max_entries=32, show_spinner=False)
def cached_overview(snapshot_id: str, root: str, lang: str) -> dict:
    """KPIs, trend and ranking for the overview, cached per snapshot and language."""
    from govdash import overview
    from govdash.catalog import load_catalog
    from govdash.divisions import city_code

    catalog = load_catalog()
    snap = open_snapshot(snapshot_id, Path(root))
    con = connection()
    divisions = cached_divisions(snapshot_id, root)
    settings = catalog.settings
    return {
        "periods": overview.periods_for(snap),
        "kpis": overview.kpis(
            con,
            snap,
            divisions,
            city_code(divisions),
            list(settings["overview_kpis"]),
            catalog,
        ),
        "trend_metric": settings["trend_metric"],
        "trend": overview.trend(con, snap, divisions, settings["trend_metric"], catalog=catalog),
        "ranking_metric": settings["ranking_metric"],
        "ranking": overview.ranking(
            con, snap, divisions, settings["ranking_metric"], lang, catalog
        ),
    }
