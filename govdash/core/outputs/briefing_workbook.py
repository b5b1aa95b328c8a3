"""The figures behind every slide of a briefing deck, as one XLSX workbook.

A presenter's deck is words and charts; the person who receives it asks where each number comes
from. The workbook answers: a first sheet says what the file is (scope, periods, snapshot, as-of
date, filters, the privacy rule, the demo label, the definitions used) and lists which sheet holds
which slide; then one sheet per slide with figures, with Chinese (or English) headers, numbers as
numbers with a thousands separator, and a frozen header row. A value that may not be shown is
written "<5", as on the slide; text is written as text, never as a formula (core.outputs.xlsx).
"""

from __future__ import annotations

import pandas as pd

from govdash.core.data.catalog import load_catalog
from govdash.core.outputs.briefing import SlideContent, Source
from govdash.core.outputs.xlsx import workbook_bytes
from govdash.core.rules import privacy
from govdash.core.text.i18n import date_label, t

COLUMNS = ("part", "metric", "category", "value", "unit", "note")


def _header(lang: str) -> list[str]:
    return [t(f"pack.col.{c}", lang) for c in COLUMNS]


def slide_frame(content: SlideContent, lang: str) -> pd.DataFrame | None:
    """One slide's figures as a table (None for a slide without figures, such as the title):
    its key figures, the months of its trend, the bars of its rankings, or its own table."""
    if content.sheet is not None:
        return content.sheet.reset_index(drop=True)
    if content.table is not None and content.kind != "scope":
        return content.table.reset_index(drop=True)
    rows: list[tuple] = []
    hidden = f"<{privacy.min_cell()}"
    for tile in content.tiles:
        value = (
            tile.number if tile.number is not None else (hidden if tile.value == hidden else None)
        )
        rows.append((t("pack.part.tiles", lang), tile.label, tile.period or content.period, value,
                     tile.unit, tile.change or None))  # fmt: skip
    if content.line is not None:
        for name, values in content.line.values.items():
            for month, value in zip(content.line.categories, values, strict=True):
                rows.append((t("pack.part.trend", lang), name, month, value, content.line.unit,
                             None))  # fmt: skip
    for series in content.bars:
        for name, values in series.values.items():
            for place, value in zip(series.categories[::-1], values[::-1], strict=True):
                rows.append((series.title, name, place, value, series.unit,
                             series.target_label or None))  # fmt: skip
    rows += content.rows  # a scope's leaders and laggards and its 需关注 list, as numbers
    if not rows:
        return None
    return pd.DataFrame(rows, columns=_header(lang))


def _sheet_name(number: int, content: SlideContent) -> str:
    return f"{number:02d} {content.title}"


def workbook(slides: list[SlideContent], source: Source, lang: str = "zh") -> bytes:
    """The workbook: a description sheet, then a sheet per slide that has figures."""
    sheets: dict[str, pd.DataFrame] = {}
    formats: dict[str, dict[str, str]] = {}
    listing = []
    value_column = _header(lang)[COLUMNS.index("value")]
    for number, content in enumerate(slides, start=1):
        frame = slide_frame(content, lang)
        if frame is None:
            continue
        name = _sheet_name(number, content)
        sheets[name] = frame
        one_place = any(s.digits for s in ([content.line] if content.line else []) + content.bars)
        one_place = one_place or any(tile.digits for tile in content.tiles)
        formats[name] = {value_column: "one_place" if one_place else "whole"}
        listing.append(t("pack.sheet_line", lang, sheet=name[:31], n=number, title=content.title))
    return workbook_bytes(sheets, about(slides, source, lang, listing), t("pack.about", lang),
                          formats)  # fmt: skip


def about(
    slides: list[SlideContent], source: Source, lang: str, listing: list[str] | None = None
) -> list[str]:
    """What the pack's files are, line by line: the workbook's first sheet and the report's
    closing notes say the same."""
    catalog = load_catalog()
    periods = list(dict.fromkeys(s.period for s in slides if s.period))
    used = list(dict.fromkeys(m for s in slides for m in s.metrics))
    lines = [
        t("pack.title", lang, title=slides[0].title if slides else ""),
        t("pack.snapshot", lang, snapshot=source.snapshot),
        t("pack.as_of", lang, date=date_label(source.as_of, lang)),
        t("pack.scope", lang, scope=source.scope),
        t("pack.periods", lang, periods="；".join(periods) if lang == "zh" else "; ".join(periods)),
        t("pack.filters", lang, filters=source.filters or t("pack.no_filters", lang)),
        t("pack.privacy", lang, n=privacy.min_cell()),
    ]
    if source.demo:
        lines.append(t("pack.demo", lang))
    if listing:
        lines += ["", t("pack.sheets", lang), *listing]
    lines += ["", t("present.appendix", lang)]
    sep = "：" if lang == "zh" else ": "
    lines += [f"{catalog[m].name(lang)}{sep}{catalog[m].definition[lang]}" for m in used]
    return lines
