"""The pilot evaluation as a slide: the main measure's estimate in one sentence, the table of
every measure, and the event-study chart. One content for the screen, the PPTX, the pack and
the workbook (briefing.SlideContent)."""

from __future__ import annotations

import duckdb
import pandas as pd

from govdash.core.data.catalog import Catalog, load_catalog
from govdash.core.data.divisions import name
from govdash.core.data.snapshot import Snapshot
from govdash.core.evaluation import review as pilot_review
from govdash.core.evaluation import table as evaluation_table
from govdash.core.evaluation.review import Review
from govdash.core.evaluation.table import main_review
from govdash.core.outputs.briefing import Series, SlideContent
from govdash.core.text.i18n import month_label, t


def evaluation_content(
    reviews: list[Review],
    lines: pd.DataFrame | None,
    scope_name: str,
    lang: str = "zh",
    catalog: Catalog | None = None,
) -> SlideContent:
    """The slide from a scope's reviews and the main measure's event lines."""
    catalog = catalog or load_catalog()
    title = t("evaluation.slide_title", lang, scope=scope_name)
    main = main_review(reviews)
    if main is None:
        lead = evaluation_table.notes(reviews[0], lang) if reviews else t("empty.no_data", lang)
        return SlideContent("evaluation", title, lead, scope=scope_name)
    table = evaluation_table.compact(reviews, lang, catalog)
    metric = catalog[main.metric]
    unit = metric.unit_label(lang)
    line = None
    if lines is not None and not lines.empty:
        what = t("evaluation.chart", lang, metric=metric.name(lang))
        line = Series(
            title=f"{what}（{unit}）" if lang == "zh" else f"{what} ({unit})",
            unit=unit,
            categories=[f"{int(k):+d}" if k else "0" for k in lines["k"]],
            values={t("evaluation.line.pilot", lang): _values(lines["pilot"]),
                    t("evaluation.line.comparison", lang): _values(lines["comparison"])},
            keys=[int(k) for k in lines["k"]],
            digits=1,
            kind="event",
        )  # fmt: skip
    return SlideContent(
        "evaluation", title, evaluation_table.sentence(main, lang, catalog), line=line,
        table=table, notes=[evaluation_table.rule(main, lang)], scope=scope_name,
        sheet=evaluation_table.sheet(reviews, lang, catalog),
        period=t("period.range", lang, start=month_label(main.first_month, lang),
                 end=month_label(main.last_month, lang)),
        metrics=[r.metric for r in reviews],
    )  # fmt: skip


def _values(column: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else round(float(v), 2) for v in column]


def evaluation_slide(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    divisions: pd.DataFrame,
    scope_code: str,
    lang: str = "zh",
) -> SlideContent:
    """The slide for a scope, computed from the snapshot (the pack and the PPTX)."""
    reviews = pilot_review.review(con, snap, divisions=divisions, scope_code=scope_code)
    main = main_review(reviews)
    lines = None
    if main is not None:
        lines = pilot_review.lines(con, snap, main.metric, divisions=divisions,
                                   scope_code=scope_code)  # fmt: skip
    return evaluation_content(reviews, lines, name(divisions, scope_code, lang), lang)
