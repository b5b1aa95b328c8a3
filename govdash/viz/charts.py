"""Plotly figure builders: DataFrame in, Figure out. Styling lives here so every chart matches.

Figures and traces are built with `_validate=False`: Plotly's validation checks every property
against its schema on every build and cost a third of a warm page's CPU (the districts page:
486 ms with it, 309 ms without, bench in the #25 notes). These builders are checked by their
tests (tests/test_charts.py asserts the figures' data) and drawn by the browser tests instead.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from govdash.core.text import fmt

# Colour-blind-safe qualitative palette (Paul Tol's muted and light schemes), for categories that
# are told apart by colour (activity categories in a stacked bar). A ranking of one measure uses
# one hue (HUE), with the chosen division in a contrasting one (HIGHLIGHT): a colour per district
# says nothing there, and fourteen of them cannot all be told apart.
PALETTE = [
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#77AADD",
    "#EE8866",
    "#BBCC33",
    "#555555",
    "#99DDFF",
    "#FFAABB",
]
HUE = "#4477AA"  # Tol's bright blue
SHORT_BAR = 0.15  # a bar shorter than this share of the axis holds no label inside
PALE = "#BBCCEE"  # Tol's light blue: a bar below its target
HIGHLIGHT = "#EE7733"  # Tol's vibrant orange: apart from the blue in every kind of colour vision
PILOT_COLOUR = "#CC3311"
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


GRID = {"gridcolor": "#eeeeee", "zeroline": False}


def _merged(base: dict, changes: dict) -> dict:
    """`changes` merged into `base` as update_layout merges: dicts recursively, anything else
    (lists of shapes or annotations included) replaced."""
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def relayout(fig: go.Figure, changes: dict) -> go.Figure:
    """The figure with its layout updated, as a new figure built without validation.

    `fig.update_layout` validates the whole layout again on every call: one pilot line on a grid
    of 15 panels cost 80 ms that way, against 10 ms for this rebuild from the figure's plain
    values. Nested names are written as dicts ({"margin": {"t": 70}}), not as `margin_t`."""
    data, layout = _plain(fig)
    return go.Figure(_validate=False, data=data, layout=_merged(layout, changes))


def _plain(fig: go.Figure) -> tuple[list[dict], dict]:
    """The traces and the layout as plain values (copies), arrays kept as arrays (to_dict would
    turn numbers into base64 blobs, which code reading `fig.data` afterwards cannot use)."""
    return [trace.to_plotly_json() for trace in fig.data], fig.layout.to_plotly_json()


def _layout(
    fig: go.Figure,
    title: str,
    height: int,
    *,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    subplots: bool = False,
    rebuild: bool = True,
) -> go.Figure:
    """The shared look, set in one update: every update of a Plotly figure walks and validates
    it again, and those walks were most of a warm page run (see relayout). `rebuild=False` for
    a figure whose traces are heavy to copy (a map's GeoJSON)."""
    axes = {}
    if not subplots:  # one pair of axes; a grid of subplots comes with its axes set
        axes = {"xaxis": {**GRID, **(xaxis or {})}, "yaxis": {**GRID, **(yaxis or {})}}
    changes = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": FONT, "size": 13},
        "height": height,
        "margin": {"l": 10, "r": 20, "t": 84, "b": 10},
        "plot_bgcolor": "white",
        "showlegend": False,
        **axes,
    }
    # update_layout validates what it changes, a rebuild copies the whole layout: with the axes
    # (tick arrays) the update is the larger (trend: 13 ms against 5), on a grid of panels the
    # layout is (15 panels: 30 ms against 64).
    return fig.update_layout(**changes) if subplots or not rebuild else relayout(fig, changes)


def value_axis(values: Iterable[object], lang: str, suffix: str = "") -> dict:
    """A value axis labelled the way the page writes numbers (0, 2万, 4万; 0, 20K, 40K), from
    round ticks computed here: Plotly's own formats know no 万, and its SI suffixes read as English
    in the Chinese UI. Whole numbers never repeat (no 0 1 1 2 2 3 under a bar of 3)."""
    finite = pd.to_numeric(pd.Series(list(values)), errors="coerce").dropna()
    low = float(finite.min()) if len(finite) else 0.0
    high = float(finite.max()) if len(finite) else 0.0
    ticks = fmt.nice_ticks(low, high)
    top = max(abs(low), abs(high))
    return {"tickmode": "array", "tickvals": ticks,
            "ticktext": fmt.tick_labels(ticks, lang, suffix, ref=top or None)}  # fmt: skip


def month_axis(lang: str) -> dict:
    """Month ticks as each language writes them: 2025年6月, Jun 2025."""
    return {"type": "date", "tickformat": MONTH_FORMAT[lang]}


def month_hover(lang: str) -> str:
    return "%{x|" + MONTH_FORMAT[lang] + "}"


MONTH_FORMAT = {"zh": "%Y年%-m月", "en": "%b %Y"}
SEP = {"zh": "：", "en": ": "}  # between a name and its value in a tooltip


def pilot_marker(fig: go.Figure, month: dt.date | None, label: str) -> go.Figure:
    """The figure with a dashed line where the pilot began, on each x axis (each panel of a grid)
    whose data span that month, so every time chart shows the before and after. Named
    "pilot-start" so tests can find it. The axes and their spans come from the traces, one pass,
    vectorised; the figure is rebuilt once (relayout), not validated again."""
    if month is None:
        return fig
    x = pd.Timestamp(month)
    data, layout = _plain(fig)
    spans: dict[str, tuple[pd.Timestamp, pd.Timestamp]] = {}
    for tr in data:
        if tr.get("x") is None or not len(tr["x"]):
            continue
        xs = pd.to_datetime(pd.Series(tr["x"]), errors="coerce").dropna()
        if xs.empty:
            continue
        axis = tr.get("xaxis") or "x"
        low, high = spans.get(axis, (xs.min(), xs.max()))
        spans[axis] = (min(low, xs.min()), max(high, xs.max()))
    shapes, notes = list(layout.get("shapes", [])), list(layout.get("annotations", []))
    for axis, (low, high) in spans.items():
        if not (low <= x <= high):
            continue
        yref = axis.replace("x", "y") + " domain"  # its own panel, not the whole figure
        shapes.append({"type": "line", "name": "pilot-start", "xref": axis, "yref": yref,
                       "x0": x, "x1": x, "y0": 0, "y1": 1,
                       "line": {"color": PILOT_COLOUR, "width": 1.5, "dash": "dash"}})  # fmt: skip
        if len(spans) == 1:  # on a grid the label would sit on a panel's title
            notes.append({"text": esc(label), "name": "pilot-start", "xref": axis, "yref": yref,
                          "x": x, "y": 1, "xanchor": "left", "yanchor": "bottom",
                          "showarrow": False, "font": {"size": 12, "color": PILOT_COLOUR}})  # fmt: skip
    layout = {**layout, "shapes": shapes, "annotations": notes}
    return go.Figure(_validate=False, data=data, layout=layout)


def trend_figure(
    frame: pd.DataFrame,
    title: str,
    x_label: str,
    y_label: str,
    *,
    lang: str = "zh",
    unit: str = "",
    digits: int = 0,
) -> go.Figure:
    """One metric month by month; the tooltip gives the month and the value with its unit."""
    fig = go.Figure(
        _validate=False,
        data=go.Scatter(
            _validate=False,
            x=pd.to_datetime(frame["month"]),
            y=frame["value"],
            mode="lines+markers",
            line={"color": HUE, "width": 2.5},
            marker={"size": 5},
            customdata=fmt.values_text(frame["value"], lang, digits=digits, unit=unit),
            hovertemplate=month_hover(lang) + SEP[lang] + "%{customdata}<extra></extra>",
        ),
    )
    return _layout(
        fig,
        title,
        380,
        # nticks: plotly spaces them for the chart's real width, so narrow charts stay legible.
        xaxis={"title": {"text": x_label}, **month_axis(lang), "nticks": 6, "tickangle": 0},
        yaxis={"title": {"text": y_label}, "rangemode": "tozero",
               **value_axis(frame["value"], lang)},
    )  # fmt: skip


DARK_GROUND = "#0E1117"
DARK_INK = "#E6E9EF"
DARK_GRID = "#2A3342"
DARK_HUE = "#77AADD"


def dark(fig: go.Figure) -> go.Figure:
    """The 大屏 (big screen) theme: light text and thin grid lines on the page's dark ground.
    Colours set on single labels (the pilot marker, a target's note) stay; data colours stay,
    as they are chosen to read on white and on black alike."""
    fig.update_layout(
        paper_bgcolor=DARK_GROUND,
        plot_bgcolor=DARK_GROUND,
        font_color=DARK_INK,
        title_font_color=DARK_INK,
    )
    axes = {"gridcolor": DARK_GRID, "linecolor": DARK_GRID, "zerolinecolor": DARK_GRID,
            "tickfont_color": DARK_INK, "title_font_color": DARK_INK}  # fmt: skip
    fig.update_xaxes(**axes)
    fig.update_yaxes(**axes)
    # The blue of a single line is too dark to follow on black: its lighter sister in Tol's set.
    fig.update_traces(line_color=DARK_HUE, marker_color=DARK_HUE, selector={"type": "scatter"})
    return fig


def wrap(text: str, width_px: float, font_px: float) -> str:
    """Text broken with <br> so each line fits `width_px` at `font_px` (a CJK character is about
    one em wide, other characters about half), at spaces when there are any. Plotly cuts a title
    that is too long for its chart instead of wrapping it."""
    per_line = max(int(width_px / font_px), 4)  # in ems
    lines, line, used = [], "", 0.0
    words = text.split(" ") if " " in text else list(text)
    sep = " " if " " in text else ""
    for word in words:
        size = sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in word) + (0.3 if sep else 0)
        if line and used + size > per_line:
            lines.append(line)
            line, used = word, size
        else:
            line, used = (line + sep + word if line else word), used + size
    return "<br>".join([*lines, line])


def projector(fig: go.Figure, font: int, height: int) -> go.Figure:
    """A chart for a projector or a slide: large text, a set height, room for the title."""
    fig.update_layout(
        font={"size": font},
        title={"font": {"size": font + 8}},
        legend={"font": {"size": font - 2}},
        height=height,
        margin={"t": 70, "b": 50, "l": 80, "r": 30},
    )
    fig.update_annotations(font_size=font)
    fig.update_xaxes(tickfont_size=font - 2, title_font_size=font)
    fig.update_yaxes(tickfont_size=font - 2, title_font_size=font)
    return fig


def ranking_figure(
    frame: pd.DataFrame,
    title: str,
    value_label: str,
    *,
    lang: str = "zh",
    unit: str = "",
    digits: int = 0,
    chosen: frozenset[str] | set[str] = frozenset(),
) -> go.Figure:
    """Horizontal bars, highest at the top, in one hue; the chosen divisions stand out. Each bar's
    value is written beside it, and the axis leaves room for the longest one."""
    ordered = frame.iloc[::-1]
    values = ordered["value"]
    labels = fmt.values_text(values, lang, digits=digits)
    top = pd.to_numeric(values, errors="coerce").max()
    longest = max((len(x) for x in labels), default=1)
    axis = value_axis(values, lang)
    names = [esc(n) for n in ordered["name"]]
    if pd.notna(top) and top > 0:  # room for the labels outside the longest bar
        axis["range"] = [0, top * (1 + 0.028 * longest + 0.04)]
    fig = go.Figure(
        _validate=False,
        data=go.Bar(
            _validate=False,
            x=values,
            y=names,
            orientation="h",
            marker={"color": [HIGHLIGHT if c in chosen else HUE for c in ordered["division_code"]]},
            text=labels,
            textposition="outside",
            cliponaxis=False,
            customdata=ordered["division_code"],
            hovertext=fmt.values_text(values, lang, digits=digits, unit=unit),
            hovertemplate="%{y}" + SEP[lang] + "%{hovertext}<extra></extra>",
        ),
    )
    return _layout(
        fig,
        title,
        max(320, 34 * len(frame) + 90),
        xaxis={"title": {"text": value_label}, **axis},
        # Every name, named explicitly: on a short chart Plotly would drop every other one.
        yaxis={
            "type": "category",
            "automargin": True,
            "tickmode": "array",
            "tickvals": names,
            "ticktext": names,
        },  # fmt: skip
    )


def esc(text: object) -> str:
    """Data text for Plotly, which reads a subset of HTML in labels: names must stay text."""
    return html.escape(str(text), quote=False)


def highlight(
    fig: go.Figure, start: dt.date | str, end: dt.date | str, label: str = ""
) -> go.Figure:
    """The figure with the selected months shaded on its time axis. A plain rectangle shape and annotation, not
    add_vrect, which costs a walk of the whole figure per call."""
    x0 = pd.Timestamp(start) - pd.Timedelta(days=14)
    x1 = pd.Timestamp(end) + pd.Timedelta(days=14)
    shape = {"type": "rect", "xref": "x", "yref": "paper", "x0": x0, "x1": x1, "y0": 0, "y1": 1,
             "fillcolor": "#DDCC77", "opacity": 0.25, "line": {"width": 0}}  # fmt: skip
    layout = fig.layout.to_plotly_json()
    extra = {"shapes": [*layout.get("shapes", []), shape]}
    if label:
        note = {"text": label, "xref": "x", "yref": "paper", "x": x0, "y": 1, "xanchor": "left",
                "yanchor": "top", "showarrow": False, "font": {"size": 11}}  # fmt: skip
        extra["annotations"] = [*layout.get("annotations", []), note]
    return relayout(fig, extra)


def small_multiples_figure(
    long: pd.DataFrame,
    title: str,
    names: dict[str, str],
    *,
    columns: int = 4,
    lang: str = "zh",
    unit: str = "",
    digits: int = 0,
    chosen: frozenset[str] | set[str] = frozenset(),
) -> go.Figure:
    """A small trend chart per division on one shared y axis, so levels compare at a glance; one
    hue, the chosen division in the highlight colour.

    The grid is laid out here, as one layout dict, rather than with make_subplots, which
    validated the figure once per panel: 180 ms for 13 districts, most of a warm page run."""
    codes = sorted(long["division_code"].unique())
    rows = max(1, -(-len(codes) // columns))
    h_gap, v_gap = 0.03, 0.32 / rows + 0.04
    width = (1 - (columns - 1) * h_gap) / columns
    height = (1 - (rows - 1) * v_gap) / rows
    parts = dict(tuple(long.groupby("division_code", sort=True)))
    y_axis = value_axis(long["value"], lang)
    traces, layout, titles = [], {}, []
    for i, code in enumerate(codes):
        row, col = divmod(i, columns)
        n = "" if i == 0 else str(i + 1)
        left, top = col * (width + h_gap), 1 - row * (height + v_gap)
        layout[f"xaxis{n}"] = {
            **GRID, **month_axis(lang), "domain": _span(left, left + width), "anchor": f"y{n}",
            "nticks": 3, "showticklabels": i + columns >= len(codes),  # the lowest in its column
            **({} if i == 0 else {"matches": "x"}),
        }  # fmt: skip
        layout[f"yaxis{n}"] = {
            **GRID, **y_axis, "domain": _span(top - height, top), "anchor": f"x{n}",
            "rangemode": "tozero", "showticklabels": col == 0,
            **({} if i == 0 else {"matches": "y"}),
        }  # fmt: skip
        titles.append(
            {
                "text": esc(names.get(code, code)),
                "x": left + width / 2,
                "y": top,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }  # fmt: skip
        )
        part = parts[code]
        traces.append(
            go.Scatter(
                _validate=False,
                x=pd.to_datetime(part["month"]),
                y=part["value"],
                mode="lines",
                line={"color": HIGHLIGHT if code in chosen else HUE, "width": 2},
                name=esc(names.get(code, code)),
                customdata=fmt.values_text(part["value"], lang, digits=digits, unit=unit),
                hovertemplate=month_hover(lang)
                + SEP[lang]
                + "%{customdata}<extra>%{fullData.name}</extra>",
                xaxis=f"x{n}",
                yaxis=f"y{n}",
            )
        )
    fig = go.Figure(_validate=False, data=traces, layout={**layout, "annotations": titles})
    return _layout(fig, title, 150 * rows + 110, subplots=True)


def _span(start: float, end: float) -> list[float]:
    """A domain inside [0, 1] despite float error in the sums that place it."""
    return [max(0.0, round(start, 9)), min(1.0, round(end, 9))]


def stacked_bar_figure(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    colour: str,
    title: str,
    colour_names: dict[str, str],
    x_names: dict[str, str] | None = None,
    y_label: str = "",
    horizontal: bool = False,
    percent: bool = False,
    height: int = 380,
    lang: str = "zh",
    unit: str = "",
    months: bool = False,
) -> go.Figure:
    """Bars split by a category (team types, categories, target groups); optionally as shares.
    With months=True the x column holds months and the axis is a time axis."""
    data = frame.copy()
    totals = data.groupby(x)[y].transform("sum")
    if percent:
        data[y] = 100 * data[y] / totals.where(totals != 0)
    traces = []
    groups = dict(tuple(data.groupby(colour, sort=False)))
    for i, key in enumerate(colour_names):
        part = groups.get(key)
        if part is None or part.empty:
            continue
        if months:
            xs = pd.to_datetime(part[x])
        else:
            xs = [esc((x_names or {}).get(v, v)) for v in part[x]]
        shown = (
            [
                fmt.with_unit(fmt.number(v, lang, digits=1, compact=False), "%", lang)
                for v in part[y]
            ]
            if percent
            else fmt.values_text(part[y], lang, unit=unit)
        )
        where = (month_hover(lang) + " ") if months else ""
        traces.append(
            go.Bar(
                _validate=False,
                x=part[y] if horizontal else xs,
                y=xs if horizontal else part[y],
                orientation="h" if horizontal else "v",
                name=esc(colour_names[key]),
                marker={"color": PALETTE[i % len(PALETTE)]},
                customdata=list(part[x].astype(str)) if months else list(part[x]),
                hovertext=shown,
                hovertemplate=where
                + "%{fullData.name}"
                + SEP[lang]
                + "%{hovertext}<extra></extra>",
            )
        )
    fig = go.Figure(_validate=False, data=traces)
    scale = [0, 100] if percent else [0, float(totals.max()) if len(totals) else 0.0]
    value = {"title": {"text": y_label}, "rangemode": "tozero",
             **value_axis(scale, lang, "%" if percent else "")}  # fmt: skip
    category = {"type": "category", "automargin": True}
    if horizontal:
        category["autorange"] = "reversed"
    if months:
        category = {**month_axis(lang), "nticks": 12}
    fig = _layout(
        fig,
        title,
        height,
        xaxis=value if horizontal else category,
        yaxis=category if horizontal else value,
    )
    fig.update_layout(barmode="stack", showlegend=True, legend={"orientation": "h", "y": -0.18})
    return fig


def target_figure(
    frame: pd.DataFrame,
    title: str,
    value_label: str,
    target: float,
    target_label: str,
    *,
    lang: str = "zh",
    unit: str = "",
    digits: int = 0,
) -> go.Figure:
    """The ranking with a target line; bars that reach the target are solid, the rest pale. The
    values sit inside the bars at their base, where the target line never crosses them (beside
    the bar end, a value near the target was struck through by the line)."""
    fig = ranking_figure(frame, title, value_label, lang=lang, unit=unit, digits=digits)
    values = frame.iloc[::-1]["value"].fillna(0)
    reached = [v >= target for v in values]
    # A bar too short to hold its value gets it beside its end, far below the target anyway.
    short = [v < SHORT_BAR * max(float(values.max()), target) for v in values]
    fig.update_traces(
        marker_color=[HUE if r else PALE for r in reached],
        textposition=["outside" if s else "inside" for s in short],
        insidetextanchor="start",
        textangle=0,
        textfont_color=[
            "#222222" if s or not r else "white" for r, s in zip(reached, short, strict=True)
        ],
        constraintext="none",
    )
    fig.add_vline(
        x=target,
        line_dash="dash",
        line_color="#CC3311",
        annotation_text=target_label,
        annotation_position="top",
        annotation_font_color="#CC3311",
    )
    return fig


def histogram_figure(
    frame: pd.DataFrame,
    title: str,
    phase_names: dict[str, str],
    x_label: str,
    y_label: str,
    hover: str = "%{x}h: %{y:.1f}% (%{customdata:,})",
) -> go.Figure:
    """Response-time bins as shares of each phase's requests, so phases of unequal length compare."""
    fig = go.Figure(_validate=False)
    for i, (phase, name) in enumerate(phase_names.items()):
        part = frame[frame["phase"] == phase]
        if part.empty:
            continue
        share = 100 * part["requests"] / part["requests"].sum()
        fig.add_trace(
            go.Bar(
                _validate=False,
                x=part["bin_start"],
                y=share,
                name=esc(name),
                marker={"color": [PALETTE[6], PALETTE[2]][i % 2]},
                customdata=part["requests"],
                hovertemplate=hover + "<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="group", bargap=0.15)
    fig.update_xaxes(title_text=x_label, dtick=12)
    fig.update_yaxes(title_text=y_label, ticksuffix="%", rangemode="tozero")
    fig = _layout(fig, title, 380)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2})
    return fig


def dumbbell_figure(
    frame: pd.DataFrame,
    title: str,
    before: str,
    after: str,
    x_label: str,
    *,
    lang: str = "zh",
    unit: str = "",
) -> go.Figure:
    """Before and after per division (columns name, division_code, before, after) on one line each."""
    data = frame.sort_values("after", ascending=False, kind="stable")
    names = [esc(n) for n in data["name"]]
    fig = go.Figure(_validate=False)
    for _, row in data.iterrows():
        fig.add_trace(
            go.Scatter(
                _validate=False,
                x=[row["before"], row["after"]],
                y=[esc(row["name"])] * 2,
                mode="lines",
                line={"color": "#bbbbbb", "width": 3},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for col, name, colour in (("before", before, PALETTE[6]), ("after", after, PALETTE[2])):
        fig.add_trace(
            go.Scatter(
                _validate=False,
                x=data[col],
                y=names,
                mode="markers",
                name=esc(name),
                marker={"size": 11, "color": colour},
                customdata=data["division_code"],
                hovertext=fmt.values_text(data[col], lang, digits=1, unit=unit),
                hovertemplate="%{y}" + SEP[lang] + "%{hovertext}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_xaxes(title_text=x_label, rangemode="tozero")
    fig.update_yaxes(type="category", automargin=True, autorange="reversed")
    fig = _layout(fig, title, max(320, 30 * len(data) + 120))
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.12})
    return fig


# Reporting shares: pale when complete, red as reports go missing (ColorBrewer RdGy's red half).
SHARE_FLOOR = 50
GAP_SCALE = [[0.0, "#b2182b"], [0.5, "#ef8a62"], [0.8, "#fddbc7"], [1.0, "#f7f7f7"]]


def share_heatmap_figure(
    frame: pd.DataFrame, title: str, x_labels: list[str], y_labels: list[str], lang: str = "zh"
) -> go.Figure:
    """A percentage matrix (rows by columns, 0–100) such as reporting completeness.

    What matters is what is missing, so a full cell is pale and a gap turns red, on a scale from
    SHARE_FLOOR (and below) to 100; each cell shows its percentage."""
    z = frame.to_numpy(dtype=float)
    # Rounded down, so a cell reads 100 only when every report is in (99.6% is not complete).
    text = [["" if np.isnan(v) else str(int(np.floor(v))) for v in row] for row in z]
    fig = go.Figure(
        _validate=False,
        data=go.Heatmap(
            _validate=False,
            z=z,
            x=x_labels,
            y=[esc(y) for y in y_labels],
            colorscale=GAP_SCALE,
            zmin=SHARE_FLOOR,
            zmax=100,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 11},
            xgap=1,
            ygap=1,
            colorbar={
                "title": "%",
                "tickvals": [SHARE_FLOOR, 75, 90, 100],
                "ticktext": [f"≤{SHARE_FLOOR}", "75", "90", "100"],
            },  # fmt: skip
            hovertemplate="%{y} %{x}" + SEP[lang] + "%{z:.1f}%<extra></extra>",
        ),
    )
    fig = _layout(fig, title, 60 + 28 * len(frame))
    fig.update_yaxes(autorange="reversed")
    return fig
