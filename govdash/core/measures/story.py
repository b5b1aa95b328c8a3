"""The overview's one-line story: what the pilot changed in a scope, in words and numbers.

Built from KPI figures over the window that starts with the pilot (stocks against the month
before it began, flows added up since), so the sentence is data, not copy: a snapshot whose
volunteers fell says so ("降至"), and no figure appears that a card does not also show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from govdash.core.data.catalog import Metric
from govdash.core.measures.figures import Comparison, Kpi
from govdash.core.text import fmt
from govdash.core.text.i18n import month_label, t


@dataclass(frozen=True)
class Leader:
    """The division whose headline stock grew the most, relative to its value before the pilot."""

    name: str
    metric: str  # display name of the metric, in the page's language
    relative: float


def leader(
    now: pd.Series, before: pd.Series, names: Callable[[str], str], metric: Metric, lang: str
) -> Leader | None:
    """The division (index of `now` and `before`, values of the leader metric by division) whose
    stock grew the most relative to where it started (a small district doubling beats a large
    one adding more); None with fewer than two to compare."""
    base = before.where(before > 0)
    growth = ((now - base) / base).dropna()
    if len(growth) < 2:
        return None
    code = growth.idxmax()
    return Leader(names(code), metric_name(metric, lang), float(growth[code]))


def metric_name(metric: Metric, lang: str) -> str:
    """A metric's name inside a sentence (lower case in English, unless an acronym)."""
    text = metric.name(lang)
    return text[0].lower() + text[1:] if lang == "en" and text[1:2].islower() else text


def _name(kpi: Kpi, lang: str) -> str:
    return metric_name(kpi.metric, lang)


def _amount(kpi: Kpi, value: float, lang: str, ref: float | None = None) -> str:
    unit = kpi.metric.unit_label(lang)
    digits = 1 if kpi.metric.kind == "ratio" else 0
    if unit == "%":
        return fmt.percent(value, lang)
    return fmt.with_unit(fmt.number(value, lang, digits=digits, ref=ref), unit, lang)


def change_text(kpi: Kpi, comparison: Comparison, lang: str) -> str | None:
    """A change in the unit and scale of its figure, with the relative change beside it when it
    means something (not for percentages): +12.97万（+32.8%）."""
    m = kpi.metric
    unit = m.unit_label(lang)
    signed = fmt.signed_delta(
        comparison.delta, unit, m.kind, lang, pp=t("delta.pp", lang), ref=kpi.value
    )
    rel = fmt.relative(comparison.relative, lang)
    if signed is None or fmt.is_flat(signed) or rel is None or unit == "%":
        return signed
    return f"{signed}（{rel}）" if lang == "zh" else f"{signed} ({rel})"


def stock_clause(kpi: Kpi, lang: str) -> str | None:
    """ "注册志愿者增至52.52万名（+12.97万名，+32.8%）" against the comparison the card leads with."""
    if kpi.hidden or kpi.value is None:
        return None
    comparison = kpi.main()
    value = _amount(kpi, kpi.value, lang)
    if comparison.delta is None:
        return f"{_name(kpi, lang)} {value}" if lang == "en" else f"{_name(kpi, lang)}{value}"
    unit = kpi.metric.unit_label(lang)
    signed = fmt.signed_delta(
        comparison.delta, unit, kpi.metric.kind, lang, pp=t("delta.pp", lang), ref=kpi.value
    )
    flat = fmt.is_flat(signed)
    verb = t("story.held" if flat else "story.grew" if comparison.delta > 0 else "story.fell", lang)
    if flat:  # "保持在44名", not "保持在44名（0名）"
        return t("story.stock_held", lang, metric=_name(kpi, lang), verb=verb, value=value)
    change = signed if unit == "%" else fmt.with_unit(signed or "", unit, lang)
    if (rel := fmt.relative(comparison.relative, lang)) and not flat and unit != "%":
        change += t("story.join", lang) + rel
    return t("story.stock", lang, metric=_name(kpi, lang), verb=verb, value=value, change=change)


def flow_clause(kpi: Kpi, lang: str) -> str | None:
    """A flow added up: 累计服务活动2.05万场; in English the metric's name is the unit ("20.5K service
    activities in total")."""
    if kpi.hidden or kpi.value is None:
        return None
    value = _amount(kpi, kpi.value, lang)
    if lang == "en":
        value = fmt.number(kpi.value, lang, digits=1 if kpi.metric.kind == "ratio" else 0)
    return t("story.flow", lang, metric=_name(kpi, lang), value=value)


def headline(
    kpis: list[tuple[Kpi, bool]], scope: str, lang: str, leader: Leader | None = None
) -> str | None:
    """The sentence for a scope; kpis pairs each figure with whether it is a flow. None when no
    figure can be said."""
    clauses = [(flow_clause if flow else stock_clause)(kpi, lang) for kpi, flow in kpis]
    clauses = [c for c in clauses if c]
    if not clauses:
        return None
    window = kpis[0][0].window
    text = t(
        "story.since",
        lang,
        start=month_label(window.start, lang),
        end=month_label(window.end, lang),
        scope=scope,
    )
    text += t("story.join", lang).join(clauses)
    if leader is not None:
        change = fmt.relative(leader.relative, lang)
        text += t("story.lead_join", lang) + t(
            "story.leader", lang, metric=leader.metric, name=leader.name, change=change
        )
    return text + t("story.end", lang)
