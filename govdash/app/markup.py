"""Text from data made literal for Streamlit's markdown.

Division, team and programme names come from district reports, and Streamlit renders labels,
messages and captions as markdown: a name like `**B** ![i](/x.png)` would format text or load an
image. Every such name passes through `md` on its way to the screen. It lives apart from chrome
so that the context (which chrome builds on) can use it too.
"""

from __future__ import annotations

import re

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """Data text (names from a snapshot) made literal for Streamlit's markdown: no links, images,
    formatting or HTML can come from the data."""
    return MD_SPECIAL.sub(r"\\\1", str(text))
