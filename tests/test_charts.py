"""The pure figure builders: DataFrame in, Figure out. Checked on the figure's own data and layout."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from govdash.core.text import fmt
from govdash.viz.charts import (
    HIGHLIGHT,
    HUE,
    PALE,
    dumbbell_figure,
    esc,
    highlight,
    histogram_figure,
    pilot_marker,
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
    fig = ranking_figure(ranking_frame(), "排名", "支", unit="支", digits=1, chosen={"420103"})
    (bar,) = fig.data
    # Plotly draws the first category at the bottom, so the frame is reversed.
    assert list(bar.customdata) == ["420102", "420103", "420106"]
    assert list(bar.y) == ["江岸区", esc(XSS), "武昌区"]
    assert list(bar.text) == ["—", "412.2", "533.0"]
    assert list(bar.hovertext) == ["—", "412.2支", "533.0支"], "tooltips carry the unit"
    # One hue for one measure; the chosen division stands out.
    assert list(bar.marker.color) == [HUE, HIGHLIGHT, HUE]
    assert fig.layout.height == 320  # a short ranking keeps a readable minimum height


def test_ranking_leaves_room_for_the_longest_value_label():
    frame = pd.DataFrame({"division_code": ["a", "b"], "name": ["甲", "乙"], "value": [562.0, 9.0]})
    axis = ranking_figure(frame, "排名", "名").layout.xaxis
    assert axis.range[1] > 562 * 1.1, "a label outside the longest bar must not be cut"


def test_ranking_values_share_the_largest_values_scale():
    frame = pd.DataFrame(
        {"division_code": ["a", "b"], "name": ["甲", "乙"], "value": [525_200.0, 8_612.0]}
    )
    zh = ranking_figure(frame, "排名", "名").data[0]
    assert list(zh.text) == ["0.86万", "52.52万"]
    en = ranking_figure(frame, "rank", "people", lang="en", unit="people").data[0]
    assert list(en.hovertext) == ["8.6K people", "525.2K people"]


def test_target_figure_pales_bars_below_the_target_and_draws_the_line():
    fig = target_figure(ranking_frame(), "目标", "支", target=500, target_label="目标 500")
    assert list(fig.data[0].marker.color) == [PALE, PALE, HUE]
    # The values sit inside the bars, at their base, where the target line cannot cross them; a
    # bar too short to hold one (here the missing value) has it beside its end.
    assert list(fig.data[0].textposition) == ["outside", "inside", "inside"]
    assert fig.data[0].insidetextanchor == "start" and fig.data[0].textangle == 0
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 500
    assert fig.layout.annotations[0].text == "目标 500"


def test_highlight_shades_the_selected_months_with_a_margin():
    fig = trend_figure(pd.DataFrame({"month": ["2025-01-01"], "value": [1]}), "t", "", "")
    fig = highlight(fig, "2025-01-01", "2025-06-01", "所选时段")
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
    names = {"420102": "江岸区", "420103": XSS, "420106": "武昌区"}
    fig = small_multiples_figure(long, "趋势", names, columns=2, chosen={"420106"})
    assert [t.name for t in fig.data] == ["江岸区", esc(XSS), "武昌区"]
    assert [t.line.color for t in fig.data] == [HUE, HUE, HIGHLIGHT]
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


def test_share_heatmap_makes_gaps_stand_out_and_never_rounds_up_to_complete():
    frame = pd.DataFrame([[100.0, 99.6], [0.0, math.nan]])
    fig = share_heatmap_figure(frame, "填报完整度", ["2025-05", "2025-06"], ["江汉区", XSS])
    (heat,) = fig.data
    assert (heat.zmin, heat.zmax) == (50, 100), "a fixed scale: 50% and below is the darkest"
    assert heat.colorscale[-1][1] == "#f7f7f7" and heat.colorscale[0][1] == "#b2182b"
    assert [list(row) for row in heat.text] == [["100", "99"], ["0", ""]]
    assert list(heat.y) == ["江汉区", esc(XSS)]
    assert fig.layout.height == 60 + 28 * 2


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ([3, 3, 2], ["0", "1", "2", "3"]),  # small counts: one tick per whole number
        ([0.4, 0.25, 0.1], ["0", "0.1", "0.2", "0.3", "0.4"]),  # small ratios keep a decimal
        ([540.2, 120.0, 33.0], ["0", "200", "400", "600"]),
        ([82_000.0, 1.0, 2.0], ["0", "2万", "4万", "6万", "8万", "10万"]),  # 万, as labels say
    ],
)
def test_ranking_ticks_never_repeat_a_label(values, ticks):
    frame = pd.DataFrame(
        {"division_code": ["a", "b", "c"], "name": ["甲", "乙", "丙"], "value": values}
    )
    axis = ranking_figure(frame, "排名", "场").layout.xaxis
    assert list(axis.ticktext) == ticks
    assert len(set(axis.ticktext)) == len(axis.ticktext)


def test_month_axes_read_the_chinese_way_and_the_english_way():
    frame = pd.DataFrame({"month": ["2025-05-01", "2025-06-01"], "value": [10, 12_000]})
    zh = trend_figure(frame, "t", "月份", "场", unit="场")
    assert zh.layout.xaxis.tickformat == "%Y年%-m月"
    assert zh.data[0].hovertemplate.startswith("%{x|%Y年%-m月}：")
    assert list(zh.data[0].customdata) == ["10场", "1.2万场"], "a small value keeps its own scale"
    en = trend_figure(frame, "t", "Month", "activities", lang="en", unit="activities")
    assert en.layout.xaxis.tickformat == "%b %Y"
    assert list(en.data[0].customdata) == ["10 activities", "12K activities"]


def test_pilot_marker_is_drawn_only_where_the_data_spans_the_pilot_month():
    frame = pd.DataFrame({"month": ["2024-01-01", "2024-06-01"], "value": [1, 2]})
    fig = pilot_marker(trend_figure(frame, "t", "", ""), dt.date(2024, 3, 1), "试点启动")
    (line,) = [s for s in fig.layout.shapes if s.name == "pilot-start"]
    assert pd.Timestamp(line.x0) == pd.Timestamp("2024-03-01")
    assert [a.text for a in fig.layout.annotations if a.name == "pilot-start"] == ["试点启动"]
    later = pilot_marker(trend_figure(frame, "t", "", ""), dt.date(2025, 3, 1), "试点启动")
    assert not later.layout.shapes, "a marker outside the chart's months would stretch its axis"


@pytest.mark.parametrize(
    ("value", "lang", "text"),
    [
        (8_612, "zh", "8,612"),
        (129_700, "zh", "12.97万"),
        (6_649_900, "zh", "664.99万"),
        (123_456_789, "zh", "1.23亿"),
        (129_700, "en", "129.7K"),
        (6_649_900, "en", "6.6M"),
    ],
)
def test_numbers_are_written_in_wan_and_yi_or_k_and_m(value, lang, text):
    assert fmt.number(value, lang) == text


def test_a_change_is_written_in_the_scale_of_its_figure():
    assert fmt.signed_delta(8_612, "名", "stock", "zh", ref=525_200) == "+0.86万"
    assert fmt.signed_delta(8_612, "名", "stock", "zh", ref=9_000) == "+8,612"


def test_pilot_marker_stays_inside_each_panel_of_a_grid():
    long = pd.DataFrame(
        {
            "division_code": ["a", "a", "b", "b"],
            "month": ["2024-01-01", "2024-06-01"] * 2,
            "value": [1, 2, 3, 4],
        }
    )
    fig = pilot_marker(
        small_multiples_figure(long, "t", {"a": "甲", "b": "乙"}), dt.date(2024, 3, 1), "试点启动"
    )
    marks = [s for s in fig.layout.shapes if s.name == "pilot-start"]
    assert [(s.xref, s.yref) for s in marks] == [("x", "y domain"), ("x2", "y2 domain")]
    assert not [a for a in fig.layout.annotations if a.name == "pilot-start"], "no label on a grid"
