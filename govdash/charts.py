"""Plotly figure builders: DataFrame in, Figure out. Styling lives here so every chart matches."""

from __future__ import annotations

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


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 10, "r": 20, "t": 84, "b": 10},
        plot_bgcolor="white",
        showlegend=False,
    )
    fig.update_xaxes(gridcolor="#eeeeee", zeroline=False)
    fig.update_yaxes(gridcolor="#eeeeee", zeroline=False)
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
    months = pd.to_datetime(frame["month"])
    fig.update_xaxes(
        title_text=x_label,
        tickformat="%Y-%m",
        dtick="M3",
        tick0=months.min() if len(months) else None,
    )
    # Full digits with separators: SI suffixes (40k) read as English in the Chinese UI.
    fig.update_yaxes(title_text=y_label, rangemode="tozero", tickformat=",d")
    return _layout(fig, title, 380)


def ranking_figure(
    frame: pd.DataFrame, title: str, colours: dict[str, str], value_label: str, digits: int = 1
) -> go.Figure:
    """Horizontal bars, highest at the top; one bar per district in its own colour."""
    ordered = frame.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=ordered["value"],
            y=ordered["name"],
            orientation="h",
            marker={"color": [colours.get(c, PALETTE[0]) for c in ordered["division_code"]]},
            text=[f"{v:,.{digits}f}" for v in ordered["value"]],
            textposition="outside",
            cliponaxis=False,
            customdata=ordered["division_code"],
            hovertemplate="%{y}: %{x:,.1f}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=value_label, rangemode="tozero", tickformat=",d")
    fig.update_yaxes(type="category", automargin=True)
    return _layout(fig, title, max(320, 34 * len(frame) + 90))
