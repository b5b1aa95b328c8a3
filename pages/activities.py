"""服务活动 Activities: per month, top teams, response times, and the paged event table."""

from govdash.app import chrome, context
from govdash.app.panels import activities as panels
from govdash.core.text.i18n import t

ctx = context.context()
chrome.page_header(ctx, t("activities.heading", ctx.lang, scope=chrome.scope_label(ctx)))
total = panels.summary(ctx)
panels.monthly_panel(ctx)
panels.top_teams_panel(ctx)
panels.response_panel(ctx)
panels.events_table(ctx, total)
