"""Import rights per district office and the audit trail, from the command line (issue 26): a
district office imports rows of its district only, each row outside it named; the same file
passes for a city importer; every import, refusal and prune is in `govdash audit` with the
person and the time."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from app_runner import run_cli
from office_reports import write_csv

from govdash.core.data.audit import AUDIT_FILE, read_trail
from govdash.core.rules.roles import ACCESS_FILE, token_digest

HEADCOUNTS = ["月份", "社区", "专业社工", "社区工作者", "注册志愿者", "志愿者骨干", "志愿服务队",
              "新就业群体志愿服务队", "移动网格员"]  # fmt: skip
ZJW = "420106012001"  # 张家湾社区, 武昌区
JIANGHAN = "420103001001"  # a community of 江汉区
ACCESS = f"""
mode = "signed-in"

[[people]]
id = "city-importer"
email = "importer@city.example.gov.cn"
rights = ["view", "import"]

[[people]]
id = "wuchang-office"
token_sha256 = "{token_digest("a-token-of-the-wuchang-office")}"
scope = ["420106"]
rights = ["view", "import"]

[[people]]
id = "city-admin"
email = "admin@city.example.gov.cn"
rights = ["admin"]
"""


def _row(code: str, month: str = "2025-07", vol: str = "260") -> list[str]:
    return [month, code, "3", "12", vol, "40", "6", "1", "5"]


@pytest.fixture()
def root(snapshot_copy) -> Path:
    folder, _ = snapshot_copy
    (folder / ACCESS_FILE).write_text(ACCESS, encoding="utf-8")
    return folder


def test_a_district_office_imports_its_own_rows_only(root, tmp_path):
    report = write_csv(tmp_path / "七月.csv", HEADCOUNTS, [_row(ZJW, vol="261"), _row(JIANGHAN)])
    refused = run_cli(root, "import", str(report), "--replace", "--user", "wuchang-office",
                      "--lang", "en")  # fmt: skip
    assert refused.returncode == 1, refused.stderr
    line = next(x for x in refused.stdout.splitlines() if JIANGHAN in x)
    assert "row 3" in line and "outside your scope" in line and "420106" in line, line
    assert "nothing was written" in refused.stdout
    zh = run_cli(root, "import", str(report), "--replace", "--user", "wuchang-office",
                 "--lang", "zh")  # fmt: skip
    assert "不在您的导入范围内" in zh.stdout and "第3行" in zh.stdout, zh.stdout
    own = write_csv(tmp_path / "武昌七月.csv", HEADCOUNTS, [_row(ZJW, vol="262")])
    done = run_cli(root, "import", str(own), "--replace", "--user", "wuchang-office")
    assert done.returncode == 0, done.stdout + done.stderr
    passed = run_cli(root, "import", str(report), "--replace", "--user", "city-importer")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    trail = read_trail(root).entries
    assert [(e.action, e.who) for e in trail] == [
        ("refusal", "wuchang-office"), ("refusal", "wuchang-office"),
        ("replace", "wuchang-office"), ("replace", "city-importer"),
    ]  # fmt: skip
    assert trail[0].rows == 1 and trail[0].detail["scope"] == ["420106"]
    assert trail[3].rows == 2 and trail[3].snapshot and trail[3].detail["files"] == ["七月.csv"]


def test_without_a_person_with_the_right_nothing_is_imported(root, tmp_path):
    report = write_csv(tmp_path / "七月.csv", HEADCOUNTS, [_row(ZJW)])
    before = sorted(p.name for p in root.iterdir())
    anonymous = run_cli(root, "import", str(report), "--lang", "en")
    assert anonymous.returncode == 2 and "--user ID" in anonymous.stderr
    assert str(root / ACCESS_FILE) in anonymous.stderr
    stranger = run_cli(root, "import", str(report), "--user", "someone", "--lang", "en")
    assert stranger.returncode == 2 and "nobody of that id" in stranger.stderr
    viewer_file = ACCESS.replace('rights = ["view", "import"]\n', 'rights = ["view"]\n', 1)
    (root / ACCESS_FILE).write_text(viewer_file, encoding="utf-8")
    viewer = run_cli(root, "import", str(report), "--user", "city-importer", "--lang", "en")
    assert viewer.returncode == 2 and "may not import" in viewer.stderr
    assert sorted(p.name for p in root.iterdir() if p.name != AUDIT_FILE) == before
    assert [(e.action, e.who, e.detail["reason"]) for e in read_trail(root).entries] == [
        ("refusal", "someone", "unknown_person"), ("refusal", "city-importer", "no_right"),
    ]  # fmt: skip


def test_a_prune_needs_an_admin_and_is_recorded(root):
    refused = run_cli(root, "snapshots", "prune", "--keep", "1", "--yes",
                      "--user", "city-importer", "--lang", "en")  # fmt: skip
    assert refused.returncode == 2 and "may not admin" in refused.stderr
    assert "delete" not in refused.stdout, "a refused prune lists nothing as deleted"
    done = run_cli(root, "snapshots", "prune", "--keep", "1", "--yes", "--user", "city-admin")
    assert done.returncode == 0, done.stderr
    last = read_trail(root).entries[-1]
    assert (last.action, last.who) == ("prune", "city-admin")


def test_audit_lists_who_did_what_and_when_in_the_users_language(root, tmp_path):
    report = write_csv(tmp_path / "七月.csv", HEADCOUNTS, [_row(ZJW, vol="263")])
    run_cli(root, "import", str(report), "--replace", "--user", "wuchang-office")
    run_cli(root, "import", str(report), "--user", "nobody")
    zh = run_cli(root, "audit", "--lang", "zh")
    lines = zh.stdout.splitlines()
    assert lines[0].split()[:3] == ["时间", "操作", "人员"], lines[0]
    assert re.search(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\s+导入并替换\s+wuchang-office", zh.stdout
    )
    assert "拒绝" in zh.stdout and "nobody" in zh.stdout and "原因：无此人员" in zh.stdout
    assert "reason" not in zh.stdout and "files" not in zh.stdout
    mine = run_cli(root, "audit", "--user", "wuchang-office", "--lang", "en")
    assert "import, replacing rows" in mine.stdout and "nobody" not in mine.stdout
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    later = run_cli(root, "audit", "--since", tomorrow, "--lang", "en")
    assert later.stdout.strip() == "No entries in the audit trail match."
    bad = run_cli(root, "audit", "--since", "yesterday", "--lang", "en")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    raw = (root / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["at"].endswith("+00:00") for line in raw)


def test_a_token_is_shown_once_with_the_digest_the_file_keeps(tmp_path):
    made = run_cli(tmp_path, "token", "--id", "hongshan-office", "--lang", "en")
    assert made.returncode == 0, made.stderr
    token = made.stdout.splitlines()[1].strip()
    assert len(token) >= 32
    assert f'token_sha256 = "{token_digest(token)}"' in made.stdout
    assert run_cli(tmp_path, "token", "--id", "bad id!", "--lang", "en").returncode == 2
