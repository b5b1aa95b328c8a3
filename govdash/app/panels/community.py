"""社区画像 Community profile: one division's KPIs, trend, activity mix, programmes, resources and
the reported facts that concern it."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.app.panels.shared import kpi_panel, ranking_panel, trend_panel
from govdash.core.data.catalog import load_catalog
from govdash.core.data.divisions import ancestry
from govdash.core.data.vocab import label
from govdash.core.text import fmt
from govdash.core.text.i18n import date_label, t
from govdash.viz import charts


def picker_hint(ctx: context.Context) -> bool:
    """Without a community chosen, say how to pick one and offer the next level to click."""
    if ctx.view.community:
        return False
    st.info(t("profile.pick", ctx.lang), icon=":material/arrow_back:")
    ranking_panel(ctx, "activities", key="profile-pick")
    return True


def profile_kpis(ctx: context.Context) -> None:
    kpi_panel(ctx, list(load_catalog().settings.profile_kpis))


def mix_panel(ctx: context.Context) -> None:
    """Activities by category and by target group (一老一新一小) over the view's complete months."""
    lang = ctx.lang
    start, end = ctx.window.dates(True)
    frame = fetch.breakdown(ctx, ctx.activities(start, end))
    if frame.empty:
        chrome.empty(ctx)
        return
    left, right = st.columns(2)
    for col, column, vocab_name, key in (
        (left, "category", "categories", "profile-categories"),
        (right, "target_group", "target_groups", "profile-groups"),
    ):
        totals = frame.groupby(column, as_index=False)["activities"].sum()
        totals = totals.sort_values("activities", ascending=False)
        totals["name"] = [label(vocab_name, c, lang) for c in totals[column]]
        totals["division_code"] = totals[column]
        totals = totals.rename(columns={"activities": "value"})
        what = t(f"profile.by_{column}", lang)
        title = chrome.chart_title(
            ctx, what, t("unit.activities", lang), chrome.period_label(ctx, True)
        )
        unit = t("unit.activities", lang)
        fig = charts.ranking_figure(totals, title, unit, lang=lang, unit=unit)
        with col:
            chrome.chart(
                ctx, fig, totals[[column, "name", "value"]], key=key, queries=["activity_breakdown"]
            )


def _relation(ctx: context.Context, row: pd.Series, code_column: str) -> str:
    rel = t(f"relation.{row['relation']}", ctx.lang)
    return f"{rel} · {ctx.name(row[code_column])}"


def programmes_panel(ctx: context.Context, code: str) -> None:
    lang = ctx.lang
    st.subheader(t("profile.programmes", lang), anchor=False)
    progs = fetch.programmes_for(ctx, code)
    if progs.empty:
        chrome.empty(ctx, "profile.no_programmes")
        return
    cols = st.columns(min(3, len(progs)))
    for i, (_, p) in enumerate(progs.iterrows()):
        with cols[i % len(cols)], st.container(border=True):
            name = p[f"name_{lang}"] if isinstance(p[f"name_{lang}"], str) else p["name_zh"]
            st.markdown(f"**{chrome.md(name)}**")
            st.caption(
                " · ".join(
                    [
                        chrome.md(label("programme_kinds", p["kind"], lang)),
                        chrome.md(_relation(ctx, p, "owner_code")),
                        t("profile.launched", lang, date=date_label(p["launch_date"], lang)),
                    ]
                )
            )
            groups = [g for g in re.split(r"[,|;\s]+", str(p.get("focus_groups") or "")) if g]
            if groups:
                st.caption(" ".join(chrome.md(label("target_groups", g, lang)) for g in groups))
            text = p.get(f"description_{lang}")
            if isinstance(text, str) and text:
                st.write(chrome.md(text))


def resources_panel(ctx: context.Context, code: str) -> None:
    lang = ctx.lang
    st.subheader(t("profile.resources", lang), anchor=False)
    res = fetch.resources_for(ctx, code, ctx.window.dates(False)[1])
    if res.empty:
        chrome.empty(ctx, "profile.no_resources")
        return
    table = pd.DataFrame(
        {
            t("col.kind", lang): [label("resource_kinds", k, lang) for k in res["kind"]],
            t("col.name", lang): [
                n if isinstance(n, str) and n else z
                for n, z in zip(res[f"name_{lang}"], res["name_zh"], strict=True)
            ],
            t("col.where", lang): [_relation(ctx, r, "division_code") for _, r in res.iterrows()],
            t("col.opened", lang): pd.to_datetime(res["opened"]).dt.date,
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    chrome.chart_tools(ctx, res, key="profile-resources", queries=["resources_for_division"])


def facts_panel(ctx: context.Context, code: str) -> None:
    """Reported facts about this division or the divisions above it, with their check."""
    lang = ctx.lang
    result = fetch.reconciled(ctx)
    chain = ancestry(ctx.divisions, code)
    facts = result[result["scope_code"].isin(chain)]
    st.subheader(t("profile.facts", lang), anchor=False)
    if facts.empty:
        chrome.empty(ctx, "profile.no_facts")
        return
    from govdash.app.panels.outcomes import facts_table

    facts_table(ctx, facts, key="profile-facts")


def profile_page(ctx: context.Context) -> None:
    lang = ctx.lang
    code = ctx.selection.codes[0]
    if picker_hint(ctx):
        return
    d = ctx.divisions.set_index("code")
    row = d.loc[code]
    bits = [label("levels", row["level"], lang)]
    if not pd.isna(row["population"]):
        bits.append(t("profile.population", lang, n=fmt.number(row["population"], lang)))
    if bool(row["is_pilot"]):
        bits.append(t("profile.pilot", lang))
    st.caption(" · ".join(bits))
    profile_kpis(ctx)
    trend_panel(ctx, "activities", key="profile-trend")
    mix_panel(ctx)
    programmes_panel(ctx, code)
    resources_panel(ctx, code)
    facts_panel(ctx, code)
