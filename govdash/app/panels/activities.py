"""服务活动 Activities: the event-level explorer for the view's divisions, months and categories."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.app.panels.shared import (
    mark_pilot,
    names,
    queries_for,
    ranking_selection,
    trend_window,
)
from govdash.core.data.catalog import load_catalog
from govdash.core.data.vocab import label, load_vocabulary
from govdash.core.measures import events
from govdash.core.outputs.readable import file_name
from govdash.core.question.scope import ActivityScope, Window, month_end
from govdash.core.text import fmt
from govdash.core.text.i18n import month_label, t
from govdash.importing.spec import load_spec
from govdash.viz import charts

PAGE_KEY = "activities_page"
SETTINGS = load_catalog().settings


def summary(ctx: context.Context) -> int:
    start, end = ctx.window.dates(True)
    n = fetch.event_count(ctx, ctx.activities(start, end))
    st.markdown(
        t(
            "activities.summary",
            ctx.lang,
            n=fmt.number(n, ctx.lang, compact=False),
            period=chrome.period_label(ctx, True),
            scope=chrome.md(chrome.scope_label(ctx)),
        )
    )
    return n


def monthly_panel(ctx: context.Context) -> None:
    """Activities per month stacked by category, over up to three years ending with the view."""
    lang = ctx.lang
    start, end = trend_window(ctx, flow=True)
    frame = fetch.breakdown(ctx, ctx.activities(start, month_end(end)))
    if frame.empty:
        chrome.empty(ctx)
        return
    per_month = frame.groupby(["month", "category"], as_index=False)["activities"].sum()
    cats = {k: v[lang] for k, v in load_vocabulary()["categories"].items()}
    title = chrome.chart_title(
        ctx,
        t("activities.per_month", lang),
        t("unit.activities", lang),
        t("period.range", lang, start=month_label(start, lang), end=month_label(end, lang)),
    )
    fig = charts.stacked_bar_figure(
        per_month,
        x="month",
        y="activities",
        colour="category",
        title=title,
        colour_names=cats,
        y_label=t("unit.activities", lang),
        height=420,
        lang=lang,
        unit=t("unit.activities", lang),
        months=True,
    )
    fig = mark_pilot(ctx, fig)
    chrome.chart(ctx, fig, per_month, key="activities-monthly", queries=["activity_breakdown"])


def top_teams_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    start, end = ctx.window.dates(True)
    rows = ctx.row_activities(start, end)
    teams = pd.DataFrame() if rows is None else fetch.top_teams(ctx, rows, limit=10)
    chrome.rows_note(ctx)
    if teams.empty:
        chrome.empty(ctx)
        return
    frame = pd.DataFrame(
        {
            "division_code": teams["community_code"],
            "name": [
                f"{n if isinstance(n, str) and n else z} · {ctx.name(c[:6])}"
                for n, z, c in zip(
                    teams[f"name_{lang}"], teams["name_zh"], teams["community_code"], strict=True
                )
            ],
            "value": teams["activities"],
        }
    )
    title = chrome.chart_title(
        ctx,
        t("activities.top_teams", lang),
        t("unit.activities", lang),
        chrome.period_label(ctx, True),
    )
    unit = t("unit.activities", lang)
    fig = charts.ranking_figure(frame, title, unit, lang=lang, unit=unit)
    out = teams.assign(team_type=[label("team_types", x, lang) for x in teams["team_type"]])
    chrome.chart(ctx, fig, out, key="activities-top-teams", queries=["top_teams"])


def response_panel(ctx: context.Context) -> None:
    """Response times: their distribution before and since the pilot, and the change by division."""
    lang = ctx.lang
    first = ctx.options.months[0]
    _, end = ctx.window.dates(True)
    hist = fetch.response_histogram(
        ctx,
        ctx.activities(first, end),
        bin_hours=SETTINGS.response_bin_hours,
        max_hours=SETTINGS.response_max_hours,
    )
    left, right = st.columns(2)
    with left:
        if hist.empty:
            chrome.empty(ctx)
        else:
            period = t(
                "period.range",
                lang,
                start=month_label(first, lang),
                end=month_label(ctx.window.flow_end, lang),
            )
            title = chrome.chart_title(
                ctx, t("activities.response_hist", lang), t("unit.share_requests", lang), period
            )
            fig = charts.histogram_figure(
                hist,
                title,
                {"baseline": t("phase.baseline", lang), "pilot": t("phase.pilot", lang)},
                t("axis.response_hours", lang, max=SETTINGS.response_max_hours),
                t("unit.share_requests", lang),
                hover=t("activities.hist_hover", lang),
            )
            chrome.chart(
                ctx, fig, hist, key="activities-response-hist", queries=["response_histogram"]
            )
    with right:
        before_after_panel(ctx)


def before_after_panel(ctx: context.Context) -> None:
    lang = ctx.lang
    sel, level = ranking_selection(ctx)
    ids = ["avg_response_hours_baseline", "avg_response_hours_since_pilot"]
    first = ctx.options.months[0]
    window = Window.of(first, ctx.window.end, ctx.snapshot.as_of)
    frame = fetch.values(ctx, sel, window, ids, filters=ctx.filters, by=level)
    data = pd.DataFrame(
        {
            "division_code": frame.index,
            "before": frame[ids[0]].to_numpy(),
            "after": frame[ids[1]].to_numpy(),
        }
    ).dropna()
    if data.empty:
        chrome.empty(ctx, "activities.no_baseline")
        return
    data["name"] = data["division_code"].map(names(ctx))
    data = data.head(25)
    title = chrome.chart_title(
        ctx,
        t("activities.before_after", lang),
        t("unit.hours", lang),
        t("activities.before_after_period", lang, end=month_label(window.flow_end, lang)),
    )
    fig = charts.dumbbell_figure(
        data, title, t("phase.baseline", lang), t("phase.pilot", lang), t("unit.hours", lang),
        lang=lang, unit=t("unit.hours", lang),
    )  # fmt: skip
    chrome.chart(
        ctx,
        fig,
        data,
        key="activities-before-after",
        queries=queries_for(ids),
        note=t("activities.baseline_note", lang),
    )


def events_table(ctx: context.Context, total: int) -> None:
    """A paged table of events, newest first, with every column translated, and its download."""
    lang = ctx.lang
    st.subheader(t("activities.table", lang), anchor=False)
    start, end = ctx.window.dates(True)
    scope = ctx.row_activities(start, end)
    if ctx.rows_narrowed:  # only the person's own divisions are listed, and counted
        chrome.rows_note(ctx)
        total = 0 if scope is None else fetch.event_count(ctx, scope)
    if total == 0 or scope is None:
        chrome.empty(ctx)
        return
    size = events.PAGE_SIZE
    pages = max(1, -(-total // size))
    page = st.columns([1, 3])[0].number_input(
        t("activities.page", lang, pages=fmt.number(pages, lang, compact=False)),
        min_value=1,
        max_value=pages,
        value=1,
        step=1,
        key=PAGE_KEY,
    )
    rows = fetch.event_rows(ctx, scope, page=int(page) - 1, page_size=size)
    st.dataframe(readable(ctx, rows), hide_index=True, width="stretch", height=420)
    download(ctx, total, scope)


def readable(ctx: context.Context, rows: pd.DataFrame) -> pd.DataFrame:
    lang = ctx.lang
    team = rows[f"team_name_{lang}"].where(rows[f"team_name_{lang}"].notna(), rows["team_name_zh"])
    team = team.where(team.notna(), "—")  # an activity without a team
    return pd.DataFrame(
        {
            t("col.id", lang): rows["activity_id"],
            t("col.date", lang): pd.to_datetime(rows["date"]).dt.date,
            t("col.community", lang): [ctx.name(c) for c in rows["community_code"]],
            t("col.team", lang): team,
            t("col.category", lang): [label("categories", c, lang) for c in rows["category"]],
            t("col.target_group", lang): [
                label("target_groups", c, lang) for c in rows["target_group"]
            ],
            t("col.volunteers", lang): rows["volunteers"],
            t("col.social_workers", lang): rows["social_workers"],
            t("col.hours", lang): rows["service_hours"],
            t("col.served", lang): rows["served_person_times"],
            t("col.response", lang): rows["response_hours"],
        }
    )


def download(ctx: context.Context, total: int, scope: ActivityScope) -> None:
    lang = ctx.lang
    start, end = scope.start, scope.end
    if total > events.DOWNLOAD_LIMIT:
        st.caption(
            t(
                "activities.too_many",
                lang,
                n=fmt.number(total, lang, compact=False),
                limit=fmt.number(events.DOWNLOAD_LIMIT, lang, compact=False),
            )
        )
        return

    title = chrome.chart_title(
        ctx, t("activities.table", lang), t("unit.activities", lang),
        t("period.range", lang, start=month_label(start, lang), end=month_label(end, lang)),
    )  # fmt: skip
    sheet = load_spec()["activities"]
    words = {c.name: (c.zh if lang == "zh" else c.en) for c in sheet.columns}

    def build() -> bytes:
        rows = fetch.event_rows(ctx, scope, page=0, page_size=total)
        return chrome.download_csv(ctx, rows, title, None, words)

    st.download_button(
        t("activities.download", lang, n=fmt.number(total, lang, compact=False)),
        on_click="ignore",  # a download needs no rerun, which would slow it
        data=build,
        file_name=file_name(title, ctx.snapshot.as_of.isoformat(), "csv"),
        mime="text/csv",
        key="activities-download",
    )
