"""Locale-aware numbers: 万/亿 in Chinese, K/M in English, with qualifiers kept visible (530+, ≈3万)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal

from govdash.core.text.numbers import TYPED_FORMS

# Both languages group by thousands with "," and use "." for decimals (CLDR's zh_CN and en_US,
# the locales tests/test_fmt.py compares `grouped` with).
LOCALES = {"zh": "zh_CN", "en": "en_US"}


# Large numbers are written in the units readers count in: 万 and 亿 in Chinese, K/M/B in English.
# (from, divisor, suffix): English starts at ten thousand too, so 8,612 stays whole in both.
SCALES = {
    "zh": ((1e8, 1e8, "亿"), (1e4, 1e4, "万")),
    "en": ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K")),
}
SCALED_DIGITS = {"zh": 2, "en": 1}


def scale(reference: float | None, lang: str = "zh") -> tuple[float, str]:
    """The divisor and suffix for numbers of the size of reference (1, "" below ten thousand)."""
    if reference is None or not math.isfinite(reference):
        return 1.0, ""
    for start, size, suffix in SCALES[lang]:
        if abs(reference) >= start:
            return size, suffix
    return 1.0, ""


def number(
    value: float | None,
    lang: str = "zh",
    *,
    digits: int = 0,
    compact: bool = True,
    ref: float | None = None,
) -> str:
    """A number for display: from ten thousand up in 万/亿 (zh, two decimals) or K/M/B (en, one).

    ref sets the scale instead of the value itself, so a change is written in the unit of the
    figure it belongs to ("52.52万", "+0.86万", not "+8,612")."""
    if not _finite(value):
        return "—"
    value = float(value)
    size, suffix = scale(value if ref is None else ref, lang) if compact else (1.0, "")
    if suffix and value and abs(value) / size < 0.5 * 10 ** -SCALED_DIGITS[lang]:
        size, suffix = scale(value, lang)  # "0.00万" would hide a real value: its own scale
    if suffix:
        # Up to two places (one in English), trailing zeros dropped: 52.52万, 3万, 1.2万.
        places = SCALED_DIGITS[lang]
        return grouped(round(value / size, places), places, drop_zeros=True) + suffix
    return grouped(round(value, digits), digits)


def grouped(value: float, places: int, *, drop_zeros: bool = False) -> str:
    """A rounded float with thousands grouped: what babel's format_decimal writes for the
    patterns "#,##0.00" (and "#,##0.##" with drop_zeros) in both languages, character for
    character (tests/test_fmt.py checks it against babel), at a twentieth of its cost. Charts
    format a label per point, and babel was a quarter of a page's figure building.

    The float goes through its shortest repr, as babel's does, so 75802266829525.6 stays .60."""
    text = format(Decimal(repr(value)), f",.{places}f")
    if drop_zeros and places:
        text = text.rstrip("0").rstrip(".")
    return text


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering [low, high]."""
    low, high = min(low, 0.0), max(high, 0.0)
    if not (math.isfinite(low) and math.isfinite(high)) or high == low:
        return [0.0, 1.0] if high <= 0 else [0.0, high]
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def tick_labels(
    ticks: list[float], lang: str = "zh", suffix: str = "", ref: float | None = None
) -> list[str]:
    """Axis labels for nice_ticks in the scale of the data (ref, its largest value), with as few
    decimals as tell them apart: "0, 2万, 4万", not "20,000" beside a value label of "2.00万"."""
    top = max((abs(t) for t in ticks), default=0.0) if ref is None else abs(ref)
    size, unit = scale(top, lang)
    scaled = [t / size for t in ticks]
    places = next((d for d in range(4) if all(abs(round(v, d) - v) < 1e-9 for v in scaled)), 3)
    return [(grouped(round(v, places), places) + unit if v else "0") + suffix for v in scaled]


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


def with_unit(text: str, unit: str, lang: str = "zh") -> str:
    """A formatted number with its unit, the way each language writes it: 461.3名/万人, 34.5%,
    461.3 per 10k residents."""
    if not unit or text == "—":
        return text
    if unit == "%" or lang == "zh":
        return text + unit
    return f"{text} {unit}"


def _finite(value: object) -> bool:
    try:
        return value is not None and math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def values_text(
    values: Iterable[object],
    lang: str = "zh",
    *,
    digits: int = 0,
    unit: str = "",
    ref: float | None = None,
) -> list[str]:
    """Labels for a chart's values in one shared scale (the largest value's), so bars beside each
    other read 52.52万 and 8.61万, not 52.52万 and 86,123; with the unit when given."""
    finite = [abs(float(v)) for v in values if _finite(v)]
    top = ref if ref is not None else max(finite, default=0.0)
    return [with_unit(number(v, lang, digits=digits, ref=top), unit, lang) for v in values]


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
    delta: float | None,
    unit: str,
    kind: str,
    lang: str = "zh",
    pp: str = "pp",
    ref: float | None = None,
) -> str | None:
    """A change with its sign, so st.metric colours it; percentages change in percentage points.
    ref is the figure the change belongs to: the change is written in its scale (万, K).
    A change that rounds to nothing has no sign ("0", not "+0" or "-0.0"): is_flat() tells the
    card to show it neutral."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return None
    if unit == "%":
        body = number(abs(delta), lang, digits=1, compact=False)
        body = f"{body} {pp}" if lang == "en" else f"{body}{pp}"
    else:
        body = number(abs(delta), lang, digits=1 if kind == "ratio" else 0, ref=ref)
    if not re.search(r"[1-9]", body.split(pp)[0] if unit == "%" else body):
        return body
    return ("+" if delta >= 0 else "-") + body


def is_flat(signed: str | None) -> bool:
    """Whether a signed_delta() text is a change that rounds to nothing."""
    return signed is not None and not signed.startswith(("+", "-"))


def relative(share: float | None, lang: str = "zh") -> str | None:
    """A relative change as a signed percentage ("+32.8%"), None when there is no base."""
    if share is None or not math.isfinite(share):
        return None
    body = number(abs(100 * share), lang, digits=1, compact=False)
    if not re.search(r"[1-9]", body):
        return body + "%"
    return ("+" if share >= 0 else "-") + body + "%"
