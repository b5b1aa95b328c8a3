"""Panels several pages share: KPI cards, trends, rankings with drill-down, and the helpers
behind them (district colours and names, the queries behind a metric, the trend window).

Each panel reads the context (language, snapshot, view), fetches cached figures and draws one block
with its title, caption, SQL and download.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.core.data.catalog import Metric, load_catalog
from govdash.core.data.vocab import label
from govdash.core.measures import figures
from govdash.core.measures.figures import is_flow_based
from govdash.core.question import scope
from govdash.core.question.scope import Selection, add_months
from govdash.core.rules import privacy
from govdash.core.text.i18n import month_label, t
from govdash.viz import charts

PER_ROW = 4
TREND_MONTHS = 36


def queries_for(metric_ids: list[str], monthly: bool = False) -> list[str]:
    """The SQL files behind catalog metrics, for the "Show SQL" expander."""
    catalog = load_catalog()
    sources = {catalog[b].source for m in metric_ids for b in catalog.base_metrics(m)}
    names = {
        "headcounts": "headcounts_monthly" if monthly else "headcounts_by_division",
        "divisions": "communities_by_division",
        "activities": "activities_monthly" if monthly else "activities_by_division",
        "resources": "resources_monthly" if monthly else "resources_by_division",
        "outcomes": "outcomes_monthly" if monthly else "outcomes_by_division",
    }
    return sorted(names[s] for s in sources)


def digits(metric: Metric) -> int:
    """Decimals a metric is written with: ratios to one place, counts whole."""
    return 1 if metric.kind == "ratio" else 0


def chosen(ctx: context.Context) -> frozenset[str]:
    """The divisions a chart highlights: the ones the view has drilled into or picked."""
    return frozenset(ctx.view.scope_codes)


def pilot_month(ctx: context.Context) -> dt.date | None:
    """The month the selection's pilot began (its own or inherited), for the marker on time
    charts and the since-pilot comparisons."""
    return figures.pilot_start(ctx.divisions, ctx.selection)


def mark_pilot(ctx: context.Context, fig: go.Figure) -> go.Figure:
    """The figure with the pilot's start marked (a new figure: see charts.relayout)."""
    return charts.pilot_marker(fig, pilot_month(ctx), t("chart.pilot_start", ctx.lang))


def names(ctx: context.Context) -> dict[str, str]:
    return dict(zip(ctx.divisions["code"], ctx.divisions[f"name_{ctx.lang}"], strict=True))


def kpi_panel(ctx: context.Context, metric_ids: list[str]) -> None:
    catalog = load_catalog()
    lang = ctx.lang
    st.subheader(t("overview.kpis", lang), anchor=False)
    with st.spinner(t("spinner.loading", lang)):
        kpis = fetch.kpis(ctx, ctx.selection, ctx.window, metric_ids, filters=ctx.filters)
    since_pilot = ctx.window.start == pilot_month(ctx)
    st.caption(
        t(
            "kpi.period_note_pilot" if since_pilot else "kpi.period_note",
            lang,
            stock=chrome.period_label(ctx, flow=False),
            flow=chrome.period_label(ctx, flow=True),
        )
    )
    qualified = fetch.qualifiers(ctx, ctx.selection, ctx.window.end)
    for first in range(0, len(kpis), PER_ROW):
        row = kpis[first : first + PER_ROW]
        for col, kpi in zip(st.columns(PER_ROW), row, strict=False):
            with col:
                flow = is_flow_based(kpi.metric.id, catalog)
                chrome.kpi_card(ctx, kpi, flow, None if flow else qualified)


def trend_window(ctx: context.Context, flow: bool) -> tuple:
    """Up to three years ending with the view's last (complete, for flows) month."""
    w = ctx.window
    end = w.flow_end if flow else w.end
    first = ctx.options.months[0]
    start = max(first, min(add_months(end, -(TREND_MONTHS - 1)), w.start))
    return start, end


def trend_panel(
    ctx: context.Context,
    metric_id: str,
    *,
    key: str,
    height: int | None = None,
    ticks: int | None = None,
) -> None:
    """The metric month by month for the selection, with the view's months shaded."""
    catalog = load_catalog()
    metric = catalog[metric_id]
    lang = ctx.lang
    flow = is_flow_based(metric_id, catalog)
    start, end = trend_window(ctx, flow)
    long = fetch.series(
        ctx,
        ctx.selection,
        start,
        scope.month_end(end),
        [metric_id],
        filters=ctx.filters,
    )
    if long["value"].notna().sum() == 0:
        chrome.empty(ctx)
        return
    title = chrome.chart_title(
        ctx,
        metric.name(lang),
        metric.unit_label(lang),
        t("period.range", lang, start=month_label(start, lang), end=month_label(end, lang)),
    )
    fig = charts.trend_figure(
        long, title, t("axis.month", lang), metric.unit_label(lang),
        lang=lang, unit=metric.unit_label(lang), digits=digits(metric),
    )  # fmt: skip
    if height or ticks:  # a narrow chart: fewer month labels, so they stay level and apart
        fig = charts.relayout(fig, {**({"height": height} if height else {}),
                                    **({"xaxis": {"nticks": ticks}} if ticks else {})})  # fmt: skip
    w = ctx.window
    first = w.flow_start if flow else w.start
    if first > start:  # shading the whole chart would say nothing
        # From the pilot month the marker already names the shaded months' start.
        label = "" if first == pilot_month(ctx) else t("trend.selected", lang)
        fig = charts.highlight(fig, first, end, label)
    fig = mark_pilot(ctx, fig)
    note = (
        t("trend.partial_note", lang, month=month_label(w.end, lang)) if flow and w.partial else ""
    )
    data = long[["month", "value"]].assign(metric=metric_id, scope=chrome.scope_label(ctx))
    chrome.chart(
        ctx, fig, data, key=key, queries=queries_for([metric_id], monthly=True), note=note,
        metric=metric,
    )  # fmt: skip


def ranking_selection(ctx: context.Context) -> tuple[Selection, str]:
    """What a ranking compares: the selection's children, or a community's neighbours."""
    sel = ctx.selection
    if sel.level == "community":
        street = ctx.view.street or sel.codes[0][:9]
        return Selection.of((street,), ctx.divisions), "community"
    return sel, sel.child_level if sel.single else sel.level


def ranking_frame(ctx: context.Context, metric_id: str) -> tuple[pd.DataFrame, str]:
    sel, level = ranking_selection(ctx)
    frame = fetch.values(ctx, sel, ctx.window, [metric_id], filters=ctx.filters, by=level)
    out = frame.reset_index().rename(columns={metric_id: "value"})
    out["name"] = out["division_code"].map(names(ctx))
    out = out.sort_values("value", ascending=False, kind="stable", na_position="last")
    out = out.reset_index(drop=True)
    out.attrs["suppressed"] = frame.attrs.get("suppressed", False)
    return out, level


def level_word(level: str, lang: str) -> str:
    """A level's name inside a sentence ("by district", "各区")."""
    text = label("levels", level, lang)
    return text.lower() if lang == "en" else text


def ranking_panel(ctx: context.Context, metric_id: str, *, key: str, limit: int = 20) -> None:
    """Children of the selection ordered by the metric; a click drills into one."""
    catalog = load_catalog()
    metric = catalog[metric_id]
    lang = ctx.lang
    frame, level = ranking_frame(ctx, metric_id)
    if frame["value"].notna().sum() == 0:
        chrome.empty(ctx)
        return
    shown = frame.head(limit)
    flow = is_flow_based(metric_id, catalog)
    what = t("ranking.what", lang, metric=metric.name(lang), level=level_word(level, lang))
    if len(frame) > limit:
        what += t("ranking.top", lang, n=limit, total=len(frame))
    title = chrome.chart_title(ctx, what, metric.unit_label(lang), chrome.period_label(ctx, flow))
    fig = charts.ranking_figure(
        shown, title, metric.unit_label(lang),
        lang=lang, unit=metric.unit_label(lang), digits=digits(metric), chosen=chosen(ctx),
    )  # fmt: skip
    drillable = level != "community" or ctx.selection.level != "community"
    notes = [t("ranking.click", lang)] if drillable else []
    if frame.attrs.get("suppressed"):
        notes.append(t("suppressed.note", lang, n=privacy.min_cell()))
    event = chrome.chart(
        ctx,
        fig,
        frame[["division_code", "name", "value"]],
        key=f"{key}-{'-'.join(ctx.selection.codes)}",
        queries=queries_for([metric_id]),
        note=" · ".join(notes),
        on_select="rerun",
        metric=metric,
    )
    chrome.drill(ctx, event)
