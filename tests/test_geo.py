"""Boundary files load without tracebacks, wind the d3 way, match divisions; maps escape data."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from govdash.core.text.problems import GovdashError
from govdash.viz.geo import (
    ENV_BOUNDARIES,
    boundaries_path,
    load_boundaries,
    match_features,
    match_levels,
    read_boundaries,
    rewind,
    signed_area,
)
from govdash.viz.maps import (
    TOPOJSON_CONFIG,
    choropleth_figure,
    load_tile_layout,
    tile_map_figure,
    tile_positions,
)

ROOT = Path(__file__).resolve().parent.parent
WUHAN_TILES = ROOT / "data" / "maps" / "420100.tiles.csv"
CITY = "420100000000"
XSS = "<img src=x onerror=alert(1)>"


def square(lon: float, lat: float, size: float = 0.05) -> list[list[float]]:
    """A closed counter-clockwise ring, the order RFC 7946 writes exteriors in."""
    return [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]


def clockwise(ring: list[list[float]]) -> list[list[float]]:
    return ring[::-1]


def feature(geometry: dict, fid=None, **props) -> dict:
    out = {"type": "Feature", "properties": props, "geometry": geometry}
    if fid is not None:
        out["id"] = fid
    return out


@pytest.fixture()
def features() -> list[dict]:
    """Three districts near Wuhan: a plain square, one with a (clockwise) hole, a MultiPolygon."""
    hole = clockwise(square(114.21, 30.61, 0.02))
    return [
        feature({"type": "Polygon", "coordinates": [square(114.30, 30.60)]}, name="江岸区"),
        feature(
            {"type": "Polygon", "coordinates": [square(114.20, 30.60), hole]},
            adcode=420103,
            name="某区",
        ),
        feature(
            {
                "type": "MultiPolygon",
                "coordinates": [[square(114.10, 30.60)], [square(114.10, 30.70, 0.02)]],
            },
            code="420104000000",
        ),
    ]


@pytest.fixture()
def divisions() -> pd.DataFrame:
    rows = [
        (CITY, "city", "武汉市", "Wuhan", None),
        ("420102", "district", "江岸区", "Jiang'an", CITY),
        ("420103", "district", "江汉区", "Jianghan", CITY),
        ("420104", "district", "硚口区", "Qiaokou", CITY),
    ]
    return pd.DataFrame(rows, columns=["code", "level", "name_zh", "name_en", "parent_code"])


def write(tmp_path: Path, data, name: str = "b.geojson") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def rings(geometry: dict) -> tuple[list, list]:
    polygons = [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        polygons = geometry["coordinates"]
    return [ring for polygon in polygons for ring in polygon[:1]], [
        ring for polygon in polygons for ring in polygon[1:]
    ]


# --- loading -----------------------------------------------------------------------------------


def test_feature_collection_bare_list_and_single_feature_load(tmp_path, features):
    collection = {"type": "FeatureCollection", "features": features}
    assert load_boundaries(write(tmp_path, collection, "fc.json")) == features
    assert load_boundaries(write(tmp_path, features, "list.json")) == features
    assert load_boundaries(write(tmp_path, features[2], "one.json")) == [features[2]]


def test_invalid_json_is_located_and_bilingual(tmp_path):
    path = write(tmp_path, '{"type": "FeatureCollection",\n  "features": [,]}')
    with pytest.raises(GovdashError) as err:
        load_boundaries(path)
    assert f"{path}:2:16" in err.value.text("en")
    assert "line 2, column 16" in err.value.text("en")
    assert "JSON 格式错误：第 2 行第 16 列" in err.value.text("zh")


@pytest.mark.parametrize(
    ("data", "zh"),
    [
        ({"type": "Topology", "objects": {}, "arcs": []}, "TopoJSON"),
        ({"hello": "world"}, "不是 GeoJSON"),
        ({"type": "FeatureCollection", "features": []}, "没有任何要素"),
        ([feature({"type": "Point", "coordinates": [114.3, 30.6]})], "没有可用的"),
    ],
)
def test_files_that_are_not_usable_geojson_say_why(tmp_path, data, zh):
    with pytest.raises(GovdashError) as err:
        load_boundaries(write(tmp_path, data))
    assert zh in err.value.text("zh")


def test_unreadable_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(GovdashError) as err:
        load_boundaries(tmp_path / "nope.geojson")
    assert "无法读取文件" in err.value.text("zh")


def test_non_polygon_features_are_skipped_with_a_warning(tmp_path, features):
    point = feature({"type": "Point", "coordinates": [114.3, 30.6]}, name="点")
    broken = feature({"type": "Polygon", "coordinates": [[[114.3, 30.6]]]}, name="坏")
    result = read_boundaries(write(tmp_path, [features[0], point, broken]))
    assert result.features == [features[0]]
    assert [p.where.rsplit(" ", 1)[-1] for p in result.skipped] == ["features[1]", "features[2]"]
    assert "Point" in result.skipped[0].text("en")
    assert "已跳过" in result.skipped[1].text("zh")


def test_boundaries_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_BOUNDARIES, raising=False)
    assert boundaries_path() is None
    path = write(tmp_path, [])
    monkeypatch.setenv(ENV_BOUNDARIES, str(path))
    assert boundaries_path() == path
    monkeypatch.setenv(ENV_BOUNDARIES, str(tmp_path / "typo.geojson"))
    with pytest.raises(GovdashError) as err:
        boundaries_path()
    assert "找不到边界文件" in err.value.text("zh")
    assert "typo.geojson" in err.value.text("zh")


# --- winding -----------------------------------------------------------------------------------


def test_rewind_makes_exteriors_clockwise_and_holes_counter_clockwise(features):
    before = json.dumps(features)
    wound = rewind(features)
    assert json.dumps(features) == before  # input untouched
    for f in wound:
        exteriors, holes = rings(f["geometry"])
        assert all(signed_area(r) < 0 for r in exteriors)
        assert all(signed_area(r) > 0 for r in holes)
    assert len(rings(wound[1]["geometry"])[1]) == 1  # the hole survived
    assert wound[0]["properties"] == features[0]["properties"]


def test_rewind_keeps_rings_that_are_already_right():
    good = [
        feature({"type": "Polygon", "coordinates": [clockwise(square(114.3, 30.6)), square(1, 1)]})
    ]
    assert rewind(good) == good


# --- matching ----------------------------------------------------------------------------------


def test_match_by_name_adcode_and_padded_code(features, divisions):
    result = match_features(features, divisions, "district")
    assert [f["id"] for f in result.features] == ["420102", "420103", "420104"]
    assert result.unmatched == []
    assert result.missing == []
    assert "id" not in features[0]  # input untouched


@pytest.mark.parametrize(
    ("fid", "props", "code"),
    [
        ("420103", {}, "420103"),
        (420103, {}, "420103"),
        (None, {"division_code": "420103000000"}, "420103"),
        (None, {"id": 420104.0}, "420104"),
        (None, {"name": "江汉"}, "420103"),
        (None, {"NAME": " 江汉\u3000区 "}, "420103"),
        (None, {"name_en": "qiaokou"}, "420104"),
        ("999999", {"name": "硚口区"}, "420104"),  # unknown code falls back to the name
    ],
)
def test_one_feature_matches(divisions, fid, props, code):
    one = feature({"type": "Polygon", "coordinates": [square(114.3, 30.6)]}, fid, **props)
    result = match_features([one], divisions, "district")
    assert [f["id"] for f in result.features] == [code]


def test_ambiguous_and_unknown_features_are_unmatched_and_divisions_missing(divisions):
    twin = pd.DataFrame(
        [("420199", "district", "江岸区", "Jiang'an East", CITY)], columns=divisions.columns
    )
    ring = {"type": "Polygon", "coordinates": [square(114.3, 30.6)]}
    candidates = [feature(ring, name="江岸"), feature(ring, name="火星区"), feature(ring)]
    result = match_features(candidates, pd.concat([divisions, twin]), "district")
    assert result.features == []
    assert result.unmatched == ["江岸", "火星区", "feature 3"]
    assert result.missing == ["420102", "420103", "420104", "420199"]


def test_a_second_feature_for_a_division_is_reported(divisions):
    ring = {"type": "Polygon", "coordinates": [square(114.3, 30.6)]}
    result = match_features(
        [feature(ring, "420102"), feature(ring, name="江岸区")], divisions, "district"
    )
    assert [f["id"] for f in result.features] == ["420102"]
    assert result.unmatched == ["江岸区 (duplicate of 420102)"]
    assert result.missing == ["420103", "420104"]


def test_matching_only_considers_the_requested_level(features, divisions):
    result = match_features(features, divisions, "city")
    assert result.features == []
    assert result.missing == [CITY]


def test_levels_take_their_own_features_and_only_leftovers_are_unmatched(features, divisions):
    streets = pd.DataFrame(
        [("420103001", "street", "民族街道", "Minzu", "420103"),
         ("420103002", "street", "花楼街道", "Hualou", "420103")],
        columns=divisions.columns,
    )  # fmt: skip
    both = pd.concat([divisions, streets], ignore_index=True)
    extra = [
        feature(
            {"type": "Polygon", "coordinates": [square(114.2, 30.6, 0.01)]}, code="420103001000"
        ),
        feature({"type": "Polygon", "coordinates": [square(114.3, 30.6, 0.01)]}, name="花楼街道"),
        feature({"type": "Polygon", "coordinates": [square(114.4, 30.6, 0.01)]}, name="无名地"),
    ]
    result = match_levels(features + extra, both)
    assert sorted(f["id"] for f in result["district"].features) == ["420102", "420103", "420104"]
    assert sorted(f["id"] for f in result["street"].features) == ["420103001", "420103002"]
    assert result["street"].unmatched == ["无名地"], "streets are not unmatched districts"
    assert result["street"].missing == []


# --- tile layout -------------------------------------------------------------------------------


def distinct_cells(positions: pd.DataFrame) -> bool:
    return not positions.duplicated(["row", "col"]).any()


def test_tile_positions_honour_the_layout_and_never_overlap():
    layout = {"a": (0, 0), "b": (0, 1), "c": (0, 1), "z": (5, 5)}
    codes = ["a", "b", "c", "d", "e", "f", "a"]
    positions = tile_positions(codes, layout)
    assert list(positions["code"]) == ["a", "b", "c", "d", "e", "f"]
    cells = positions.set_index("code")
    assert tuple(cells.loc["a"]) == (0, 0)
    assert tuple(cells.loc["b"]) == (0, 1)
    assert tuple(cells.loc["c"]) != (0, 1)  # the layout's clash is resolved, not drawn twice
    assert cells.loc[["c", "d", "e", "f"], "row"].min() >= 1  # below the laid-out tiles
    assert distinct_cells(positions)


def test_tile_positions_without_layout_form_a_square_grid():
    positions = tile_positions([f"{i:06d}" for i in range(10)])
    assert positions["col"].max() == math.ceil(math.sqrt(10)) - 1
    assert positions["code"].iloc[0] == "000000"
    assert distinct_cells(positions)


def test_wuhan_tile_layout_has_every_district_once():
    layout = load_tile_layout(WUHAN_TILES)
    assert len(layout) == 13
    assert all(len(code) == 6 and code.startswith("4201") for code in layout)
    assert len(set(layout.values())) == 13
    assert layout["420102"][0] < layout["420103"][0]  # 江岸 north of 江汉
    assert layout["420106"][1] > layout["420103"][1]  # 武昌 east of 江汉


def test_tile_layout_file_problems(tmp_path):
    assert load_tile_layout(tmp_path / "none.csv") == {}
    path = tmp_path / "t.csv"
    path.write_text("code,row,col\n010101,0,0\n010102,0,0\n", encoding="utf-8")
    with pytest.raises(GovdashError) as err:
        load_tile_layout(path)
    assert f"{path}:3" in err.value.text("zh") and "已被 010101 占用" in err.value.text("zh")
    path.write_text("code,row,col\n010101,0,x\n", encoding="utf-8")
    with pytest.raises(GovdashError, match="whole numbers"):
        load_tile_layout(path)


# --- figures -----------------------------------------------------------------------------------


def map_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "division_code": ["420102", "420103", "420104"],
            "name": [XSS, "江汉区 & Co", "硚口区"],
            "value": [12.0, float("nan"), 30.0],
            "text": ["12", "", "<b>30</b>"],
        }
    )


def strings(value) -> list[str]:
    """Every string a figure hands to plotly.js (its data and layout, before serialisation)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v)]
    if hasattr(value, "tolist"):
        return strings(value.tolist())
    return []


def test_tile_map_escapes_names_keeps_codes_and_greys_missing_values():
    positions = tile_positions(["420102", "420103"])
    fig = tile_map_figure(map_frame(), positions, "标题", "数量（支）")
    texts = strings(fig.to_plotly_json())
    assert any("&lt;img" in s for s in texts), "the hostile name is shown, escaped"
    assert not any("<img" in s or "<b>30" in s for s in texts), (
        "no data text reaches the page as HTML"
    )
    assert any("&lt;b&gt;30" in s for s in texts) and any("江汉区 &amp; Co" in s for s in texts)
    codes = [c for trace in fig.data for c in trace.customdata]
    assert sorted(codes) == ["420102", "420103", "420104"]
    grey = next(t for t in fig.data if list(t.customdata) == ["420103"])
    assert grey.text == ("江汉区 &amp; Co<br>—",)
    assert grey.marker.color == "#d9d9d9"
    coloured = next(t for t in fig.data if "420102" in t.customdata)
    assert coloured.marker.symbol == "square"
    assert coloured.marker.colorbar.title.text == "数量（支）"
    assert fig.layout.yaxis.scaleanchor == "x"
    cells = {(x, y) for t in fig.data for x, y in zip(t.x, t.y, strict=True)}
    assert len(cells) == 3  # the division missing from positions got its own tile


def test_tile_text_contrasts_with_its_tile():
    frame = pd.DataFrame(
        {"division_code": ["1", "2"], "name": ["low", "high"], "value": [0, 1], "text": ["", ""]}
    )
    fig = tile_map_figure(frame, tile_positions(["1", "2"]), "t", "v")
    assert list(fig.data[0].textfont.color) == ["#ffffff", "#111111"]  # dark purple, yellow


def test_choropleth_uses_clockwise_features_and_division_codes(features, divisions):
    matched = match_features(features, divisions, "district").features
    fig = choropleth_figure(map_frame(), matched, "标题", "数量")
    assert list(fig.data[0].locations) == ["420102", "420104"]
    assert list(fig.data[0].customdata) == ["420102", "420104"]
    assert list(fig.data[1].locations) == ["420103"]
    for f in fig.data[0].geojson["features"]:
        exteriors, holes = rings(f["geometry"])
        assert all(signed_area(r) < 0 for r in exteriors)
        assert all(signed_area(r) > 0 for r in holes)
    texts = strings(fig.to_plotly_json())
    assert any("&lt;img" in s for s in texts) and not any("<img" in s for s in texts)
    assert fig.layout.geo.fitbounds == "locations"
    assert TOPOJSON_CONFIG == {"topojsonURL": "/app/static/"}


def test_offline_topojson_stub_is_served_from_static():
    stub = json.loads((ROOT / "static" / "world_110m.json").read_text(encoding="utf-8"))
    assert stub == {"type": "Topology", "objects": {}, "arcs": []}
