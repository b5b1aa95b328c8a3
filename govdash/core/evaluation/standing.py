"""Leaders, laggards and the 需关注 list in the reader's words: the tables 总览, the district
slides, the PPTX and the pack print, and the sentences that state each rule, so every exit
shows the same rows with the same figures."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.data.divisions import lookup, name
from govdash.core.evaluation.movers import Movers
from govdash.core.question.scope import add_months
from govdash.core.text import fmt
from govdash.core.text.i18n import join, month_label, t


def _signed(value: float, lang: str, digits: int = 0) -> str:
    """A change written out in full ("+16,093", "-338"): rows of one column in one scale."""
    if not math.isfinite(value):
        return "—"
    body = fmt.number(abs(value), lang, digits=digits, compact=False)
    if not any(c in body for c in "123456789"):
        return body
    return ("+" if value > 0 else "-") + body


def _street(divisions: pd.DataFrame, community: str) -> str:
    """A community's street: its parent in the divisions table."""
    return lookup(divisions).parents.get(community) or ""


def change_text(row: pd.Series, lang: str, inline: bool = False) -> str:
    """ "+1.61万（+34.9%）": the change in the scale of the figure, and relative to its start;
    `inline` for a sentence that already holds it in brackets: "+1.61万，+34.9%"."""
    body = _signed(row["change"], lang)
    pct = row["change_pct"] / 100.0 if math.isfinite(row["change_pct"]) else None
    share = fmt.relative(pct, lang)
    if not share:
        return body
    if inline:
        return f"{body}，{share}" if lang == "zh" else f"{body}, {share}"
    return f"{body}（{share}）" if lang == "zh" else f"{body} ({share})"


def per_10k_text(row: pd.Series, lang: str) -> str:
    return _signed(row["change_10k"], lang, digits=1)


def movers_table(
    movers: Movers, divisions: pd.DataFrame, lang: str = "zh", basis: str = "change"
) -> pd.DataFrame:
    """Leaders then laggards by `basis` (change or change_10k): group, division, both changes."""
    leaders, laggards = movers.ranked(basis)
    rows = []
    for group, part in (("leaders", leaders), ("laggards", laggards)):
        for code, row in part.iterrows():
            rows.append({
                t("movers.col.group", lang): t(f"movers.{group}", lang),
                t(f"col.{movers.level}", lang): name(divisions, str(code), lang),
                t("movers.col.change", lang): change_text(row, lang),
                t("movers.col.change_10k", lang): per_10k_text(row, lang),
            })  # fmt: skip
    return pd.DataFrame(rows)


def movers_note(movers: Movers, lang: str = "zh", catalog: Catalog | None = None) -> str:
    """What is compared: the stock at the end of the month before the pilot and of the last."""
    catalog = catalog or load_catalog()
    metric = catalog[catalog.settings.movers_metric]
    return t("movers.note", lang, metric=metric.name(lang),
             before=month_label(movers.before_month, lang),
             now=month_label(movers.last_month, lang), n=len(movers.frame))  # fmt: skip


def movers_sentence(
    movers: Movers, divisions: pd.DataFrame, lang: str = "zh", catalog: Catalog | None = None
) -> str:
    """One line for a slide: who gained most and least since the pilot began, as a count and per
    10,000 residents."""
    catalog = catalog or load_catalog()
    metric = catalog[catalog.settings.movers_metric].name(lang)
    metric = metric if lang == "zh" else metric.lower()
    parts = []
    for basis, key in (("change", "movers.line.count"), ("change_10k", "movers.line.per_10k")):
        leaders, laggards = movers.ranked(basis)
        if laggards.empty:
            continue  # one division: nothing to compare it with
        first, last = leaders.iloc[0], laggards.iloc[0]

        def text(row: pd.Series, basis: str = basis) -> str:
            return (
                change_text(row, lang, inline=True)
                if basis == "change"
                else per_10k_text(row, lang)
            )

        parts.append(t(key, lang, metric=metric,
                       top=name(divisions, str(first.name), lang), top_change=text(first),
                       bottom=name(divisions, str(last.name), lang),
                       bottom_change=text(last)))  # fmt: skip
    return ("；" if lang == "zh" else "; ").join(parts)


def reason(
    row: pd.Series, lang: str = "zh", catalog: Catalog | None = None, only: str | None = None
) -> str:
    """The figures that put a community on the list, in words (`only`: "stopped" or "fell")."""
    catalog = catalog or load_catalog()
    out = []
    if row["stopped"] and only in (None, "stopped"):
        last = row["last_report"]
        if last is None or (isinstance(last, float) and math.isnan(last)) or pd.isna(last):
            out.append(t("watch.never", lang))
        else:
            out.append(t("watch.stopped", lang, month=month_label(last, lang)))
    if row["fell"] and only in (None, "fell"):
        metric = catalog[catalog.settings.watch_metric]
        counts = " → ".join(fmt.number(v, lang, compact=False) for v in row["counts"])
        out.append(t("watch.fell", lang, metric=metric.name(lang), counts=counts,
                     unit=metric.unit_label(lang), n=len(row["counts"]) - 1))  # fmt: skip
    return ("；" if lang == "zh" else "; ").join(out)


def watch_table(
    frame: pd.DataFrame, divisions: pd.DataFrame, lang: str = "zh", catalog: Catalog | None = None
) -> pd.DataFrame:
    """One row per community on the list: the community, its street, and why it is there."""
    rows = [
        {
            t("col.community", lang): name(divisions, row["community_code"], lang),
            t("col.street", lang): name(divisions, _street(divisions, row["community_code"]), lang),
            t("watch.col.reason", lang): reason(row, lang, catalog),
        }
        for _, row in frame.iterrows()
    ]
    columns = [t("col.community", lang), t("col.street", lang), t("watch.col.reason", lang)]
    return pd.DataFrame(rows, columns=columns)


def watch_note(
    months: list[dt.date], as_of: dt.date, lang: str = "zh", catalog: Catalog | None = None
) -> str:
    """The two rules, with the months they look at."""
    from govdash.core.evaluation.watch import last_complete_month

    catalog = catalog or load_catalog()
    settings = catalog.settings
    end = last_complete_month(months, as_of)
    metric = catalog[settings.watch_metric]
    word = metric.name(lang) if lang == "zh" else metric.name(lang).lower()
    return t("watch.rule", lang, metric=word, n=settings.watch_falls,
             start=month_label(add_months(end, -settings.watch_falls), lang),
             end=month_label(end, lang))  # fmt: skip


def watch_line(
    frame: pd.DataFrame, divisions: pd.DataFrame, lang: str = "zh", examples: int = 3
) -> str:
    """The 需关注 list in one sentence for a slide: how many, for which reason, the first few
    (none with examples=0, for a small screen)."""
    if frame.empty:
        return f"{t('watch.title', lang)}{'：' if lang == 'zh' else ': '}{t('watch.none', lang)}"
    names = [name(divisions, c, lang) for c in frame["community_code"].head(examples)]
    some = t("watch.examples", lang, names=join(names, lang)) if names else ""
    catalog = load_catalog()
    metric = catalog[catalog.settings.watch_metric].name(lang)
    return t("watch.line", lang, metric=metric if lang == "zh" else metric.lower(), n=len(frame),
             stopped=int(frame["stopped"].sum()), fell=int(frame["fell"].sum()),
             examples=some)  # fmt: skip


def movers_rows(
    movers: Movers, divisions: pd.DataFrame, lang: str = "zh", catalog: Catalog | None = None
) -> list[tuple]:
    """The leaders' and laggards' table as a workbook's rows (part, metric, division, change,
    unit, note): the change as a number, its share and the per-10,000 change in the note, so the
    figures add up in a spreadsheet and read as on the slide."""
    catalog = catalog or load_catalog()
    metric = catalog[catalog.settings.movers_metric]
    what = t("movers.row.metric", lang, metric=metric.name(lang))
    out = []
    for group, part in zip(("leaders", "laggards"), movers.ranked("change"), strict=True):
        label = t("movers.row.part", lang, group=t(f"movers.{group}", lang))
        for code, row in part.iterrows():
            share = row["change_pct"] / 100.0 if math.isfinite(row["change_pct"]) else None
            note = t("movers.row.note", lang, share=fmt.relative(share, lang) or "—",
                     ten_thousand=per_10k_text(row, lang))  # fmt: skip
            out.append((label, what, name(divisions, str(code), lang), float(row["change"]),
                        metric.unit_label(lang), note))  # fmt: skip
    return out


def watch_rows(
    frame: pd.DataFrame, divisions: pd.DataFrame, lang: str = "zh", catalog: Catalog | None = None
) -> list[tuple]:
    """The 需关注 list as a workbook's rows, one per figure that put a community there: the months
    without a monthly report (none for a community that never sent one), or the last month's
    count after the falls, with the reason in words."""
    catalog = catalog or load_catalog()
    metric = catalog[catalog.settings.watch_metric]
    part, out = t("watch.title", lang), []
    for _, row in frame.iterrows():
        code = row["community_code"]
        place = t("watch.row.place", lang, community=name(divisions, code, lang),
                  street=name(divisions, _street(divisions, code), lang))  # fmt: skip
        if row["stopped"]:
            silent = row["silent_months"]
            value = None if silent is None or pd.isna(silent) else float(silent)
            out.append((part, t("watch.row.silent", lang), place, value,
                        t("watch.row.months", lang), reason(row, lang, catalog, "stopped")))  # fmt: skip
        if row["fell"]:
            out.append((part, metric.name(lang), place, float(row["counts"][-1]),
                        metric.unit_label(lang), reason(row, lang, catalog, "fell")))  # fmt: skip
    return out
