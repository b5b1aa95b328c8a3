"""Reported facts beside the snapshot's figures, in the reader's words: the table 成效's 数据核对
shows and the file it downloads. One place builds both, so the file says what the screen says
(metric names, qualifiers and statuses as words, periods as dates) and carries no machine names
or repository paths, only the numbers an analyst needs beside them."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from govdash.core.data.catalog import load_catalog
from govdash.core.data.vocab import label
from govdash.core.measures.facts import wording
from govdash.core.text import fmt
from govdash.core.text.i18n import date_label, join, t

# Marks from fonts every machine has (Noto CJK covers them); colour emoji may render as boxes.
STATUS_MARK = {"match": "✓", "mismatch": "×", "error": "⚠"}
FILTER_VOCABULARIES = {"category": "categories", "target_group": "target_groups",
                       "team_type": "team_types", "level": "levels"}  # fmt: skip


def qualified_text(row: pd.Series, lang: str) -> str:
    """The reported figure as written: 530余支, 近3万名, 40%."""
    unit = load_catalog()[row["metric"]].unit_label(lang) if row["unit"] != "%" else "%"
    return fmt.qualified(float(row["value"]), row["qualifier"], lang, unit)


def filter_text(filters: object, lang: str) -> str:
    """A fact's filters in words ("驿站服务"), so the metric column says what was counted."""
    if not isinstance(filters, str) or not filters.strip():
        return ""
    parts = []
    for item in filters.split(";"):
        key, _, value = item.partition("=")
        vocab = FILTER_VOCABULARIES.get(key.strip())
        parts.append(label(vocab, value.strip(), lang) if vocab else value.strip())
    return join(parts, lang)


def status_text(status: str, lang: str) -> str:
    return f"{STATUS_MARK[status]} {t(f'status.{status}', lang)}"


def _date(value: object):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def period_text(row: pd.Series, lang: str) -> str:
    start, end = _date(row["period_start"]), _date(row["period_end"])
    if start is None or end is None:
        return "—"
    return t("period.range", lang, start=date_label(start, lang), end=date_label(end, lang))


def _what(row: pd.Series, lang: str) -> tuple[str, str, str]:
    """The metric's name (with the fact's filters), its unit and its kind."""
    metric = load_catalog().metrics.get(row["metric"])
    what = metric.name(lang) if metric else str(row["metric"])
    if extra := filter_text(row.get("filters"), lang):
        what = f"{what}（{extra}）" if lang == "zh" else f"{what} ({extra})"
    return what, (metric.unit_label(lang) if metric else ""), (metric.kind if metric else "stock")


def fact_table(facts: pd.DataFrame, name_of: Callable[[str], str], lang: str) -> pd.DataFrame:
    """The on-screen table: each fact as the article wrote it, the snapshot's figure, the mark.
    (The article's own clause in Chinese only: the English page names the metric instead.)"""
    rows = []
    for _, f in facts.iterrows():
        what, unit, kind = _what(f, lang)
        computed = f["value_computed"]
        quoted = (
            {t("col.as_written", lang): wording(f.get("source_sentence"), f["value"])
             or qualified_text(f, lang)}
            if lang == "zh" else {}
        )  # fmt: skip
        rows.append({
            t("col.fact", lang): f["fact_id"],
            t("col.scope", lang): name_of(f["scope_code"]),
            **quoted,
            t("col.metric", lang): what,
            t("col.reported", lang): qualified_text(f, lang),
            t("col.accepted", lang): f["bounds"],
            t("col.computed", lang): fmt.metric_value(
                None if pd.isna(computed) else float(computed), unit, kind, lang),
            t("col.status", lang): status_text(f["status"], lang),
            t("col.period", lang): period_text(f, lang),
        })  # fmt: skip
    return pd.DataFrame(rows)


def fact_download(facts: pd.DataFrame, name_of: Callable[[str], str], lang: str) -> pd.DataFrame:
    """The file: the screen's columns, then the numbers behind them (the reported value, its
    qualifier in words, the computed value unrounded, the period's dates) and the source by its
    title and sentence: nothing a reader would have to look up."""
    words = fact_table(facts, name_of, lang)
    numbers = pd.DataFrame({
        t("reconcile.file.value", lang): facts["value"].astype("float64").to_numpy(),
        t("reconcile.file.qualifier", lang): [t(f"qualifier.{q}", lang) for q in facts["qualifier"]],
        t("reconcile.file.computed", lang): facts["value_computed"].astype("float64").to_numpy(),
        t("reconcile.file.start", lang): [_date(v) for v in facts["period_start"]],
        t("reconcile.file.end", lang): [_date(v) for v in facts["period_end"]],
        t("reconcile.file.as_of", lang): [_date(v) for v in facts["as_of"]],
        t("reconcile.file.document", lang): facts["source_document"].to_numpy(),
        t("reconcile.file.sentence", lang): facts["source_sentence"].to_numpy(),
        t("reconcile.file.note", lang): [n if isinstance(n, str) and n else None
                                         for n in facts["note"]],
    })  # fmt: skip
    return pd.concat([words, numbers], axis=1)
