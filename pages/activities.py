"""服务活动 Activities: per month, top teams, response times, and the paged event table."""

from govdash.app import context as ui
from govdash.app.panels import activities as panels
from govdash.core.i18n import t

ctx = ui.context()
ui.page_header(ctx, t("activities.heading", ctx.lang, scope=ui.scope_label(ctx)))
total = panels.summary(ctx)
panels.monthly_panel(ctx)
panels.top_teams_panel(ctx)
panels.response_panel(ctx)
panels.events_table(ctx, total)
