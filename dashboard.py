"""Entry point: `streamlit run dashboard.py`. Sets up the page, the language switch and navigation."""

import streamlit as st

from govdash import ui
from govdash.i18n import t

st.set_page_config(page_title="govdash", page_icon="📊", layout="wide")
lang = ui.language()
st.sidebar.caption(t("app.title", lang))

pages = [
    st.Page(
        "pages/overview.py",
        title=t("page.overview", lang),
        icon="🏙️",
        url_path="overview",
        default=True,
    ),
]
st.navigation(pages).run()
