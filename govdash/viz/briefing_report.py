"""The briefing deck as one HTML file: interactive and offline, or static for printing to PDF.

A report handed out after a meeting is opened on laptops with no network and in e-mail clients
that block remote content, so the file carries everything: plotly.js once in the head (about
4.8 MB; every chart after the first costs only its data), our styles, and the system's CJK fonts
by name (no web font is fetched). The slides keep the deck's 16:9 shape, one per printed page.
The static variant puts each chart in as an SVG drawn by kaleido, so printing to PDF needs no
script to run.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from govdash.core.outputs.briefing import Series, SlideContent, Source
from govdash.core.text.fmt import is_flat
from govdash.core.text.i18n import t
from govdash.viz import charts
from govdash.viz.event_study import event_study_figure

# A slide is drawn at 1280×720 CSS pixels (16:9) and printed on a page of that size.
SLIDE_W, SLIDE_H = 1280, 720
PAD_X = 56
CONTENT_W = SLIDE_W - 2 * PAD_X
CHART_FONT = 16
LINE_HEIGHT = 370  # the trend under a headline and four tiles
BARS_HEIGHT = 500  # the rankings of the targets slide, side by side
CONFIG = {"displayModeBar": False, "responsive": True}

STYLE = f"""
:root {{ --ink:#222; --grey:#666; --blue:#4477AA; --red:#CC3311; --line:#ddd; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; background: #eef0f3; color: var(--ink);
  font-family: {charts.FONT}; }}
.slide {{ position: relative; width: {SLIDE_W}px; height: {SLIDE_H}px; margin: 24px auto;
  padding: 36px {PAD_X}px 48px; background: #fff; overflow: hidden;
  box-shadow: 0 1px 4px rgba(0,0,0,.15); break-after: page; page-break-after: always; }}
.slide h1 {{ font-size: 36px; margin: 0 0 12px; line-height: 1.2; }}
.cover {{ display: flex; flex-direction: column; justify-content: center; }}
.cover h1 {{ font-size: 44px; }}
.kicker {{ font-size: 22px; color: var(--grey); }}
.lead {{ font-size: 20px; line-height: 1.45; margin: 0 0 14px; }}
.tiles {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 16px; margin-bottom: 8px; }}
.tile .label {{ font-size: 18px; color: var(--grey); }}
.tile .value {{ font-size: 40px; font-weight: 700; line-height: 1.15; white-space: nowrap; }}
.tile .change {{ font-size: 18px; color: var(--blue); }}
.tile .change.down {{ color: var(--red); }}
.tile .change.flat {{ color: var(--grey); }}
.charts {{ display: flex; gap: 16px; }}
.charts > div {{ flex: 1; min-width: 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 18px; }}
th, td {{ text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line);
  vertical-align: top; }}
th {{ color: var(--grey); font-weight: 600; }}
.notes {{ font-size: 15px; color: var(--grey); margin-top: 8px; }}
.foot {{ position: absolute; left: {PAD_X}px; right: {PAD_X}px; bottom: 16px; font-size: 13px;
  color: var(--grey); }}
.about {{ width: {SLIDE_W}px; margin: 24px auto; padding: 24px {PAD_X}px; background: #fff;
  font-size: 15px; line-height: 1.6; }}
.about p {{ margin: 0; }}
.demo {{ color: var(--red); font-weight: 700; }}
@page {{ size: {SLIDE_W}px {SLIDE_H}px; margin: 0; }}
@media print {{
  body {{ background: #fff; }}
  .slide {{ margin: 0; box-shadow: none; }}
  .about {{ margin: 0; width: {SLIDE_W}px; min-height: {SLIDE_H}px; }}
}}
"""


def _esc(text: object) -> str:
    return html.escape(str(text))


def slide_figures(content: SlideContent, lang: str) -> list[go.Figure]:
    """The charts of one slide, drawn as the dashboard draws them, sized for a slide."""
    figures = []
    if content.line is not None:
        figures.append(line_figure(content.line, lang))
    width = CONTENT_W // max(len(content.bars), 1)
    figures += [bars_figure(series, lang, width) for series in content.bars]
    return figures


def line_figure(
    series: Series,
    lang: str,
    *,
    font: int = CHART_FONT,
    height: int = LINE_HEIGHT,
    width: int | None = CONTENT_W,
) -> go.Figure:
    """A trend with the pilot's start marked; `width` None lets the page size it. An "event"
    series is the pilot evaluation's two lines around each community's own start."""
    if series.kind == "event":
        return event_figure(series, lang, font=font, height=height, width=width,
                            axis_title=width is not None)  # fmt: skip
    values = next(iter(series.values.values()))
    frame = pd.DataFrame({"month": pd.to_datetime(series.keys), "value": values}, dtype=object)
    frame["value"] = pd.to_numeric(frame["value"])
    fig = charts.trend_figure(frame, series.title, "", series.unit, lang=lang, unit=series.unit,
                              digits=series.digits)  # fmt: skip
    fig = charts.pilot_marker(fig, series.pilot, t("chart.pilot_start", lang))
    return charts.projector(fig, font, height).update_layout(width=width)


def event_figure(
    series: Series,
    lang: str,
    *,
    font: int = CHART_FONT,
    height: int = LINE_HEIGHT,
    width: int | None = CONTENT_W,
    axis_title: bool = True,
) -> go.Figure:
    """The event-study chart of a slide: the pilot line and the comparison line by months from
    the start, drawn by the same builder as the dashboard's."""
    names = list(series.values)
    lines = pd.DataFrame({"k": series.keys, "pilot": series.values[names[0]],
                          "comparison": series.values[names[1]]}, dtype=object)  # fmt: skip
    for col in ("pilot", "comparison"):
        lines[col] = pd.to_numeric(lines[col])
    unit = "%" if series.unit == "%" else ""
    fig = event_study_figure(lines, series.title, names=(names[0], names[1]), lang=lang,
                             unit=unit, x_label=t("evaluation.axis", lang),
                             start_label=t("chart.pilot_start", lang),
                             month_word=t("evaluation.month_word", lang),
                             tick=t("evaluation.tick", lang))  # fmt: skip
    if not axis_title:  # a slide on a screen: the ticks say "+3月", the room goes to the lines
        fig.update_xaxes(title_text=None)
    return charts.projector(fig, font, height).update_layout(width=width)


def bars_figure(
    series: Series,
    lang: str,
    width: int,
    *,
    font: int = CHART_FONT,
    height: int = BARS_HEIGHT,
    sized: bool = True,
) -> go.Figure:
    """A ranking, best on top; with a target, the target line and faded bars below it. `width`
    is what the title is wrapped to; `sized` False lets the page set the chart's width."""
    values = next(iter(series.values.values()))
    frame = pd.DataFrame(
        {"division_code": series.keys or series.categories, "name": series.categories,
         "value": values}
    ).iloc[::-1]  # fmt: skip
    title = charts.wrap(series.title, width - 40, font + 8)
    if series.target is not None:
        fig = charts.target_figure(frame, title, series.unit, series.target,
                                   series.target_label, lang=lang, unit=series.unit,
                                   digits=series.digits)  # fmt: skip
    else:
        fig = charts.ranking_figure(frame, title, series.unit, lang=lang,
                                    unit=series.unit, digits=series.digits)  # fmt: skip
    fig = charts.projector(fig, font, height)
    return fig.update_layout(width=width if sized else None, margin_t=70 + 30 * title.count("<br>"))


def _tiles(content: SlideContent) -> str:
    cells = []
    for tile in content.tiles:
        css = "flat" if is_flat(tile.change) else ("down" if tile.change.startswith("-") else "")
        cells.append(
            f'<div class="tile"><div class="label">{_esc(tile.label)}</div>'
            f'<div class="value">{_esc(tile.value)}</div>'
            f'<div class="change {css}">{_esc(tile.change)}</div></div>'
        )
    return f'<div class="tiles">{"".join(cells)}</div>' if cells else ""


def _table(frame: pd.DataFrame | None) -> str:
    if frame is None:
        return ""
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False, name=None)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _chart_html(fig: go.Figure, div_id: str, static: str | None) -> str:
    """A chart as a live Plotly div (its script calls the plotly.js in the head), or the SVG
    kaleido drew of it."""
    if static is not None:
        return f'<div class="static-chart">{static}</div>'
    return pio.to_html(
        fig, full_html=False, include_plotlyjs=False, config=CONFIG, div_id=div_id,
        default_width="100%", default_height=f"{fig.layout.height}px",
    )  # fmt: skip


def slide_html(
    number: int, content: SlideContent, footer: str, lang: str, static: list[str] | None = None
) -> str:
    """One slide as an HTML section; `static` holds the SVGs of its charts for print."""
    foot = f'<div class="foot">{_esc(footer)}</div>'
    if content.kind == "title":
        return (
            f'<section class="slide cover" id="slide-{number}"><h1>{_esc(content.title)}</h1>'
            f'<div class="kicker">{_esc(content.lead)}</div>{foot}</section>'
        )
    parts = [f"<h1>{_esc(content.title)}</h1>"]
    if content.lead:
        parts.append(f'<p class="lead">{_esc(content.lead)}</p>')
    parts.append(_tiles(content))
    figures = slide_figures(content, lang)
    if figures:
        shown = [
            _chart_html(fig, f"chart-{number}-{k}", static[k] if static else None)
            for k, fig in enumerate(figures)
        ]
        parts.append('<div class="charts">' + "".join(f"<div>{c}</div>" for c in shown) + "</div>")
    parts.append(_table(content.table))
    if content.notes:
        parts.append(f'<div class="notes">{_esc(" · ".join(content.notes))}</div>')
    return f'<section class="slide" id="slide-{number}">{"".join(parts)}{foot}</section>'


def report_html(
    slides: list[SlideContent],
    source: Source,
    about: list[str],
    lang: str = "zh",
    static: dict[int, list[str]] | None = None,
) -> str:
    """The whole report: every slide, then what the file is (`about`: scope, periods, snapshot,
    privacy rule, definitions). With `static` (SVGs by slide number) it has no script at all."""
    footer = source.footer(lang)
    body = [
        slide_html(n, content, footer, lang, (static or {}).get(n) if static is not None else None)
        for n, content in enumerate(slides, start=1)
    ]
    demo = t("pack.demo", lang)
    notes = "".join(
        f'<p class="demo">{_esc(line)}</p>' if line == demo else f"<p>{_esc(line) or '&nbsp;'}</p>"
        for line in about
    )
    script = "" if static is not None else f"<script>{get_plotlyjs()}</script>"
    title = slides[0].title if slides else ""
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{_esc(title)}</title><style>{STYLE}</style>{script}</head><body>"
        + "".join(body)
        + f'<section class="about"><h2>{_esc(t("pack.about", lang))}</h2>{notes}</section>'
        + "</body></html>"
    )
