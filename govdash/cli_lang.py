"""The command line's language: `--lang`, else the system locale (Chinese in a zh_* locale).

The import page speaks Chinese; an office clerk running the same import from a terminal on a
Chinese system should read the same words. Anything but a Chinese locale gets English.
"""

from __future__ import annotations

import os

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


def system_lang(environ: dict[str, str] | None = None) -> str:
    """ "zh" when the first locale variable that is set names Chinese, else "en"."""
    env = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = env.get(name, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def cli_lang(choice: str | None) -> str:
    return choice if choice in ("zh", "en") else system_lang()


def say(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en
