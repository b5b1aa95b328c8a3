"""Every session-state key and URL parameter of the app, defined once.

URL parameters are the public part: a copied link carries them (see govdash.core.question.view.KEYS for the
view's own, validated there). Session keys starting with "_" are internal; the others are widget
keys, which Streamlit binds to their widgets (and, for the language, to ?lang=).
"""

from __future__ import annotations

# The language switch: a widget bound to the URL parameter of the same name.
LANG = "lang"

# Sections whose body runs only when a visitor opens them (lazy expanders), by widget key:
# 区域对比's monthly grid. Warming opens them, so an opened section of a default view is warm too.
TRENDS_SECTION = "districts-trends"
LAZY_SECTIONS = (TRENDS_SECTION,)

# The context the entry script prepares for the page it runs.
CONTEXT = "_ctx"

# The shared view (sidebar): seeding from the URL, requested changes, ignored link parameters.
VIEW_SEEDED = "_view_seeded"
VIEW_PENDING = "_view_pending"
VIEW_NOTICE = "_view_notice"
PERIOD = "_period"  # not a widget key: the slider is keyed by PERIOD_VERSION so it can be reset
PERIOD_VERSION = "_period_version"
FILTER_WIDGETS = {
    "snapshot": "f_snapshot",
    "period": PERIOD,
    "districts": "f_districts",
    "street": "f_street",
    "community": "f_community",
    "categories": "f_categories",
    "target_groups": "f_groups",
    "team_types": "f_teams",
    "metric": "f_metric",
}

# The analyst's switch that shows SQL, snapshot ids and paths; also the URL parameter name.
DETAILS = "details"

# Who this session is by the access file: (person id, keyed digest of their stored token).
PERSON = "_person"
SIGNIN_TOKEN = "signin-token"
SIGNIN_ATTEMPT = "_signin_attempt"

# The import page.
IMPORT_UNLOCKED = "_import_unlocked"
IMPORT_ATTEMPTS = "_import_token_attempts"
IMPORT_DONE = "_import_done"
IMPORT_FOLDER = "_import_folder"
IMPORT_UPLOADS = "import_files"
IMPORT_TOKEN = "import-token"
IMPORT_BASE = "import-base"
IMPORT_AS_OF = "import-as-of"
IMPORT_STALE_OK = "import-stale-ok"
