"""成效 Outcomes: beneficiaries, employment outcomes and the reconciliation of reported facts."""

from govdash.app import context as ui
from govdash.app.panels import outcomes as panels
from govdash.core.i18n import t

ctx = ui.context()
ui.page_header(ctx, t("outcomes.heading", ctx.lang, scope=ui.scope_label(ctx)))
panels.beneficiaries_panel(ctx)
panels.employment_panel(ctx)
panels.reconciliation_panel(ctx)
