"""成效 Outcomes: beneficiaries by group, employment outcomes, and 数据核对 (every reported fact
beside the figure the snapshot gives)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.app.panels.shared import PER_ROW
from govdash.core.data.catalog import load_catalog
from govdash.core.data.vocab import label
from govdash.core.measures.facts import wording
from govdash.core.question.scope import Filters
from govdash.core.text import fmt
from govdash.core.text.i18n import date_label, join, t
from govdash.viz import charts

# Marks from fonts every machine has (Noto CJK covers them); colour emoji may render as boxes.
STATUS_MARK = {"match": "✓", "mismatch": "×", "error": "⚠"}


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


def qualified_text(row: pd.Series, lang: str) -> str:
    unit = load_catalog()[row["metric"]].unit_label(lang) if row["unit"] != "%" else "%"
    return fmt.qualified(float(row["value"]), row["qualifier"], lang, unit)


FILTER_VOCABULARIES = {"category": "categories", "target_group": "target_groups",
                       "team_type": "team_types", "level": "levels"}  # fmt: skip


def filter_text(filters: object, lang: str) -> str:
    """A fact's filters in words ("驿站服务"), so the metric column says what was counted."""
    if not isinstance(filters, str) or not filters.strip():
        return ""
    parts = []
    for item in filters.split(";"):
        key, _, value = item.partition("=")
        vocab = FILTER_VOCABULARIES.get(key.strip())
        parts.append(label(vocab, value.strip(), lang) if vocab else value.strip())
    return join(parts, lang)


def facts_table(ctx: context.Context, facts: pd.DataFrame, *, key: str) -> None:
    """Each fact as the article wrote it, the figure the snapshot gives and a clear mark: an HTML
    table (st.table), so it can be searched with Ctrl+F, copied and read by a screen reader."""
    lang = ctx.lang
    catalog = load_catalog()
    rows = []
    for _, f in facts.iterrows():
        metric = catalog.metrics.get(f["metric"])
        computed = f["value_computed"]
        kind = metric.kind if metric else "stock"
        unit = metric.unit_label(lang) if metric else ""
        what = metric.name(lang) if metric else f["metric"]
        if extra := filter_text(f.get("filters"), lang):
            what = f"{what}（{extra}）" if lang == "zh" else f"{what} ({extra})"
        # The article's own clause (Chinese only: the English page names the metric instead,
        # and the source sentences are listed under the table).
        quoted = (
            {t("col.as_written", lang): wording(f.get("source_sentence"), f["value"])
             or qualified_text(f, lang)}
            if lang == "zh" else {}
        )  # fmt: skip
        rows.append(
            {
                t("col.fact", lang): f["fact_id"],
                t("col.scope", lang): ctx.name(f["scope_code"]),
                **quoted,
                t("col.metric", lang): what,
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
    st.table(table, hide_index=True)
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
