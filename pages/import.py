"""数据导入 Import: upload district reports (.xlsx / .csv), check them, and publish a new snapshot."""

import streamlit as st

from govdash.app import chrome, context
from govdash.app.panels import import_page as panels
from govdash.core.text.i18n import t

ctx = context.context()
chrome.page_header(ctx, t("import.heading", ctx.lang), places=False)
st.caption(t("import.intro", ctx.lang))
panels.template_download(ctx)
if panels.unlocked(ctx):
    panels.upload_panel(ctx)
    if ctx.access is None or ctx.may("admin"):  # pruning deletes what every official sees
        panels.retention_panel(ctx)
