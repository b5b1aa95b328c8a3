"""The pilot evaluation on real snapshots (issue 27): the demo city's planted effect is found,
a city where the pilot changed nothing shows none, districts grow by different amounts, and the
command line prints the table the page shows."""

from __future__ import annotations

import re
import tomllib

import pandas as pd
import pytest

from govdash.cli import main
from govdash.core.data.catalog import load_catalog
from govdash.core.engine.query import connect, run_query
from govdash.core.evaluation import review as pilot_review
from govdash.core.evaluation import table as evaluation_table
from govdash.demo.build import build_demo
from govdash.demo.config import DEMO_CONFIG

SMALL_ROWS = 40_000
CITY = "420100"


def _reviews(root, snap, scope=CITY, metrics=None):
    con = connect(root)
    divisions = run_query(con, "divisions", snap)
    return pilot_review.review(con, snap, divisions=divisions, scope_code=scope, metrics=metrics)


@pytest.fixture(scope="module")
def no_effect(tmp_path_factory):
    """The demo city with every planted pilot effect set to zero in its config (a data change,
    no code): pilot communities then change as their neighbours do."""
    root = tmp_path_factory.mktemp("no-effect")
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    config = tomllib.loads(text)
    assert config["pilot_effect"], "the demo config plants an effect"
    for key in config["pilot_effect"]:
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = 0", text)
    path = root / "no_effect.toml"
    path.write_text(text, encoding="utf-8")
    assert all(v == 0 for v in tomllib.loads(text)["pilot_effect"].values())
    return root, build_demo(root, activity_rows=SMALL_ROWS, config_path=path)


def test_the_planted_effect_on_co_delivery_is_found(snapshot):
    planted = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))["pilot_effect"]
    (co,) = _reviews(snapshot.path.parent, snapshot, metrics=["co_delivery_share"])
    e = co.estimate
    assert e is not None and e.pilots >= 10 and e.comparisons >= 10 * e.pilots
    assert e.low > 0, "the demo's pilot effect on co-delivery is not found"
    assert e.covers(planted["co_delivery_points"]), (e, planted)
    assert co.pilot_since - co.pilot_before > co.comparison_since - co.comparison_before


def test_a_city_without_an_effect_shows_none(no_effect):
    root, snap = no_effect
    reviews = _reviews(root, snap, metrics=["co_delivery_share", "avg_response_hours"])
    for r in reviews:
        assert r.estimate is not None
        assert r.estimate.covers(0.0), (r.metric, r.estimate)


def test_districts_grow_by_different_amounts_since_the_pilot(snapshot):
    """The issue's complaint: every district grew by the same +35%. Registered volunteers per
    district, the month before the pilot against the last whole month."""
    con = connect(snapshot.path.parent)
    path = snapshot.table_path("headcounts")
    frame = con.execute(
        "select left(community_code, 6) as district, month, sum(registered_volunteers) as v "
        "from read_parquet($path) where month in ('2024-02-01'::date, '2025-06-01'::date) "
        "group by all",
        {"path": str(path)},
    ).df()
    wide = frame.pivot(index="district", columns="month", values="v")
    growth = (wide.iloc[:, 1] / wide.iloc[:, 0] - 1) * 100
    assert len(growth) == 13
    assert growth.max() - growth.min() > 25, growth.round(1).to_dict()
    assert (growth < 0).any(), "a district declines"


def test_each_pilot_community_is_aligned_on_its_own_start(snapshot):
    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    pilots = divisions[(divisions["level"] == "community") & divisions["is_pilot"]]
    assert pilots["pilot_start"].nunique() > 3, "pilot communities join at different months"
    frame = pilot_review.panel(con, snapshot, "co_delivery_share", divisions=divisions,
                               scope_code=CITY)  # fmt: skip
    lines = pilot_review.event_lines(frame)
    assert list(lines["k"]) == list(range(-12, 13))
    before = lines[lines["k"] < 0]
    since = lines[lines["k"] >= 0]
    gap_before = (before["pilot"] - before["comparison"]).mean()
    gap_since = (since["pilot"] - since["comparison"]).mean()
    assert gap_since - gap_before > 10, (gap_before, gap_since)


def test_a_district_with_few_pilots_is_warned_about(snapshot):
    reviews = _reviews(snapshot.path.parent, snapshot, scope="420106",
                       metrics=["co_delivery_share"])  # fmt: skip
    e = reviews[0].estimate
    assert e.pilots == 2 and "few_pilots" in e.warnings and e.pre_trend_p is None
    text = evaluation_table.sentence(reviews[0], "zh")
    assert "不是随机试验" in text and "少于 10 个" in text
    english = evaluation_table.sentence(reviews[0], "en")
    assert "not a randomised trial" in english and "fewer than 10" in english


def test_the_command_line_prints_the_page_s_table(snapshot, capsys):
    root = snapshot.path.parent
    assert main(["--data-dir", str(root), "evaluate", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    reviews = _reviews(root, snapshot)
    frame = evaluation_table.table(reviews, "zh")
    assert len(frame) == len(load_catalog().settings.evaluation_metrics)
    for row in frame.to_dict("records"):
        for header, value in row.items():
            if value:
                assert f"  {header}: {value}" in out
    for r in reviews:
        assert evaluation_table.sentence(r, "zh") in out
    assert "演示数据" in out and snapshot.id in out
    assert not re.search(r"\bnan\b|None|\{", out)


def test_the_command_line_speaks_english_and_names_a_bad_district(snapshot, capsys):
    root = snapshot.path.parent
    args = ["--data-dir", str(root), "evaluate", "--lang", "en", "--district", "420106",
            "--metric", "co_delivery_share"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Pilot evaluation · Wuchang" in out and "demo data" in out
    assert "Estimated effect: +" in out
    assert not re.search(r"[\u4e00-\u9fff]", out), "no Chinese in the English table"
    assert main(["--data-dir", str(root), "evaluate", "--district", "420199"]) == 2
    assert "420199" in capsys.readouterr().err
    assert main(["--data-dir", str(root), "evaluate", "--metric", "no_such_metric"]) == 2
    assert "no_such_metric" in capsys.readouterr().err


def test_a_panel_has_one_value_per_community_and_month(snapshot):
    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    frame = pilot_review.panel(con, snapshot, "avg_response_hours", divisions=divisions,
                               scope_code="420103")  # fmt: skip
    assert not frame.duplicated(["community", "month"]).any()
    assert set(frame["district"]) == {"420103"}
    first, last = pilot_review.window(con, snapshot)
    assert frame["month"].max() == pd.Timestamp(last) < pd.Timestamp(snapshot.as_of)
    assert frame.loc[~frame["pilot"], "start"].isna().all()
    assert frame.loc[frame["pilot"], "start"].notna().all()


def test_the_page_shows_the_table_and_the_sentences_the_command_line_prints(
    snapshot, monkeypatch, capsys
):
    from app_runner import run_page

    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.delenv("GOVDASH_BOUNDARIES", raising=False)
    at = run_page(None, "pages/outcomes.py")
    assert any(h.value == "试点成效评估" for h in at.subheader)
    effect = evaluation_table.COLUMNS.index("effect")
    (shown,) = [tb.value for tb in at.table if "估计效应" in tb.value.columns]
    assert main(["--data-dir", str(snapshot.path.parent), "evaluate", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    for row in shown.to_dict("records"):
        for header, value in row.items():
            if value:
                assert f"  {header}: {value}" in out, (header, value)
    assert len(shown.columns) == len(evaluation_table.COLUMNS) and effect
    texts = " ".join(m.value for m in at.markdown)
    assert "不是随机试验" in texts and "95%置信区间" in texts
    claim = [tb.value for tb in at.table if "报道" in tb.value.columns]
    assert claim and "提升了40%" in claim[0].to_string() and "✓" in claim[0].to_string()
    import json

    figures = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    event = [f for f in figures if "试点社区与同区对照社区" in f["layout"]["title"]["text"]]
    assert len(event) == len(load_catalog().settings.evaluation_metrics)
    names = {trace["name"] for trace in event[0]["data"]}
    assert names == {"试点社区", "同区对照社区"}


def test_the_deck_and_the_pptx_carry_the_evaluation_slide(snapshot, tmp_path):
    import io

    from pptx import Presentation

    from govdash.core.outputs.briefing import deck_content
    from govdash.core.outputs.pptx_deck import neutralise, write_deck

    con = connect(snapshot.path.parent)
    divisions = run_query(con, "divisions", snapshot)
    slides = deck_content(con, snapshot, divisions, "zh")
    (slide,) = [s for s in slides if s.kind == "evaluation"]
    assert slide.title == "试点成效评估 · 武汉市"
    reviews = _reviews(snapshot.path.parent, snapshot)
    assert slide.lead == evaluation_table.sentence(reviews[0], "zh")
    assert slide.line.kind == "event" and len(slide.line.values) == 2
    assert slide.line.keys == list(range(-12, 13))
    assert len(slide.table) == len(reviews)
    deck = Presentation(io.BytesIO(write_deck(slides, "footer", "zh")))
    (page,) = [p for p in deck.slides
               if any(s.has_text_frame and s.text_frame.text == slide.title for s in p.shapes)]  # fmt: skip
    charts = [s.chart for s in page.shapes if s.has_chart]
    tables = [s.table for s in page.shapes if s.has_table]
    assert len(charts) == 1 and len(list(charts[0].plots[0].series)) == 2
    assert charts[0].has_legend
    cells = [tables[0].cell(1, j).text for j in range(len(slide.table.columns))]
    assert cells == [str(neutralise(v)) for v in slide.table.iloc[0]]  # "+22.4…" kept text
    table_bottom = max(s.top + s.height for s in page.shapes if s.has_table)
    chart_top = min(s.top for s in page.shapes if s.has_chart)
    assert chart_top >= table_bottom, "the chart sits below the table, not over it"
