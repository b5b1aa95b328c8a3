"""Any city, not only Wuhan: a made-up city starts from its division table and boundary file,
imports its district reports, and every page works, with the tile map laid out by itself.

Nothing of the demo is used here: the city (云溪市, code 990100), its districts, streets and
communities are invented for the test and written in the National Bureau of Statistics' layout.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from app_runner import run_cli
from office_reports import (
    Place,
    activities_report,
    activity_rows,
    headcounts_report,
)

from govdash.core.data.snapshot import latest_good
from govdash.importing.run import import_files

ROOT = Path(__file__).resolve().parent.parent
CITY = ("990100", "云溪市")
DISTRICTS = [("990102", "青岚区"), ("990103", "白沙区"), ("990104", "金谷区")]
STREETS = {"990102": ["枫桥街道", "石门街道"], "990103": ["临江街道", "望月街道"],
           "990104": ["金川街道", "松岗街道"]}  # fmt: skip
COMMUNITIES = ["春和社区", "景明社区", "安澜社区", "清风社区", "朗月社区", "晴川社区",
               "翠屏社区", "云杉社区", "听涛社区", "观澜社区", "栖霞社区", "映雪社区"]  # fmt: skip
PAGES = ["pages/overview.py", "pages/districts.py", "pages/community.py", "pages/activities.py",
         "pages/outcomes.py", "pages/data.py", "pages/import.py", "pages/present.py"]  # fmt: skip


def _rows() -> list[tuple[str, str, str, str]]:
    """(code, level, name, parent_code) for the whole made-up city."""
    rows = [(CITY[0], "city", CITY[1], "990000")]
    names = iter(COMMUNITIES)
    for district, name in DISTRICTS:
        rows.append((district, "district", name, CITY[0]))
        for k, street in enumerate(STREETS[district], start=1):
            street_code = f"{district}{k:03d}"
            rows.append((street_code, "street", street, district))
            for j in (1, 2):
                rows.append((f"{street_code}{j:03d}", "community", next(names), street_code))
    return rows


def _square(code: str, name: str, x: float, y: float) -> dict:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {"type": "Feature", "properties": {"code": code, "name": name},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip


@pytest.fixture()
def city_files(tmp_path) -> dict[str, Path]:
    nbs = tmp_path / "云溪市统计用区划代码.csv"
    with open(nbs, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "level", "name", "parent_code"])
        writer.writerows(_rows())
    bare = tmp_path / "区划.csv"  # the README's three words, no city row, no level
    with open(bare, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "parent"])
        writer.writerows((c, n, p) for c, lv, n, p in _rows() if lv != "city")
    boundaries = tmp_path / "云溪市.geojson"
    features = [_square(c, n, 120 + i, 30) for i, (c, n) in enumerate(DISTRICTS)]
    boundaries.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return {"nbs": nbs, "bare": bare, "boundaries": boundaries}


def _init(root: Path, table: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli(root, "init", "--divisions", str(table), "--as-of", "2025-08-31", *extra)


def test_init_takes_the_official_layout_and_the_three_column_table(city_files, tmp_path):
    root = tmp_path / "snaps"
    done = _init(root, city_files["nbs"], "--lang", "zh")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "市 1 个，区 3 个，街道 6 个，社区 12 个" in done.stdout
    snap = latest_good(root)[0]
    assert snap.provenance == "imported" and not snap.is_demo
    assert snap.row_counts["divisions"] == 22 and snap.row_counts["activities"] == 0
    other = tmp_path / "other"
    refused = _init(other, city_files["bare"], "--lang", "en")
    assert refused.returncode == 1
    assert "no city row (990100)" in refused.stderr and "--city-name" in refused.stderr
    assert "None" not in refused.stderr and "nan" not in refused.stderr
    named = _init(other, city_files["bare"], "--city-name", "云溪市", "--lang", "en")
    assert named.returncode == 0, named.stdout + named.stderr
    divisions = pq.read_table(latest_good(other)[0].table_path("divisions")).to_pandas()
    street = divisions.set_index("code").loc["990103002"]
    assert (street["level"], street["parent_code"], street["name_zh"]) == (
        "street",
        "990103",
        "望月街道",
    )  # level and parent from the code where the table has no level column


def test_a_made_up_city_imports_its_reports_and_every_page_works(city_files, tmp_path, monkeypatch):
    from app_runner import run_page

    root = tmp_path / "snaps"
    assert _init(root, city_files["nbs"]).returncode == 0
    blocks = []
    rows = _rows()
    names = {c: n for c, _lv, n, _p in rows}
    for street in ("990102001", "990102002"):
        blocks.append([Place(names[street], names[c], c) for c, lv, _n, p in rows if p == street])
    values = {
        p.code: dict(social_workers=2 + i, community_workers=9, registered_volunteers=120 + 10 * i,
                     volunteer_backbones=15, volunteer_teams=3, new_employment_teams=1,
                     mobile_grid_workers=4)
        for i, p in enumerate(p for b in blocks for p in b)
    }  # fmt: skip
    report = headcounts_report(tmp_path / "青岚区月报.xlsx", "青岚区", blocks, values)
    acts = activities_report(
        tmp_path / "青岚区活动.xlsx", "青岚区", activity_rows(blocks, dt.date(2025, 8, 1)),
        "2025年8月",
    )  # fmt: skip
    imported = import_files([report, acts], root=root)
    assert imported.ok, [p.text("zh") for p in imported.all_errors()]
    assert imported.rows == {"headcounts": 4, "activities": 8}
    # Written within the same second as the empty snapshot and with the same as-of date, the
    # import is still the newest: snapshots are ordered by their creation time to the microsecond.
    assert latest_good(root)[0].id == imported.snapshot.id
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    monkeypatch.setenv("GOVDASH_BOUNDARIES", str(city_files["boundaries"]))
    for page in PAGES:
        at = run_page(page=page)
        texts = " ".join(str(m.value) for m in at.markdown) + " ".join(
            str(c.value) for c in at.caption
        )
        assert "Traceback" not in texts, page
        assert "武汉" not in texts, page  # nothing of the demo city leaks in
    overview = run_page()
    cards = {m.label: m.value for m in overview.metric}
    assert cards["注册志愿者"] == f"{sum(v['registered_volunteers'] for v in values.values())}名"
    # Without the boundary file, the overview's map is the tile map, laid out by itself: one tile
    # per district of the made-up city, each named on its tile.
    monkeypatch.delenv("GOVDASH_BOUNDARIES")
    tiles = run_page()
    figures = [json.loads(c.proto.spec) for c in tiles.get("plotly_chart")]
    squares = [
        t for f in figures for t in f["data"] if t.get("marker", {}).get("symbol") == "square"
    ]
    assert squares, "no tile map on the overview"
    labels = [str(label).split("<br>")[0] for label in squares[0]["text"]]
    assert sorted(labels) == sorted(name for _code, name in DISTRICTS)
    place = blocks[1][1]
    community = run_page({"district": "990102", "street": place.code[:9], "community": place.code})
    cards = {m.label: m.value for m in community.metric}
    assert cards["专业社工"] == f"{values[place.code]['social_workers']}名", cards


def test_the_tile_map_lays_out_a_city_without_a_tile_layout(city_files, tmp_path):
    from govdash.core.data.paths import DATA_DIR
    from govdash.viz import maps

    assert not (DATA_DIR / "maps" / "990100.tiles.csv").exists()
    layout = maps.load_tile_layout(DATA_DIR / "maps" / "990100.tiles.csv")
    positions = maps.tile_positions([c for c, _ in DISTRICTS], layout)
    cells = {(int(r.row), int(r.col)) for r in positions.itertuples()}
    assert len(cells) == len(DISTRICTS), "every district has a tile of its own"
