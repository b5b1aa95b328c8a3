"""The pilot evaluation as people read it: one table row and one plain sentence per measure.

The page, the slide, the workbook and `python -m govdash evaluate` all print what these
functions return, so they show the same numbers in the same words.
"""

from __future__ import annotations

import math

import pandas as pd

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.evaluation.estimate import ALPHA, LEADS, MIN_GROUP
from govdash.core.evaluation.review import Review
from govdash.core.text import fmt
from govdash.core.text.i18n import month_label, t

COLUMNS = ("metric", "pilots", "comparisons", "pilot_change", "comparison_change", "effect",
           "interval", "pre_trend", "notes")  # fmt: skip


def _value(value: float | None, unit: str, lang: str) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{fmt.number(value, lang, digits=1, compact=False)}{unit if unit == '%' else ''}"


def _unit(unit: str, lang: str) -> str:
    """The unit an effect is written in: percentage points for a share, else the measure's."""
    word = t("delta.pp", lang) if unit == "%" else unit
    return f" {word}" if lang == "en" else word


def _effect(value: float, unit: str, lang: str, signed: bool = True, bare: bool = False) -> str:
    """An effect in the measure's unit; `bare` leaves the unit off (an interval writes it once)."""
    body = fmt.number(abs(value) if not signed else value, lang, digits=1, compact=False)
    if signed and value > 0:
        body = "+" + body
    return body if bare else body + _unit(unit, lang)


def interval(low: float, high: float, unit: str, lang: str) -> str:
    """ "+18.9 至 +20.9个百分点": the bounds with the unit once."""
    return t("evaluation.interval", lang, low=_effect(low, unit, lang, bare=True),
             high=_effect(high, unit, lang, bare=True), unit=_unit(unit, lang))  # fmt: skip


def _p(p: float) -> str:
    """A p-value with its relation: "= 0.58", "< 0.001" (never "p = 0")."""
    return "< 0.001" if p < 0.001 else "= " + f"{p:.3f}".rstrip("0").rstrip(".")


def pre_trend(review: Review, lang: str = "zh") -> str:
    e = review.estimate
    if e is None:
        return "—"
    if e.pre_trend_p is None:
        if e.pilots < MIN_GROUP:
            return t("evaluation.pre_trend.not_run", lang, n=MIN_GROUP)
        return t("evaluation.pre_trend.no_months", lang)
    key = "fail" if e.pre_trend_p < ALPHA else "pass"
    return t(f"evaluation.pre_trend.{key}", lang, p=_p(e.pre_trend_p))


def notes(review: Review, lang: str = "zh") -> str:
    if review.estimate is None:
        return t(f"evaluation.reason.{review.reason or 'no_pilots'}", lang)
    sep = "；" if lang == "zh" else "; "
    return sep.join(t(f"evaluation.warning.{w}", lang, n=MIN_GROUP)
                    for w in review.estimate.warnings)  # fmt: skip


def table(reviews: list[Review], lang: str = "zh", catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per measure, headers and values in the reader's language."""
    catalog = catalog or load_catalog()
    rows = []
    for r in reviews:
        metric = catalog[r.metric]
        unit = metric.unit_label(lang)
        e = r.estimate
        arrow = " → "
        rows.append({
            "metric": f"{metric.name(lang)}（{unit}）" if lang == "zh" else f"{metric.name(lang)} ({unit})",
            "pilots": fmt.number(e.pilots, lang, compact=False) if e else "—",
            "comparisons": fmt.number(e.comparisons, lang, compact=False) if e else "—",
            "pilot_change": _value(r.pilot_before, unit, lang) + arrow + _value(r.pilot_since, unit, lang),
            "comparison_change": _value(r.comparison_before, unit, lang) + arrow
            + _value(r.comparison_since, unit, lang),
            "effect": _effect(e.effect, unit, lang) if e else "—",
            "interval": interval(e.low, e.high, unit, lang) if e else "—",
            "pre_trend": pre_trend(r, lang),
            "notes": notes(r, lang),
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.rename(columns={c: t(f"evaluation.col.{c}", lang) for c in COLUMNS})


NUMBERS = ("metric", "unit", "pilots", "comparisons", "pilot_before", "pilot_since",
           "comparison_before", "comparison_since", "effect", "low", "high", "pre_trend_p",
           "notes")  # fmt: skip


def numbers(
    reviews: list[Review], lang: str = "zh", catalog: Catalog | None = None
) -> pd.DataFrame:
    """The table as numbers, for a download an analyst computes with: one row per measure,
    unrounded group means and bounds beside the words of its notes."""
    catalog = catalog or load_catalog()
    rows = []
    for r in reviews:
        e = r.estimate
        rows.append({
            "metric": r.metric, "unit": catalog[r.metric].unit_label(lang),
            "pilots": e.pilots if e else 0, "comparisons": e.comparisons if e else 0,
            "pilot_before": r.pilot_before, "pilot_since": r.pilot_since,
            "comparison_before": r.comparison_before, "comparison_since": r.comparison_since,
            "effect": e.effect if e else None, "low": e.low if e else None,
            "high": e.high if e else None,
            "pre_trend_p": e.pre_trend_p if e else None, "notes": notes(r, lang),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(NUMBERS))


def p_text(p: float | None) -> str:
    """A p-value for a file that rounds numbers to two places: "0.579", "<0.001", never 0.0."""
    if p is None or p != p:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def number_words(lang: str = "zh") -> dict[str, str]:
    """The download's headers in the reader's language (the machine name stays beside them)."""
    return {c: t(f"evaluation.number.{c}", lang) for c in NUMBERS if c != "metric"}


def sentence(review: Review, lang: str = "zh", catalog: Catalog | None = None) -> str:
    """What the estimate means and what it cannot say, in one or two plain sentences."""
    catalog = catalog or load_catalog()
    e = review.estimate
    if e is None:
        return notes(review, lang)
    metric = catalog[review.metric]
    unit = metric.unit_label(lang)
    name = metric.name(lang) if lang == "zh" else metric.name(lang).lower()
    values = dict(metric=name, interval=interval(e.low, e.high, unit, lang))
    if e.covers(0.0):
        first = t(
            "evaluation.sentence.unclear", lang, effect=_effect(e.effect, unit, lang), **values
        )
    else:
        key = "up" if e.effect > 0 else "down"
        first = t(f"evaluation.sentence.{key}", lang,
                  effect=_effect(e.effect, unit, lang, signed=False), **values)  # fmt: skip
    caveat = t("evaluation.sentence.caveat", lang,
               pilots=fmt.number(e.pilots, lang, compact=False),
               comparisons=fmt.number(e.comparisons, lang, compact=False))  # fmt: skip
    if e.pre_trend_p is None:
        rest = t("evaluation.sentence.untested", lang, n=MIN_GROUP)
    else:
        key = "diverged" if e.pre_trend_p < ALPHA else "parallel"
        rest = t(f"evaluation.sentence.{key}", lang, months=LEADS, p=_p(e.pre_trend_p))
    joiner = "" if lang == "zh" else " "
    return joiner.join([first, caveat + rest])


def rule(review: Review, lang: str = "zh") -> str:
    """The comparison rule and the months evaluated, for a caption."""
    return t("evaluation.rule", lang, first=month_label(review.first_month, lang),
             last=month_label(review.last_month, lang))  # fmt: skip


def main_review(reviews: list[Review]) -> Review | None:
    """A slide's measure: the first of the catalog's evaluation measures with an estimate."""
    return next((r for r in reviews if r.estimate is not None), None)


def compact(
    reviews: list[Review], lang: str = "zh", catalog: Catalog | None = None
) -> pd.DataFrame:
    """The table for a slide: the measure, the groups' sizes in one column, the estimate, its
    interval and the pre-pilot check (the notes are in the slide's sentence)."""
    full = table(reviews, lang, catalog)
    cols = {c: t(f"evaluation.col.{c}", lang) for c in COLUMNS}
    return pd.DataFrame({
        cols["metric"]: full[cols["metric"]],
        t("evaluation.col.groups", lang): full[cols["pilots"]] + " / " + full[cols["comparisons"]],
        cols["effect"]: full[cols["effect"]],
        cols["interval"]: full[cols["interval"]],
        cols["pre_trend"]: full[cols["pre_trend"]],
    })  # fmt: skip


def sheet(reviews: list[Review], lang: str = "zh", catalog: Catalog | None = None) -> pd.DataFrame:
    """The numbers table for a workbook's sheet: the measure by its name, headers in words."""
    catalog = catalog or load_catalog()
    frame = numbers(reviews, lang, catalog)
    frame["metric"] = [catalog[m].name(lang) for m in frame["metric"]]
    words = {"metric": t("pack.col.metric", lang), **number_words(lang)}
    return frame.rename(columns=words)
