"""Translation: one catalog (govdash/core/text/i18n.toml) for every user-facing string, zh by default."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date

CATALOG = Path(__file__).with_name("i18n.toml")
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    with open(CATALOG, "rb") as fh:
        return tomllib.load(fh)


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The string for key in lang; a missing key raises so tests catch it before users do."""
    entry = catalog()[key]
    text = entry[lang if lang in LANGS else DEFAULT_LANG]
    return text.format(**values) if values else text


def join(items: Iterable[object], lang: str = DEFAULT_LANG) -> str:
    """A list as each language writes one in running text: 江汉区、武昌区 / Jianghan, Wuchang."""
    return ("、" if lang == "zh" else ", ").join(str(i) for i in items)


def month_label(month: dt.date, lang: str = DEFAULT_LANG) -> str:
    if lang == "zh":
        return t("month.format", lang, year=month.year, month=month.month)
    return format_date(month, "MMM y", locale="en_US")


def date_label(day: dt.date, lang: str = DEFAULT_LANG) -> str:
    return format_date(day, "long", locale="zh_CN" if lang == "zh" else "en_US")


def stamp_label(stamp: object, lang: str = DEFAULT_LANG) -> str:
    """An ISO timestamp (a manifest's created_at) as people write it: 2025年7月18日 22:52 (UTC);
    "—" for one that cannot be read."""
    try:
        when = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return "—"
    return f"{date_label(when.date(), lang)} {when:%H:%M} (UTC)"
