"""成效 Outcomes: beneficiaries by group, employment outcomes, and 数据核对 (every reported fact
beside the figure the snapshot gives)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.app.panels.shared import PER_ROW
from govdash.core.data.catalog import load_catalog
from govdash.core.data.vocab import label
from govdash.core.measures.fact_table import fact_download, fact_table
from govdash.core.question.scope import Filters
from govdash.core.text.i18n import t
from govdash.viz import charts


def beneficiaries_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    st.subheader(t("outcomes.beneficiaries", lang), anchor=False)
    start, end = ctx.window.dates(True)
    frame = fetch.breakdown(ctx, ctx.activities(start, end))
    if frame.empty:
        chrome.empty(ctx)
    else:
        groups = frame.groupby("target_group", as_index=False)["served_person_times"].sum()
        groups = groups.rename(columns={"served_person_times": "value"})
        groups["name"] = [label("target_groups", g, lang) for g in groups["target_group"]]
        groups["division_code"] = groups["target_group"]
        groups = groups.sort_values("value", ascending=False)
        unit = load_catalog()["served_person_times"].unit_label(lang)
        title = chrome.chart_title(
            ctx, t("outcomes.served_by_group", lang), unit, chrome.period_label(ctx, True)
        )
        fig = charts.ranking_figure(groups, title, unit, lang=lang, unit=unit)
        chrome.chart(
            ctx,
            fig,
            groups[["target_group", "name", "value"]],
            key="outcomes-groups",
            queries=["activity_breakdown"],
        )
    metric_cards(ctx, list(load_catalog().settings.beneficiary_metrics))


def metric_cards(
    ctx: context.Context,
    metric_ids: list[str],
    columns: int = PER_ROW,
    filters: dict | None = None,
    titles: dict[str, str] | None = None,
) -> None:
    """KPI cards for metrics; filters maps a metric id to the Filters it is read with, and titles
    names a card read with its own filter (so no two cards on a page share a title)."""
    from govdash.core.measures.figures import is_flow_based

    catalog = load_catalog()
    # One fetch (one query per source, every window) per distinct filter, not one per card.
    by_filters: dict = {}
    for mid in metric_ids:
        by_filters.setdefault((filters or {}).get(mid, ctx.filters), []).append(mid)
    found = {}
    for f, mids in by_filters.items():
        found.update(
            {k.metric.id: k for k in fetch.kpis(ctx, ctx.selection, ctx.window, mids, filters=f)}
        )
    cards = [found[mid] for mid in metric_ids if mid in found]
    qualified = fetch.qualifiers(ctx, ctx.selection, ctx.window.end)
    for first in range(0, len(cards), columns):
        for col, kpi in zip(st.columns(columns), cards[first : first + columns], strict=False):
            with col:
                flow = is_flow_based(kpi.metric.id, catalog)
                chrome.kpi_card(
                    ctx,
                    kpi,
                    flow,
                    None if flow else qualified,
                    title=(titles or {}).get(kpi.metric.id),
                )


def employment_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    settings = load_catalog().settings
    st.subheader(t("outcomes.employment", lang), anchor=False)
    ids = list(settings.employment_metrics)
    special = {
        "served_person_times": Filters(team_types=("new_employment",)),
    }
    metric_cards(ctx, ids, filters=special,
                 titles={"served_person_times": t("outcomes.served_by_new_employment", lang)})  # fmt: skip
    if "served_person_times" in ids:
        st.caption(t("outcomes.new_employment_note", lang))


def facts_table(ctx: context.Context, facts: pd.DataFrame, *, key: str) -> None:
    """Each fact as the article wrote it, the figure the snapshot gives and a clear mark: an HTML
    table (st.table), so it can be searched with Ctrl+F, copied and read by a screen reader. Its
    download is the same table with the numbers and sources behind it (core.measures.fact_table)."""
    lang = ctx.lang
    st.table(fact_table(facts, ctx.name, lang), hide_index=True)
    scopes = list(dict.fromkeys(ctx.name(c) for c in facts["scope_code"]))
    title = t("reconcile.file.title", lang) + (f" · {scopes[0]}" if len(scopes) == 1 else "")
    chrome.chart_tools(ctx, fact_download(facts, ctx.name, lang), key=key, title=title,
                       queries=["reported_facts", *_fact_queries(facts)])  # fmt: skip


def _fact_queries(facts: pd.DataFrame) -> list[str]:
    from govdash.app.panels.shared import queries_for

    catalog = load_catalog()
    return queries_for([m for m in facts["metric"].unique() if m in catalog])


def reconciliation_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    st.subheader(t("reconcile.heading", lang), anchor=False)
    with st.spinner(t("spinner.loading", lang)):
        result = fetch.reconciled(ctx)
    if result.empty:
        chrome.empty(ctx, "reconcile.none")
        return
    counts = result["status"].value_counts()
    st.markdown(
        t(
            "reconcile.summary",
            lang,
            match=int(counts.get("match", 0)),
            total=len(result),
            mismatch=int(counts.get("mismatch", 0)),
            error=int(counts.get("error", 0)),
        )
    )
    st.caption(t("reconcile.explain", lang))
    facts_table(ctx, result, key="reconciliation")
    with st.expander(t("reconcile.sources", lang)):
        for _, f in result.iterrows():
            st.markdown(f"**{chrome.md(f['fact_id'])}** {chrome.md(f['source_sentence'])}")
            if isinstance(f.get("note"), str) and f["note"]:
                st.caption(chrome.md(f["note"]))
