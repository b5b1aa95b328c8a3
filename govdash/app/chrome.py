"""The chrome every page shares: header with demo banner and breadcrumb, chart frames with their
caption, SQL and download, KPI cards, labels for scopes and periods, and markdown-safe text.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from govdash.app import sidebar
from govdash.app.context import Context, scope_name
from govdash.app.markup import md
from govdash.core.data.catalog import Metric
from govdash.core.data.divisions import city_code
from govdash.core.data.vocab import label
from govdash.core.engine.query import load_query
from govdash.core.engine.rollups import query_for
from govdash.core.measures import story
from govdash.core.measures.figures import Comparison, Kpi
from govdash.core.outputs import readable
from govdash.core.outputs.exports import csv_bytes, xlsx_bytes
from govdash.core.question.scope import Window
from govdash.core.question.view import breadcrumb as view_breadcrumb
from govdash.core.rules import privacy
from govdash.core.text import fmt
from govdash.core.text.i18n import date_label, join, month_label, t
from govdash.viz import plotly_locale

# The few rules Streamlit's theme cannot express: a KPI value wraps and shrinks with the card rather
# than being cut ("664.99万…" lost its unit); the overview's headline reads as a lead sentence.
STYLE = """<style>
[data-testid="stMetricValue"] { font-size: clamp(1.45rem, 2.1vw, 2.25rem); }
[data-testid="stMetricValue"] > div { white-space: normal; overflow: visible; text-overflow: clip;
  word-break: keep-all; overflow-wrap: anywhere; line-height: 1.2; }
.gd-card-title { font-size: 1.15rem; font-weight: 600; margin: 0; padding: 0; }
.gd-headline { font-size: 1.3rem; line-height: 1.65; font-weight: 500; margin: 0.2rem 0 0.4rem;
  padding: 0.6rem 0.9rem; border-left: 4px solid #4477AA; background: rgba(68, 119, 170, 0.07); }
</style>"""


# Streamlit adds a "Fullscreen" button to Plotly's modebar that no Plotly locale reaches.
HIDE_UNTRANSLATED = """<style>
.modebar-btn[data-title="Fullscreen"], .modebar-btn[data-title="Close fullscreen"] { display: none; }
</style>"""


def _uploader_words(lang: str) -> str:
    """Streamlit's file uploader says "Upload" and "200MB per file • XLSX" in English whatever
    the page's language: its instructions are hidden (the label says what to upload) and its
    button reads our own word."""
    word = t("upload.button", lang).replace("\\", "").replace('"', "")
    return (
        "<style>[data-testid='stFileUploaderDropzoneInstructions'] { display: none; }"
        "[data-testid='stFileUploaderDropzone'] button { font-size: 0 !important; }"
        "[data-testid='stFileUploaderDropzone'] button * { display: none; }"
        f"[data-testid='stFileUploaderDropzone'] button::after {{ content: \"{word}\";"
        " font-size: 0.875rem; }</style>"
    )


def styles(lang: str) -> None:
    st.html(STYLE + (HIDE_UNTRANSLATED + _uploader_words(lang) if lang != "en" else ""))


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


def scope_label(ctx: Context) -> str:
    """The selection in words: the city, a district, several districts, a street or a community."""
    sel = ctx.selection
    if sel.single:
        return ctx.name(sel.codes[0])
    names = [ctx.name(c) for c in sel.codes]
    if len(names) <= 3:
        return t("scope.list", ctx.lang, names=join(names, ctx.lang))
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


def data_line(ctx: Context) -> str:
    """Where the page's figures come from, once per page: the as-of date and provenance; with
    the details switch on, the snapshot id as well."""
    if ctx.details:
        return snapshot_caption(ctx)
    return t(
        "caption.data_line",
        ctx.lang,
        as_of=date_label(ctx.snapshot.as_of, ctx.lang),
        provenance=label("provenances", ctx.snapshot.provenance, ctx.lang),
    )


def page_header(ctx: Context, title: str, *, places: bool = True) -> None:
    """Title, demo banner, where the data come from, notices about ignored link parameters and,
    on pages that show a place (places), the breadcrumb."""
    st.title(md(title), anchor=False)
    demo_banner(ctx)
    st.caption(data_line(ctx))
    if ctx.notices:
        names = ", ".join(t(f"param.{n}", ctx.lang) for n in ctx.notices)
        st.info(t("notice.bad_params", ctx.lang, names=names), icon=":material/info:")
        sidebar.clear_notice()
    if places:
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


def drill(ctx: Context, event: Mapping | None) -> None:
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
    """Nothing to show. When the view lies outside the person's scope, that is the reason (its
    streets, communities and single rows are not theirs to see), not a lack of data."""
    if ctx.rows_selection() is None:
        st.info(t("scope.outside", ctx.lang, scope=md(scope_name(ctx))), icon=":material/lock:")
        return
    st.info(t(key, ctx.lang), icon=":material/search:")


def rows_note(ctx: Context, narrowed: bool | None = None) -> None:
    """Under a list of single rows (events, teams, programmes) the view is wider than the
    person's scope (or, with `narrowed`, the rows are theirs alone): say that only their own
    divisions are listed."""
    if narrowed is None and ctx.rows_selection() is None:
        return  # the view lies outside the scope: empty() says so instead
    if ctx.rows_narrowed if narrowed is None else narrowed:
        st.caption(t("scope.rows_only", ctx.lang, scope=md(scope_name(ctx))),
                   help=t("scope.rows_only_help", ctx.lang))  # fmt: skip


def comparison_label(comparison: Comparison, flow: bool, lang: str) -> str:
    """What a change is measured against, with its months: 较试点启动前（2024年2月末）."""
    w = comparison.window
    if comparison.kind == "before_pilot" and flow:
        return t("compare.before_pilot_flow", lang, period=period_label_for(w, True, lang))
    period = period_label_for(w, flow, lang)
    if not flow:
        period = t("period.stock", lang, month=month_label(w.end, lang))
    return t(f"compare.{comparison.kind}", lang, period=period)


def kpi_card(
    ctx: Context,
    kpi: Kpi,
    flow: bool,
    qualified: pd.DataFrame | None = None,
    title: str | None = None,
) -> None:
    """One KPI in a bordered box: the value, the change it leads with (since the pilot began,
    whenever the window allows) and, under it, what that change is measured against.

    `qualified` lists the values behind it that were typed with 余/近/约: a single one is shown
    in the value ("40余名"), several are counted under the card. A card whose value is too small
    to show (kpi.hidden, set by govdash.core.rules.privacy) reads "<5"."""
    m = kpi.metric
    unit = m.unit_label(ctx.lang)
    lang = ctx.lang
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
    main = kpi.main()
    delta = story.change_text(kpi, main, lang)
    if kpi.hidden:  # small counts of vulnerable people could identify them
        value = f"<{privacy.min_cell()}"
    flat = fmt.is_flat(delta)  # no change: grey and without an arrow, not a green "↑ +0"
    other = kpi.other()
    other_text = story.change_text(kpi, other, lang) if other is not None else None
    help_text = t(
        "kpi.help_other",
        lang,
        definition=m.definition[lang],
        period=period_label_for(kpi.window, flow, lang),
        other=(f"{comparison_label(other, flow, lang)}：{other_text}" if lang == "zh"
               else f"{comparison_label(other, flow, lang)}: {other_text}")
        if other is not None and other_text else "",
    )  # fmt: skip
    with st.container(border=True):
        st.metric(
            label=md(title or m.name(lang)),
            value=value,
            delta=delta,
            delta_color="off" if flat else "normal",
            delta_arrow="off" if flat else "auto",
        )
        # The definition behind a "口径" button, not a help icon: Streamlit labels those
        # "Help for …" in English for screen readers, whatever the page's language.
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            if delta is not None:
                st.caption(comparison_label(main, flow, lang), width="stretch")
            with st.popover(t("kpi.about", lang), type="tertiary"):
                st.markdown(help_text)
        if mine is not None and len(mine) and ctx.selection.level != "community":
            st.caption(t("kpi.qualified", lang, n=len(mine)))


def period_label_for(w: Window, flow: bool, lang: str) -> str:
    a, b = (w.flow_start, w.flow_end) if flow else (w.end, w.end)
    if a == b:
        return month_label(a, lang)
    return t("period.range", lang, start=month_label(a, lang), end=month_label(b, lang))


def chart(
    ctx: Context,
    fig: go.Figure,
    data: pd.DataFrame,
    *,
    key: str,
    queries: list[str],
    note: str = "",
    on_select: str = "ignore",
    config: dict | None = None,
    metric: Metric | None = None,
    words: dict[str, str] | None = None,
) -> Mapping | None:
    """A chart with the chrome every chart has: its note, the data download and, with the details
    switch on, the snapshot caption and the SQL behind it. The figure carries its as-of date and,
    for demo data, the demo label in its subtitle, so a PNG saved from its toolbar does too."""
    title = str(fig.layout.title.text or "")
    event = st.plotly_chart(
        stamped(ctx, fig),
        key=key,
        on_select=on_select,
        config={**plotly_locale.config(ctx.lang), **(config or {})},
        width="stretch",
    )
    caption = " · ".join(
        [*([snapshot_caption(ctx)] if ctx.details else []), *([note] if note else [])]
    )
    if caption:
        st.caption(caption)
    chart_tools(ctx, data, key=key, queries=queries, title=title, metric=metric, words=words)
    return event


def stamp(ctx: Context) -> str:
    """Where a figure comes from, in a few words: 数据截至2025年7月18日 · 演示数据."""
    text = t("chart.stamp", ctx.lang, as_of=date_label(ctx.snapshot.as_of, ctx.lang))
    return text + (f" · {t('chart.stamp_demo', ctx.lang)}" if ctx.snapshot.is_demo else "")


def stamped(ctx: Context, fig: go.Figure) -> go.Figure:
    """The figure with its stamp at the end of the title's second line (added as a line of its
    own when the title has none): part of the figure, so every picture of it says it."""
    title = str(fig.layout.title.text or "")
    mark = stamp(ctx)
    if mark in title:
        return fig
    if "</sup>" in title:
        text = title.replace("</sup>", f" · {mark}</sup>", 1)
    else:
        text = f"{title}<br><sup>{mark}</sup>" if title else f"<sup>{mark}</sup>"
    fig.layout.title.text = text
    return fig


def filters_text(ctx: Context) -> str:
    """The view's activity filters in words, for a download's header block."""
    lang = ctx.lang
    parts = []
    for attr, vocab, key in (("categories", "categories", "filter.categories"),
                             ("target_groups", "target_groups", "filter.target_groups"),
                             ("team_types", "team_types", "filter.team_types")):  # fmt: skip
        chosen = getattr(ctx.view, attr)
        if chosen:
            names = join((label(vocab, c, lang) for c in chosen), lang)
            parts.append(f"{t(key, lang)}：{names}" if lang == "zh" else f"{t(key, lang)}: {names}")
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _download_parts(
    ctx: Context,
    data: pd.DataFrame,
    title: str,
    metric: Metric | None,
    words: dict[str, str] | None,
) -> tuple[list[str], pd.DataFrame]:
    """A file's header block and its table in the reader's words (core.outputs.readable)."""
    lines = readable.block(
        ctx.lang,
        title=title,
        metric=metric,
        snapshot=snapshot_caption(ctx),
        filters=filters_text(ctx),
        demo=t("banner.demo", ctx.lang) if ctx.snapshot.is_demo else None,
    )
    return lines, readable.readable(data, ctx.lang, metric, words=words)


def download_csv(
    ctx: Context,
    data: pd.DataFrame,
    title: str,
    metric: Metric | None,
    words: dict[str, str] | None = None,
) -> bytes:
    """A chart's or table's data as an analyst can use it (govdash.core.outputs.readable); words names
    columns the i18n catalog does not (a table's own template headers)."""
    lines, frame = _download_parts(ctx, data, title, metric, words)
    return csv_bytes(frame, lines)


def download_xlsx(
    ctx: Context,
    data: pd.DataFrame,
    title: str,
    metric: Metric | None,
    words: dict[str, str] | None = None,
) -> bytes:
    """The same as download_csv, as a workbook: the header block on a first sheet of its own,
    the table with numbers as numbers on the second."""
    lines, frame = _download_parts(ctx, data, title, metric, words)
    return xlsx_bytes({t("download.sheet", ctx.lang): frame}, lines, t("pack.about", ctx.lang))


def chart_tools(
    ctx: Context,
    data: pd.DataFrame,
    *,
    key: str,
    queries: list[str],
    title: str = "",
    metric: Metric | None = None,
    words: dict[str, str] | None = None,
) -> None:
    """The SQL expander (details switch on) and the CSV and XLSX downloads under a chart or
    table. A file is made when its button is clicked (a callable), not on every run of the page: most
    charts are never downloaded, and writing their CSVs was a tenth of a warm page run."""
    left, csv_side, xlsx_side = st.columns([2, 1, 1])
    if ctx.details:
        with left.expander(t("sql.expander", ctx.lang)):
            for name in queries:  # the variant this snapshot answers with: rollup, or raw twin
                st.code(load_query(query_for(name, ctx.snapshot.manifest)).sql, language="sql")
    what = title or key
    for side, kind, build, mime in (
        (csv_side, "csv", download_csv, "text/csv"),
        (xlsx_side, "xlsx", download_xlsx,
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ):  # fmt: skip
        side.download_button(
            kind.upper(),  # the kind alone fits beside a half-width chart; the tooltip says more
            icon=":material/download:",
            help=t(f"download.{kind}", ctx.lang),
            on_click="ignore",  # a download needs no rerun, which would slow it
            data=partial(build, ctx, data.copy(), what, metric, words),
            file_name=readable.file_name(what, ctx.snapshot.as_of.isoformat(), kind),
            mime=mime,
            key=f"{key}-download" if kind == "csv" else f"{key}-download-{kind}",
            width="stretch",
        )
