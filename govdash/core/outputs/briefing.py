"""What each slide of the briefing deck says, as plain data: the words, the figures and the series
behind its charts, computed from a snapshot the way the pages compute them.

The PPTX writer (govdash.core.outputs.pptx_deck) turns this into an editable deck; because it is plain
data, tests compare a written chart's series with the query results directly. Small counts of
sensitive metrics are hidden here as on the screen (core.rules.privacy); reported facts are published
figures and are shown as reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import duckdb
import pandas as pd

from govdash.core.data.catalog import Metric, load_catalog
from govdash.core.data.divisions import city_code, effective_pilot_start, name, pilot_communities
from govdash.core.data.snapshot import Snapshot
from govdash.core.data.vocab import label
from govdash.core.evaluation import standing
from govdash.core.evaluation.movers import movers
from govdash.core.evaluation.watch import watch_list
from govdash.core.measures import figures, story
from govdash.core.measures.events import data_range
from govdash.core.measures.facts import wording
from govdash.core.measures.figures import is_flow_based
from govdash.core.measures.reconcile import reconcile
from govdash.core.measures.targets import load_targets
from govdash.core.outputs import deck
from govdash.core.outputs.playlist import Playlist, view_of
from govdash.core.outputs.readable import safe_file_stem
from govdash.core.question.scope import Filters, Selection, Window, month_end
from govdash.core.question.view import Options, View
from govdash.core.rules import privacy
from govdash.core.rules.roles import Scope
from govdash.core.text import fmt
from govdash.core.text.i18n import date_label, join, month_label, t

TILES = 4
WHOLE = Scope()  # a reader who sees the whole city
BARS = 16  # divisions a ranking slide shows, the highest


@dataclass(frozen=True)
class Tile:
    """A key figure as written on the slide, with the number behind it for a workbook (None when
    it may not be shown)."""

    label: str
    value: str
    change: str
    number: float | None = None
    unit: str = ""
    digits: int = 0
    period: str = ""  # a stock's month, or the months a flow is summed over


@dataclass(frozen=True)
class Series:
    """A chart's data: category labels and one or more named value lists (None: no value).
    `keys` are what the labels name (months for a line, division codes for bars), so a chart can
    be drawn on a date axis; `pilot` is the month the pilot began, for its marker."""

    title: str
    unit: str
    categories: list[str]
    values: dict[str, list[float | None]]
    target: float | None = None
    target_label: str = ""
    keys: list = field(default_factory=list)
    digits: int = 0
    pilot: dt.date | None = None
    suppressed: bool = False  # some values are small counts of vulnerable people, left out
    # "trend" (keys are months) or "event" (keys are months from each pilot community's own
    # start, the values the pilot and the comparison line: the pilot evaluation's chart)
    kind: str = "trend"


@dataclass
class SlideContent:
    kind: str
    title: str
    lead: str = ""
    tiles: list[Tile] = field(default_factory=list)
    line: Series | None = None
    bars: list[Series] = field(default_factory=list)
    table: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    # Figures a slide shows as a table of words, as numbers for the workbook: (part, metric,
    # period or place, value, unit, note) rows, as briefing_workbook.COLUMNS.
    rows: list[tuple] = field(default_factory=list)
    # A table of numbers that stands for the slide's figures in the workbook (the evaluation's
    # unrounded means and bounds, where the slide's table holds them in words).
    sheet: pd.DataFrame | None = None
    # What the figures cover, for a workbook's description of each sheet.
    scope: str = ""
    period: str = ""
    metrics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """Where a deck's figures come from, for every slide's footer and a file's description."""

    snapshot: str
    as_of: dt.date
    scope: str
    demo: bool
    filters: str = ""

    def file_stem(self, lang: str) -> str:
        """A file name without its extension: the meeting's name and the as-of date, safe on
        every system (the English name has a colon, which Windows refuses)."""
        meeting = t("present.meeting", lang, city=self.scope)
        return f"{safe_file_stem(meeting, 'briefing')}_{self.as_of.isoformat()}"

    def footer(self, lang: str) -> str:
        text = t("present.footer", lang, snapshot=self.snapshot,
                 as_of=date_label(self.as_of, lang), scope=self.scope)  # fmt: skip
        return text + (" · " + t("banner.demo", lang) if self.demo else "")


def since_pilot(
    divisions: pd.DataFrame, code: str, months: list[dt.date], as_of: dt.date
) -> Window:
    """The window a slide shows: from the month the scope's pilot began (or the first month of
    the data) to the last month."""
    start = effective_pilot_start(divisions, code) or months[0]
    start = max(min(start.replace(day=1), months[-1]), months[0])
    return Window.of(start, months[-1], as_of)


def tiles(kpis: list[figures.Kpi], lang: str, window: Window | None = None) -> list[Tile]:
    """Each KPI as a slide shows it: its name (flows marked as totals), value and change; with
    the window, the period each figure covers."""
    catalog = load_catalog()
    out = []
    for kpi in kpis:
        m = kpi.metric
        unit = m.unit_label(lang)
        value = (
            f"<{privacy.min_cell()}"
            if kpi.hidden
            else fmt.metric_value(kpi.value, unit, m.kind, lang)
        )
        label = m.name(lang)  # a label, not a word in a sentence: "Registered volunteers"
        flow = is_flow_based(m.id, catalog)
        if flow:
            label += t("present.in_total", lang)
        period = ""
        if window is not None:
            start, end = (window.flow_start, window.flow_end) if flow else (window.end, window.end)
            period = period_text(start, end, lang)
        number = None if kpi.hidden or kpi.value is None else float(kpi.value)
        change = story.change_text(kpi, kpi.main(), lang) or ""
        out.append(Tile(label, value, change, number, unit, 1 if m.kind == "ratio" else 0, period))
    return out


def _scope(con, snap, divisions, code, months, lang, scope: Scope = WHOLE) -> SlideContent:
    catalog = load_catalog()
    settings = catalog.settings
    selection = Selection.of(() if code == city_code(divisions) else (code,), divisions)
    window = since_pilot(divisions, code, months, snap.as_of)
    ids = list(settings.headline_metrics)
    kpis = [
        privacy.shareable_kpi(k)
        for k in figures.kpis(con, snap, divisions, selection, window, ids, catalog=catalog)
    ]
    pairs = [(k, is_flow_based(k.metric.id, catalog)) for k in kpis]
    lead = story.headline(pairs, name(divisions, code, lang), lang,
                          _leader(con, snap, divisions, selection, window, lang, scope)) or ""  # fmt: skip
    metric = catalog[settings.trend_metric]
    line = _trend(con, snap, divisions, selection, window, metric.id, months, lang)
    scope_name = name(divisions, code, lang)
    found, table, notes, rows = movers(con, snap, divisions, code, months), None, [], []
    if found is not None:  # who gained most and least, whom to call
        found = replace(found, frame=scope.keep(found.frame, divisions))
    if found is not None and not found.frame.empty:
        table = standing.movers_table(found, divisions, lang)
        watch = scope.keep(watch_list(con, snap, divisions, code, months), divisions)
        notes = [standing.watch_line(watch, divisions, lang)]
        rows = standing.movers_rows(found, divisions, lang) + standing.watch_rows(
            watch, divisions, lang
        )
    return SlideContent(
        "scope", scope_name, lead, tiles(kpis[:TILES], lang, window), line, table=table,
        notes=notes, rows=rows, scope=scope_name, period=period_text(window.start, window.end, lang),
        metrics=[*ids[:TILES], metric.id],
    )  # fmt: skip


def titled(metric: Metric, lang: str) -> str:
    """A chart's title: the metric and its unit, 服务活动（场）/ Service activities (activities)."""
    unit = metric.unit_label(lang)
    return f"{metric.name(lang)}（{unit}）" if lang == "zh" else f"{metric.name(lang)} ({unit})"


def _trend(
    con, snap, divisions, selection: Selection, window: Window, metric_id: str, months, lang,
    filters: Filters | None = None,
) -> Series:  # fmt: skip
    """Up to three years of a metric, month by month, to the window's last (complete) month,
    with small sensitive values blanked."""
    catalog = load_catalog()
    metric = catalog[metric_id]
    end = window.flow_end if is_flow_based(metric_id, catalog) else window.end
    first = max(months[0], (pd.Timestamp(end) - pd.DateOffset(months=35)).date().replace(day=1))
    long = figures.series(con, snap, divisions, selection, first, month_end(end), [metric_id],
                          filters=filters)  # fmt: skip
    long = privacy.shareable(long.sort_values("month"))
    shown = [pd.Timestamp(m).date() for m in long["month"]]
    return Series(
        titled(metric, lang),
        metric.unit_label(lang),
        [month_label(m, lang) for m in shown],
        {metric.name(lang): [None if pd.isna(v) else float(v) for v in long["value"]]},
        keys=shown,
        digits=1 if metric.kind == "ratio" else 0,
        pilot=figures.pilot_start(divisions, selection),
        suppressed=bool(long.attrs.get("suppressed")),
    )


def _leader(con, snap, divisions, selection: Selection, window: Window, lang: str,
            scope: Scope = WHOLE):  # fmt: skip
    """The headline's leader clause, as the overview writes it: which child division's stock
    grew the most since the month before the pilot (among those the reader's scope sees)."""
    metric_id = load_catalog().settings.headline_leader
    if not metric_id or not selection.single or selection.level == "community":
        return None
    level = selection.child_level
    now = figures.values(con, snap, divisions, selection, window, [metric_id], by=level)
    before = figures.values(con, snap, divisions, selection, window.previous(), [metric_id],
                            by=level)  # fmt: skip
    now, before = scope.keep(now, divisions), scope.keep(before, divisions)
    if now.empty:
        return None
    return story.leader(now[metric_id], before[metric_id], lambda c: name(divisions, c, lang),
                        load_catalog()[metric_id], lang)  # fmt: skip


def period_text(start: dt.date, end: dt.date, lang: str) -> str:
    """Months as a sheet describes them: 2024年3月—2025年6月, or 2025年7月 alone."""
    if (start.year, start.month) == (end.year, end.month):
        return month_label(start, lang)
    return f"{month_label(start, lang)}—{month_label(end, lang)}"


def deck_content(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    divisions: pd.DataFrame,
    lang: str = "zh",
    facts_per_slide: int = 8,
    scope: Scope = WHOLE,
) -> list[SlideContent]:
    """Every slide of the default deck, in order, as a reader of `scope` may see it: the city's
    and the districts' figures whole, the streets and communities of their scope only."""
    catalog = load_catalog()
    months = data_range(con, snap).months()
    facts = scope.keep(reconcile(con, snap), divisions)
    slides = deck.default_deck(
        divisions, has_targets=bool(load_targets()), facts=len(facts),
        facts_per_slide=facts_per_slide,
    )  # fmt: skip
    city = city_code(divisions)
    out: list[SlideContent] = []
    for slide in slides:
        if slide.kind == "title":
            out.append(
                SlideContent(
                    "title",
                    t("present.meeting", lang, city=name(divisions, city, lang)),
                    t("present.as_of", lang, date=date_label(snap.as_of, lang)),
                )
            )
        elif slide.kind in ("overview", "district"):
            out.append(_scope(con, snap, divisions, slide.scope, months, lang, scope))
        elif slide.kind == "pilots":
            out.append(_pilots(scope.visible(divisions), lang))
        elif slide.kind == "facts":
            out.append(facts_slide(facts, slide.part, facts_per_slide, divisions, lang))
        elif slide.kind == "targets":
            out.append(_targets(con, snap, divisions, months, lang, catalog))
        elif slide.kind == "evaluation":
            from govdash.core.outputs.evaluation_slide import evaluation_slide

            out.append(evaluation_slide(con, snap, divisions, slide.scope, lang))
    return out


def _pilots(divisions: pd.DataFrame, lang: str) -> SlideContent:
    pilots = pilot_communities(divisions)
    rows = {}
    for code in pilots:
        rows.setdefault(name(divisions, code[:6], lang), []).append(name(divisions, code, lang))
    table = pd.DataFrame(
        {t("col.district", lang): list(rows), t("present.pilot_list", lang): [
            join(v, lang) for v in rows.values()]}
    )  # fmt: skip
    return SlideContent("pilots", t("present.pilots", lang, n=len(pilots)), table=table)


def reported(fact: pd.Series, lang: str) -> str:
    """A reported figure as the article states it: its clause in Chinese ("联合各部门开展60余场
    志愿服务进驿站活动"), else the metric with the qualified value ("professional social workers:
    more than 40")."""
    clause = wording(fact["source_sentence"], fact["value"]) if lang == "zh" else None
    if clause:
        return clause
    metric = load_catalog()[fact["metric"]]
    value = fmt.qualified(float(fact["value"]), fact["qualifier"], lang, metric.unit_label(lang))
    return f"{metric.name(lang)}{value}" if lang == "zh" else f"{metric.name(lang)}: {value}"


def facts_slide(
    facts: pd.DataFrame, part: int, per: int, divisions: pd.DataFrame, lang: str
) -> SlideContent:
    """One page of the reported figures beside the data, with how many agree in the title."""
    counts = facts["status"].value_counts()
    head = t("present.facts", lang, match=int(counts.get("match", 0)), total=len(facts))
    page = facts.iloc[part * per : (part + 1) * per]
    table = pd.DataFrame(
        {
            t("col.scope", lang): [name(divisions, c, lang) for c in page["scope_code"]],
            t("present.said", lang): [reported(f, lang) for _, f in page.iterrows()],
            t("col.computed", lang): [
                fmt.number(v, lang, digits=0) for v in page["value_computed"]
            ],
            t("col.status", lang): [t(f"status.{s}", lang) for s in page["status"]],
        }
    )
    return SlideContent("facts", head, table=table)


def _targets(con, snap, divisions, months, lang, catalog) -> SlideContent:
    city = city_code(divisions)
    window = since_pilot(divisions, city, months, snap.as_of)
    whole = Selection.of((), divisions)
    bars, notes = [], []
    for target in load_targets():
        metric = catalog[target.metric]
        frame = figures.values(con, snap, divisions, whole, window, [metric.id], by="district")
        # Ascending: a bar chart draws its first category at the bottom, so the best is on top.
        frame = privacy.shareable(frame)[metric.id].dropna().sort_values()
        if frame.empty:  # no district has the figure yet: no chart (a chart needs categories)
            continue
        unit = metric.unit_label(lang)
        bars.append(
            Series(
                t("targets.what", lang, metric=metric.name(lang)),
                unit,
                [name(divisions, c, lang) for c in frame.index],
                {metric.name(lang): [round(float(v), 1) for v in frame]},
                target=target.value,
                target_label=t(
                    "targets.line", lang, value=fmt.number(target.value, lang, digits=0)
                ),
                keys=list(frame.index),
                digits=1 if metric.kind == "ratio" else 0,
            )
        )
        reached = int((frame >= target.value).sum())
        notes.append(t("targets.reached", lang, n=reached, total=len(frame)))
        notes.append(target.source[lang])
    return SlideContent(
        "targets", t("present.targets", lang), bars=bars, notes=notes,
        scope=name(divisions, city, lang), period=period_text(window.start, window.end, lang),
        metrics=[target.metric for target in load_targets()],
    )  # fmt: skip


# What a saved view of each page shows as a slide: the settings list of its key figures, and the
# metric of its trend (None: the first key figure). 数据分布 (districts) ranks the view's metric.
VIEW_FIGURES = {
    "overview": ("headline_metrics", "trend_metric"),
    "community": ("profile_kpis", "trend_metric"),
    "activities": ("activity_metrics", "trend_metric"),
    "outcomes": ("beneficiary_metrics", None),
}


def filters_text(view: View, lang: str) -> str:
    """The view's filters in words ("活动类别：助老服务、助残服务"), or "" for none."""
    parts = []
    for attr in ("categories", "target_groups", "team_types"):
        chosen = getattr(view, attr)
        vocabulary, key = attr, f"filter.{attr}"
        if chosen:
            sep = "：" if lang == "zh" else ": "
            parts.append(
                t(key, lang) + sep + join((label(vocabulary, c, lang) for c in chosen), lang)
            )
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def view_content(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    divisions: pd.DataFrame,
    view: View,
    page: str,
    title: str,
    months: list[dt.date],
    lang: str = "zh",
    scope: Scope = WHOLE,
) -> SlideContent:
    """A saved view as a slide: its scope, period and filters in a line, the page's key figures
    for them, and the page's trend (or, for 数据分布, the ranking of its metric, among the
    divisions the reader's scope sees)."""
    catalog = load_catalog()
    settings = catalog.settings
    selection = Selection.of(view.scope_codes, divisions)
    window = Window.of(view.start or months[0], view.end or months[-1], snap.as_of)
    filters = Filters(categories=view.categories or None, target_groups=view.target_groups or None,
                      team_types=view.team_types or None)  # fmt: skip
    scope_name = join((name(divisions, c, lang) for c in selection.codes), lang)
    period = period_text(window.start, window.end, lang)
    described = filters_text(view, lang)
    lead = " · ".join(p for p in (scope_name, period, described) if p)
    if page == "districts":
        metric = catalog[view.metric or settings.start_metric]
        ids = [metric.id]
    else:
        ids = list(getattr(settings, VIEW_FIGURES[page][0]))[:TILES]
        trend_key = VIEW_FIGURES[page][1]
        metric = catalog[getattr(settings, trend_key) if trend_key else ids[0]]
    kpis = [
        privacy.shareable_kpi(k)
        for k in figures.kpis(con, snap, divisions, selection, window, ids, filters=filters)
    ]
    content = SlideContent(
        "view", title, lead, tiles(kpis, lang, window), scope=scope_name, period=period,
        metrics=list(dict.fromkeys([*ids, metric.id])),
    )  # fmt: skip
    if page != "districts":
        content.line = _trend(con, snap, divisions, selection, window, metric.id, months, lang,
                              filters)  # fmt: skip
        if content.line.suppressed or any(k.hidden for k in kpis):
            content.notes.append(t("pack.suppressed", lang, n=privacy.min_cell()))
        if all(v is None for values in content.line.values.values() for v in values):
            content.line = None  # every month hidden or empty: an empty chart says nothing
        return content
    level = selection.child_level if selection.single else selection.level
    if selection.level == "community":  # a community is ranked among its street's communities
        selection, level = Selection.of((selection.codes[0][:9],), divisions), "community"
    frame = figures.values(con, snap, divisions, selection, window, [metric.id], filters=filters,
                           by=level)  # fmt: skip
    shared = scope.keep(privacy.shareable(frame), divisions)
    if frame.attrs.get("suppressed") or shared.attrs.get("suppressed"):
        content.notes.append(t("pack.suppressed", lang, n=privacy.min_cell()))
    frame = shared[metric.id].dropna().sort_values().tail(BARS)
    if frame.empty:  # every bar hidden or empty: an empty chart says nothing (and has no axis)
        return content
    content.bars = [
        Series(
            titled(metric, lang),
            metric.unit_label(lang),
            [name(divisions, c, lang) for c in frame.index],
            {metric.name(lang): [float(v) for v in frame]},
            keys=list(frame.index),
            digits=1 if metric.kind == "ratio" else 0,
        )  # fmt: skip
    ]
    return content


def playlist_content(
    con: duckdb.DuckDBPyConnection,
    snap: Snapshot,
    divisions: pd.DataFrame,
    playlist: Playlist,
    options: Options,
    lang: str = "zh",
    scope: Scope = WHOLE,
) -> list[SlideContent]:
    """A playlist as slides: a title slide with its name, then each saved view (as a reader of
    `scope` may see it; `options` should offer only the divisions that scope sees, so a view of
    another district's community falls back as a link to it would)."""
    months = list(options.months)
    out = [SlideContent("title", playlist.name,
                        t("present.as_of", lang, date=date_label(snap.as_of, lang)))]  # fmt: skip
    for saved in playlist.views:
        view = view_of(saved, options)
        out.append(view_content(con, snap, divisions, view, saved.page, saved.name, months, lang,
                                scope))  # fmt: skip
    return out
