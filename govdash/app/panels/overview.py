"""总览 Overview: the panels only the overview shows (map, integration trends, pilot highlights);
the KPI cards, trend and ranking come from govdash.app.panels.shared.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import chrome, context, fetch, sidebar
from govdash.app.panels.shared import (
    names,
    queries_for,
    trend_panel,
)
from govdash.core import fmt
from govdash.core.catalog import load_catalog
from govdash.core.divisions import ancestry, city_code
from govdash.core.figures import is_flow_based
from govdash.core.i18n import t
from govdash.core.paths import DATA_DIR
from govdash.core.problems import GovdashError
from govdash.core.scope import Selection
from govdash.core.vocab import label
from govdash.viz import geo, maps


def _boundaries(ctx: context.Context):
    """Configured boundary features, or None; problems are shown, never raised."""
    try:
        path = geo.boundaries_path()
        if path is None:
            return None
        return geo.read_boundaries(path)
    except GovdashError as exc:
        st.warning("\n\n".join(p.text(ctx.lang) for p in exc.problems))
        return None


def map_panel(ctx: context.Context, metric_id: str, *, key: str) -> None:
    """Districts coloured by the metric: a real choropleth when boundaries are configured, else a
    schematic tile map that needs no file and no network. A click drills into the district."""
    catalog = load_catalog()
    metric = catalog[metric_id]
    lang = ctx.lang
    city = city_code(ctx.divisions)
    whole = Selection.of((), ctx.divisions)
    frame = fetch.values(ctx, whole, ctx.window, [metric_id], filters=ctx.filters, by="district")
    data = frame.reset_index().rename(columns={metric_id: "value"})
    data["name"] = data["division_code"].map(names(ctx))
    digits = 1 if metric.kind == "ratio" else 0
    data["text"] = [fmt.number(v, lang, digits=digits) for v in data["value"]]
    flow = is_flow_based(metric_id, catalog)
    title = chrome.chart_title(
        ctx,
        t("map.what", lang, metric=metric.name(lang)),
        metric.unit_label(lang),
        chrome.period_label(ctx, flow),
        scope=ctx.name(city),
    )
    boundaries = _boundaries(ctx)
    config = None
    if boundaries is not None:
        matched = geo.match_features(boundaries.features, ctx.divisions, "district")
        fig = maps.choropleth_figure(data, matched.features, title, metric.unit_label(lang))
        config = maps.TOPOJSON_CONFIG
        if matched.unmatched:
            st.warning(t("map.unmatched", lang, names="、".join(matched.unmatched[:20])))
        if matched.missing:
            missing = [ctx.name(c) for c in matched.missing]
            st.caption(t("map.missing", lang, n=len(missing), names="、".join(missing[:20])))
    else:
        layout = maps.load_tile_layout(DATA_DIR / "maps" / f"{city}.tiles.csv")
        positions = maps.tile_positions(data["division_code"].tolist(), layout)
        fig = maps.tile_map_figure(data, positions, title, metric.unit_label(lang))
    event = chrome.chart(
        ctx,
        fig,
        data[["division_code", "name", "value"]],
        key=f"{key}-{'-'.join(ctx.selection.codes)}",
        queries=queries_for([metric_id]),
        note=t("map.note_geo" if boundaries is not None else "map.note_tiles", lang),
        on_select="rerun",
        config=config,
    )
    chrome.drill(ctx, event)


def integration_panel(ctx: context.Context, *, key: str) -> None:
    """The integration ratios over time: volunteers per social worker, co-delivered share."""
    st.markdown(f"**{t('integration.heading', ctx.lang)}**")
    for metric_id in load_catalog().settings.integration_metrics:
        trend_panel(ctx, metric_id, key=f"{key}-{metric_id}", height=300)


def pilot_highlights(ctx: context.Context) -> None:
    """Pilot communities inside the selection: cards for those with their own brands or
    programmes, and a compact list of the others (a long wall of empty cards helps nobody)."""
    lang = ctx.lang
    d = ctx.divisions
    pilots = d[(d["level"] == "community") & d["is_pilot"].fillna(False).astype(bool)]
    sel = ctx.selection
    if sel.level != "city":
        pilots = pilots[pilots["code"].str[: len(sel.codes[0])].isin(sel.codes)]
    st.subheader(t("highlights.heading", lang))
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
    st.markdown(f"#### {chrome.md(ctx.name(code))}")
    st.caption(" › ".join(chrome.md(ctx.name(c)) for c in chain[:-1]))
