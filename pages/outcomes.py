"""成效 Outcomes: beneficiaries, employment outcomes and the reconciliation of reported facts."""

from govdash.app import chrome, context
from govdash.app.panels import evaluation
from govdash.app.panels import outcomes as panels
from govdash.core.text.i18n import t

ctx = context.context()
chrome.page_header(ctx, t("outcomes.heading", ctx.lang, scope=chrome.scope_label(ctx)))
panels.beneficiaries_panel(ctx)
panels.employment_panel(ctx)
evaluation.evaluation_panel(ctx)
panels.reconciliation_panel(ctx)
