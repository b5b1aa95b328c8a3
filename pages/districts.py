"""区域对比 Districts: compare divisions on any catalog metric, trends, composition and targets."""

from govdash import compare, ui
from govdash.i18n import t

ctx = ui.context()
ui.page_header(ctx, t("districts.heading", ctx.lang, scope=ui.scope_label(ctx)))
compare.compare_panel(ctx)
compare.small_multiples_panel(ctx)
compare.composition_panel(ctx)
compare.targets_panel(ctx)
