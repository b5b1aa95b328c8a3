"""Plotly figure builders: DataFrame in, Figure out. Styling lives here so every chart matches."""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import plotly.graph_objects as go

# Colour-blind-safe qualitative palette (Paul Tol's muted and light schemes), one colour per district
# in code order so a district keeps its colour on every chart.
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
FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"


def district_colours(district_codes: list[str]) -> dict[str, str]:
    return {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(sorted(district_codes))}


GRID = {"gridcolor": "#eeeeee", "zeroline": False}


def _layout(
    fig: go.Figure,
    title: str,
    height: int,
    *,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    subplots: bool = False,
) -> go.Figure:
    """The shared look, set in one update: every update of a Plotly figure walks and validates
    it again, and those walks were most of a warm page run."""
    axes = {}
    if not subplots:  # one pair of axes; a grid of subplots comes with its axes set
        axes = {"xaxis": {**GRID, **(xaxis or {})}, "yaxis": {**GRID, **(yaxis or {})}}
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 20, "t": 84, "b": 10},
        plot_bgcolor="white",
        showlegend=False,
        **axes,
    )
    return fig


def trend_figure(frame: pd.DataFrame, title: str, x_label: str, y_label: str) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=pd.to_datetime(frame["month"]),
            y=frame["value"],
            mode="lines+markers",
            line={"color": PALETTE[0], "width": 2.5},
            marker={"size": 5},
            hovertemplate="%{x|%Y-%m}: %{y:,.0f}<extra></extra>",
        )
    )
    return _layout(
        fig,
        title,
        380,
        # nticks: plotly spaces them for the chart's real width, so narrow charts stay legible.
        xaxis={"title": {"text": x_label}, "tickformat": "%Y-%m", "nticks": 8},
        # Full digits with separators: SI suffixes (40k) read as English in the Chinese UI.
        yaxis={"title": {"text": y_label}, "rangemode": "tozero", "tickformat": ",d"},
    )


def ranking_figure(
    frame: pd.DataFrame, title: str, colours: dict[str, str], value_label: str, digits: int = 1
) -> go.Figure:
    """Horizontal bars, highest at the top; one bar per district in its own colour."""
    ordered = frame.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=ordered["value"],
            y=[esc(n) for n in ordered["name"]],
            orientation="h",
            marker={"color": [colours.get(c, PALETTE[0]) for c in ordered["division_code"]]},
            text=["—" if pd.isna(v) else f"{v:,.{digits}f}" for v in ordered["value"]],
            textposition="outside",
            cliponaxis=False,
            customdata=ordered["division_code"],
            hovertemplate="%{y}: %{x:,.1f}<extra></extra>",
        )
    )
    return _layout(
        fig,
        title,
        max(320, 34 * len(frame) + 90),
        xaxis={"title": {"text": value_label}, "rangemode": "tozero",
               **_value_ticks(ordered["value"])},
        yaxis={"type": "category", "automargin": True},
    )  # fmt: skip


def _value_ticks(values: pd.Series) -> dict:
    """Whole-number tick labels that never repeat: below 10, Plotly puts ticks at halves, and a
    whole-number format printed 0 1 1 2 2 3 under a bar of 3 activities."""
    top = values.abs().max()
    if pd.isna(top) or top >= 10:
        return {"tickformat": ",d"}
    if (values.dropna() % 1 == 0).all():
        return {"tickformat": ",d", "dtick": 1}
    return {"tickformat": ",.1f"}


def esc(text: object) -> str:
    """Data text for Plotly, which reads a subset of HTML in labels: names must stay text."""
    return html.escape(str(text), quote=False)


def highlight(
    fig: go.Figure, start: dt.date | str, end: dt.date | str, label: str = ""
) -> go.Figure:
    """Shade the selected months on a time axis. A plain rectangle shape and annotation, not
    add_vrect, which costs a walk of the whole figure per call."""
    x0 = pd.Timestamp(start) - pd.Timedelta(days=14)
    x1 = pd.Timestamp(end) + pd.Timedelta(days=14)
    shape = {"type": "rect", "xref": "x", "yref": "paper", "x0": x0, "x1": x1, "y0": 0, "y1": 1,
             "fillcolor": "#DDCC77", "opacity": 0.25, "line": {"width": 0}}  # fmt: skip
    extra = {"shapes": [*fig.layout.shapes, shape]}
    if label:
        note = {"text": label, "xref": "x", "yref": "paper", "x": x0, "y": 1, "xanchor": "left",
                "yanchor": "top", "showarrow": False, "font": {"size": 11}}  # fmt: skip
        extra["annotations"] = [*fig.layout.annotations, note]
    fig.update_layout(**extra)
    return fig


def small_multiples_figure(
    long: pd.DataFrame,
    title: str,
    colours: dict[str, str],
    names: dict[str, str],
    *,
    columns: int = 4,
    y_format: str = ",d",
) -> go.Figure:
    """A small trend chart per division on one shared y axis, so levels compare at a glance.

    The grid is laid out here, as one layout dict, rather than with make_subplots, which
    validated the figure once per panel: 180 ms for 13 districts, most of a warm page run."""
    codes = sorted(long["division_code"].unique())
    rows = max(1, -(-len(codes) // columns))
    h_gap, v_gap = 0.03, 0.32 / rows + 0.04
    width = (1 - (columns - 1) * h_gap) / columns
    height = (1 - (rows - 1) * v_gap) / rows
    parts = dict(tuple(long.groupby("division_code", sort=True)))
    traces, layout, titles = [], {}, []
    for i, code in enumerate(codes):
        row, col = divmod(i, columns)
        n = "" if i == 0 else str(i + 1)
        left, top = col * (width + h_gap), 1 - row * (height + v_gap)
        layout[f"xaxis{n}"] = {
            **GRID, "domain": _span(left, left + width), "anchor": f"y{n}", "tickformat": "%y-%m",
            "nticks": 4, "showticklabels": i + columns >= len(codes),  # the lowest in its column
            **({} if i == 0 else {"matches": "x"}),
        }  # fmt: skip
        layout[f"yaxis{n}"] = {
            **GRID, "domain": _span(top - height, top), "anchor": f"x{n}", "rangemode": "tozero",
            "tickformat": y_format, "nticks": 4, "showticklabels": col == 0,
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
        traces.append(
            go.Scatter(
                x=pd.to_datetime(parts[code]["month"]),
                y=parts[code]["value"],
                mode="lines",
                line={"color": colours.get(code, PALETTE[0]), "width": 2},
                name=esc(names.get(code, code)),
                hovertemplate="%{x|%Y-%m}: %{y:,.1f}<extra>%{fullData.name}</extra>",
                xaxis=f"x{n}",
                yaxis=f"y{n}",
            )
        )
    fig = go.Figure(data=traces, layout={**layout, "annotations": titles})
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
) -> go.Figure:
    """Bars split by a category (team types, categories, target groups); optionally as shares."""
    data = frame.copy()
    if percent:
        totals = data.groupby(x)[y].transform("sum")
        data[y] = 100 * data[y] / totals.where(totals != 0)
    traces = []
    groups = dict(tuple(data.groupby(colour, sort=False)))
    for i, key in enumerate(colour_names):
        part = groups.get(key)
        if part is None or part.empty:
            continue
        xs = [esc((x_names or {}).get(v, v)) for v in part[x]]
        traces.append(
            go.Bar(
                x=part[y] if horizontal else xs,
                y=xs if horizontal else part[y],
                orientation="h" if horizontal else "v",
                name=esc(colour_names[key]),
                marker={"color": PALETTE[i % len(PALETTE)]},
                customdata=list(part[x]),
                hovertemplate="%{fullData.name}: %{"
                + ("x" if horizontal else "y")
                + (":.1f}%" if percent else ":,.0f}")
                + "<extra></extra>",
            )
        )
    fig = go.Figure(data=traces)
    value = {"title": {"text": y_label}, "tickformat": ",d" if not percent else ".0f",
             "rangemode": "tozero"}  # fmt: skip
    category = {"type": "category", "automargin": True}
    if horizontal:
        category["autorange"] = "reversed"
    _layout(
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
    colours: dict[str, str],
    value_label: str,
    target: float,
    target_label: str,
) -> go.Figure:
    """The ranking with a target line; bars that reach the target are solid, the rest faded."""
    fig = ranking_figure(frame, title, colours, value_label)
    reached = [v >= target for v in frame.iloc[::-1]["value"].fillna(0)]
    fig.update_traces(marker_opacity=[1.0 if r else 0.45 for r in reached])
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
    frame: pd.DataFrame, title: str, phase_names: dict[str, str], x_label: str, y_label: str
) -> go.Figure:
    """Response-time bins as shares of each phase's requests, so phases of unequal length compare."""
    fig = go.Figure()
    for i, (phase, name) in enumerate(phase_names.items()):
        part = frame[frame["phase"] == phase]
        if part.empty:
            continue
        share = 100 * part["requests"] / part["requests"].sum()
        fig.add_trace(
            go.Bar(
                x=part["bin_start"],
                y=share,
                name=esc(name),
                marker={"color": [PALETTE[6], PALETTE[2]][i % 2]},
                customdata=part["requests"],
                hovertemplate="%{x}h: %{y:.1f}% (%{customdata:,})<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(barmode="group", bargap=0.15)
    fig.update_xaxes(title_text=x_label, dtick=12)
    fig.update_yaxes(title_text=y_label, ticksuffix="%", rangemode="tozero")
    _layout(fig, title, 380)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2})
    return fig


def dumbbell_figure(
    frame: pd.DataFrame, title: str, before: str, after: str, x_label: str
) -> go.Figure:
    """Before and after per division (columns name, division_code, before, after) on one line each."""
    data = frame.sort_values("after", ascending=False, kind="stable")
    names = [esc(n) for n in data["name"]]
    fig = go.Figure()
    for _, row in data.iterrows():
        fig.add_trace(
            go.Scatter(
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
                x=data[col],
                y=names,
                mode="markers",
                name=esc(name),
                marker={"size": 11, "color": colour},
                customdata=data["division_code"],
                hovertemplate="%{y}: %{x:.1f}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_xaxes(title_text=x_label, rangemode="tozero")
    fig.update_yaxes(type="category", automargin=True, autorange="reversed")
    _layout(fig, title, max(320, 30 * len(data) + 120))
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.12})
    return fig


def share_heatmap_figure(
    frame: pd.DataFrame, title: str, x_labels: list[str], y_labels: list[str]
) -> go.Figure:
    """A percentage matrix (rows by columns, 0–100) such as reporting completeness."""
    fig = go.Figure(
        go.Heatmap(
            z=frame.to_numpy(),
            x=x_labels,
            y=[esc(y) for y in y_labels],
            colorscale="Blues",
            zmin=0,
            zmax=100,
            colorbar={"title": "%"},
            hovertemplate="%{y} %{x}: %{z:.0f}%<extra></extra>",
        )
    )
    _layout(fig, title, 60 + 28 * len(frame))
    fig.update_yaxes(autorange="reversed")
    return fig
