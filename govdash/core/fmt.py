"""Locale-aware numbers: 万/亿 in Chinese, K/M in English, with qualifiers kept visible (530+, ≈3万)."""

from __future__ import annotations

import math
import re

from babel.numbers import format_compact_decimal, format_decimal

from govdash.core.numbers import TYPED_FORMS

LOCALES = {"zh": "zh_CN", "en": "en_US"}


def number(value: float | None, lang: str = "zh", *, digits: int = 0, compact: bool = True) -> str:
    """A number for display; compact (3.2万 / 32K) from ten thousand up in Chinese, 1e4 in English."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    locale = LOCALES[lang]
    if compact and abs(value) >= 10000:
        return format_compact_decimal(
            value, locale=locale, fraction_digits=2 if lang == "zh" else 1
        )
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round(value, digits), format=fmt, locale=locale)


# Chinese shows a qualifier the way people type it (the importer's own table, one definition);
# English uses signs.
QUALIFIER_FORMS = {
    "zh": TYPED_FORMS,
    "en": {
        "exact": "{v}",
        "more_than": "{v}+",
        "nearly": "≈{v}",
        "about": "~{v}",
        "at_least": "≥{v}",
    },
}


def qualified(value: float, qualifier: str, lang: str = "zh", unit: str = "") -> str:
    """Render a reported value with its qualifier: 530余支, 近3万, 40%; 530+ teams, ≈30K."""
    digits = decimals(value)
    text = QUALIFIER_FORMS[lang][qualifier].format(v=number(value, lang, digits=digits))
    if unit == "%":
        return text + "%"
    return f"{text}{unit}" if lang == "zh" else (f"{text} {unit}" if unit else text)


def decimals(value: float) -> int:
    """Decimals as written: 40.0 -> 0, 12.5 -> 1 (the shortest repr round-trips)."""
    text = repr(float(value))
    if "e" in text or "." not in text:
        return 0
    frac = text.split(".", 1)[1].rstrip("0")
    return len(frac)


def percent(value: float | None, lang: str = "zh", digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return number(value, lang, digits=digits, compact=False) + "%"


def metric_value(value: float | None, unit: str, kind: str, lang: str = "zh") -> str:
    """A metric's value with its unit: 3.2万名, 34.5%; in English the label carries the unit (525.2K)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "%":
        return percent(value, lang)
    text = number(value, lang, digits=1 if kind == "ratio" else 0)
    return f"{text}{unit}" if lang == "zh" else text


def signed_delta(
    delta: float | None, unit: str, kind: str, lang: str = "zh", pp: str = "pp"
) -> str | None:
    """A change with its sign, so st.metric colours it; percentages change in percentage points.
    A change that rounds to nothing has no sign ("0", not "+0" or "-0.0"): is_flat() tells the
    card to show it neutral."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return None
    if unit == "%":
        body = number(abs(delta), lang, digits=1, compact=False)
        body = f"{body} {pp}" if lang == "en" else f"{body}{pp}"
    else:
        body = number(abs(delta), lang, digits=1 if kind == "ratio" else 0)
    if not re.search(r"[1-9]", body.split(pp)[0] if unit == "%" else body):
        return body
    return ("+" if delta >= 0 else "-") + body


def is_flat(signed: str | None) -> bool:
    """Whether a signed_delta() text is a change that rounds to nothing."""
    return signed is not None and not signed.startswith(("+", "-"))
