"""演示模式 Presentation mode: the default deck (govdash.core.outputs.deck) as 16:9 slides in large type.

A slide is a view: each one is drawn from a copy of the page's context whose view is the slide's
scope since the pilot began, so the figures are the ones the analysis pages show for that view.
There is no sidebar, toolbar, SQL or download button on a slide. The slide number is in the URL
(?slide=3); arrow keys and PageUp/PageDown (what presentation clickers send) move between slides,
and ?rotate=N advances every N seconds (P pauses), so a big screen is set up from one link.
"""

from __future__ import annotations

import dataclasses
import html
from dataclasses import replace
from functools import partial
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from govdash.app import chrome, context, fetch
from govdash.app.panels import playlists
from govdash.app.panels.overview import leader
from govdash.app.panels.shared import digits, mark_pilot, ranking_frame, trend_window
from govdash.core.data.catalog import load_catalog
from govdash.core.data.divisions import city_code, pilot_communities
from govdash.core.evaluation import standing
from govdash.core.measures import story
from govdash.core.measures.figures import is_flow_based
from govdash.core.measures.targets import load_targets
from govdash.core.outputs import briefing, deck
from govdash.core.outputs.briefing import since_pilot, tiles
from govdash.core.outputs.playlist import Playlist
from govdash.core.question import scope
from govdash.core.rules.roles import Scope
from govdash.core.text import fmt
from govdash.core.text.i18n import date_label, join, month_label, t
from govdash.viz import charts
from govdash.viz.briefing_report import bars_figure, line_figure

SLIDE_PARAM = "slide"
ROTATE_PARAM = "rotate"
THEME_PARAM = "theme"
FACTS_PER_SLIDE = 8
# Type sizes on a 1920x1080 screen (scaled down with the viewport, never below legibility).
CHART_FONT = 20
CHART_HEIGHT = 300
# A chart's height as a share of the screen's (CSS vh): a trend under the headline and the tiles,
# a ranking of 13 or more divisions on a slide of its own.
TREND_SHARE, BARS_SHARE = 32, 57
EVENT_SHARE = 40  # the pilot evaluation's chart, beside its table
HALF_WIDTH = 560  # px of a chart beside another on the smallest screen a slide is made for
BAR_TITLE = CHART_FONT + 4
CHART_SHARES = (TREND_SHARE, BARS_SHARE, EVENT_SHARE)

STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 1.2rem !important;
  padding-bottom: 0.5rem !important;
  max-width: 100% !important; padding-left: 3vw !important; padding-right: 3vw !important; }
.gd-slide { font-size: clamp(18px, 1.45vw, 30px); line-height: 1.35; }
.gd-slide h1 { font-size: clamp(34px, 3.1vw, 64px); font-weight: 700; margin: 0 0 0.4em 0; }
.gd-slide .gd-kicker { font-size: clamp(18px, 1.35vw, 28px); color: #555; margin-bottom: 0.3em; }
.gd-slide .gd-lead { font-size: clamp(20px, 1.55vw, 32px); background: #f0f4f9;
  border-left: 6px solid #4477AA; padding: 0.5em 0.8em; margin: 0 0 0.8em 0; }
.gd-tiles { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 1.2vw; }
.gd-tile { border: 1px solid #d6d9de; border-radius: 10px; padding: 0.5em 0.8em; }
.gd-tile .gd-label { font-size: clamp(18px, 1.3vw, 26px); color: #333; }
.gd-tile .gd-value { font-size: clamp(34px, 2.9vw, 60px); font-weight: 600; white-space: normal;
  overflow-wrap: anywhere; }
.gd-tile .gd-change { font-size: clamp(18px, 1.25vw, 26px); color: #1a7f37; }
.gd-tile .gd-change.gd-flat { color: #666; }
.gd-tile .gd-change.gd-down { color: #b2182b; }
.gd-cover { min-height: 70vh; display: flex; flex-direction: column; justify-content: center; }
.gd-cover h1 { font-size: clamp(40px, 3.8vw, 80px); }
.gd-slide table { border-collapse: collapse; width: 100%; }
.gd-slide th, .gd-slide td { text-align: left; padding: 0.3em 0.5em; border-bottom: 1px solid #ddd;
  vertical-align: top; }
.gd-slide th { font-size: clamp(16px, 1.1vw, 24px); color: #555; font-weight: 600; }
.gd-compact td { font-size: clamp(17px, 1.25vw, 26px); }
/* Leaders beside the trend: sized by the screen's height too, so 1280x720 does not scroll. */
.gd-standing th, .gd-standing td, .gd-standing .gd-watch {
  font-size: clamp(14px, min(1.2vw, 2.15vh), 26px); }
.gd-standing th, .gd-standing td { padding: 0.18em 0.45em; }
.gd-standing .gd-watch { margin-top: 0.4em; line-height: 1.35; }
.gd-standing .gd-short { display: none; }
@media (max-height: 800px) { .gd-standing .gd-short { display: inline; }
  .gd-standing .gd-long { display: none; } .gd-standing, .gd-standing .gd-watch { line-height: 1.2; }
  .gd-standing th, .gd-standing td { padding: 0.1em 0.4em; } .gd-standing .gd-kicker { margin: 0; } }
.gd-pilots { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 1vw; }
.gd-pilot { border: 1px solid #d6d9de; border-radius: 10px; padding: 0.4em 0.7em; }
.gd-pilot b { font-size: 1.1em; }
.gd-pilot small { display: block; color: #555; font-size: 0.8em; }
.gd-others { columns: 2; column-gap: 3vw; font-size: 0.9em; }
.gd-others > div { break-inside: avoid; padding: 0.12em 0; border-bottom: 1px solid #ddd; }
.st-key-slide-next-wrap { display: none; }
/*chart-heights*/
.gd-foot { font-size: clamp(14px, 0.9vw, 18px); color: #666; margin-top: 0.6em; }
</style>
"""

# The 大屏 theme: light text on a dark ground for every part of a slide (the page, the buttons and
# menus, tiles, tables, the lead, the footer); the charts follow through charts.dark.
DARK = """
<style>
[data-testid="stApp"], [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
  background: #0E1117 !important; color: #E6E9EF !important; }
.gd-slide, .gd-slide h1 { color: #E6E9EF; }
.gd-slide .gd-kicker, .gd-foot, .gd-slide th, .gd-pilot small { color: #A9B1BD !important; }
.gd-slide .gd-lead { background: #1A2230; border-left-color: #77AADD; }
.gd-tile, .gd-pilot { border-color: #3A4556; background: #141A24; }
.gd-tile .gd-label { color: #C9D1DC; }
.gd-tile .gd-change { color: #7BD389; }
.gd-tile .gd-change.gd-flat { color: #A9B1BD; }
.gd-tile .gd-change.gd-down { color: #FF8A80; }
.gd-slide th, .gd-slide td, .gd-others > div { border-bottom-color: #3A4556; }
[data-testid="stMain"] button { background: #1A2230 !important; color: #E6E9EF !important;
  border-color: #3A4556 !important; }
[data-testid="stMain"] button:disabled { color: #6B7480 !important; }
</style>
"""

KEYS_SCRIPT = """
<script>
(function () {
  const doc = window.parent.document;
  const rotate = %(rotate)d;
  const press = (name) => {
    const button = doc.querySelector('.st-key-slide-' + name + ' button');
    if (button) { button.click(); return true; }
    return false;
  };
  if (doc.__gdSlideKeys) { doc.removeEventListener('keydown', doc.__gdSlideKeys); }
  doc.__gdSlideKeys = (event) => {
    const target = event.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA')) { return; }
    const forward = ['ArrowRight', 'ArrowDown', 'PageDown', ' '];
    const back = ['ArrowLeft', 'ArrowUp', 'PageUp'];
    if (forward.includes(event.key) && press('next')) { event.preventDefault(); }
    else if (back.includes(event.key) && press('prev')) { event.preventDefault(); }
    else if (event.key === 'p' || event.key === 'P') { doc.__gdPaused = !doc.__gdPaused; }
  };
  doc.addEventListener('keydown', doc.__gdSlideKeys);
  if (doc.__gdRotate) { clearInterval(doc.__gdRotate); doc.__gdRotate = null; }
  if (rotate > 0) {
    doc.__gdRotate = setInterval(() => { if (!doc.__gdPaused) { press('next-wrap'); } },
                                 rotate * 1000);
  }
})();
</script>
"""


def _esc(text: object) -> str:
    return html.escape(str(text))


def rotate_seconds() -> int:
    """?rotate=N: advance every N seconds (5 to 3600); anything else means no auto-advance."""
    try:
        seconds = int(str(st.query_params.get(ROTATE_PARAM, "0")))
    except ValueError:
        return 0
    return seconds if 5 <= seconds <= 3600 else 0


def slide_context(ctx: context.Context, code: str) -> context.Context:
    """The page's context with the slide's view: the scope since its pilot began, no filters."""
    level = ctx.options.level(code)
    window = since_pilot(ctx.divisions, code, list(ctx.options.months), ctx.snapshot.as_of)
    view = replace(
        ctx.view,
        districts=(code,) if level == "district" else (),
        street=None,
        community=None,
        categories=(),
        target_groups=(),
        team_types=(),
        start=window.start,
        end=window.end,
    )
    return replace(ctx, view=view)


def deck_page(ctx: context.Context) -> None:
    """The slide the URL names, its navigation, and the keyboard and auto-advance script: the
    default deck, or the playlist ?playlist= names."""
    style = STYLE.replace("/*chart-heights*/", _chart_heights())
    st.html(style + (DARK if theme() == "dark" else ""))
    current, problems = playlists.chosen_playlist(ctx)
    for problem in problems:
        st.warning(chrome.md(problem), icon=":material/warning:")
    if current is not None:
        contents = pack_slides(ctx, current)
        number = deck.slide_number(st.query_params.get(SLIDE_PARAM), len(contents))
        _navigation(ctx, number, len(contents), current)
        content_slide(ctx, contents[number - 1])
    else:
        slides = deck.default_deck(  # every pilot district's slide, as in the pack
            context.cached_divisions(ctx.snapshot.id, ctx.root),
            has_targets=bool(load_targets()), facts=_fact_count(ctx),
            facts_per_slide=FACTS_PER_SLIDE,
        )  # fmt: skip
        number = deck.slide_number(st.query_params.get(SLIDE_PARAM), len(slides))
        _navigation(ctx, number, len(slides), None)
        slide = slides[number - 1]
        RENDERERS[slide.kind](ctx, slide)
    foot = [chrome.data_line(ctx)]  # with ?details=true, the snapshot id as well
    if ctx.snapshot.is_demo:
        foot.append(t("present.demo", ctx.lang))
    st.html(f'<div class="gd-slide gd-foot">{_esc(" · ".join(foot))}</div>')
    # Our own script, never user text: an iframe that may reach the page (st.iframe's HTML mode).
    st.iframe(KEYS_SCRIPT % {"rotate": rotate_seconds()}, height=1, alt=t("present.keys", ctx.lang))


@st.cache_data(max_entries=32, show_spinner=False)
def _pack_slides(
    snapshot_id: str, root: str, playlist_json: bytes | None, lang: str, reader: Scope
) -> list:
    from govdash.core.data.snapshot import open_snapshot
    from govdash.core.outputs.playlist import parse_playlist

    snap = open_snapshot(snapshot_id, Path(root))
    con = context.connection()
    divisions = context.cached_divisions(snapshot_id, root)
    if playlist_json is None:
        return briefing.deck_content(con, snap, divisions, lang, FACTS_PER_SLIDE, reader)
    chosen = parse_playlist(playlist_json, "playlist", "cached")
    options = replace(context.snapshot_options_for(snap, divisions),
                      divisions=context.visible_divisions(snapshot_id, root, reader))  # fmt: skip
    return briefing.playlist_content(con, snap, divisions, chosen, options, lang, reader)


def pack_slides(ctx: context.Context, current: Playlist | None) -> list[briefing.SlideContent]:
    """The slides' content (words, figures, series) for the screen and every download, computed
    once per snapshot, playlist and language."""
    with st.spinner(t("spinner.loading", ctx.lang)):
        return _pack_slides(ctx.snapshot.id, ctx.root,
                            current.to_json() if current else None, ctx.lang, ctx.scope)  # fmt: skip


def deck_source(ctx: context.Context) -> briefing.Source:
    """What every exported slide says about its data: snapshot, as-of date, scope, demo label."""
    return briefing.Source(
        ctx.snapshot.id, ctx.snapshot.as_of, ctx.name(city_code(ctx.divisions)),
        ctx.snapshot.is_demo,
    )  # fmt: skip


def deck_file(ctx: context.Context, current: Playlist | None) -> bytes:
    """The deck as an editable PPTX (native charts and tables, East Asian fonts)."""
    from govdash.core.outputs import pptx_deck

    return pptx_deck.write_deck(pack_slides(ctx, current), deck_source(ctx).footer(ctx.lang),
                                ctx.lang)  # fmt: skip


def workbook_file(ctx: context.Context, current: Playlist | None) -> bytes:
    """The figures behind every slide, a sheet per slide."""
    from govdash.core.outputs.briefing_workbook import workbook

    return workbook(pack_slides(ctx, current), deck_source(ctx), ctx.lang)


def report_file(ctx: context.Context, current: Playlist | None) -> bytes:
    """The deck as one HTML file that opens with no network."""
    from govdash.core.outputs.briefing_workbook import about
    from govdash.viz.briefing_report import report_html

    slides = pack_slides(ctx, current)
    source = deck_source(ctx)
    return report_html(slides, source, about(slides, source, ctx.lang), ctx.lang).encode("utf-8")


def _go(number: int) -> None:
    st.query_params[SLIDE_PARAM] = str(number)


def _file_stem(ctx: context.Context, current: Playlist | None) -> str:
    if current is None:
        return deck_source(ctx).file_stem(ctx.lang)
    return current.file_stem(ctx.snapshot.as_of)


def _navigation(ctx: context.Context, number: int, count: int, current: Playlist | None) -> None:
    lang = ctx.lang
    left, middle, menu, deck_file_column, right, wrap = st.columns([1, 4.2, 1.2, 1.4, 1, 0.01])
    left.button(t("present.prev", lang), key="slide-prev", on_click=_go,
                args=(max(1, number - 1),), disabled=number <= 1, width="stretch")  # fmt: skip
    middle.html(
        f'<div class="gd-slide gd-kicker" style="text-align:center">'
        f"{_esc(t('present.counter', lang, n=number, total=count))}</div>"
    )
    stem = _file_stem(ctx, current)
    with menu.popover(t("present.menu", lang), width="stretch"):
        playlists.manage_panel(ctx, current)
        st.divider()
        st.download_button(
            t("present.download_xlsx", lang), data=partial(workbook_file, ctx, current),
            file_name=f"{stem}.xlsx", on_click="ignore", key="slide-xlsx", width="stretch",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )  # fmt: skip
        st.download_button(
            t("present.download_html", lang), data=partial(report_file, ctx, current),
            file_name=f"{stem}.html", on_click="ignore", key="slide-html", width="stretch",
            mime="text/html",
        )  # fmt: skip
        st.caption(t("present.cli_hint", lang))
    deck_file_column.download_button(
        t("present.download", ctx.lang),
        on_click="ignore",  # a download needs no rerun, which would slow it
        data=partial(deck_file, ctx, current),
        file_name=f"{stem}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        key="slide-pptx",
        width="stretch",
    )
    right.button(t("present.next", lang), key="slide-next", on_click=_go,
                 args=(min(count, number + 1),), disabled=number >= count, width="stretch")  # fmt: skip
    # Auto-advance goes round: after the last slide, the first (a hidden button the script presses).
    with wrap:
        st.button("↻", key="slide-next-wrap", on_click=_go, args=(number % count + 1,))


# ------------------------------------------------------------------------------- slide kinds
def title_slide(ctx: context.Context, slide: deck.Slide) -> None:
    lang = ctx.lang
    city = ctx.name(slide.scope)
    meeting = t("present.meeting", lang, city=city)
    when = t("present.as_of", lang, date=date_label(ctx.snapshot.as_of, lang))
    st.html(
        f'<div class="gd-slide gd-cover"><div class="gd-kicker">{_esc(city)}</div>'
        f'<h1>{_esc(meeting)}</h1><div class="gd-kicker">{_esc(when)}</div></div>'
    )


def _headline(sctx: context.Context) -> str | None:
    catalog = load_catalog()
    settings = catalog.settings
    ids = list(settings.headline_metrics)
    if not ids:
        return None
    kpis = fetch.kpis(sctx, sctx.selection, sctx.window, ids)
    pairs = [(k, is_flow_based(k.metric.id, catalog)) for k in kpis]
    return story.headline(pairs, chrome.scope_label(sctx), sctx.lang, leader(sctx, sctx.window))


def _tiles(sctx: context.Context, metric_ids: list[str]) -> str:
    """KPI tiles in large type: the value and the change since the pilot began."""
    return _tile_cells(tiles(fetch.kpis(sctx, sctx.selection, sctx.window, metric_ids), sctx.lang))


def _tile_cells(shown: list[briefing.Tile]) -> str:
    cells = []
    for tile in shown:
        flat = fmt.is_flat(tile.change)
        css = "gd-flat" if flat else ("gd-down" if tile.change.startswith("-") else "")
        cells.append(
            f'<div class="gd-tile"><div class="gd-label">{_esc(tile.label)}</div>'
            f'<div class="gd-value">{_esc(tile.value)}</div>'
            f'<div class="gd-change {css}">{_esc(tile.change)}</div></div>'
        )
    return '<div class="gd-tiles">' + "".join(cells) + "</div>"


def _trend(sctx: context.Context, metric_id: str, key: str) -> None:
    metric = load_catalog()[metric_id]
    lang = sctx.lang
    flow = is_flow_based(metric_id, load_catalog())
    start, end = trend_window(sctx, flow)
    long = fetch.series(sctx, sctx.selection, start, scope.month_end(end), [metric_id])
    title = briefing.titled(metric, lang)
    fig = charts.trend_figure(
        long, title, "", metric.unit_label(lang), lang=lang, unit=metric.unit_label(lang),
        digits=digits(metric),
    )  # fmt: skip
    fig = mark_pilot(sctx, fig)
    show_chart(big(fig), key, TREND_SHARE)


def _chart_heights() -> str:
    """The CSS that gives each chart container its share of the screen's height (Streamlit's
    wrappers keep the figure's default 450 px unless told otherwise)."""
    rules = []
    for share in CHART_SHARES:
        box = f'[class*="st-key-vh{share}-"]'
        rules.append(
            f'{box} [data-testid="stFullScreenFrame"], {box} [data-testid="stElementContainer"]'
            " { height: auto !important; flex: 0 0 auto !important; }"
            f' {box} .js-plotly-plot, {box} [data-testid="stPlotlyChart"]'
            f" {{ height: {share}vh !important; min-height: 200px; }}"
        )
    return "\n".join(rules)


def theme() -> str:
    """?theme=dark: the 大屏 theme for a big screen in a dark room; anything else is light."""
    return "dark" if st.query_params.get(THEME_PARAM) == "dark" else "light"


def show_chart(fig: go.Figure, key: str, share: int) -> None:
    """A slide's chart in the slide's theme, without Plotly's toolbar, `share` per cent of the
    screen's height tall (CHART_SHARES): a slide then fits 1920×1080 and 1280×720 alike, where
    a height in pixels fitted only one of them (scaling the page made Plotly redraw too small)."""
    if theme() == "dark":
        charts.dark(fig)
    fig.update_layout(height=None, autosize=True)
    with st.container(key=f"vh{share}-{key}"):
        st.plotly_chart(fig, key=key, config={"displayModeBar": False}, width="stretch")


def big(fig: go.Figure) -> go.Figure:
    """A chart for a projector (20 px text, a slide's height)."""
    return charts.projector(fig, CHART_FONT, CHART_HEIGHT)


def scope_slide(ctx: context.Context, slide: deck.Slide) -> None:
    """The city or a pilot district since the pilot began: headline, four figures, the trend."""
    sctx = slide_context(ctx, slide.scope)
    lang = ctx.lang
    settings = load_catalog().settings
    title = ctx.name(slide.scope)
    text = _headline(sctx) or t(
        "present.since", lang, scope=title, start=month_label(sctx.window.start, lang)
    )
    lead = f'<div class="gd-lead">{_esc(text)}</div>' if text else ""
    tiles = _tiles(sctx, list(settings.headline_metrics)[:4])
    st.html(f'<div class="gd-slide"><h1>{_esc(title)}</h1>{lead}{tiles}</div>')
    found = fetch.movers(ctx, slide.scope)
    if found is None or found.frame.empty:
        _trend(sctx, settings.trend_metric, key=f"slide-trend-{slide.scope}")
        return
    # The trend beside who gained most and least since the pilot, and the communities to call.
    left, right = st.columns([1.35, 1], gap="medium")
    with left:
        _trend(sctx, settings.trend_metric, key=f"slide-trend-{slide.scope}")
    table = standing.movers_table(found, ctx.divisions, lang)
    listed = fetch.watch(ctx, slide.scope)
    long, short = (standing.watch_line(listed, ctx.divisions, lang, n) for n in (3, 0))
    watch = f'<span class="gd-long">{_esc(long)}</span><span class="gd-short">{_esc(short)}</span>'
    right.html(f'<div class="gd-slide gd-standing"><div class="gd-kicker">'
               f"{_esc(t('movers.title', lang))}</div>{_table_html(table)}"
               f'<div class="gd-watch">{watch}</div></div>')  # fmt: skip


def pilots_slide(ctx: context.Context, slide: deck.Slide) -> None:
    """Every pilot community with its district and its own brands and programmes."""
    lang = ctx.lang
    pilots = pilot_communities(ctx.divisions)
    programmes = fetch.programmes_for(ctx, slide.scope)
    owned = {o: list(rows[f"name_{lang}"]) for o, rows in programmes.groupby("owner_code")}
    cards, others = [], {}
    for code in pilots:
        brands = owned.get(code, [])
        if not brands:  # a wall of empty cards helps nobody: the rest are listed by district
            others.setdefault(code[:6], []).append(ctx.name(code))
            continue
        cards.append(
            f'<div class="gd-pilot"><b>{_esc(ctx.name(code))}</b>'
            f"<small>{_esc(ctx.name(code[:6]))}</small><div>{_esc(join(brands, lang))}</div></div>"
        )
    title = t("present.pilots", lang, n=len(pilots))
    sep = "：" if lang == "zh" else ": "
    rest = "".join(
        f"<div><b>{_esc(ctx.name(district))}</b>{sep}{_esc(join(names_, lang))}</div>"
        for district, names_ in others.items()
    )
    # In two columns: one row per district would run off a 1280x720 screen.
    more = (
        f'<div class="gd-kicker" style="margin-top:0.6em">'
        f"{_esc(t('present.other_pilots', lang, n=sum(map(len, others.values()))))}</div>"
        f'<div class="gd-others">{rest}</div>'
        if others
        else ""
    )
    st.html(f'<div class="gd-slide"><h1>{_esc(title)}</h1><div class="gd-pilots">'
            + "".join(cards) + f"</div>{more}</div>")  # fmt: skip


def _fact_count(ctx: context.Context) -> int:
    return len(fetch.reconciled(ctx))


def facts_slide(ctx: context.Context, slide: deck.Slide) -> None:
    """Reported figures beside the data, a few rows per slide, in the article's own words (the
    same table the PPTX gets, from core.outputs.briefing)."""
    content = briefing.facts_slide(
        fetch.reconciled(ctx), slide.part, FACTS_PER_SLIDE, ctx.divisions, ctx.lang
    )
    st.html(f'<div class="gd-slide"><h1>{_esc(content.title)}</h1>'
            f"{_table_html(content.table)}</div>")  # fmt: skip


def _table_beside_chart(content: briefing.SlideContent, lang: str) -> None:
    """The evaluation's table on the left and its chart on the right: one above the other left
    the chart a strip on a 1280×720 screen."""
    left, right = st.columns([1.1, 1], gap="medium")
    if content.table is not None:
        left.html(f'<div class="gd-slide gd-compact">{_table_html(content.table)}</div>')
    series = dataclasses.replace(content.line,
                                 title=charts.wrap(content.line.title, HALF_WIDTH, BAR_TITLE))  # fmt: skip
    fig = line_figure(series, lang, font=CHART_FONT, height=CHART_HEIGHT, width=None)
    # The legend under the axis and a tick every six months: beside a table the chart is
    # half a screen wide, where a legend under the title met a two-line title, and English
    # ticks turned on their side.
    ticks = [k for k in content.line.keys if k % 6 == 0]
    fig.update_layout(
        margin={"t": 64 + 28 * series.title.count("<br>"), "b": 64},
        title_font_size=BAR_TITLE,
        legend={"x": 0, "xanchor": "left", "yref": "container", "y": 0, "yanchor": "bottom"},
    )
    fig.update_xaxes(tickvals=ticks, ticktext=[_tick(k, lang) for k in ticks], tickangle=0)
    with right:
        show_chart(fig, "slide-view-event", EVENT_SHARE)


def _tick(k: int, lang: str) -> str:
    return t("evaluation.tick", lang, k=f"{k:+d}") if k else "0"


def _table_html(table: pd.DataFrame) -> str:
    header = "".join(f"<th>{_esc(c)}</th>" for c in table.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in row) + "</tr>"
        for row in table.itertuples(index=False, name=None)
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"


def targets_slide(ctx: context.Context, slide: deck.Slide) -> None:
    """Each target beside the districts' figures: how many reach it (examples say they are)."""
    catalog = load_catalog()
    lang = ctx.lang
    sctx = slide_context(ctx, slide.scope)
    targets = load_targets()
    st.html(f'<div class="gd-slide"><h1>{_esc(t("present.targets", lang))}</h1></div>')
    for col, target in zip(st.columns(len(targets)), targets, strict=True):
        metric = catalog[target.metric]
        frame, _ = ranking_frame(sctx, metric.id)
        unit = metric.unit_label(lang)
        reached = int((frame["value"] >= target.value).sum())
        # The metric's name alone: it says its unit ("per 10,000 residents") and the dashed line
        # says "target", so the bars keep the room. Half of a 1280-pixel screen: Plotly cuts a
        # title that is too long instead of wrapping it.
        title = charts.wrap(metric.name(lang), HALF_WIDTH, BAR_TITLE)
        fig = charts.target_figure(
            frame, title, "", target.value,
            t("targets.line", lang, value=fmt.number(target.value, lang, digits=0)),
            lang=lang, unit=unit, digits=1 if metric.kind == "ratio" else 0,
        )  # fmt: skip
        # The unit is in the title: the room of an axis title goes to the bars.
        big(fig).update_layout(margin={"t": 64 + 28 * title.count("<br>"), "b": 24},
                               title_font_size=BAR_TITLE)  # fmt: skip
        with col:
            show_chart(fig, f"slide-target-{metric.id}", BARS_SHARE)
            note = t("targets.reached", lang, n=reached, total=len(frame))
            st.html(f'<div class="gd-slide"><b>{_esc(note)}</b> · '
                    f'<span class="gd-foot">{_esc(target.source[lang])}</span></div>')  # fmt: skip


def content_slide(ctx: context.Context, content: briefing.SlideContent) -> None:
    """A slide drawn from its content alone (a playlist's title and saved views): the same words,
    tiles and series the PPTX and the workbook get."""
    lang = ctx.lang
    if content.kind == "title":
        st.html(
            f'<div class="gd-slide gd-cover"><h1>{_esc(content.title)}</h1>'
            f'<div class="gd-kicker">{_esc(content.lead)}</div></div>'
        )
        return
    lead = f'<div class="gd-lead">{_esc(content.lead)}</div>' if content.lead else ""
    st.html(f'<div class="gd-slide"><h1>{_esc(content.title)}</h1>{lead}'
            f"{_tile_cells(content.tiles)}</div>")  # fmt: skip
    if content.line is not None and content.line.kind == "event":
        _table_beside_chart(content, lang)
    else:
        if content.table is not None:
            st.html(f'<div class="gd-slide">{_table_html(content.table)}</div>')
        if content.line is not None:
            fig = line_figure(content.line, lang, font=CHART_FONT, height=CHART_HEIGHT,
                              width=None)  # fmt: skip
            show_chart(fig, "slide-view-line", TREND_SHARE)
    for k, series in enumerate(content.bars):
        fig = bars_figure(series, lang, 1600, font=CHART_FONT, height=CHART_HEIGHT + 120,
                          sized=False)  # fmt: skip
        show_chart(fig, f"slide-view-bars-{k}", BARS_SHARE)
    if content.notes:
        st.html(f'<div class="gd-slide gd-foot">{_esc(" · ".join(content.notes))}</div>')


def evaluation_slide(ctx: context.Context, slide: deck.Slide) -> None:
    """The pilot evaluation: the main measure in one sentence, every measure's estimate, and
    the event-study chart (the same content the PPTX gets, core.outputs.evaluation_slide)."""
    from govdash.core.evaluation.table import main_review
    from govdash.core.outputs.evaluation_slide import evaluation_content

    reviews = fetch.evaluation(ctx, slide.scope)
    main = main_review(reviews)
    lines = fetch.event_lines(ctx, slide.scope, main.metric) if main is not None else None
    content_slide(ctx, evaluation_content(reviews, lines, ctx.name(slide.scope), ctx.lang))


RENDERERS = {
    "title": title_slide,
    "overview": scope_slide,
    "district": scope_slide,
    "pilots": pilots_slide,
    "facts": facts_slide,
    "targets": targets_slide,
    "evaluation": evaluation_slide,
}
