"""Entry point: `streamlit run dashboard.py`. Page setup, language, shared filters and navigation.

Everything after the page config runs inside the page guard, so an unexpected error on any page
shows a short message with an error id instead of a traceback.
"""

import streamlit as st

from govdash.app import chrome, context, gate
from govdash.app.page_guard import run_guarded
from govdash.app.panels import playlists
from govdash.core.text.i18n import t

st.set_page_config(page_title="govdash", page_icon="📊", layout="wide")
ALL = ("snapshot", "period", "place", "activity", "metric")
WITHOUT_METRIC = ("snapshot", "period", "place", "activity")
# Each page with the sidebar filters that change what it shows (govdash.app.sidebar.GROUPS).
PAGES = [
    ("pages/overview.py", "page.overview", ":material/dashboard:", "overview", ALL),
    ("pages/districts.py", "page.districts", ":material/compare_arrows:", "districts", ALL),
    ("pages/community.py", "page.community", ":material/home_work:", "community", WITHOUT_METRIC),
    ("pages/activities.py", "page.activities", ":material/volunteer_activism:", "activities",
     WITHOUT_METRIC),
    ("pages/outcomes.py", "page.outcomes", ":material/emoji_events:", "outcomes", WITHOUT_METRIC),
    ("pages/present.py", "page.present", ":material/slideshow:", "present", ("snapshot",)),
    ("pages/data.py", "page.data", ":material/description:", "data", ("snapshot",)),
    ("pages/import.py", "page.import", ":material/upload_file:", "import", ()),
]  # fmt: skip


def main() -> None:
    lang = context.language()
    page = st.navigation(
        [
            st.Page(path, title=t(key, lang), icon=icon, url_path=url, default=(url == "overview"))
            for path, key, icon, url, _ in PAGES
        ]
    )
    st.sidebar.caption(t("app.title", lang))
    shown = {url: groups for _, _, _, url, groups in PAGES}.get(page.url_path, ALL)
    ctx = context.setup(lang, frozenset(shown))
    chrome.styles(lang)
    url = page.url_path or "overview"  # the default page's path is empty
    gate.require(ctx.person, gate.PAGE_RIGHTS.get(url, "view"), lang)
    titles = {u: t(key, lang) for _, key, _, u, _ in PAGES}
    playlists.save_panel(ctx, url, titles.get(url, ""))
    page.run()


run_guarded(main, context.current_language)
