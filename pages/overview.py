"""总览 Overview: KPI cards, trend, ranking with drill-down, map, pilot highlights, integration."""

import streamlit as st

from govdash.app import chrome, context
from govdash.app.panels.overview import (
    headline_panel,
    integration_panel,
    map_panel,
    pilot_highlights,
)
from govdash.app.panels.shared import kpi_panel, ranking_panel, trend_panel
from govdash.app.panels.standing import standing_panel
from govdash.core.data.catalog import load_catalog
from govdash.core.text.i18n import t

ctx = context.context()
settings = load_catalog().settings
chrome.page_header(ctx, t("overview.heading", ctx.lang, scope=chrome.scope_label(ctx)))
headline_panel(ctx)
kpi_panel(ctx, list(settings.overview_kpis))
left, right = st.columns([3, 2])
with left:
    trend_panel(ctx, settings.trend_metric, key="overview-trend")
with right:
    ranking_panel(ctx, settings.ranking_metric, key="overview-ranking")
left, right = st.columns([3, 2])
with left:
    map_panel(ctx, ctx.view.metric or settings.ranking_metric, key="overview-map")
with right:
    integration_panel(ctx, key="overview-integration")
standing_panel(ctx)
pilot_highlights(ctx)
