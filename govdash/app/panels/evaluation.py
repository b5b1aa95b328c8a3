"""试点成效评估 on 成效: did pilot communities improve more than the other communities of their
district? The estimate per measure with its interval and what it cannot say, the event-study
chart per measure, and the report's measured claim beside the data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.core.data.catalog import load_catalog
from govdash.core.data.divisions import city_code
from govdash.core.evaluation import table as evaluation_table
from govdash.core.measures.facts import wording
from govdash.core.text import fmt
from govdash.core.text.i18n import month_label, t
from govdash.viz.event_study import event_study_figure

CLAIM_METRIC = "response_efficiency_gain"  # the report's one measured change over time


def scope_code(ctx: context.Context) -> str:
    """The district of a single selected district, street or community; else the city."""
    selection = ctx.selection
    if selection.single and selection.level != "city":
        return selection.codes[0][:6]
    return city_code(ctx.divisions)


def evaluation_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    st.subheader(t("evaluation.title", lang), anchor=False)
    scope = scope_code(ctx)
    with st.spinner(t("spinner.loading", lang)):
        reviews = fetch.evaluation(ctx, scope)
    if not reviews:
        chrome.empty(ctx)
        return
    st.caption(
        t("evaluation.scope", lang, scope=chrome.md(ctx.name(scope)))
        + " "
        + evaluation_table.rule(reviews[0], lang)
    )
    for review in reviews:
        st.markdown(f"- {chrome.md(evaluation_table.sentence(review, lang))}")
    table = evaluation_table.table(reviews, lang)
    st.table(table, hide_index=True)
    numbers = evaluation_table.numbers(reviews, lang)  # p as the page writes it, not rounded to 0.0
    numbers["pre_trend_p"] = [evaluation_table.p_text(p) for p in numbers["pre_trend_p"]]
    chrome.chart_tools(ctx, numbers, key="evaluation-table",
                       queries=_queries(), words=evaluation_table.number_words(lang),
                       title=f"{t('evaluation.title', lang)} · {ctx.name(scope)}")  # fmt: skip
    charts = [r for r in reviews if r.estimate is not None]
    for review, tab in zip(charts, st.tabs([_label(r.metric, lang) for r in charts]), strict=True):
        with tab:
            _event_chart(ctx, scope, review)
    claim_panel(ctx, scope)


def _label(metric_id: str, lang: str) -> str:
    return load_catalog()[metric_id].name(lang)


def _queries() -> list[str]:
    return ["headcounts_monthly", "activities_monthly", "divisions"]


def _event_chart(ctx: context.Context, scope: str, review) -> None:
    lang = ctx.lang
    metric = load_catalog()[review.metric]
    unit = metric.unit_label(lang)
    lines = fetch.event_lines(ctx, scope, review.metric)
    if lines.empty:
        chrome.empty(ctx)
        return
    period = t("period.range", lang, start=month_label(review.first_month, lang),
               end=month_label(review.last_month, lang))  # fmt: skip
    title = chrome.chart_title(ctx, t("evaluation.chart", lang, metric=metric.name(lang)),
                               unit, period, ctx.name(scope))  # fmt: skip
    fig = event_study_figure(
        lines, title, lang=lang, unit="" if unit != "%" else "%",
        names=(t("evaluation.line.pilot", lang), t("evaluation.line.comparison", lang)),
        x_label=t("evaluation.axis", lang), start_label=t("chart.pilot_start", lang),
        month_word=t("evaluation.month_word", lang), tick=t("evaluation.tick", lang),
    )  # fmt: skip
    words = {"k": t("evaluation.axis", lang), "pilot": t("evaluation.line.pilot", lang),
             "comparison": t("evaluation.line.comparison", lang),
             "pilots": t("evaluation.col.pilots", lang)}  # fmt: skip
    chrome.chart(ctx, fig, lines, key=f"evaluation-{review.metric}", queries=_queries(),
                 note=t("evaluation.chart_note", lang), metric=metric, words=words)  # fmt: skip


def claim_panel(ctx: context.Context, scope: str) -> None:
    """Each reported figure on the measured change (提升了40%) beside the data: the community
    the reconciliation checks, with its mark, and all pilot communities of its district."""
    lang = ctx.lang
    facts = fetch.reconciled(ctx)
    facts = facts[facts["metric"] == CLAIM_METRIC]
    if facts.empty:
        return
    metric = load_catalog()[CLAIM_METRIC]
    st.markdown(f"**{t('evaluation.claim.heading', lang)}**")
    rows = []
    from govdash.core.measures.fact_table import qualified_text, status_text

    for _, f in facts.iterrows():
        district = str(f["scope_code"])[:6]
        pilots, together = fetch.over_pilots(ctx, district, CLAIM_METRIC)
        computed = None if pd.isna(f["value_computed"]) else float(f["value_computed"])
        said = (wording(f.get("source_sentence"), f["value"]) if lang == "zh" else None) or (
            qualified_text(f, lang)
        )
        sep = "：" if lang == "zh" else ": "
        rows.append({
            t("evaluation.claim.reported", lang): f"{ctx.name(f['scope_code'])}{sep}{said}",
            t("evaluation.claim.same", lang): fmt.metric_value(computed, "%", "ratio", lang),
            t("col.status", lang): status_text(f["status"], lang),
            t("evaluation.claim.pilots", lang, district=ctx.name(district), n=pilots):
                fmt.metric_value(together, "%", "ratio", lang),
        })  # fmt: skip
    st.table(pd.DataFrame(rows), hide_index=True)
    st.caption(t("evaluation.claim.note", lang, metric=metric.name(lang)))
