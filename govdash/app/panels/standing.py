"""领先与落后 and 需关注 on 总览: which divisions gained most and least since the pilot began, and
which communities to call, each with the figure that put it there."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.core.data.divisions import city_code
from govdash.core.evaluation import standing
from govdash.core.evaluation.movers import COLUMNS
from govdash.core.text.i18n import t

SHOWN = 8  # rows of the 需关注 list before "all"


def scope_code(ctx: context.Context) -> str:
    """The selected division when one is selected, else the city."""
    selection = ctx.selection
    return selection.codes[0] if selection.single else city_code(ctx.divisions)


def standing_panel(ctx: context.Context) -> None:
    code = scope_code(ctx)
    left, right = st.columns([1, 1])
    with left:
        movers_panel(ctx, code)
    with right:
        watch_panel(ctx, code)


def movers_panel(ctx: context.Context, code: str) -> None:
    lang = ctx.lang
    st.markdown(f"**{t('movers.title', lang)}**")
    with st.spinner(t("spinner.loading", lang)):
        found = fetch.movers(ctx, code)
    if found is None or found.frame.empty:
        chrome.empty(ctx)
        return
    basis = st.radio(
        t("movers.basis", lang), ["change", "change_10k"], horizontal=True,
        format_func=lambda b: t(f"movers.basis.{b}", lang), key="overview-movers-basis",
    )  # fmt: skip
    st.table(standing.movers_table(found, ctx.divisions, lang, basis), hide_index=True)
    st.caption(standing.movers_note(found, lang))
    data = found.frame.reset_index()
    data.insert(1, "name", [ctx.name(c) for c in data["code"]])
    words = {"code": t("export.division_code", lang), "name": t(f"col.{found.level}", lang),
             **{c: t(f"movers.export.{c}", lang) for c in COLUMNS}}  # fmt: skip
    chrome.chart_tools(ctx, data, key="overview-movers", queries=["headcounts_monthly"],
                       title=f"{t('movers.title', lang)} · {ctx.name(code)}",
                       words=words)  # fmt: skip


def watch_panel(ctx: context.Context, code: str) -> None:
    lang = ctx.lang
    st.markdown(f"**{t('watch.title', lang)}**")
    with st.spinner(t("spinner.loading", lang)):
        found = fetch.watch(ctx, code)
    months = list(context.cached_months(ctx.snapshot.id, ctx.root))
    rule = standing.watch_note(months, ctx.snapshot.as_of, lang)
    if found.empty:
        st.info(t("watch.none", lang))
        st.caption(rule)
        return
    st.markdown(t("watch.count", lang, n=len(found)))
    table = standing.watch_table(found, ctx.divisions, lang)
    st.table(table.head(SHOWN), hide_index=True)
    if len(table) > SHOWN:
        with st.expander(t("watch.more", lang, n=len(table))):
            st.dataframe(table, hide_index=True, width="stretch")
    st.caption(rule)
    data = pd.DataFrame({
        "community_code": found["community_code"],
        "name": table.iloc[:, 0], "street": table.iloc[:, 1], "reason": table.iloc[:, 2],
    })  # fmt: skip
    words = {"community_code": t("export.community_code", lang),
             "name": t("col.community", lang), "street": t("col.street", lang),
             "reason": t("watch.col.reason", lang)}  # fmt: skip
    chrome.chart_tools(ctx, data, key="overview-watch",
                       queries=["last_reports", "activities_monthly"],
                       title=f"{t('watch.title', lang)} · {ctx.name(code)}", words=words)  # fmt: skip
