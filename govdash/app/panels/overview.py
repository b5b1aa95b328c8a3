"""总览 Overview: the panels only the overview shows (map, integration trends, pilot highlights);
the KPI cards, trend and ranking come from govdash.app.panels.shared.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch, sidebar, signin
from govdash.app.panels.shared import (
    names,
    pilot_month,
    queries_for,
    ranking_selection,
    trend_panel,
)
from govdash.core.data.catalog import load_catalog
from govdash.core.data.divisions import ancestry, city_code, pilot_communities
from govdash.core.data.paths import DATA_DIR
from govdash.core.data.vocab import label
from govdash.core.measures import story
from govdash.core.measures.figures import is_flow_based
from govdash.core.question.scope import Selection, Window
from govdash.core.text import fmt
from govdash.core.text.i18n import join, t
from govdash.core.text.problems import GovdashError
from govdash.viz import geo, maps

log = logging.getLogger(__name__)


def _boundaries(ctx: context.Context) -> dict[str, geo.MatchResult] | None:
    """The configured boundary features matched to districts and streets, or None; problems
    are shown, never raised. Read and matched once per file version and snapshot, not on every
    rerun (a city's streets can be a file of several MB)."""
    try:
        path = geo.boundaries_path()
        if path is None:
            return None
        return _matched(str(path), path.stat().st_mtime_ns, ctx.snapshot.id, ctx.divisions)
    except GovdashError as exc:  # the file's path and what is wrong with it: admins and the log
        log.warning("boundary file not used: %s", exc)
        if signin.session_is_admin():
            st.warning(chrome.md("\n\n".join(p.text(ctx.lang) for p in exc.problems)))
        else:
            st.warning(t("overview.boundaries_unusable", ctx.lang))
        return None


@st.cache_resource(max_entries=4, show_spinner=False)
def _matched(
    path: str, mtime_ns: int, snapshot_id: str, _divisions: pd.DataFrame
) -> dict[str, geo.MatchResult]:
    """Keyed by the file's path and version and the snapshot (whose divisions are _divisions).
    A resource, not data: the features are shared, never copied, and nothing changes them
    (geo.rewind and the figures work on copies)."""
    return geo.match_levels(geo.read_boundaries(Path(path)).features, _divisions)


def headline_panel(ctx: context.Context) -> None:
    """One sentence on what the pilot changed in the scope, up to the view's last month: the
    first thing an official reads. Hidden when the scope has no pilot start or nothing to say."""
    settings = load_catalog().settings
    start = pilot_month(ctx)
    if not settings.headline_metrics or start is None or start >= ctx.window.end:
        return
    catalog = load_catalog()
    window = Window.of(start, ctx.window.end, ctx.snapshot.as_of)
    ids = list(settings.headline_metrics)
    kpis = fetch.kpis(ctx, ctx.selection, window, ids, filters=ctx.filters)
    pairs = [(k, is_flow_based(k.metric.id, catalog)) for k in kpis]
    text = story.headline(pairs, chrome.scope_label(ctx), ctx.lang, leader(ctx, window))
    if text:
        st.html(f'<p class="gd-headline">{html.escape(text)}</p>')


def leader(ctx: context.Context, window: Window) -> story.Leader | None:
    """The child division whose headline stock grew the most since the month before the pilot,
    relative to where it started (a small district doubling beats a large one adding more)."""
    metric_id = load_catalog().settings.headline_leader
    sel, level = ranking_selection(ctx)
    if not metric_id or ctx.selection.level == "community":
        return None
    now = fetch.values(ctx, sel, window, [metric_id], filters=ctx.filters, by=level)[metric_id]
    before = fetch.values(ctx, sel, window.previous(), [metric_id], filters=ctx.filters, by=level)
    return story.leader(now, before[metric_id], ctx.name, load_catalog()[metric_id], ctx.lang)


def map_panel(ctx: context.Context, metric_id: str, *, key: str) -> None:
    """Divisions coloured by the metric: a real choropleth when boundaries are configured, else a
    schematic tile map that needs no file and no network. A click drills into the division.

    The city map shows the districts. Inside one district, when the boundary file also has that
    district's streets, the map shows its streets instead, coloured around the district's figure."""
    matched = _boundaries(ctx)
    district = ctx.view.single_district
    if matched is not None and district:
        inside = [f for f in matched["street"].features if str(f["id"]).startswith(district)]
        if inside:
            missing = [c for c in matched["street"].missing if c.startswith(district)]
            chosen = frozenset({ctx.view.street} if ctx.view.street else ())
            area = MapArea(district, "street", inside, missing, chosen)
            _division_map(ctx, metric_id, area, key=key)
            return
    area = MapArea(
        city_code(ctx.divisions),
        "district",
        matched["district"].features if matched is not None else None,
        matched["district"].missing if matched is not None else [],
        frozenset(ctx.view.districts),
    )
    if matched is not None and matched["street"].unmatched:
        names_ = join(matched["street"].unmatched[:20], ctx.lang)
        st.warning(t("map.unmatched", ctx.lang, names=names_))
    _division_map(ctx, metric_id, area, key=key)


@dataclass(frozen=True)
class MapArea:
    """What a map shows: the divisions of `level` inside `parent`, on `features` (None: tiles),
    the ones the boundary file lacks, and the chosen ones to outline."""

    parent: str
    level: str
    features: list[dict] | None
    missing: list[str]
    chosen: frozenset[str]


def _division_map(ctx: context.Context, metric_id: str, area: MapArea, *, key: str) -> None:
    catalog = load_catalog()
    metric = catalog[metric_id]
    lang = ctx.lang
    parent = Selection.of((area.parent,), ctx.divisions) if area.level == "street" else None
    whole = parent or Selection.of((), ctx.divisions)
    frame = fetch.values(ctx, whole, ctx.window, [metric_id], filters=ctx.filters, by=area.level)
    data = frame.reset_index().rename(columns={metric_id: "value"})
    data["name"] = data["division_code"].map(names(ctx))
    digits = 1 if metric.kind == "ratio" else 0
    unit = metric.unit_label(lang)
    data["text"] = fmt.values_text(data["value"], lang, digits=digits)
    total = fetch.values(ctx, whole, ctx.window, [metric_id], filters=ctx.filters)[metric_id]
    reference = float(total.iloc[0]) if len(total) and pd.notna(total.iloc[0]) else None
    against = "map.against_parent" if parent else "map.against"
    data["hover"] = _map_hover(
        data["value"], reference, unit, digits, lang, against, ctx.name(area.parent)
    )
    colouring = maps.Colouring(
        reference,
        t("map.reference", lang, name=ctx.name(area.parent),
          value=fmt.number(reference, lang, digits=digits)) if reference is not None else "",
        area.chosen,
    )  # fmt: skip
    flow = is_flow_based(metric_id, catalog)
    title = chrome.chart_title(
        ctx,
        t(f"map.what_{area.level}", lang, metric=metric.name(lang)),
        metric.unit_label(lang),
        chrome.period_label(ctx, flow),
        scope=ctx.name(area.parent),
    )
    config = None
    if area.features is not None:
        drawn = data[data["division_code"].isin({f["id"] for f in area.features})]
        fig = maps.choropleth_figure(drawn, area.features, title, unit, colouring)
        config = maps.TOPOJSON_CONFIG
        if area.missing:
            missing = [ctx.name(c) for c in area.missing]
            level_word = t(f"param.{area.level}", lang)
            st.caption(
                t(
                    "map.missing",
                    lang,
                    n=len(missing),
                    level=level_word,
                    names=join(missing[:20], lang),
                )
            )
    else:
        layout = maps.load_tile_layout(DATA_DIR / "maps" / f"{area.parent}.tiles.csv")
        positions = maps.tile_positions(data["division_code"].tolist(), layout)
        fig = maps.tile_map_figure(data, positions, title, unit, colouring)
    event = chrome.chart(
        ctx,
        fig,
        data[["division_code", "name", "value"]],
        key=f"{key}{'-street' if area.level == 'street' else ''}-{'-'.join(ctx.selection.codes)}",
        queries=queries_for([metric_id]),
        note=t(
            f"map.note_geo_{area.level}" if area.features is not None else "map.note_tiles", lang
        ),  # fmt: skip
        on_select="rerun",
        config=config,
        metric=metric,
    )
    chrome.drill(ctx, event)


def _map_hover(
    values: pd.Series, reference, unit: str, digits: int, lang: str, against: str, parent: str
) -> list[str]:
    """An area's tooltip: the value with its unit and how far it is from its parent's figure
    (`against` names the sentence: against the city, or against the district)."""
    shown = fmt.values_text(values, lang, digits=digits, unit=unit)
    if reference is None or reference <= 0:
        return shown
    out = []
    for text, value in zip(shown, values, strict=True):
        rel = fmt.relative((value - reference) / reference, lang) if pd.notna(value) else None
        out.append(text if rel is None else t(against, lang, value=text, change=rel, name=parent))
    return out


def integration_panel(ctx: context.Context, *, key: str) -> None:
    """The integration ratios over time: volunteers per social worker, co-delivered share."""
    st.markdown(f"**{t('integration.heading', ctx.lang)}**")
    for metric_id in load_catalog().settings.integration_metrics:
        trend_panel(ctx, metric_id, key=f"{key}-{metric_id}", height=300, ticks=4)


def pilot_highlights(ctx: context.Context) -> None:
    """Pilot communities inside the selection: cards for those with their own brands or
    programmes, and a compact list of the others (a long wall of empty cards helps nobody)."""
    lang = ctx.lang
    d = ctx.divisions
    pilots = d[d["code"].isin(pilot_communities(d))]
    sel = ctx.selection
    if sel.level != "city":
        pilots = pilots[pilots["code"].str[: len(sel.codes[0])].isin(sel.codes)]
    st.subheader(t("highlights.heading", lang), anchor=False)
    if pilots.empty:
        chrome.empty(ctx, "highlights.none")
        return
    # One query for the whole scope (programmes below it), then split by owner.
    root = sel.codes[0] if sel.single else city_code(ctx.divisions)
    progs = fetch.programmes_for(ctx, root)
    branded, plain = [], []
    by_owner = {owner: rows for owner, rows in progs.groupby("owner_code", sort=False)}
    for code in pilots["code"]:
        own = by_owner.get(code, progs.iloc[:0])
        (branded if len(own) else plain).append((code, own))
    st.caption(t("highlights.count", lang, n=len(pilots), branded=len(branded)))
    if branded:
        cols = st.columns(min(3, len(branded)))
        for i, (code, own) in enumerate(branded):
            with cols[i % len(cols)], st.container(border=True):
                programme_card_header(ctx, code)
                for _, p in own.iterrows():
                    kind = label("programme_kinds", p["kind"], lang)
                    name = p[f"name_{lang}"] if isinstance(p[f"name_{lang}"], str) else p["name_zh"]
                    st.markdown(f"**{chrome.md(name)}** · {chrome.md(kind)}")
                    text = p.get(f"description_{lang}")
                    if isinstance(text, str) and text:
                        st.caption(chrome.md(text))
                if st.button(t("highlights.open", lang), key=f"pilot-{code}"):
                    # The community's profile, not the overview of it: the view is applied at
                    # the top of the profile page's run.
                    sidebar.set_view(ctx.view.drill(code, ctx.options))
                    st.switch_page("pages/community.py")
    if plain:
        with st.expander(t("highlights.others", lang, n=len(plain))):
            rows = [
                {
                    t("col.community", lang): ctx.name(code),
                    t("col.where", lang): " › ".join(
                        ctx.name(c) for c in ancestry(ctx.divisions, code)[1:-1]
                    ),
                }
                for code, _ in plain
            ]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def programme_card_header(ctx: context.Context, code: str) -> None:
    chain = ancestry(ctx.divisions, code)[1:]
    # A heading element, not markdown "####", which adds an English "Link to heading" anchor.
    st.html(f'<h4 class="gd-card-title">{html.escape(ctx.name(code))}</h4>')
    st.caption(" › ".join(chrome.md(ctx.name(c)) for c in chain[:-1]))
