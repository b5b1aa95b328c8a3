"""Import end to end on real files: round trip, every validation case, and the faults that must
never damage what is already there (kill, lock, disk errors, bad files, a 50 MB CSV)."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import types
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from app_runner import run_cli
from office_reports import write_csv

from govdash.core.data.snapshot import latest_good, scan_snapshots
from govdash.core.engine.query import connect
from govdash.core.measures.reconcile import reconcile
from govdash.importing.export import export_snapshot
from govdash.importing.run import import_files, import_lock

ROOT = Path(__file__).resolve().parent.parent
HEADCOUNTS = ["月份", "社区", "专业社工", "社区工作者", "注册志愿者", "志愿者骨干", "志愿服务队",
              "新就业群体志愿服务队", "移动网格员"]  # fmt: skip
ZJW = "420106012001"  # 张家湾社区, under 水果湖街道 (420106012)


def july(code: str = ZJW, **override) -> list:
    values = {
        "month": "2025-07",
        "community": code,
        "sw": "3",
        "cw": "12",
        "vol": "260",
        "bb": "40",
        "teams": "6",
        "net": "1",
        "grid": "5",
    }
    values.update(override)
    return list(values.values())


@pytest.fixture()
def root(snapshot_copy) -> Path:
    folder, _ = snapshot_copy
    return folder


def _texts(report, lang="zh") -> list[str]:
    return [p.text(lang) for p in report.all_errors()]


# ------------------------------------------------------------------------------ round trip
@pytest.fixture(scope="module")
def exported(snapshot, tmp_path_factory) -> list[Path]:
    return export_snapshot(snapshot, tmp_path_factory.mktemp("export"), full=True).files


def test_the_demo_export_imports_into_an_identical_snapshot(snapshot, exported, tmp_path):
    empty = tmp_path / "fresh"
    empty.mkdir()
    report = import_files(exported, root=empty)
    assert report.ok, _texts(report, "en")[:5]
    new = report.snapshot
    # Same tables, byte for byte, and still demo data: the export's title rows say 演示数据, so the
    # round trip gives the very same snapshot id (as-of date, provenance and content hash).
    assert report.demo_files == sorted(p.name for p in exported)
    assert new.id == snapshot.id and new.provenance == "demo"
    for table in ("headcounts", "activities", "outcomes"):
        assert pq.read_table(new.table_path(table)).equals(
            pq.read_table(snapshot.table_path(table))
        )
    con = connect(snapshot.path.parent, new.path.parent)
    before, after = reconcile(con, snapshot), reconcile(con, new)
    assert list(after["status"]) == ["match"] * len(after)
    assert list(after["value_computed"]) == list(before["value_computed"])


# ------------------------------------------------------------------------------ validation
def test_unknown_division_is_located_and_the_closest_name_suggested(root, tmp_path):
    path = write_csv(tmp_path / "月报.csv", HEADCOUNTS, [july(), july("张家弯社区")])
    report = import_files([path], root=root, dry_run=True)
    (text,) = _texts(report)
    assert "月报.csv" in text and "第3行" in text and "社区（community_code）" in text
    assert "未知区划“张家弯社区”" in text and "张家湾社区" in text
    assert "row 3" in report.all_errors()[0].text("en")


def test_a_community_under_the_wrong_street_or_parent_is_refused(root, tmp_path):
    rows = [july("420106012002"), july("张家湾社区")]
    rows[1].append("杨园街道")
    rows[0].append("水果湖街道")
    path = write_csv(tmp_path / "h.csv", [*HEADCOUNTS, "街道"], rows)
    report = import_files([path], root=root, dry_run=True)
    assert len(report.all_errors()) == 1 and "不属于“杨园街道”" in _texts(report)[0]
    divisions = write_csv(
        tmp_path / "行政区划.csv",
        [
            "区划代码",
            "层级",
            "名称",
            "英文名称",
            "上级区划代码",
            "常住人口",
            "是否试点",
            "试点启动日期",
        ],
        [["420106012099", "社区", "新社区", "New", "420106", "100", "否", ""]],
    )
    report = import_files([divisions], root=root, dry_run=True)
    assert any("社区不能隶属于“420106”（区）" in t for t in _texts(report))


def test_duplicates_negatives_and_words_in_counts_are_all_reported_at_once(root, tmp_path):
    rows = [july(), july(), july("420106012002", sw="-3"), july("420106012003", vol="很多")]
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, rows)
    report = import_files([path], root=root, dry_run=True)
    texts = _texts(report)
    assert len(texts) == 3, texts
    assert any("重复的行" in t and "第2、3行" in t for t in texts)
    assert any("第4行" in t and "专业社工" in t and "为负数" in t for t in texts)
    assert any("第5行" in t and "注册志愿者" in t and "很多" in t for t in texts)


def test_a_month_after_the_snapshot_and_a_missing_column_are_refused(root, tmp_path):
    late = write_csv(tmp_path / "h.csv", HEADCOUNTS, [july(month="2025-08")])
    report = import_files([late], root=root, dry_run=True, as_of=dt.date(2025, 7, 31))
    assert any("晚于快照截至月份 2025-07" in t for t in _texts(report))
    no_community = write_csv(
        tmp_path / "h2.csv", [h for h in HEADCOUNTS if h != "社区"], [july()[:1] + july()[2:]]
    )
    report = import_files([no_community], root=root, dry_run=True)
    assert any("缺少必填列" in t and "community_code" in t for t in _texts(report))


def test_a_total_row_is_checked_and_not_imported(root, tmp_path):
    rows = [july(), july("420106012002", sw="2", vol="100")]
    good = write_csv(tmp_path / "h.csv", HEADCOUNTS, [*rows, ["2025-07", "合计", "5", "24", "360"]])
    report = import_files([good], root=root, dry_run=True)
    assert report.ok, _texts(report)
    assert report.rows["headcounts"] == 2
    assert any("识别到1个合计行" in w.text("zh") for w in report.all_notes())
    bad = write_csv(tmp_path / "h2.csv", HEADCOUNTS, [*rows, ["2025-07", "合计", "5", "24", "999"]])
    report = import_files([bad], root=root, dry_run=True)
    assert any("合计行为 999，但对应的2行相加为 360" in t for t in _texts(report))


def test_a_tenfold_jump_in_a_stock_is_a_warning_not_an_error(root, tmp_path, snapshot):
    june = pq.read_table(snapshot.table_path("headcounts")).to_pandas()
    before = int(
        june.loc[june["community_code"] == ZJW]
        .sort_values("month")["registered_volunteers"]
        .iloc[-2]
    )
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [july(vol=str(before * 12))])
    report = import_files([path], root=root, dry_run=True)
    assert report.ok
    assert any("变化超过10倍" in w.text("zh") for w in report.all_warnings())


def test_qualifiers_are_kept_beside_the_value(root, tmp_path):
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [july(bb="40余")])
    report = import_files([path], root=root, dry_run=True)
    assert report.ok
    assert any("“40余”按 40 记录（余（多于））" in w.text("zh") for w in report.all_warnings())
    facts = write_csv(
        tmp_path / "报道数字.csv",
        [
            "编号",
            "范围",
            "范围名称",
            "指标",
            "筛选条件",
            "数值",
            "限定词",
            "单位",
            "截至日期",
            "起始日期",
            "容差",
            "原文",
            "来源文件",
            "来源位置",
            "说明",
        ],  # fmt: skip
        [
            [
                "F99",
                "武昌区",
                "武昌区",
                "志愿服务队",
                "",
                "530余",
                "",
                "支",
                "2025-07-18",
                "",
                "",
                "已组建530余支志愿服务队",
                "新华网",
                "",
                "",
            ]
        ],  # fmt: skip
    )
    report = import_files([facts], root=root)
    assert report.ok, _texts(report)
    stored = pq.read_table(report.snapshot.table_path("reported_facts")).to_pandas()
    row = stored.set_index("fact_id").loc["F99"]
    assert (row["value"], row["qualifier"], row["metric"]) == (
        530.0,
        "more_than",
        "volunteer_teams",
    )


def test_gbk_csv_with_a_new_month_adds_to_the_previous_snapshot(root, tmp_path, snapshot):
    path = write_csv(
        tmp_path / "八月.csv",
        HEADCOUNTS,
        [july(month="2025-08"), july("420106012002", month="2025-08")],
        encoding="gbk",
    )
    report = import_files([path], root=root, as_of=dt.date(2025, 8, 31), note="8月月报")
    assert report.ok, _texts(report)
    new = report.snapshot
    assert new.row_counts["headcounts"] == snapshot.row_counts["headcounts"] + 2
    assert new.row_counts["activities"] == snapshot.row_counts["activities"]
    assert latest_good(root)[0].id == new.id and new.manifest["note"] == "8月月报"
    assert (root / snapshot.id).exists(), "the previous snapshot stays"
    again = write_csv(tmp_path / "fix.csv", HEADCOUNTS, [july(month="2025-08", vol="300")])
    refused = import_files([again], root=root, as_of=dt.date(2025, 8, 31))
    assert refused.snapshot is None and refused.replaced_rows == 1
    assert any("将以不同的数值替换已有的 1 行" in t and "武昌区 2025-08（1行）" in t
               for t in _texts(refused))  # fmt: skip
    assert latest_good(root)[0].id == new.id, "nothing is written without the confirmation"
    fixed = import_files([again], root=root, as_of=dt.date(2025, 8, 31), replace=True).snapshot
    table = pq.read_table(fixed.table_path("headcounts")).to_pandas()
    assert len(table) == new.row_counts["headcounts"]  # replaced by key, not appended
    row = table[(table["community_code"] == ZJW) & (table["month"] == dt.date(2025, 8, 1))]
    assert row["registered_volunteers"].tolist() == [300]


# ------------------------------------------------------------------------------ faults
def _state(root: Path) -> tuple[set[str], list[str]]:
    good, _ = scan_snapshots(root)
    visible = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return {s.id for s in good}, visible


def test_a_second_import_waits_for_the_lock_or_says_why(root, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [july()])
    with import_lock(root):
        refused = import_files([path], root=root, dry_run=True, lock_timeout=0)
    assert not refused.ok and "另一个导入正在进行" in _texts(refused)[0]
    # Handshake: the holder lets go only once the second import is seen waiting for the lock.
    held, waiting = threading.Event(), threading.Event()
    real_sleep = time.sleep

    def sleep_and_signal(seconds: float) -> None:
        waiting.set()
        real_sleep(seconds)

    monkeypatch.setattr(
        "govdash.importing.run.time",
        types.SimpleNamespace(**{**vars(time), "sleep": sleep_and_signal}),
    )

    def hold():
        with import_lock(root):
            held.set()
            assert waiting.wait(30), "the second import never waited"

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    report = import_files([path], root=root, dry_run=True, lock_timeout=30)
    holder.join()
    assert report.ok and waiting.is_set()


@pytest.mark.parametrize(
    "where, err, words",
    [
        ("govdash.core.engine.publish.write_parquet", errno.ENOSPC, "磁盘空间不足"),
        ("govdash.core.engine.publish.tempfile.mkdtemp", errno.EROFS, "数据文件夹为只读"),
        ("govdash.importing.run.open", errno.EROFS, "数据文件夹为只读"),  # the lock file
        ("govdash.importing.run.open", errno.EACCES, "数据文件夹为只读"),
    ],
)
def test_a_full_disk_or_read_only_folder_changes_nothing(
    root, tmp_path, monkeypatch, where, err, words
):
    before = _state(root)
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [july(vol="261")])

    def fail(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(where, fail, raising=not where.endswith(".open"))
    report = import_files([path], root=root, replace=True)
    assert not report.ok and report.snapshot is None
    assert any(words in t for t in _texts(report))
    assert _state(root) == before
    assert not list(root.glob(".tmp-*")), "no temporary folder is left behind"


@pytest.mark.parametrize(
    "name, content",
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le")),
        ("empty.xlsx", b""),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
    ],
)  # fmt: skip
def test_bad_files_are_reported_never_raised(root, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    before = _state(root)
    report = import_files([path], root=root)
    assert not report.ok and report.snapshot is None
    (text,) = _texts(report)
    assert name in text and any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert _state(root) == before


def _activities_csv(path: Path, snapshot, rows: int, start_id: int = 10_000_000) -> Path:
    """New activities for existing communities and teams, as a district would send them."""
    teams = pq.read_table(snapshot.table_path("teams")).to_pandas()[["team_id", "community_code"]]
    pairs = list(teams.itertuples(index=False, name=None))
    header = ["活动编号", "日期", "社区", "队伍编号", "活动类别", "服务对象", "志愿者人次",
              "社工人次", "服务时长（小时）", "服务人次", "是否需求响应", "响应时间（小时）"]  # fmt: skip
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(rows):
            team, community = pairs[i % len(pairs)]
            writer.writerow(
                [start_id + i, f"2025-07-{1 + i % 17:02d}", community, team, "为老服务",
                 "一老（老年人）", 3 + i % 5, i % 2, 2.5 + i % 7, 10 + i % 40,
                 "是" if i % 3 == 0 else "否", 12 + i % 30 if i % 3 == 0 else ""]
            )  # fmt: skip
    return path


# The import run in a child process that says when it reaches a phase, then waits to be killed.
PAUSING_IMPORT = textwrap.dedent("""
    import os, sys, time
    import govdash.importing.run as run
    import govdash.core.engine.publish as snap
    from govdash.cli import main

    phase, root, path = sys.argv[1:4]

    def pause():
        print("PHASE", phase, flush=True)
        time.sleep(120)

    if phase == "validating":
        real_validate = run.validate_sheet
        def validate_sheet(*args, **kwargs):
            pause()
            return real_validate(*args, **kwargs)
        run.validate_sheet = validate_sheet
    elif phase == "writing":
        real_write, written = snap.write_parquet, []
        def write_parquet(table, target):
            real_write(table, target)
            written.append(target)
            if len(written) == 3:
                pause()
        snap.write_parquet = write_parquet
    elif phase == "published":
        real_rename = os.rename
        def rename(src, dst):
            real_rename(src, dst)
            pause()
        os.rename = rename
    sys.exit(main(["--data-dir", root, "import", path]))
""")


@pytest.mark.parametrize("phase", ["validating", "writing", "published"])
def test_a_killed_import_leaves_no_partial_snapshot(root, tmp_path, snapshot, phase):
    path = _activities_csv(tmp_path / "activities.csv", snapshot, 5_000)
    before = _state(root)
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSING_IMPORT, phase, str(root), str(path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout.readline().strip() == f"PHASE {phase}"
        if phase == "writing":  # the kill lands in the middle of the write
            (tmp,) = [p for p in root.iterdir() if p.name.startswith(".tmp-")]
            assert len(list(tmp.glob("*.parquet"))) == 3
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    good, visible = _state(root)
    assert set(visible) == good, visible  # nothing half-written is visible
    if phase == "published":  # killed after the rename: the new snapshot is complete and good
        assert len(good - before[0]) == 1
    else:
        assert good == before[0]
    assert latest_good(root)[0] is not None
    command = [sys.executable, "-m", "govdash", "--data-dir", str(root), "import", str(path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr  # the lock died with the killed process
    assert (
        latest_good(root)[0].row_counts["activities"] == snapshot.row_counts["activities"] + 5_000
    )


PEAK_OF_CHILD = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print("PEAK_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def test_a_50_mb_csv_imports_with_bounded_memory_and_progress(root, tmp_path, snapshot):
    path = _activities_csv(tmp_path / "activities.csv", snapshot, 560_000)
    size = path.stat().st_size
    assert size > 50 * 1024 * 1024
    command = [sys.executable, "-m", "govdash", "--data-dir", str(root), "import", str(path)]
    # The import's own peak. A child forked from this test process starts with a copy of its
    # pages, and Linux counts that copy in the child's peak (the test process holds chdb and
    # every earlier test's data by now), so a small Python starts the import and reports the
    # peak of its own child, forked from a few megabytes.
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        done = subprocess.run(
            [sys.executable, "-c", PEAK_OF_CHILD, *command],
            cwd=ROOT, stdout=stdout, stderr=stderr, text=True, timeout=600,
        )  # fmt: skip
    printed = out.read_text(encoding="utf-8")
    assert done.returncode == 0, (printed + err.read_text(encoding="utf-8"))[-4000:]
    assert "100%" in err.read_text(encoding="utf-8")  # the progress bar ran to the end
    peak_kb = int(printed.strip().splitlines()[-1].removeprefix("PEAK_KB "))
    assert peak_kb < 1_200_000, f"peak {peak_kb / 1024:.0f} MB"
    assert (
        latest_good(root)[0].row_counts["activities"] == snapshot.row_counts["activities"] + 560_000
    )
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_qualifier_typed_beside_a_count_is_stored_and_shown(
    root, tmp_path, monkeypatch, snapshot
):
    from streamlit.testing.v1 import AppTest

    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [july(vol="260余")])
    report = import_files([path], root=root, replace=True)
    assert report.ok, _texts(report)
    stored = pq.read_table(report.snapshot.table_path("value_qualifiers")).to_pylist()
    assert stored == [
        {"table": "headcounts", "row_key": f"2025-07-01|{ZJW}", "column": "registered_volunteers",
         "qualifier": "more_than"}
    ]  # fmt: skip
    head = pq.read_table(report.snapshot.table_path("headcounts")).to_pandas()
    assert head.loc[head["community_code"] == ZJW, "registered_volunteers"].iloc[-1] == 260
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    dashboard = str(ROOT / "dashboard.py")
    at = AppTest.from_file(dashboard, default_timeout=180)
    for key, value in {"district": "420106", "street": "420106012", "community": ZJW}.items():
        at.query_params[key] = value
    at.run()
    cards = {m.label: m.value for m in at.metric}
    assert cards["注册志愿者"] == "260余名"
    city = AppTest.from_file(dashboard, default_timeout=180).run()
    assert any("其中1个填报值带“余、近、约”" in c.value for c in city.caption)
    # Exported again, the count is written the way it was typed, so a re-import onto the snapshot
    # it came from gives the same tables, qualifier included. (As CSV: the format is not the point.)
    monkeypatch.setattr("govdash.importing.export.XLSX_ROWS", 1_000)
    files = export_snapshot(report.snapshot, tmp_path / "again", tables=["headcounts"], full=True)
    files = files.files
    assert [f.name for f in files] == ["headcounts.csv"]
    fresh = tmp_path / "fresh"
    shutil.copytree(snapshot.path, fresh / snapshot.id)
    back = import_files(files, root=fresh, replace=True)  # the July row was changed above
    assert back.ok, _texts(back)
    assert back.snapshot.id.split("-")[-1] == report.snapshot.id.split("-")[-1]


def test_re_importing_a_row_without_the_qualifier_clears_it(root, tmp_path):
    first = import_files(
        [write_csv(tmp_path / "a.csv", HEADCOUNTS, [july(vol="260余")])], root=root, replace=True
    )
    assert first.snapshot.has_table("value_qualifiers")
    second = import_files(
        [write_csv(tmp_path / "b.csv", HEADCOUNTS, [july(vol="262")])], root=root, replace=True
    )
    assert second.ok and not second.snapshot.has_table("value_qualifiers")


def test_an_official_division_table_renames_divisions_everywhere(root, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    official = write_csv(
        tmp_path / "统计用区划代码.csv",
        ["区划代码", "名称", "上级区划代码"],
        [["420106003", "中华路街道", "420106"], ["420106003001", "新华社区", "420106003"]],
    )
    report = import_files([official], root=root, note="统计用区划代码", replace=True)
    assert report.ok, _texts(report)
    divisions = pq.read_table(report.snapshot.table_path("divisions")).to_pandas().set_index("code")
    assert divisions.loc["420106003", "name_zh"] == "中华路街道"
    assert divisions.loc["420106003", "level"] == "street"  # kept from the division it replaces
    assert divisions.loc["420106003001", "name_zh"] == "新华社区"
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
    at.query_params["district"] = "420106"
    at.run()
    ranking = next(
        json.loads(el.proto.spec)
        for el in at.get("plotly_chart")
        if "各街道" in json.loads(el.proto.spec)["layout"]["title"]["text"]
    )
    labels = [label for trace in ranking["data"] for label in trace.get("y", [])]
    assert "中华路街道" in labels, "the ranking of 武昌区's streets uses the official name"
    wrong = write_csv(
        tmp_path / "错误区划.csv",
        ["区划代码", "名称", "上级区划代码"],
        [["420106003", "中华路街道", "420103"]],
    )
    report = import_files([wrong], root=root, dry_run=True)
    assert any("上级区划" in t or "不能隶属于" in t for t in _texts(report)), _texts(report)


def test_the_cli_says_a_read_only_data_folder_is_read_only(tmp_path, snapshot):
    """A real read-only folder for root too: a bind of the lock file's open to EROFS."""
    script = textwrap.dedent("""
        import builtins, errno, os, sys
        real_open = builtins.open
        def read_only(path, *args, **kwargs):
            if str(path).endswith(".import.lock"):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real_open(path, *args, **kwargs)
        builtins.open = read_only
        from govdash.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    root = tmp_path / "snaps"
    shutil.copytree(snapshot.path, root / snapshot.id)
    path = write_csv(tmp_path / "h.csv", HEADCOUNTS, [july(vol="261")])
    done = subprocess.run(
        [sys.executable, "-c", script, "--data-dir", str(root), "import", str(path)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "the data folder is read-only; nothing was changed" in done.stdout


def test_rows_imported_onto_demo_data_stay_labelled_demo_everywhere(root, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    divisions = write_csv(
        tmp_path / "区划.csv",
        ["区划代码", "名称", "上级区划代码"],
        [["420106003", "中华路街道", "420106"], ["420106004", "黄鹤楼街道", "420106"],
         ["420106003001", "新华社区", "420106003"]],
    )  # fmt: skip
    cli = run_cli(root, "import", str(divisions), "--replace", "--lang", "en")
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "is demo data" in cli.stdout and "--empty" in cli.stdout
    new, _ = latest_good(root)
    assert new.provenance == "demo" and new.manifest["generator"]["onto_demo"] is True
    monkeypatch.setenv("GOVDASH_SNAPSHOTS_DIR", str(root))
    for page in ("pages/overview.py", "pages/districts.py", "pages/data.py", "pages/import.py"):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180).run()
        at.switch_page(page).run()
        assert any("演示数据：本快照由程序生成" in w.value for w in at.warning), page


def _one_district(snapshot, code: str = "420103") -> dict:
    """The demo's tables cut down to the city and one district: a small, consistent snapshot."""
    import pyarrow.compute as pc

    tables = {n: pq.read_table(snapshot.table_path(n)) for n in snapshot.row_counts}
    city = tables["divisions"].filter(pc.equal(tables["divisions"]["level"], "city"))
    keep_city = city["code"][0].as_py()

    def mine(table, column, city_too=False):
        values = table[column]
        wanted = pc.starts_with(values, code)
        if city_too:
            wanted = pc.or_(wanted, pc.equal(values, keep_city))
        return table.filter(wanted)

    out = {
        "divisions": mine(tables["divisions"], "code", city_too=True),
        "headcounts": mine(tables["headcounts"], "community_code"),
        "teams": mine(tables["teams"], "community_code"),
        "activities": mine(tables["activities"], "community_code"),
        "resources": mine(tables["resources"], "division_code", city_too=True),
        "programmes": mine(tables["programmes"], "owner_code", city_too=True),
        "reported_facts": mine(tables["reported_facts"], "scope_code", city_too=True),
    }
    programmes = set(out["programmes"]["programme_id"].to_pylist())
    outcomes = mine(tables["outcomes"], "division_code", city_too=True)
    keep = [p is None or p in programmes for p in outcomes["programme_id"].to_pylist()]
    out["outcomes"] = outcomes.filter(pa.array(keep))
    return out


def test_an_import_can_start_from_an_empty_snapshot_instead_of_the_demo(root, tmp_path, snapshot):
    from govdash.core.engine.publish import write_snapshot

    small = _one_district(snapshot)
    real = write_snapshot(small, as_of=snapshot.as_of, provenance="imported", root=tmp_path / "r")
    files = export_snapshot(real, tmp_path / "export", full=True).files  # no 演示数据 title
    report = import_files(files, root=root, empty=True)
    assert report.ok, _texts(report)[:3]
    assert report.previous is None and not report.onto_demo and report.demo_files == []
    assert report.snapshot.provenance == "imported" and report.snapshot.id == real.id
    assert latest_good(root)[0].id == real.id  # newer than the demo beside it
    teams_only = export_snapshot(real, tmp_path / "part", tables=["teams"], full=True).files
    partial = import_files(teams_only, root=root, empty=True, dry_run=True)
    assert not partial.ok, "from empty, teams alone name divisions that do not exist yet"
