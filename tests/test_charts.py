"""The pure figure builders: DataFrame in, Figure out. Checked on the figure's own data and layout."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from govdash.viz.charts import (
    PALETTE,
    district_colours,
    dumbbell_figure,
    esc,
    highlight,
    histogram_figure,
    ranking_figure,
    share_heatmap_figure,
    small_multiples_figure,
    stacked_bar_figure,
    target_figure,
    trend_figure,
)

XSS = "<img src=x onerror=alert(1)>"


def ranking_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "division_code": ["420106", "420103", "420102"],
            "name": ["武昌区", XSS, "江岸区"],
            "value": [533.0, 412.25, float("nan")],
        }
    )


def test_district_colours_follow_code_order_and_ignore_input_order():
    colours = district_colours(["420106", "420102", "420103"])
    assert colours == {"420102": PALETTE[0], "420103": PALETTE[1], "420106": PALETTE[2]}
    assert colours == district_colours(["420103", "420106", "420102"])


def test_esc_keeps_names_as_text():
    assert esc(XSS) == "&lt;img src=x onerror=alert(1)&gt;"
    assert esc("江汉区 & Co") == "江汉区 &amp; Co"
    assert esc(42) == "42"


def test_trend_figure_plots_months_in_order_from_zero():
    frame = pd.DataFrame({"month": ["2025-05-01", "2025-06-01"], "value": [10, 12]})
    fig = trend_figure(frame, "标题<br><sup>单位</sup>", "月份", "场")
    (trace,) = fig.data
    assert [pd.Timestamp(x).strftime("%Y-%m") for x in trace.x] == ["2025-05", "2025-06"]
    assert list(trace.y) == [10, 12]
    assert fig.layout.yaxis.rangemode == "tozero" and fig.layout.yaxis.title.text == "场"
    assert fig.layout.title.text == "标题<br><sup>单位</sup>"


def test_ranking_figure_puts_the_highest_on_top_and_marks_missing_values():
    colours = {"420106": "#111111", "420103": "#222222"}
    fig = ranking_figure(ranking_frame(), "排名", colours, "支", digits=1)
    (bar,) = fig.data
    # Plotly draws the first category at the bottom, so the frame is reversed.
    assert list(bar.customdata) == ["420102", "420103", "420106"]
    assert list(bar.y) == ["江岸区", esc(XSS), "武昌区"]
    assert list(bar.text) == ["—", "412.2", "533.0"]
    assert list(bar.marker.color) == [PALETTE[0], "#222222", "#111111"]
    assert fig.layout.height == 320  # a short ranking keeps a readable minimum height


def test_target_figure_fades_bars_below_the_target_and_draws_the_line():
    fig = target_figure(ranking_frame(), "目标", {}, "支", target=500, target_label="目标 500")
    assert list(fig.data[0].marker.opacity) == [0.45, 0.45, 1.0]
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 500
    assert fig.layout.annotations[0].text == "目标 500"


def test_highlight_shades_the_selected_months_with_a_margin():
    fig = trend_figure(pd.DataFrame({"month": ["2025-01-01"], "value": [1]}), "t", "", "")
    highlight(fig, "2025-01-01", "2025-06-01", "所选时段")
    (shade,) = fig.layout.shapes
    assert pd.Timestamp(shade.x0) == pd.Timestamp("2024-12-18")
    assert pd.Timestamp(shade.x1) == pd.Timestamp("2025-06-15")
    assert fig.layout.annotations[0].text == "所选时段"


def test_small_multiples_give_each_division_a_panel_on_a_shared_axis():
    long = pd.DataFrame(
        {
            "division_code": ["420103", "420103", "420106", "420106", "420102"],
            "month": ["2025-05-01", "2025-06-01"] * 2 + ["2025-06-01"],
            "value": [1, 2, 3, 4, 5],
        }
    )
    colours = district_colours(["420102", "420103", "420106"])
    names = {"420102": "江岸区", "420103": XSS, "420106": "武昌区"}
    fig = small_multiples_figure(long, "趋势", colours, names, columns=2)
    assert [t.name for t in fig.data] == ["江岸区", esc(XSS), "武昌区"]
    assert [t.line.color for t in fig.data] == [colours[c] for c in ("420102", "420103", "420106")]
    assert [a.text for a in fig.layout.annotations] == ["江岸区", esc(XSS), "武昌区"]
    assert fig.layout.height == 150 * 2 + 110  # three panels in two columns: two rows


@pytest.mark.parametrize("percent", [False, True])
def test_stacked_bars_split_by_category_and_optionally_as_shares(percent):
    frame = pd.DataFrame(
        {
            "division_code": ["420103", "420103", "420106"],
            "team_type": ["community", "party_member", "community"],
            "teams": [30, 10, 20],
        }
    )
    fig = stacked_bar_figure(
        frame,
        x="division_code",
        y="teams",
        colour="team_type",
        title="队伍构成",
        colour_names={"community": "社区", "party_member": "党员", "university": "高校"},
        x_names={"420103": "江汉区", "420106": "武昌区"},
        percent=percent,
    )
    assert [t.name for t in fig.data] == ["社区", "党员"], "empty categories get no trace"
    community = fig.data[0]
    assert list(community.x) == ["江汉区", "武昌区"]
    expected = [75.0, 100.0] if percent else [30, 20]
    assert list(community.y) == pytest.approx(expected)
    assert fig.layout.barmode == "stack" and fig.layout.showlegend


def test_histogram_shows_each_phase_as_shares_of_its_own_requests():
    frame = pd.DataFrame(
        {
            "phase": ["before", "before", "since"],
            "bin_start": [0, 12, 0],
            "requests": [30, 10, 5],
        }
    )
    fig = histogram_figure(
        frame, "响应时间", {"before": "试点前", "since": "试点以来"}, "小时", "%"
    )
    before, since = fig.data
    assert list(before.y) == pytest.approx([75.0, 25.0])
    assert list(since.y) == pytest.approx([100.0])
    assert list(before.customdata) == [30, 10] and before.name == "试点前"


def test_dumbbell_orders_by_the_after_value_and_links_each_pair():
    frame = pd.DataFrame(
        {
            "name": ["江汉区", "武昌区"],
            "division_code": ["420103", "420106"],
            "before": [30.0, 40.0],
            "after": [20.0, 25.0],
        }
    )
    fig = dumbbell_figure(frame, "平均响应时间", "试点前", "试点以来", "小时")
    links = [t for t in fig.data if t.mode == "lines"]
    assert [list(t.x) for t in links] == [[40.0, 25.0], [30.0, 20.0]]
    before, after = (t for t in fig.data if t.mode == "markers")
    assert list(after.y) == ["武昌区", "江汉区"] and list(after.x) == [25.0, 20.0]
    assert list(before.customdata) == ["420106", "420103"]


def test_share_heatmap_is_fixed_to_zero_to_hundred():
    frame = pd.DataFrame([[100.0, 50.0], [0.0, math.nan]])
    fig = share_heatmap_figure(frame, "填报完整度", ["2025-05", "2025-06"], ["江汉区", XSS])
    (heat,) = fig.data
    assert (heat.zmin, heat.zmax) == (0, 100)
    assert list(heat.y) == ["江汉区", esc(XSS)]
    assert fig.layout.height == 60 + 28 * 2


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ([3, 3, 2], {"tickformat": ",d", "dtick": 1}),  # small counts: one tick per whole number
        ([0.4, 0.25, 0.1], {"tickformat": ",.1f", "dtick": None}),  # small ratios keep a decimal
        ([540.2, 120.0, 33.0], {"tickformat": ",d", "dtick": None}),
    ],
)
def test_ranking_ticks_never_repeat_a_label(values, ticks):
    frame = pd.DataFrame(
        {"division_code": ["a", "b", "c"], "name": ["甲", "乙", "丙"], "value": values}
    )
    axis = ranking_figure(frame, "排名", {}, "场").layout.xaxis
    assert {"tickformat": axis.tickformat, "dtick": axis.dtick} == ticks
