"""社区画像 Community profile: pick district → street → community; its figures, brands and facts."""

from govdash import profile, ui
from govdash.i18n import t

ctx = ui.context()
ui.page_header(ctx, t("profile.heading", ctx.lang, scope=ui.scope_label(ctx)))
profile.profile_page(ctx)
