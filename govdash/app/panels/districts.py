"""区域对比 Districts: one metric across divisions (absolute and per 10,000 residents), trends as
small multiples, composition, and progress against targets from data/targets.toml."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch, state
from govdash.app.panels.shared import (
    chosen,
    mark_pilot,
    names,
    pilot_month,
    queries_for,
    ranking_frame,
    ranking_selection,
    trend_window,
)
from govdash.core.data.catalog import Metric, load_catalog
from govdash.core.data.vocab import load_vocabulary
from govdash.core.measures.figures import is_flow_based
from govdash.core.measures.targets import load_targets
from govdash.core.question.scope import month_end
from govdash.core.rules import privacy
from govdash.core.text import fmt
from govdash.core.text.i18n import month_label, t
from govdash.viz import charts

WORKFORCE = ("social_workers", "community_workers", "mobile_grid_workers", "volunteer_backbones")


def per_10k(ctx: context.Context, metric_id: str) -> pd.DataFrame:
    """The metric per 10,000 residents per division, from summed values (a ratio of sums)."""
    catalog = load_catalog()
    population = catalog.settings.per_10k_population
    sel, level = ranking_selection(ctx)
    frame = fetch.values(
        ctx, sel, ctx.window, [metric_id, population], filters=ctx.filters, by=level
    )
    pop = frame[population].where(frame[population] > 0)
    out = pd.DataFrame(
        {"division_code": frame.index, "value": (10000 * frame[metric_id] / pop).to_numpy()}
    )
    out["name"] = out["division_code"].map(names(ctx))
    out = out.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs["suppressed"] = frame.attrs.get("suppressed", False)
    return out


def _bars(ctx, frame, what, unit, flow, key, queries, digits=0) -> None:
    lang = ctx.lang
    title = chrome.chart_title(ctx, what, unit, chrome.period_label(ctx, flow))
    fig = charts.ranking_figure(
        frame, title, unit, lang=lang, unit=unit, digits=digits, chosen=chosen(ctx)
    )
    event = chrome.chart(
        ctx,
        fig,
        frame[["division_code", "name", "value"]],
        key=f"{key}-{'-'.join(ctx.selection.codes)}",
        queries=queries,
        note=t("ranking.click", lang)
        + (
            " · " + t("suppressed.note", lang, n=privacy.min_cell())
            if frame.attrs.get("suppressed")
            else ""
        ),
        on_select="rerun",
    )
    chrome.drill(ctx, event)


def compare_panel(ctx: context.Context) -> None:
    catalog = load_catalog()
    lang = ctx.lang
    metric = catalog[ctx.view.metric]
    flow = is_flow_based(metric.id, catalog)
    st.subheader(t("compare.heading", lang, metric=metric.name(lang)), anchor=False)
    st.caption(chrome.md(metric.definition[lang]))
    frame, level = ranking_frame(ctx, metric.id)
    if frame["value"].notna().sum() == 0:
        chrome.empty(ctx)
        return
    left, right = st.columns(2)
    digits = 1 if metric.kind == "ratio" else 0
    with left:
        _bars(
            ctx,
            frame,
            t(
                "compare.ratio" if metric.kind == "ratio" else "compare.absolute",
                lang,
                metric=metric.name(lang),
            ),
            metric.unit_label(lang),
            flow,
            "compare-abs",
            queries_for([metric.id]),
            digits,
        )
    with right:
        counted = catalog[metric.numerator] if metric.kind == "ratio" else None
        if counted is not None and counted.kind != "ratio":
            # A ratio is not divided by population again; show the count behind it instead.
            counted_frame, _ = ranking_frame(ctx, counted.id)
            _bars(
                ctx,
                counted_frame,
                t("compare.absolute", lang, metric=counted.name(lang)),
                counted.unit_label(lang),
                is_flow_based(counted.id, catalog),
                "compare-count",
                queries_for([counted.id]),
                0,
            )
            st.caption(t("compare.ratio_no_per10k", lang))
        elif metric.kind == "ratio":
            st.info(t("compare.ratio_no_per10k", lang), icon=":material/info:")
        else:
            _bars(
                ctx,
                per_10k(ctx, metric.id),
                t("compare.per10k", lang, metric=metric.name(lang)),
                t("unit.per10k", lang, unit=metric.unit_label(lang)),
                flow,
                "compare-per10k",
                queries_for([metric.id, "population"]),
                1,
            )


def small_multiples_panel(ctx: context.Context) -> None:
    """The monthly trend of every area, one small panel each, in a section that opens on request.

    It is the page's costliest chart (a 15-panel grid: about 40 % of the page's server time on a
    cold view, and the longest drawing in the browser), so a first visit does not pay for it
    until someone opens it (Streamlit's lazy expander: closed, its body does not run)."""
    catalog = load_catalog()
    metric = catalog[ctx.view.metric]
    label = t("compare.trends", ctx.lang, metric=metric.name(ctx.lang))
    with st.expander(label, key=state.TRENDS_SECTION, on_change="rerun") as section:
        if section.open:
            _small_multiples(ctx, metric)


def _small_multiples(ctx: context.Context, metric: Metric) -> None:
    catalog = load_catalog()
    lang = ctx.lang
    flow = is_flow_based(metric.id, catalog)
    start, end = trend_window(ctx, flow)
    sel, level = ranking_selection(ctx)
    if level == "community" and len(ctx.options.children(sel.codes[0], "community")) > 40:
        return
    long = fetch.series(ctx, sel, start, month_end(end), [metric.id], filters=ctx.filters, by=level)
    if long["value"].notna().sum() == 0:
        chrome.empty(ctx)
        return
    period = t("period.range", lang, start=month_label(start, lang), end=month_label(end, lang))
    title = chrome.chart_title(
        ctx, t("compare.trends", lang, metric=metric.name(lang)), metric.unit_label(lang), period
    )
    fig = charts.small_multiples_figure(
        long,
        title,
        names(ctx),
        lang=lang,
        unit=metric.unit_label(lang),
        digits=1 if metric.kind == "ratio" else 0,
        chosen=chosen(ctx),
    )
    fig = mark_pilot(ctx, fig)
    start_month = pilot_month(ctx)
    note = t("chart.pilot_line", lang, month=month_label(start_month, lang)) if start_month else ""
    chrome.chart(
        ctx, fig, long, key="compare-multiples", queries=queries_for([metric.id], True),
        metric=metric, note=note,
    )  # fmt: skip


def composition_panel(ctx: context.Context) -> None:
    catalog = load_catalog()
    lang = ctx.lang
    sel, level = ranking_selection(ctx)
    left, right = st.columns(2)
    with left:
        frame = fetch.values(ctx, sel, ctx.window, list(WORKFORCE), by=level)
        long = frame.reset_index().melt(
            id_vars="division_code", var_name="metric", value_name="value"
        )
        metric_names = {m: catalog[m].name(lang) for m in WORKFORCE}
        title = chrome.chart_title(
            ctx,
            t("compare.workforce", lang),
            catalog[WORKFORCE[0]].unit_label(lang),
            chrome.period_label(ctx, flow=False),
        )
        fig = charts.stacked_bar_figure(
            long,
            x="division_code",
            y="value",
            colour="metric",
            title=title,
            colour_names=metric_names,
            x_names=names(ctx),
            horizontal=True,
            height=max(360, 28 * len(frame) + 140),
            lang=lang,
            unit=catalog[WORKFORCE[0]].unit_label(lang),
        )
        chrome.chart(ctx, fig, long, key="compare-workforce", queries=queries_for(list(WORKFORCE)))
    with right:
        teams = fetch.teams_by_type(ctx, sel, level, ctx.window.dates(False)[1])
        if teams.empty:
            chrome.empty(ctx)
            return
        type_names = {k: v[lang] for k, v in load_vocabulary()["team_types"].items()}
        title = chrome.chart_title(
            ctx,
            t("compare.team_types", lang),
            t("unit.share", lang),
            chrome.period_label(ctx, flow=False),
        )
        fig = charts.stacked_bar_figure(
            teams,
            x="division_code",
            y="teams",
            colour="team_type",
            title=title,
            colour_names=type_names,
            x_names=names(ctx),
            horizontal=True,
            percent=True,
            height=max(360, 28 * teams["division_code"].nunique() + 140),
            lang=lang,
        )
        chrome.chart(ctx, fig, teams, key="compare-teams", queries=["teams_by_type"])


def targets_panel(ctx: context.Context) -> None:
    catalog = load_catalog()
    lang = ctx.lang
    targets = load_targets()
    if not targets:
        return
    st.subheader(t("targets.heading", lang), anchor=False)
    cols = st.columns(len(targets))
    for col, target in zip(cols, targets, strict=True):
        metric = catalog[target.metric]
        frame, _ = ranking_frame(ctx, metric.id)
        value = target.value
        reached = int((frame["value"] >= value).sum())
        unit = metric.unit_label(lang)
        what = t("targets.what", lang, metric=metric.name(lang))
        flow = is_flow_based(metric.id, catalog)
        title = chrome.chart_title(ctx, what, unit, chrome.period_label(ctx, flow))
        target_text = t("targets.line", lang, value=fmt.number(value, lang, digits=0))
        with col:
            fig = charts.target_figure(
                frame, title, unit, value, target_text, lang=lang, unit=unit,
                digits=1 if metric.kind == "ratio" else 0,
            )  # fmt: skip
            note = (
                t("targets.reached", lang, n=reached, total=len(frame))
                + " · "
                + chrome.md(target.source[lang])
            )
            data = frame[["division_code", "name", "value"]].assign(target=value)
            chrome.chart(
                ctx,
                fig,
                data,
                key=f"target-{metric.id}",
                queries=queries_for([metric.id]),
                note=note,
            )
