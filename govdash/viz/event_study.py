"""The pilot evaluation's chart: pilot communities and their comparison group, month by month
around each pilot community's own start (an event-study chart). The start is month 0, drawn as
the dashed line every time chart uses for the pilot; a gap that opens only from there on is what
the estimate measures, and lines that already part before it are what the pre-trend check warns
of."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from govdash.core.text import fmt
from govdash.viz.charts import GRID, HUE, PILOT_COLOUR, SEP, _layout, esc, value_axis

COMPARISON_COLOUR = "#777777"


def event_study_figure(
    lines: pd.DataFrame,
    title: str,
    *,
    names: tuple[str, str],
    x_label: str,
    start_label: str,
    month_word: str,
    tick: str = "{k}",
    lang: str = "zh",
    unit: str = "",
    height: int = 360,
) -> go.Figure:
    """`lines` as pilot_review.event_lines gives it (k, pilot, comparison); `names` are the two
    lines' legend names; `month_word` writes a tooltip's month ("第{k}个月", "month {k}")."""
    text = {
        col: fmt.values_text(lines[col], lang, digits=1, unit=unit)
        for col in ("pilot", "comparison")
    }
    months = [month_word.format(k=int(k)) for k in lines["k"]]
    traces = []
    for col, name, colour, dash in (("pilot", names[0], HUE, "solid"),
                                    ("comparison", names[1], COMPARISON_COLOUR, "dot")):  # fmt: skip
        traces.append(go.Scatter(
            _validate=False, x=lines["k"], y=lines[col], name=name, mode="lines+markers",
            line={"color": colour, "width": 2.5, "dash": dash}, marker={"size": 5},
            customdata=list(zip(months, text[col], strict=True)),
            hovertemplate=esc(name) + "<br>%{customdata[0]}" + SEP[lang]
            + "%{customdata[1]}<extra></extra>",
        ))  # fmt: skip
    fig = go.Figure(_validate=False, data=traces)
    values = pd.concat([lines["pilot"], lines["comparison"]])
    ticks = [k for k in lines["k"] if k % 3 == 0]
    # The ticks say what they count ("+3月", "+3 mo"), so a slide may drop the axis title.
    fig = _layout(
        fig,
        title,
        height,
        xaxis={"title": {"text": x_label}, "tickmode": "array", "tickvals": ticks,
               "ticktext": [tick.format(k=f"{k:+d}") if k else "0" for k in ticks],
               **GRID},
        yaxis={"rangemode": "tozero", **value_axis(values, lang)},
    )  # fmt: skip
    return fig.update_layout(
        showlegend=True,
        legend={"orientation": "h", "x": 1, "y": 1.02, "xanchor": "right", "yanchor": "bottom"},
        shapes=[{"type": "line", "name": "pilot-start", "xref": "x", "yref": "y domain",
                 "x0": 0, "x1": 0, "y0": 0, "y1": 1,
                 "line": {"color": PILOT_COLOUR, "width": 1.5, "dash": "dash"}}],
        annotations=[{"text": esc(start_label), "name": "pilot-start", "xref": "x",
                      "yref": "y domain", "x": 0, "y": 1, "xanchor": "left", "yanchor": "top",
                      "showarrow": False, "font": {"size": 12, "color": PILOT_COLOUR}}],
    )  # fmt: skip
