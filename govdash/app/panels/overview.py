"""Panels shared by the pages: KPI cards, trends, rankings with drill-down, the map, highlights.

Each panel reads the context (language, snapshot, view), fetches cached figures and draws one block
with its title, caption, SQL and download. Pages compose panels and stay thin.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from govdash.app import context as ui
from govdash.app import sidebar
from govdash.core import figures, fmt
from govdash.core.catalog import Metric, load_catalog
from govdash.core.divisions import ancestry, city_code
from govdash.core.figures import Selection, add_months, is_flow_based
from govdash.core.i18n import month_label, t
from govdash.core.paths import DATA_DIR
from govdash.core.problems import GovdashError
from govdash.core.vocab import label
from govdash.viz import charts, geo, maps

PER_ROW = 4
TREND_MONTHS = 36


def queries_for(metric_ids: list[str], monthly: bool = False) -> list[str]:
    """The SQL files behind catalog metrics, for the "Show SQL" expander."""
    catalog = load_catalog()
    sources = {catalog[b].source for m in metric_ids for b in catalog.base_metrics(m)}
    names = {
        "headcounts": "stocks_monthly" if monthly else "stocks_by_division",
        "divisions": "division_stocks",
        "activities": "flows_monthly" if monthly else "flows_by_division",
        "resources": "resources_monthly" if monthly else "resources_by_division",
        "outcomes": "outcomes_monthly" if monthly else "outcomes_by_division",
    }
    return sorted(names[s] for s in sources)


def y_format(metric: Metric) -> str:
    return ",.4~g" if metric.kind == "ratio" else ",d"


def colours(ctx: ui.Context) -> dict[str, str]:
    """District colours, fixed by code; streets and communities take their district's colour."""
    districts = ctx.divisions.loc[ctx.divisions["level"] == "district", "code"].tolist()
    base = charts.district_colours(districts)
    out = dict(base)
    for code in ctx.divisions["code"]:
        out.setdefault(code, base.get(code[:6], charts.PALETTE[0]))
    return out


def names(ctx: ui.Context) -> dict[str, str]:
    return dict(zip(ctx.divisions["code"], ctx.divisions[f"name_{ctx.lang}"], strict=True))


def kpi_panel(ctx: ui.Context, metric_ids: list[str]) -> None:
    catalog = load_catalog()
    lang = ctx.lang
    st.subheader(t("overview.kpis", lang))
    with st.spinner(t("spinner.loading", lang)):
        kpis = ui.fetch(ctx, "kpis", ctx.selection, ctx.window, metric_ids, filters=ctx.filters)
    st.caption(
        t(
            "kpi.period_note",
            lang,
            stock=ui.period_label(ctx, flow=False),
            flow=ui.period_label(ctx, flow=True),
        )
    )
    qualified = ui.fetch(ctx, "qualifiers", ctx.selection, ctx.window.end)
    for first in range(0, len(kpis), PER_ROW):
        row = kpis[first : first + PER_ROW]
        for col, kpi in zip(st.columns(PER_ROW), row, strict=False):
            with col:
                flow = is_flow_based(kpi.metric.id, catalog)
                ui.kpi_card(ctx, kpi, flow, None if flow else qualified)


def trend_window(ctx: ui.Context, flow: bool) -> tuple:
    """Up to three years ending with the view's last (complete, for flows) month."""
    w = ctx.window
    end = w.flow_end if flow else w.end
    first = ctx.options.months[0]
    start = max(first, min(add_months(end, -(TREND_MONTHS - 1)), w.start))
    return start, end


def trend_panel(ctx: ui.Context, metric_id: str, *, key: str, height: int | None = None) -> None:
    """The metric month by month for the selection, with the view's months shaded."""
    catalog = load_catalog()
    metric = catalog[metric_id]
    lang = ctx.lang
    flow = is_flow_based(metric_id, catalog)
    start, end = trend_window(ctx, flow)
    long = ui.fetch(
        ctx,
        "series",
        ctx.selection,
        start,
        figures.month_end(end),
        [metric_id],
        filters=ctx.filters,
    )
    if long["value"].notna().sum() == 0:
        ui.empty(ctx)
        return
    title = ui.chart_title(
        ctx,
        metric.name(lang),
        metric.unit_label(lang),
        t("period.range", lang, start=month_label(start, lang), end=month_label(end, lang)),
    )
    fig = charts.trend_figure(long, title, t("axis.month", lang), metric.unit_label(lang))
    fig.update_yaxes(tickformat=y_format(metric))
    if height:
        fig.update_layout(height=height)
    w = ctx.window
    charts.highlight(fig, w.flow_start if flow else w.start, end, t("trend.selected", lang))
    note = (
        t("trend.partial_note", lang, month=month_label(w.end, lang)) if flow and w.partial else ""
    )
    data = long[["month", "value"]].assign(metric=metric_id, scope=ui.scope_label(ctx))
    ui.chart(ctx, fig, data, key=key, queries=queries_for([metric_id], monthly=True), note=note)


def ranking_selection(ctx: ui.Context) -> tuple[Selection, str]:
    """What a ranking compares: the selection's children, or a community's neighbours."""
    sel = ctx.selection
    if sel.level == "community":
        street = ctx.view.street or sel.codes[0][:9]
        return Selection.of((street,), ctx.divisions), "community"
    return sel, sel.child_level if sel.single else sel.level


def ranking_frame(ctx: ui.Context, metric_id: str) -> tuple[pd.DataFrame, str]:
    sel, level = ranking_selection(ctx)
    frame = ui.fetch(ctx, "values", sel, ctx.window, [metric_id], filters=ctx.filters, by=level)
    out = frame.reset_index().rename(columns={metric_id: "value"})
    out["name"] = out["division_code"].map(names(ctx))
    out = out.sort_values("value", ascending=False, kind="stable", na_position="last")
    out = out.reset_index(drop=True)
    out.attrs["suppressed"] = frame.attrs.get("suppressed", False)
    return out, level


def level_word(level: str, lang: str) -> str:
    """A level's name inside a sentence ("by district", "各区")."""
    text = label("levels", level, lang)
    return text.lower() if lang == "en" else text


def ranking_panel(ctx: ui.Context, metric_id: str, *, key: str, limit: int = 20) -> None:
    """Children of the selection ordered by the metric; a click drills into one."""
    catalog = load_catalog()
    metric = catalog[metric_id]
    lang = ctx.lang
    frame, level = ranking_frame(ctx, metric_id)
    if frame["value"].notna().sum() == 0:
        ui.empty(ctx)
        return
    shown = frame.head(limit)
    flow = is_flow_based(metric_id, catalog)
    what = t("ranking.what", lang, metric=metric.name(lang), level=level_word(level, lang))
    if len(frame) > limit:
        what += t("ranking.top", lang, n=limit, total=len(frame))
    title = ui.chart_title(ctx, what, metric.unit_label(lang), ui.period_label(ctx, flow))
    fig = charts.ranking_figure(shown, title, colours(ctx), metric.unit_label(lang))
    fig.update_traces(
        text=[
            fmt.number(v, lang, digits=1 if metric.kind == "ratio" else 0)
            for v in shown.iloc[::-1]["value"]
        ]
    )
    fig.update_xaxes(tickformat=y_format(metric))
    drillable = level != "community" or ctx.selection.level != "community"
    notes = [t("ranking.click", lang)] if drillable else []
    if frame.attrs.get("suppressed"):
        notes.append(t("suppressed.note", lang, n=ui.min_cell()))
    event = ui.chart(
        ctx,
        fig,
        frame[["division_code", "name", "value"]],
        key=f"{key}-{'-'.join(ctx.selection.codes)}",
        queries=queries_for([metric_id]),
        note=" · ".join(notes),
        on_select="rerun",
    )
    ui.drill(ctx, event)


def _boundaries(ctx: ui.Context):
    """Configured boundary features, or None; problems are shown, never raised."""
    try:
        path = geo.boundaries_path()
        if path is None:
            return None
        return geo.read_boundaries(path)
    except GovdashError as exc:
        st.warning("\n\n".join(p.text(ctx.lang) for p in exc.problems))
        return None


def map_panel(ctx: ui.Context, metric_id: str, *, key: str) -> None:
    """Districts coloured by the metric: a real choropleth when boundaries are configured, else a
    schematic tile map that needs no file and no network. A click drills into the district."""
    catalog = load_catalog()
    metric = catalog[metric_id]
    lang = ctx.lang
    city = city_code(ctx.divisions)
    whole = Selection.of((), ctx.divisions)
    frame = ui.fetch(
        ctx, "values", whole, ctx.window, [metric_id], filters=ctx.filters, by="district"
    )
    data = frame.reset_index().rename(columns={metric_id: "value"})
    data["name"] = data["division_code"].map(names(ctx))
    digits = 1 if metric.kind == "ratio" else 0
    data["text"] = [fmt.number(v, lang, digits=digits) for v in data["value"]]
    flow = is_flow_based(metric_id, catalog)
    title = ui.chart_title(
        ctx,
        t("map.what", lang, metric=metric.name(lang)),
        metric.unit_label(lang),
        ui.period_label(ctx, flow),
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
    event = ui.chart(
        ctx,
        fig,
        data[["division_code", "name", "value"]],
        key=f"{key}-{'-'.join(ctx.selection.codes)}",
        queries=queries_for([metric_id]),
        note=t("map.note_geo" if boundaries is not None else "map.note_tiles", lang),
        on_select="rerun",
        config=config,
    )
    ui.drill(ctx, event)


def integration_panel(ctx: ui.Context, *, key: str) -> None:
    """The integration ratios over time: volunteers per social worker, co-delivered share."""
    st.markdown(f"**{t('integration.heading', ctx.lang)}**")
    for metric_id in load_catalog().settings.get("integration_metrics", []):
        trend_panel(ctx, metric_id, key=f"{key}-{metric_id}", height=300)


def pilot_highlights(ctx: ui.Context) -> None:
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
        ui.empty(ctx, "highlights.none")
        return
    # One query for the whole scope (programmes below it), then split by owner.
    root = sel.codes[0] if sel.single else city_code(ctx.divisions)
    progs = ui.fetch(ctx, "programmes_for", root)
    branded, plain = [], []
    for code in pilots["code"]:
        own = progs[progs["owner_code"] == code]
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
                    st.markdown(f"**{ui.md(name)}** · {ui.md(kind)}")
                    text = p.get(f"description_{lang}")
                    if isinstance(text, str) and text:
                        st.caption(ui.md(text))
                if st.button(t("highlights.open", lang), key=f"pilot-{code}"):
                    sidebar.request(ctx.view.drill(code, ctx.options))
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


def programme_card_header(ctx: ui.Context, code: str) -> None:
    chain = ancestry(ctx.divisions, code)[1:]
    st.markdown(f"#### {ui.md(ctx.name(code))}")
    st.caption(" › ".join(ui.md(ctx.name(c)) for c in chain[:-1]))
