"""成效 Outcomes: beneficiaries by group, employment outcomes, and 数据核对 (every reported fact
beside the figure the snapshot gives)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.app.panels.shared import PER_ROW
from govdash.core import fmt
from govdash.core.catalog import load_catalog
from govdash.core.i18n import date_label, t
from govdash.core.scope import Filters
from govdash.core.vocab import label
from govdash.viz import charts

# Marks from fonts every machine has (Noto CJK covers them); colour emoji may render as boxes.
STATUS_MARK = {"match": "✓", "mismatch": "×", "error": "⚠"}


def beneficiaries_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    st.subheader(t("outcomes.beneficiaries", lang))
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
    ctx: context.Context, metric_ids: list[str], columns: int = PER_ROW, filters: dict | None = None
) -> None:
    """KPI cards for metrics; filters maps a metric id to the Filters it is read with."""
    from govdash.core.figures import is_flow_based

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
                chrome.kpi_card(ctx, kpi, flow, None if flow else qualified)


def employment_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    settings = load_catalog().settings
    st.subheader(t("outcomes.employment", lang))
    ids = list(settings.employment_metrics)
    special = {
        "served_person_times": Filters(team_types=("new_employment",)),
    }
    metric_cards(ctx, ids, filters=special)
    if "served_person_times" in ids:
        st.caption(t("outcomes.new_employment_note", lang))


def qualified_text(row: pd.Series, lang: str) -> str:
    unit = load_catalog()[row["metric"]].unit_label(lang) if row["unit"] != "%" else "%"
    return fmt.qualified(float(row["value"]), row["qualifier"], lang, unit)


def facts_table(ctx: context.Context, facts: pd.DataFrame, *, key: str) -> None:
    """Reported figure (with its qualifier), accepted range, computed figure and a clear mark."""
    lang = ctx.lang
    catalog = load_catalog()
    rows = []
    for _, f in facts.iterrows():
        metric = catalog.metrics.get(f["metric"])
        computed = f["value_computed"]
        kind = metric.kind if metric else "stock"
        unit = metric.unit_label(lang) if metric else ""
        rows.append(
            {
                t("col.fact", lang): f["fact_id"],
                t("col.scope", lang): ctx.name(f["scope_code"]),
                t("col.metric", lang): metric.name(lang) if metric else f["metric"],
                t("col.reported", lang): qualified_text(f, lang),
                t("col.accepted", lang): f["bounds"],
                t("col.computed", lang): fmt.metric_value(
                    None if pd.isna(computed) else float(computed), unit, kind, lang
                ),
                t("col.status", lang): status_text(f["status"], lang),
                t("col.period", lang): _period(f, lang),
            }
        )
    table = pd.DataFrame(rows)
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)
    chrome.chart_tools(ctx, facts, key=key, queries=["reported_facts", *_fact_queries(facts)])


def status_text(status: str, lang: str) -> str:
    return f"{STATUS_MARK[status]} {t(f'status.{status}', lang)}"


def _period(f: pd.Series, lang: str) -> str:
    a, b = f["period_start"], f["period_end"]
    if a is None or pd.isna(a):
        return "—"
    return t(
        "period.range",
        lang,
        start=date_label(pd.Timestamp(a).date(), lang),
        end=date_label(pd.Timestamp(b).date(), lang),
    )


def _fact_queries(facts: pd.DataFrame) -> list[str]:
    from govdash.app.panels.shared import queries_for

    catalog = load_catalog()
    return queries_for([m for m in facts["metric"].unique() if m in catalog])


def reconciliation_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    st.subheader(t("reconcile.heading", lang))
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
