"""成效 Outcomes: beneficiaries, employment outcomes and the reconciliation of reported facts."""

from govdash import outcome_panels as panels
from govdash import ui
from govdash.i18n import t

ctx = ui.context()
ui.page_header(ctx, t("outcomes.heading", ctx.lang, scope=ui.scope_label(ctx)))
panels.beneficiaries_panel(ctx)
panels.employment_panel(ctx)
panels.reconciliation_panel(ctx)
