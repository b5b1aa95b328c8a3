"""演示模式 Presentation: the default deck as 16:9 slides (?slide=N, arrow keys, ?rotate=N)."""

from govdash.app import context
from govdash.app.panels.present import deck_page

deck_page(context.context())
