"""总览 Overview: city KPI cards, the monthly trend and the district ranking."""

import streamlit as st

from govdash import ui
from govdash.catalog import load_catalog
from govdash.charts import district_colours, ranking_figure, trend_figure
from govdash.divisions import city_code, name
from govdash.i18n import date_label, month_label, t

ctx = ui.context()
lang, catalog = ctx.lang, load_catalog()
data = ui.cached_overview(ctx.snapshot.id, str(ctx.snapshot.path.parent), lang)
periods = data["periods"]
city = name(ctx.divisions, city_code(ctx.divisions), lang)

st.title(t("overview.heading", lang, city=city))
ui.demo_banner(ctx)

st.subheader(t("overview.kpis", lang))
st.caption(
    t(
        "kpi.period_note",
        lang,
        stock_month=month_label(periods.stock_month, lang),
        flow_month=month_label(periods.flow_month, lang),
    )
)
PER_ROW = 4
for first in range(0, len(data["kpis"]), PER_ROW):
    row = data["kpis"][first : first + PER_ROW]
    for col, kpi in zip(st.columns(PER_ROW), row, strict=False):
        with col:
            ui.kpi_card(
                ctx, kpi, month_label(kpi.month, lang), month_label(kpi.previous_month, lang)
            )

left, right = st.columns([3, 2])
with left:
    metric = catalog[data["trend_metric"]]
    frame = data["trend"]
    title = t(
        "trend.title",
        lang,
        metric=metric.name(lang),
        unit=metric.unit_label(lang),
        start=month_label(frame["month"].iloc[0], lang),
        end=month_label(frame["month"].iloc[-1], lang),
        scope=city,
    )
    fig = trend_figure(frame, title, t("axis.month", lang), metric.unit_label(lang))
    note = (
        t(
            "trend.partial_note",
            lang,
            month=month_label(periods.stock_month, lang),
            as_of=date_label(periods.as_of, lang),
        )
        if periods.partial
        else ""
    )
    ui.chart(ctx, fig, frame, key="overview-trend", queries=["flows_monthly"], note=note)
with right:
    metric = catalog[data["ranking_metric"]]
    frame = data["ranking"]
    title = t(
        "ranking.title",
        lang,
        metric=metric.name(lang),
        unit=metric.unit_label(lang),
        period=month_label(frame.attrs.get("month", periods.stock_month), lang),
        scope=city,
    )
    colours = district_colours(
        ctx.divisions.loc[ctx.divisions["level"] == "district", "code"].tolist()
    )
    fig = ranking_figure(frame, title, colours, metric.unit_label(lang))
    ui.chart(
        ctx, fig, frame, key="overview-ranking", queries=["stocks_by_division", "division_stocks"]
    )
