"""区域对比 Districts: compare divisions on any catalog metric, trends, composition and targets."""

from govdash.app import chrome, context
from govdash.app.panels import districts
from govdash.core.text.i18n import t

ctx = context.context()
chrome.page_header(ctx, t("districts.heading", ctx.lang, scope=chrome.scope_label(ctx)))
districts.compare_panel(ctx)
districts.small_multiples_panel(ctx)
districts.composition_panel(ctx)
districts.targets_panel(ctx)
