"""Real Streamlit (AppTest) on a real snapshot: every page, both languages, every shared filter
arriving through the URL, drill-down, the breadcrumb, the map, and figures checked against DuckDB.
"""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from app_runner import run_page
from streamlit.testing.v1 import AppTest

from govdash.core.text.fmt import number, relative
from govdash.core.text.i18n import t

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
PAGES = {
    "pages/overview.py": "overview.heading",
    "pages/districts.py": "districts.heading",
    "pages/community.py": "profile.heading",
    "pages/activities.py": "activities.heading",
    "pages/outcomes.py": "outcomes.heading",
    "pages/data.py": "data.heading",
    "pages/import.py": "import.heading",
}
NO_CHARTS = {"pages/data.py", "pages/import.py"}


@pytest.fixture()
def app_env(snapshot, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(snapshot.path.parent))
    monkeypatch.delenv("GOVDASH_BOUNDARIES", raising=False)
    return snapshot


def _run(query: dict | None = None, page: str | None = None) -> AppTest:
    return run_page(query, page)


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def _array(encoded) -> np.ndarray:
    """Plotly writes numeric arrays as base64 typed arrays ({"dtype": "f8", "bdata": ...})."""
    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"])
    return np.array(encoded, dtype=float)


def _text(at: AppTest) -> str:
    return " ".join(x.value for x in [*at.title, *at.markdown, *at.caption, *at.subheader])


def _count(con, snapshot, where: str) -> int:
    sql = (
        "select count(*) from read_parquet($a) a left join read_parquet($t) t using (team_id) "
        "where " + where
    )
    params = {"a": str(snapshot.table_path("activities")), "t": str(snapshot.table_path("teams"))}
    return con.execute(sql, params).fetchone()[0]


# Two links carry every shared filter between them: a drill down to one community over a period,
# and the facet filters on a district. With the default view, three runs per page prove that each
# page renders in each language and that each URL filter is parsed and reaches each page.
DRILL = {
    "district": "420106",
    "street": "420106012",
    "community": "420106012001",
    "start": "2025-01",
    "end": "2025-06",
}
FACETS = {
    "district": "420103",
    "category": "child_care",
    "group": "children",
    "team": "community",
    "metric": "activities",
}
STATE = {  # URL parameter -> (session-state key, value after parsing)
    "district": ("f_districts", lambda v: [v]),
    "street": ("f_street", str),
    "community": ("f_community", str),
    "category": ("f_categories", lambda v: [v]),
    "group": ("f_groups", lambda v: [v]),
    "team": ("f_teams", lambda v: [v]),
    "metric": ("f_metric", str),
}


def _assert_link_reached_the_page(at: AppTest, query: dict) -> None:
    assert not at.error, [e.value for e in at.error]
    for param, value in query.items():
        if param in STATE:
            key, parse = STATE[param]
            assert at.session_state[key] == parse(value), param
        assert at.query_params[param] == value, f"the URL still describes the view: {param}"


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_its_default_view_in_chinese(app_env, page):
    at = _run(None, page)
    assert not at.error
    assert t(PAGES[page], "zh", scope="").strip(" ·") in at.title[0].value
    if page in NO_CHARTS:
        return
    assert "武汉" in at.title[0].value
    figures = _figures(at)
    assert figures, "every analysis page draws at least one chart"
    for fig in figures:
        assert "<sup>" in fig["layout"]["title"]["text"], "titles carry unit, period and scope"
        # ... and where the figure comes from, so a PNG saved from the toolbar says it (#28)
        assert "数据截至2025年7月18日 · 演示数据</sup>" in fig["layout"]["title"]["text"]
    downloads = [d for d in at.get("download_button") if "XLSX" in d.proto.label]
    assert len(downloads) >= len(figures), "every chart has an XLSX download too"
    downloads = [d for d in at.get("download_button") if "CSV" in d.proto.label]
    assert len(downloads) >= len(figures), "every chart has a download"
    # Officials see figures, not SQL or snapshot ids; the details switch shows both.
    assert not [e for e in at.expander if e.label == "查看SQL"]
    assert app_env.id not in _text(at) + " ".join(c.value for c in at.caption)
    detailed = _run({"details": "true"}, page)
    sql = [e for e in detailed.expander if e.label == "查看SQL"]
    assert len(sql) >= len(figures), "every chart has its SQL"
    assert all(code.language == "sql" for e in sql for code in e.code)
    assert app_env.id in " ".join(c.value for c in detailed.caption)


@pytest.mark.parametrize("page", list(PAGES))
def test_a_drill_down_link_with_a_period_reaches_every_page(app_env, page):
    at = _run(DRILL, page)
    _assert_link_reached_the_page(at, DRILL)
    if page not in NO_CHARTS:
        assert "张家湾社区" in at.title[0].value
        shown = _text(at) + " ".join(str(f["layout"]) for f in _figures(at))
        assert "2025年6月" in shown, "the chosen period is shown"


@pytest.mark.parametrize("page", list(PAGES))
def test_facet_filters_reach_every_page_in_english(app_env, page):
    at = _run({"lang": "English", **FACETS}, page)
    _assert_link_reached_the_page(at, FACETS)
    assert t(PAGES[page], "en", scope="").strip(" ·") in at.title[0].value
    if page not in NO_CHARTS:
        assert "Jianghan" in at.title[0].value
        assert _figures(at), "the filtered view still draws its charts"


def test_snapshot_filter_reaches_the_pages(app_env):
    at = _run({"snapshot": app_env.id, "details": "true"}, "pages/data.py")
    assert at.session_state["f_snapshot"] == app_env.id
    assert any(app_env.id in str(df.value.values) for df in at.dataframe)
    # and which engine built the rollups its figures are read from (GOVDASH_ENGINE)
    facts = at.dataframe[0].value
    assert facts.set_index(facts.columns[0]).loc["汇总表计算引擎"].iloc[0] == "DuckDB"


def test_kpis_equal_independent_duckdb_aggregates(app_env, con):
    snap = app_env
    # One month after the pilot began: the card leads with the change since the pilot's first
    # month (flows: June 2025 against March 2024, the same length of time when it began).
    at = _run({"start": "2025-07", "end": "2025-07", "district": "420103",
               "category": "elderly_care"})  # fmt: skip
    cards = {m.label: m for m in at.metric}
    june = _count(
        con,
        snap,
        "date between '2025-06-01' and '2025-06-30' and category = 'elderly_care' "
        "and starts_with(a.community_code, '420103')",
    )
    march = _count(
        con,
        snap,
        "date between '2024-03-01' and '2024-03-31' and category = 'elderly_care' "
        "and starts_with(a.community_code, '420103')",
    )
    assert cards["服务活动"].value == number(june, "zh") + "场"
    sign = "+" if june >= march else "-"
    share = relative((june - march) / march, "zh")
    assert (
        cards["服务活动"].delta == f"{sign}{number(abs(june - march), 'zh', ref=june)}（{share}）"
    )
    # Each community's latest report in the three months up to July (some July reports are late).
    volunteers = con.execute(
        "select sum(v) from (select arg_max(registered_volunteers, month) as v "
        "from read_parquet($p) where month between $m - interval 2 month and $m "
        "and starts_with(community_code, '420103') group by community_code)",
        {"p": str(snap.table_path("headcounts")), "m": snap.as_of.replace(day=1)},
    ).fetchone()[0]
    assert cards["注册志愿者"].value == number(volunteers, "zh") + "名"


def test_activities_page_counts_the_filtered_period(app_env, con):
    at = _run(
        {"start": "2025-01", "end": "2025-06", "district": "420106", "team": "party_member"},
        "pages/activities.py",
    )
    n = _count(
        con,
        app_env,
        "date between '2025-01-01' and '2025-06-30' and team_type = 'party_member' "
        "and starts_with(a.community_code, '420106')",
    )
    assert f"**{number(n, 'zh', compact=False)}**" in _text(at)
    table = at.dataframe[0].value
    wuchang = con.execute(
        "select name_zh from read_parquet($p) where level = 'community' "
        "and starts_with(code, '420106')",
        {"p": str(app_env.table_path("divisions"))},
    ).df()["name_zh"]
    assert len(table) == 50 and set(table["社区"]) <= set(wuchang)
    assert (table["日期"].diff().dropna() <= pd.Timedelta(0)).all()  # newest first


def test_hostile_link_values_fall_back_with_a_notice(app_env):
    at = _run({"district": "' OR 1=1 --", "metric": "<script>", "start": "1900-01"})
    assert at.session_state["f_districts"] == []
    assert any("链接中的部分参数无效" in i.value for i in at.info)
    assert "district" not in at.query_params and "metric" not in at.query_params


def test_clicking_a_district_bar_drills_down_and_the_breadcrumb_goes_back(app_env):
    at = _run()
    at.session_state["overview-ranking-420100"] = {
        "selection": {"points": [{"customdata": "420103", "y": "江汉区"}]}
    }
    at.run()
    assert not at.exception
    assert at.session_state["f_districts"] == ["420103"]
    assert at.query_params["district"] == "420103"
    assert "江汉区" in at.title[0].value
    ranking = [f for f in _figures(at) if "各街道" in f["layout"]["title"]["text"]]
    assert ranking, "the ranking now compares the district's streets"
    city = next(b for b in at.button if b.key == "crumb-city")
    city.click().run()
    assert at.session_state["f_districts"] == []
    assert "district" not in at.query_params


def test_configured_boundaries_draw_a_choropleth_and_list_unmatched(app_env, tmp_path, monkeypatch):
    def square(x: float, y: float) -> list:
        return [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]]

    features = [
        {
            "type": "Feature",
            "properties": {"name": "江汉区"},
            "geometry": {"type": "Polygon", "coordinates": square(114.2, 30.6)},
        },
        {
            "type": "Feature",
            "properties": {"adcode": "420106"},
            "geometry": {"type": "Polygon", "coordinates": square(114.3, 30.5)},
        },
        {
            "type": "Feature",
            "properties": {"name": "不存在区"},
            "geometry": {"type": "Polygon", "coordinates": square(114.5, 30.5)},
        },
    ]
    path = tmp_path / "districts.geojson"
    path.write_text(json.dumps(features, ensure_ascii=False), encoding="utf-8")  # a bare list
    monkeypatch.setenv("GOVDASH_BOUNDARIES", str(path))
    at = _run()
    maps = [f for f in _figures(at) if f["data"][0]["type"] == "choropleth"]
    assert maps, "the overview map is a choropleth"
    assert set(maps[0]["data"][0]["locations"]) >= {"420103", "420106"}
    assert any("不存在区" in w.value for w in at.warning)


def _square(x: float, y: float, size: float = 0.1) -> list:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def _area(geometry_at: tuple[float, float], size: float = 0.1, **props) -> dict:
    coordinates = _square(*geometry_at, size)
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": coordinates}}  # fmt: skip


def test_inside_a_district_the_map_shows_its_streets_when_the_file_has_them(
    app_env, snapshot, tmp_path, monkeypatch
):
    """One file with districts and some of 武昌区's streets: the city map draws the districts
    (the streets are not "unmatched districts"); drilled into 武昌区 it draws those streets,
    coloured around the district's figure, names the ones it lacks, and a click drills on; in
    江汉区, which has no streets in the file, the city map stays, with 江汉区 outlined."""
    from govdash.core.engine.query import connect, run_query

    divisions = run_query(connect(snapshot.path.parent), "divisions", snapshot)
    streets = divisions[
        (divisions["level"] == "street") & divisions["code"].str.startswith("420106")
    ]
    drawn = streets["code"].tolist()[:3]
    features = [
        _area((114.2, 30.6), name="江汉区"),
        _area((114.3, 30.5), adcode="420106"),
        _area((114.30, 30.50), 0.03, adcode=drawn[0] + "000"),  # padded to 12 digits
        _area((114.33, 30.50), 0.03, code=drawn[1]),
        _area((114.36, 30.50), 0.03, name=streets.iloc[2]["name_zh"]),
    ]
    path = tmp_path / "districts-and-streets.geojson"
    path.write_text(json.dumps(features, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("GOVDASH_BOUNDARIES", str(path))

    def choropleth(at: AppTest) -> dict:
        return next(f for f in _figures(at) if f["data"][0]["type"] == "choropleth")

    at = _run()
    city = choropleth(at)
    assert set(city["data"][0]["locations"]) == {"420103", "420106"}
    assert not [w.value for w in at.warning if "边界" in w.value or "要素" in w.value]

    at = _run({"district": "420106"})
    fig = choropleth(at)
    assert sorted(fig["data"][0]["locations"]) == sorted(drawn)
    assert "各街道" in fig["layout"]["title"]["text"]
    assert all("较武昌区" in h for h in fig["data"][0]["hovertext"])
    lacking = len(streets) - len(drawn)
    assert any(f"{lacking}个街道在边界文件中没有对应的形状" in c.value for c in at.caption)
    at.session_state["overview-map-street-420106"] = {
        "selection": {"points": [{"customdata": drawn[1], "location": drawn[1]}]}
    }
    at.run()
    assert not at.exception
    assert at.query_params["street"] == drawn[1]
    widths = choropleth(at)["data"][0]["marker"]["line"]["width"]
    chosen = choropleth(at)["data"][0]["locations"].index(drawn[1])
    assert widths[chosen] == max(widths) > min(widths), "the chosen street is outlined"

    at = _run({"district": "420103"})
    fig = choropleth(at)
    assert set(fig["data"][0]["locations"]) == {"420103", "420106"}
    widths = fig["data"][0]["marker"]["line"]["width"]
    assert widths[fig["data"][0]["locations"].index("420103")] == max(widths) > min(widths)


def test_without_boundaries_the_map_is_a_tile_map(app_env):
    at = _run()
    tiles = [f for f in _figures(at) if f["data"][0].get("marker", {}).get("symbol") == "square"]
    assert tiles and len(tiles[0]["data"][0]["customdata"]) >= 13


def test_bad_snapshot_shows_chinese_error_not_traceback(snapshot, tmp_path, monkeypatch):
    bad = tmp_path / snapshot.id
    bad.mkdir()
    for f in snapshot.path.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    manifest = json.loads((bad / "manifest.json").read_text())
    manifest["schema_version"] = 7
    (bad / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(tmp_path))
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    assert not at.exception
    # A visitor reads the reason in a few words; the file's path is for the log and admins.
    assert at.error and "数据格式版本不受支持" in at.error[0].value
    assert str(tmp_path) not in at.error[0].value.replace("\\", "")
    assert "联系管理员" in at.info[0].value  # a visitor cannot repair the folder: the admin can


def test_missing_configured_folder_is_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(tmp_path / "missing"))
    at = AppTest.from_file(DASHBOARD, default_timeout=120).run()
    assert not at.exception
    assert "数据文件夹不存在" in at.error[0].value
    assert not (tmp_path / "missing").exists()  # a typo is not silently turned into a new folder


def test_every_streamlit_cache_is_bounded():
    """Query results are cached per snapshot and parameters; memory must stay bounded."""
    found = 0
    for path in [*ROOT.glob("govdash/**/*.py"), *ROOT.glob("pages/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "cache_data":
                found += 1
                names = {k.arg for k in node.keywords}
                assert names & {"max_entries", "ttl"}, f"{path.name}:{node.lineno} is unbounded"
    assert found >= 3


def test_a_district_keeps_its_colour_on_every_chart(app_env):
    def colour_of(fig: dict, code: str) -> str:
        for trace in fig["data"]:
            data = trace.get("customdata") or []
            colours = trace.get("marker", {}).get("color")
            if code in data and isinstance(colours, list):
                return colours[data.index(code)]
        raise AssertionError("district not in figure")

    overview = _run()
    districts = _run(page="pages/districts.py")
    ranking = next(f for f in _figures(overview) if "各区" in f["layout"]["title"]["text"])
    compare = _figures(districts)[0]
    for code in ("420103", "420106", "420117"):
        assert colour_of(ranking, code) == colour_of(compare, code)
    multiples = next(f for f in _figures(districts) if "xaxis13" in f["layout"])
    jianghan = next(tr for tr in multiples["data"] if tr["name"] == "江汉区")
    assert jianghan["line"]["color"] == colour_of(ranking, "420103")


def test_an_empty_selection_says_what_to_do_next(app_env, con):
    empty = con.execute(
        "select c.code from read_parquet($d) c where c.level = 'community' and c.code not in "
        "(select community_code from read_parquet($a) where date between '2025-06-01' and "
        "'2025-06-30' and category = 'emergency') order by c.code limit 1",
        {"d": str(app_env.table_path("divisions")), "a": str(app_env.table_path("activities"))},
    ).fetchone()[0]
    query = {
        "district": empty[:6],
        "street": empty[:9],
        "community": empty,
        "category": "emergency",
    }
    query |= {"start": "2025-06", "end": "2025-06"}
    at = _run(query, "pages/activities.py")
    assert any("暂无数据" in i.value for i in at.info)
    assert "**0**" in _text(at)


def test_the_snapshot_selector_switches_between_good_snapshots(snapshot, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from govdash.core.data.contract import TABLES
    from govdash.core.engine.publish import write_snapshot

    tables = {n: pq.read_table(snapshot.table_path(n)) for n in TABLES if snapshot.has_table(n)}
    older = write_snapshot(
        tables, as_of=snapshot.as_of.replace(day=1), provenance="demo", root=tmp_path
    )
    newer = write_snapshot(tables, as_of=snapshot.as_of, provenance="demo", root=tmp_path)
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(tmp_path))
    at = _run(page="pages/data.py")
    assert at.session_state["f_snapshot"] == newer.id
    at = _run({"snapshot": older.id, "details": "true"}, "pages/data.py")
    assert at.session_state["f_snapshot"] == older.id
    assert older.id in " ".join(str(df.value.values) for df in at.dataframe)
    assert at.query_params["snapshot"] == older.id


def test_table_downloads_are_the_snapshot_tables(snapshot):
    import io

    import openpyxl

    from govdash.app.panels.data import _csv, _xlsx

    book = openpyxl.load_workbook(io.BytesIO(_xlsx(snapshot, "programmes")), read_only=True)
    about, data = book.worksheets
    assert about.title == "说明" and "服务品牌与项目" in next(about.values)[0]
    rows = list(data.values)
    assert len(rows) == snapshot.row_counts["programmes"] + 1
    assert rows[0][0] == "项目编号 (programme_id)", "Chinese header, machine name beside it"
    # The CSV starts with one line saying what the table is, then the header.
    csv = pd.read_csv(io.BytesIO(_csv(snapshot, "divisions")), skiprows=1, dtype=str)
    assert len(csv) == snapshot.row_counts["divisions"]
    assert "420103" in set(csv["区划代码 (code)"])


def test_small_counts_of_vulnerable_people_are_not_shown(app_env, con):
    query = {"district": "420105", "metric": "children_in_difficulty_served"}
    at = _run(query, "pages/districts.py")
    bars = _figures(at)[0]["data"][0]
    values = _array(bars["x"])
    assert all(v >= 5 or v == 0 for v in values[~np.isnan(values)])
    hidden = con.execute(
        "select count(*) from (select left(division_code, 9) as s, sum(value) as v from "
        "(select division_code, arg_max(value, month) as value from read_parquet($p) "
        "where metric = 'children_in_difficulty_served' and starts_with(division_code, '420105') "
        "and length(division_code) >= 9 group by division_code) group by s) where v between 1 and 4",
        {"p": str(app_env.table_path("outcomes"))},
    ).fetchone()[0]
    if hidden:
        assert "—" in bars["text"] and any("不予显示" in c.value for c in at.caption)
    # the reconciliation still checks the true figure (F17: 9 children in 七里一村)
    outcomes = _run(page="pages/outcomes.py")
    (table,) = [tb.value for tb in outcomes.table if "F17" in tb.value.to_string()]
    assert table.loc[table["编号"] == "F17", "数据结果"].iloc[0] == "9位"


def test_suppress_blanks_only_sensitive_small_counts_and_keeps_the_cache_intact():
    from govdash.core.rules.privacy import shareable as suppress

    wide = pd.DataFrame({"children_in_difficulty_served": [0, 3, 5, 9], "activities": [1, 2, 3, 4]})
    out = suppress(wide)
    assert out["children_in_difficulty_served"].isna().tolist() == [False, True, False, False]
    assert out["activities"].tolist() == [1, 2, 3, 4] and out.attrs["suppressed"]
    assert not wide.isna().any().any()  # the cached original keeps the true values
    long = pd.DataFrame({"metric": ["migrant_children_served", "activities"], "value": [2.0, 2.0]})
    assert suppress(long)["value"].isna().tolist() == [True, False]


def test_clicking_a_map_tile_drills_into_the_district(app_env):
    at = _run()
    at.session_state["overview-map-420100"] = {
        "selection": {"points": [{"customdata": "420106", "x": 3, "y": -2}]}
    }
    at.run()
    assert not at.exception
    assert at.session_state["f_districts"] == ["420106"]
    assert "武昌区" in at.title[0].value


def _time_axes(fig: dict) -> list[str]:
    """The x axes ("x", "x2", ...) of a figure that are time axes."""
    layout = fig["layout"]
    return [
        "x" + key[len("xaxis") :]
        for key, axis in layout.items()
        if key.startswith("xaxis") and isinstance(axis, dict) and axis.get("type") == "date"
    ]


@pytest.mark.parametrize("page", [p for p in PAGES if p not in NO_CHARTS])
def test_every_time_chart_marks_when_the_pilot_began(app_env, page):
    """Every chart over months that span the pilot's start has the dashed pilot-start line
    (on each panel of a small-multiples grid); a chart over months after it has none."""
    query = {"start": "2023-01", "end": "2025-06", "district": "420106"}
    if page == "pages/community.py":
        query |= {"street": "420106012", "community": "420106012001"}
    at = _run(query, page)
    pilot = pd.Timestamp("2024-03-01")
    timed = [f for f in _figures(at) if _time_axes(f)]
    assert timed or page == "pages/outcomes.py", "the page draws a chart over months"
    for fig in timed:
        for axis in _time_axes(fig):
            xs = pd.to_datetime(
                [x for tr in fig["data"] if tr.get("xaxis", "x") == axis for x in tr.get("x", [])]
            )
            marks = [
                s for s in fig["layout"].get("shapes", [])
                if s.get("name") == "pilot-start" and s.get("xref") == axis
            ]  # fmt: skip
            if len(xs) and xs.min() <= pilot <= xs.max():
                assert [pd.Timestamp(s["x0"]) for s in marks] == [pilot], fig["layout"]["title"]
            else:
                assert not marks


@pytest.mark.parametrize("page", [p for p in PAGES if p not in NO_CHARTS])
def test_no_two_cards_on_a_page_share_a_title(app_env, page):
    at = _run({"district": "420106", "street": "420106012", "community": "420106012001"}, page)
    labels = [m.label for m in at.metric]
    assert len(labels) == len(set(labels)), labels


def test_reconciliation_is_an_html_table_in_the_articles_words(app_env):
    """The facts are an HTML table (searchable, copyable, read by screen readers), and each row
    quotes the article: F09 is 60余场 "志愿服务进驿站活动", not 60余 of all activities."""
    at = _run(None, "pages/outcomes.py")
    (table,) = [tb for tb in at.table if "F09" in tb.value.to_string()]
    rows = table.value.set_index("编号")
    assert rows.loc["F09", "报道原文"] == "联合各部门开展60余场志愿服务进驿站活动"
    assert "驿站" in rows.loc["F09", "指标"]
    assert rows.loc["F01", "报道原文"] == "2个", "a value the article wrote in words falls back"


@pytest.mark.parametrize("page", [p for p in PAGES if p not in NO_CHARTS])
def test_every_figure_a_page_sends_is_valid_plotly(app_env, page):
    """Figures are built and relaid out without Plotly's validation (it was a third of a page's
    CPU, issue 25), so a misspelt property would reach the browser and be ignored there. Here
    every figure a page sends is validated against Plotly's schema, as it was before."""
    import plotly.graph_objects as go

    at = _run({"district": "420106", "start": "2023-01", "end": "2025-06"}, page)
    figures = _figures(at)
    assert figures or page == "pages/present.py"
    for spec in figures:
        go.Figure(spec)  # raises ValueError naming an invalid property or value


def test_the_monthly_grid_of_districts_runs_only_when_opened(app_env):
    """区域对比's 15-panel grid is its costliest chart: a first visit does not compute, send or
    draw it; opening its section does, in the same run."""
    at = run_page({}, "pages/districts.py", opened=False)
    grids = [f for f in _figures(at) if "xaxis13" in f["layout"]]
    assert not grids and not at.exception
    assert "月度趋势（分区域）" in at.expander[0].label
    at.session_state["districts-trends"] = True
    at.run()
    grids = [f for f in _figures(at) if "xaxis13" in f["layout"]]
    assert len(grids) == 1 and not at.exception
