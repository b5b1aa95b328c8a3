"""社区画像 Community profile: pick district → street → community; its figures, brands and facts."""

from govdash.app import chrome, context
from govdash.app.panels import community
from govdash.core.text.i18n import t

ctx = context.context()
chrome.page_header(ctx, t("profile.heading", ctx.lang, scope=chrome.scope_label(ctx)))
community.profile_page(ctx)
