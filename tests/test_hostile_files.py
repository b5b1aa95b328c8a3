"""Hostile files through the whole import (read, validate, CLI): garbage, links, huge sheets, zip
bombs, 100k columns, huge numbers, formula cells, odd and future dates, control characters. Each gives a clear, located message
in both languages; none raises, prints a traceback or writes anything.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from office_reports import write_csv
from openpyxl import Workbook

from govdash.core.data.snapshot import scan_snapshots
from govdash.importing.run import import_files

ROOT = Path(__file__).resolve().parent.parent
HEADCOUNTS = ["月份", "社区", "专业社工", "社区工作者", "注册志愿者", "志愿者骨干", "志愿服务队",
              "新就业群体志愿服务队", "移动网格员"]  # fmt: skip
ACTIVITIES = ["活动编号", "日期", "社区", "队伍编号", "活动类别", "服务对象", "志愿者人次",
              "社工人次", "服务时长（小时）", "服务人次", "是否需求响应", "响应时间（小时）"]  # fmt: skip
ZJW = "420106012001"
HAN = re.compile(r"[\u4e00-\u9fff]")


def headcounts(**override) -> list[str]:
    row = dict(month="2025-07", community=ZJW, sw="3", cw="12", vol="260", bb="40", teams="6",
               net="1", grid="5")  # fmt: skip
    row.update(override)
    return list(row.values())


def workbook(path: Path, header: list[str], rows: list[list], title: str = "人员情况") -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def zip_bomb(tmp: Path) -> Path:
    """A valid-looking workbook whose one sheet unpacks to 400 MB of zeros (about 400 KB packed)."""
    path = tmp / "人员情况.xlsx"
    workbook(path, HEADCOUNTS, [headcounts()])
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet9.xml", "w", force_zip64=True) as member,
    ):
        block = b"0" * (1 << 20)
        for _ in range(400):
            member.write(block)
    return path


def wide_csv(tmp: Path) -> Path:
    path = tmp / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + "1," * 99_999 + "1\n")
    return path


def garbage(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.write_bytes(random.Random(7).randbytes(50_000))
    return path


def link(tmp: Path, name: str, target: str) -> Path:
    path = tmp / name
    path.symlink_to(target)
    return path


def fifo(tmp: Path) -> Path:
    path = tmp / "pipe.csv"
    os.mkfifo(path)
    return path


NUMBERS = ["inf", "-inf", "1e309", "NaN", "99999999999999999999999999999", "3000000000", "1e10",
           "２１４７４８３６４８", "-3", "3.5", "0x1F", "1_000", "五十", "3万万"]  # fmt: skip
DATES = ["2025-02-30", "0000-01-01", "9999-12-31", "2025-13-01", "31/12/2025", "2025年13月1日",
         "0", "-1", "2958466", "1e6", "昨天", "2025-07-32", "1899-12-31", "99999"]  # fmt: skip


def numbers_csv(tmp: Path) -> Path:
    return write_csv(tmp / "人员情况.csv", HEADCOUNTS, [headcounts(vol=v) for v in NUMBERS])


def dates_csv(tmp: Path) -> Path:
    teams_rows = [
        [
            str(20_000_000 + i),
            d,
            ZJW,
            "",
            "为老服务",
            "一老（老年人）",
            "3",
            "1",
            "2",
            "10",
            "否",
            "",
        ]
        for i, d in enumerate(DATES)
    ]
    return write_csv(tmp / "服务活动.csv", ACTIVITIES, teams_rows)


def formula_xlsx(tmp: Path) -> Path:
    """Formula cells as a program writes them: no cached value, so nothing to read."""
    return workbook(
        tmp / "人员情况.xlsx",
        HEADCOUNTS,
        [headcounts(vol="=1+1"), headcounts(community='=HYPERLINK("http://x","张家湾社区")')],
    )


def huge_cell_csv(tmp: Path) -> Path:
    return write_csv(tmp / "人员情况.csv", HEADCOUNTS, [headcounts(community="社" * 1_000_000)])


def quotes_csv(tmp: Path) -> Path:
    path = tmp / "人员情况.csv"
    path.write_text(",".join(HEADCOUNTS) + '\n"2025-07,' + ZJW + ",3,12,260,40,6,1,5\n")
    return path


def nul_csv(tmp: Path) -> Path:
    path = tmp / "人员情况.csv"
    path.write_bytes(",".join(HEADCOUNTS).encode() + b"\n2025-07,\x00\x00,3\n")
    return path


def control_csv(tmp: Path) -> Path:
    """A name pasted from another program, control characters and all."""
    header = ["队伍编号", "队伍名称", "英文名称", "所属社区", "队伍类型", "成立日期"]
    rows = [["T-1", "ctl\x01\x0b\x1fname", "", ZJW, "社区志愿服务队", "2024-01-01"]]
    return write_csv(tmp / "志愿服务队伍.csv", header, rows)


def future_csv(tmp: Path) -> Path:
    row = ["20990101001", "2099-01-01", ZJW, "", "为老服务", "一老（老年人）", "3", "1", "2", "10",
           "否", ""]  # fmt: skip
    return write_csv(tmp / "服务活动.csv", ACTIVITIES, [row])


CASES = {
    "garbage xlsx": (lambda tmp: garbage(tmp, "report.xlsx"), "不是有效的 Excel"),
    "garbage csv": (lambda tmp: garbage(tmp, "report.csv"), "不是文本"),
    "symlink to /dev/zero": (lambda tmp: link(tmp, "zero.csv", "/dev/zero"), "不是普通文件"),
    "symlink to a folder": (lambda tmp: link(tmp, "dir.xlsx", "/tmp"), "不是普通文件"),
    "dangling symlink": (lambda tmp: link(tmp, "gone.csv", "/nonexistent/x.csv"), "找不到文件"),
    "named pipe": (fifo, "不是普通文件"),
    "zip bomb": (zip_bomb, "解压后达"),
    "100k columns": (wide_csv, "列或更多"),
    "huge numbers": (numbers_csv, "超出此列允许的范围"),
    "odd dates": (dates_csv, "日期"),
    "formula cells": (formula_xlsx, "该单元格是公式"),
    "control characters": (control_csv, "含有控制字符"),
    "an activity in 2099": (future_csv, "2099-01-01 晚于今天"),
    "a 1 MB cell": (huge_cell_csv, "未知区划"),
    "unbalanced quote": (quotes_csv, "引号没有闭合"),
    "NUL bytes": (nul_csv, "不是文本"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_file_is_a_clear_located_message(snapshot_copy, tmp_path, case):
    root, _ = snapshot_copy
    make, words = CASES[case]
    folder = tmp_path / "upload"
    folder.mkdir()
    path = make(folder)
    before = {s.id for s in scan_snapshots(root)[0]}
    report = import_files([path], root=root)  # not a dry run: nothing may be written anyway
    texts_zh = [p.text("zh") for p in report.all_errors()]
    texts_en = [p.text("en") for p in report.all_errors()]
    assert not report.ok and report.snapshot is None
    assert any(words in t for t in texts_zh), texts_zh[:5]
    assert all(path.name in t for t in texts_zh), "every message names the file"
    assert all(HAN.search(t) for t in texts_zh) and not any(
        HAN.search(p.en) for p in report.all_errors() if p.code == "file"
    )
    for text in texts_zh + texts_en:
        assert "Traceback" not in text and "Error(" not in text, text
        assert len(text) < 2_000, "a message stays readable, whatever the cell held"
    assert {s.id for s in scan_snapshots(root)[0]} == before


def test_huge_numbers_are_each_refused_with_their_row(snapshot_copy, tmp_path):
    root, _ = snapshot_copy
    report = import_files([numbers_csv(tmp_path)], root=root, dry_run=True)
    errors = {p.text("zh") for p in report.all_errors()}
    for row, value in enumerate(NUMBERS, start=2):
        if value in ("-3", "3.5", "NaN"):  # own messages; NaN is a blank, as typed in Excel
            continue
        assert any(f"第{row}行" in e for e in errors), (row, value, sorted(errors)[:3])


@pytest.mark.parametrize("limit", [10_000])
def test_a_workbook_over_the_cell_limit_is_refused_while_reading(
    snapshot_copy, tmp_path, monkeypatch, limit
):
    monkeypatch.setattr("govdash.importing.readers.MAX_WORKBOOK_CELLS", limit)
    root, _ = snapshot_copy
    rows = [headcounts() for _ in range(limit // len(HEADCOUNTS) + 10)]
    path = workbook(tmp_path / "人员情况.xlsx", HEADCOUNTS, rows)
    report = import_files([path], root=root, dry_run=True)
    (problem,) = report.all_errors()
    assert "过大" in problem.zh and "CSV" in problem.zh and f"{limit:,}" in problem.zh


def test_the_cli_never_prints_a_traceback_for_a_hostile_file(snapshot_copy, tmp_path):
    root, _ = snapshot_copy
    files = [zip_bomb(tmp_path), wide_csv(tmp_path), link(tmp_path, "zero.csv", "/dev/zero")]
    for path in files:
        done = subprocess.run(
            [sys.executable, "-m", "govdash", "--data-dir", str(root), "import", "--dry-run",
             str(path)],
            capture_output=True, text=True, timeout=120, cwd=ROOT,
        )  # fmt: skip
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert path.name in done.stdout
    shutil.rmtree(tmp_path, ignore_errors=True)
