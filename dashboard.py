"""Entry point: `streamlit run dashboard.py`. Page setup, language, shared filters and navigation.

Everything after the page config runs inside the page guard, so an unexpected error on any page
shows a short message with an error id instead of a traceback.
"""

import streamlit as st

from govdash.app import chrome, context
from govdash.app.page_guard import run_guarded
from govdash.core.i18n import t

st.set_page_config(page_title="govdash", page_icon="📊", layout="wide")
PAGES = [
    ("pages/overview.py", "page.overview", ":material/dashboard:", "overview"),
    ("pages/districts.py", "page.districts", ":material/compare_arrows:", "districts"),
    ("pages/community.py", "page.community", ":material/home_work:", "community"),
    ("pages/activities.py", "page.activities", ":material/volunteer_activism:", "activities"),
    ("pages/outcomes.py", "page.outcomes", ":material/emoji_events:", "outcomes"),
    ("pages/data.py", "page.data", ":material/description:", "data"),
    ("pages/import.py", "page.import", ":material/upload_file:", "import"),
]


def main() -> None:
    lang = context.language()
    page = st.navigation(
        [
            st.Page(path, title=t(key, lang), icon=icon, url_path=url, default=(url == "overview"))
            for path, key, icon, url in PAGES
        ]
    )
    st.sidebar.caption(t("app.title", lang))
    context.setup(lang)
    chrome.styles()
    page.run()


run_guarded(main, context.current_language)
