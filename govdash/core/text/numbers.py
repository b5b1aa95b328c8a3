"""Numbers as people type them into Chinese Excel reports (3.2万, 530余支, 近3万, 40%), and back.

A report cell carries more than a float: a qualifier (余, 近, 约, 以上) that the reconciler turns
into bounds, and a percent sign. Missing cells ("—", "无", "N/A") stay missing, never zero, and
anything we cannot read is an error that names what was typed, not a silent guess.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext

from govdash.core.text.problems import Problem

# What a count typed in a report may say beside its digits (余, 近, 约, 以上): the contract's
# value_qualifiers table and the reported facts store these words.
QUALIFIERS = ("exact", "more_than", "nearly", "about", "at_least")
MISSING_TEXT = "—"

# Compared after NFKC and casefold, so "－", "／", "Ｎ/Ａ" are covered too.
MISSING_TOKENS = frozenset(
    {"", "-", "—", "–", "―", "/", "无", "暂无", "n/a", "na", "null", "nan", "#n/a"}
)
_DASH_RUN = re.compile(r"[-—–―]+")  # "--", "——": a dash drawn twice is still a dash

UNITS = {"万亿": 10**12, "亿": 10**8, "万": 10**4, "千": 10**3, "百": 10**2}

PREFIX_QUALIFIERS = {
    "将近": "nearly",
    "接近": "nearly",
    "近": "nearly",
    "≈": "nearly",
    "大约": "about",
    "约为": "about",
    "约": "about",
    "~": "about",
    "超过": "at_least",
    "逾": "at_least",
    "≥": "at_least",
}
MORE_THAN = {"余": "more_than", "多": "more_than", "+": "more_than"}
SUFFIX_QUALIFIERS = {"左右": "about", "以上": "at_least"}

# Units of measure after the number are allowed and ignored: 40余名, 2142人次, 3.5亿元.
MEASURES = (
    "人次",
    "小时",
    "名",
    "人",
    "个",
    "支",
    "场",
    "所",
    "位",
    "元",
    "次",
    "户",
    "家",
    "项",
    "件",
    "天",
    "处",
    "期",
)

# What format_number writes, and how the Chinese UI shows a qualified value (fmt.QUALIFIER_FORMS).
TYPED_FORMS = {
    "exact": "{v}",
    "more_than": "{v}余",
    "nearly": "近{v}",
    "about": "约{v}",
    "at_least": "{v}以上",
}
TYPED_PERCENT_FORMS = {
    "exact": "{v}%",
    "more_than": "{v}余%",
    "nearly": "近{v}%",
    "about": "约{v}%",
    "at_least": "{v}%以上",
}


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUMBER = re.compile(
    rf"""
    (?P<prefix>{_alternation(PREFIX_QUALIFIERS)})?\s*
    (?P<sign>[+-])?
    (?P<num>(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)(?:\.[0-9]+)?)\s*
    (?P<more1>余|多)?\s*
    (?P<unit>{_alternation(UNITS)})?\s*
    (?P<more2>{_alternation(MORE_THAN)})?\s*
    (?P<measure>{_alternation(MEASURES)})?\s*
    (?P<suffix1>{_alternation(SUFFIX_QUALIFIERS)})?\s*
    (?P<percent>%)?\s*
    (?P<suffix2>{_alternation(SUFFIX_QUALIFIERS)})?
    """,
    re.VERBOSE,
)
_BAD_GROUPING = re.compile(r"[0-9],[0-9]")

_ACCEPTED_ZH = (
    "可填写：数字（1400、1,400、3.5、-5）、万/亿（3.2万、1.5亿）、百分比（40%）、"
    "限定词（40余名、近3万、约60、60左右、100以上）；缺失请留空或填“—”"
)
_ACCEPTED_EN = (
    "accepted: numbers (1400, 1,400, 3.5, -5), 万/亿 (3.2万, 1.5亿), percentages (40%), "
    "qualifiers (40余名, 近3万, 约60, 60左右, 100以上); leave missing values empty or '—'"
)


@dataclass(frozen=True)
class Parsed:
    """A typed cell: value None means missing; percent keeps the number as written (40 for 40%)."""

    value: float | None
    qualifier: str = "exact"
    percent: bool = False


MISSING = Parsed(None, "exact", False)


class NumberError(ValueError):
    """A cell that is not a number we can read; .problem says what was typed and what is accepted."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(f"{problem.en} / {problem.zh}")


def _error(typed: object, reason_en: str = "", reason_zh: str = "") -> NumberError:
    shown = typed.strip() if isinstance(typed, str) else repr(typed)
    if len(shown) > 40:
        shown = shown[:39] + "…"
    en = f"cannot read {shown!r} as a number"
    zh = f"无法识别数字“{shown}”"
    if reason_en:
        en, zh = f"{en} ({reason_en})", f"{zh}（{reason_zh}）"
    return NumberError(Problem("number", f"{en}; {_ACCEPTED_EN}", f"{zh}。{_ACCEPTED_ZH}"))


def _from_python_number(value: object) -> Parsed:
    """Excel cells that are already numbers: NaN is an empty cell, infinity is never a count."""
    if isinstance(value, Decimal):
        if value.is_nan():
            return MISSING
        number = float(value) if value.is_finite() else math.inf
    else:
        try:
            number = float(value)  # type: ignore[arg-type]
        except OverflowError:
            number = math.inf
    if math.isnan(number):
        return MISSING
    if math.isinf(number):
        raise _error(value, "not a finite number", "不是有限数值")
    return Parsed(number)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u200b", "").replace("\ufeff", "")  # pasted zero-width marks
    return text.replace("\u2212", "-").replace("\u301c", "~").strip()


def parse_number(text: object) -> Parsed:
    """Read one report cell; raise NumberError rather than guess (五十, 3万万, 1,40)."""
    if text is None:
        return MISSING
    if isinstance(text, bool):
        raise _error(text, "a yes/no value", "是/否值")
    if isinstance(text, numbers.Real | Decimal):
        return _from_python_number(text)
    if not isinstance(text, str):
        raise _error(text)
    cleaned = _normalise(text)
    if cleaned.casefold() in MISSING_TOKENS or _DASH_RUN.fullmatch(cleaned):
        return MISSING
    match = _NUMBER.fullmatch(cleaned)
    if match is None:
        if _BAD_GROUPING.search(cleaned):
            raise _error(
                text,
                "a thousands comma must separate groups of exactly three digits, as in 1,400",
                "千分位逗号须每三位一组，如 1,400",
            )
        raise _error(text)
    return _parsed(text, match)


def _parsed(text: str, match: re.Match[str]) -> Parsed:
    parts = match.groupdict()
    if parts["more1"] and parts["more2"]:
        raise _error(text, "余/多 typed twice", "余/多 重复")
    if parts["suffix1"] and parts["suffix2"]:
        raise _error(text, "two qualifiers", "限定词重复")
    percent = parts["percent"] is not None
    if percent and (parts["unit"] or parts["measure"]):
        raise _error(text, "a percentage takes no unit", "百分比不能再带单位")
    qualifiers = {
        PREFIX_QUALIFIERS.get(parts["prefix"] or ""),
        MORE_THAN.get(parts["more1"] or parts["more2"] or ""),
        SUFFIX_QUALIFIERS.get(parts["suffix1"] or parts["suffix2"] or ""),
    } - {None}
    if len(qualifiers) > 1:
        raise _error(text, "qualifiers that disagree", "限定词相互矛盾")
    qualifier = qualifiers.pop() if qualifiers else "exact"
    value = _scaled(match["sign"] or "", match["num"].replace(",", ""), parts["unit"])
    if not math.isfinite(value):
        raise _error(text, "too large", "数值过大")
    return Parsed(value, qualifier, percent)


def _scaled(sign: str, digits: str, unit: str | None) -> float:
    """Decimal arithmetic so 3.2万 is 32000.0, not 32000.000000000004."""
    with localcontext() as ctx:
        ctx.prec = len(digits) + 20  # exact for any typed length
        number = Decimal(sign + digits) * UNITS.get(unit or "", 1)
    return float(number)


def format_number(value: float | None, qualifier: str = "exact", *, percent: bool = False) -> str:
    """The text a person would type for this value; parse_number reads it back unchanged."""
    if qualifier not in QUALIFIERS:
        raise ValueError(f"unknown qualifier {qualifier!r}; expected one of {QUALIFIERS}")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING_TEXT
    value = float(value)
    if math.isinf(value):
        raise ValueError(f"cannot write {value!r} as a report number")
    body = _digits(value, compact=not percent)
    forms = TYPED_PERCENT_FORMS if percent else TYPED_FORMS
    return forms[qualifier].format(v=body)


def _digits(value: float, *, compact: bool) -> str:
    if not value.is_integer():
        return format(Decimal(repr(value)), "f")  # shortest round-trip digits, never 1e-05
    whole = int(value)
    if compact:
        for unit in ("亿", "万"):
            short = _compact(whole, unit)
            if short is not None:
                return short
    return str(whole)


def _compact(whole: int, unit: str) -> str | None:
    """3万, 3.2万, 1.5亿: only when the quotient has at most two decimals, so it prints exactly."""
    factor = UNITS[unit]
    magnitude = abs(whole)
    if magnitude < factor or magnitude % (factor // 100):
        return None
    quotient, rest = divmod(magnitude, factor)
    text = str(quotient)
    if rest:
        text += "." + f"{rest // (factor // 100):02d}".rstrip("0")
    return ("-" if whole < 0 else "") + text + unit
