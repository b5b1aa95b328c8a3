"""数据说明 Data: the snapshot in use, the metric dictionary and table downloads."""

from govdash.app import chrome, context
from govdash.app.panels import data as panels
from govdash.core.text.i18n import t

ctx = context.context()
chrome.page_header(ctx, t("data.heading", ctx.lang), places=False)
panels.snapshot_panel(ctx)
panels.access_panel(ctx)
panels.dictionary_panel(ctx)
panels.tables_panel(ctx)
panels.completeness_panel(ctx)
if ctx.details:  # re-checking checksums and comparing snapshots is an analyst's work
    panels.snapshots_panel(ctx)
panels.audit_panel(ctx)  # admins only
