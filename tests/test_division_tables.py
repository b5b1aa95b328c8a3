"""Official division tables import safely: the NBS layout, the README's three columns and the
template are all understood, and nothing changes before the user has seen what would change."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from office_reports import write_csv

from govdash.core.data.paths import DATA_DIR
from govdash.core.data.snapshot import latest_good
from govdash.importing.run import import_files

OFFICIAL = DATA_DIR / "divisions" / "wuhan_divisions_nbs2023.csv"


@pytest.fixture()
def root(snapshot_copy) -> Path:
    folder, _ = snapshot_copy
    return folder


def _official() -> list[dict]:
    with open(OFFICIAL, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _texts(problems, lang="zh") -> list[str]:
    return [p.text(lang) for p in problems]


def test_the_demo_is_built_on_the_official_streets_and_named_places_follow_them(snapshot):
    divisions = pq.read_table(snapshot.table_path("divisions")).to_pandas().set_index("code")
    official = {r["code"]: r for r in _official()}
    streets = divisions[divisions["level"] == "street"]
    assert len(streets) == sum(1 for r in official.values() if r["level"] == "street") == 193
    for code, row in streets.iterrows():
        assert official[code]["name"] == row["name_zh"], code
    for community, street in (("张家湾社区", "420106012"), ("纺器社区", "420106002"),
                              ("职中社区", "420115001")):  # fmt: skip
        code = divisions.index[divisions["name_zh"] == community][0]
        assert divisions.at[code, "parent_code"] == street and code.startswith(street)
        assert official[street]["name"] == {"420106012": "水果湖街道", "420106002": "杨园街道",
                                            "420115001": "纸坊街道"}[street]  # fmt: skip
    communities = divisions[divisions["level"] == "community"]["name_zh"]
    assert not communities.str.contains("示例").any() and communities.is_unique
    assert communities.str.endswith("社区").all()


@pytest.mark.parametrize(
    "header",
    [
        ["code", "level", "name", "parent_code"],  # the NBS table as the project keeps it
        ["code", "name", "parent"],  # the README's three words
        ["code", "name", "areaCode", "cityCode", "provinceCode"],  # the NBS compilation's own
        ["区划代码", "名称", "上级区划代码"],  # the template's
    ],
)
def test_an_official_table_in_any_common_layout_changes_nothing_on_the_demo(root, tmp_path, header):
    rows = []
    for r in _official():
        values = {"code": r["code"], "level": r["level"], "name": r["name"],
                  "parent_code": r["parent_code"], "parent": r["parent_code"],
                  "areaCode": r["code"][:6], "cityCode": "420100", "provinceCode": "420000",
                  "区划代码": r["code"], "名称": r["name"], "上级区划代码": r["parent_code"]}  # fmt: skip
        rows.append([values[h] for h in header])
    path = write_csv(tmp_path / "统计用区划代码.csv", header, rows)
    report = import_files([path], root=root, dry_run=True)
    assert report.ok, _texts(report.all_errors())[:5]
    assert not report.replaced, [r.text() for r in report.replaced]
    assert report.divisions is not None and not report.divisions.changes, report.divisions.lines()
    messages = " ".join(_texts(report.all_warnings()) + _texts(report.all_notes()))
    assert "nan" not in messages and "None" not in messages


def test_a_table_that_renames_a_pilot_street_is_listed_and_needs_a_confirmation(root, tmp_path):
    rows = [[r["code"], r["level"], r["name"], r["parent_code"]] for r in _official()]
    for row in rows:
        if row[0] == "420106012":
            row[2] = "中南路街道"  # a wrong table: 水果湖's code under another name
    rows.append(["420106099", "street", "新设街道", "420106"])
    path = write_csv(tmp_path / "区划.csv", ["code", "level", "name", "parent_code"], rows)
    before = latest_good(root)[0]
    dry = import_files([path], root=root, dry_run=True)
    assert dry.ok, _texts(dry.all_errors())
    lines = dry.divisions.lines("zh")
    assert lines[0] == "名称将改变（1个）：★420106012 水果湖街道 → 中南路街道"
    assert "英文名称随中文名称更新（1个）：★420106012 Shuiguohu Street → 中南路街道" in lines
    assert "新增区划暂无数据（1个）：420106099 新设街道" in lines
    assert dry.divisions.lines("en")[0] == ("renamed (1): ★420106012 水果湖街道 → 中南路街道")
    refused = import_files([path], root=root)
    assert refused.snapshot is None and latest_good(root)[0].id == before.id
    assert any("--replace" in t for t in _texts(refused.all_errors(), "en"))
    done = import_files([path], root=root, replace=True)
    assert done.ok and done.snapshot.is_demo, "imported onto demo data, it stays demo data"
    divisions = pq.read_table(done.snapshot.table_path("divisions")).to_pandas().set_index("code")
    assert divisions.at["420106012", "name_en"] == "中南路街道", "no stale English name"
    assert divisions.at["420106099", "parent_code"] == "420106"


def test_a_division_table_with_blanks_says_where_without_nan_or_none(root, tmp_path):
    path = write_csv(
        tmp_path / "区划.csv",
        ["code", "name", "parent"],
        [["420106012", "", "420106"], ["", "无代码街道", "420106"], ["42010601x", "坏代码", ""]],
    )
    report = import_files([path], root=root, dry_run=True)
    errors = report.all_errors()
    assert errors
    for lang in ("zh", "en"):
        for text in _texts(errors, lang):
            assert "nan" not in text and "None" not in text, text
            assert text.startswith("区划.csv › "), text
