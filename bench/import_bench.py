"""Benchmark imports: the demo's own export, the two .xlsx readers, and the 50 MB upload cases.

    python bench/import_bench.py [--rows 1000000] [--repeat 3] [--xlsx-rows 100000]

Every measured step runs in a fresh child process, started from a small helper process so that
its peak RSS is its own; wall time, CPU time (user + system) and peak RSS are reported per step.

1. Import the demo's export (one .xlsx plus activities.csv) into an empty folder, against the least
   any import must do: pandas reads the same CSV and pyarrow writes Parquet, with no checks.
2. Read one headcounts sheet of --xlsx-rows rows with govdash's reader (openpyxl, read-only,
   row by row, with the workbook cell limit) and with python-calamine (Rust; pip install
   ".[bench]"), asserting both give the same cells.
3. The 50 MB upload limit: a 50 MB CSV of activities imported (chunked), and a 50 MB workbook,
   which is over the cell limit and must be refused while it is read.
"""

from __future__ import annotations

import argparse
import csv
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASELINE = """
import sys, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
frame = pd.read_csv(sys.argv[1], skiprows=[0, 2], dtype=str)
pq.write_table(pa.Table.from_pandas(frame), sys.argv[2])
"""
READ_GOVDASH = """
import sys
from govdash.importing.readers import read_file
(sheet,) = read_file(sys.argv[1])
print(len(sheet.frame), sheet.frame.iloc[-1].tolist())
"""
READ_CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
rows = book.get_sheet_by_index(0).to_python()
last = [str(int(v)) if isinstance(v, float) and v.is_integer() else (str(v) if v != "" else None)
        for v in rows[-1]]
print(len(rows) - 1, last)
"""
HEADER = ["月份", "社区", "专业社工", "社区工作者", "注册志愿者", "志愿者骨干", "志愿服务队",
          "新就业群体志愿服务队", "移动网格员"]  # fmt: skip


# A small process starts each measured command, so the measured process is forked from it and
# not from this one (a fork of this large process would count its memory as the child's).
SPAWN = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=sys.stdout, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"@@ {wall} {r.ru_utime + r.ru_stime} {r.ru_maxrss} {done.returncode}")
"""


def child(command: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", SPAWN, *command], cwd=ROOT, capture_output=True, text=True
    )
    printed, _, last = done.stdout.rstrip().rpartition("\n")
    wall, cpu, peak_kb, _code = last.split()[1:]
    return float(wall), float(cpu), int(peak_kb) / 1024, printed


def report(label: str, runs: list[tuple[float, float, float, str]]) -> None:
    walls = sorted(r[0] for r in runs)
    cpus = [r[1] for r in runs]
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    print(
        f"  {label:44s} wall {statistics.median(walls):7.2f} s (p95 {p95:6.2f})  "
        f"cpu {statistics.median(cpus):7.2f} s  peak {max(r[2] for r in runs):6.0f} MB"
    )


def headcounts_xlsx(path: Path, rows: int) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("人员情况")
    sheet.append(HEADER)
    for i in range(rows):
        sheet.append([f"2025-{1 + i % 6:02d}", f"4201060{i % 90:02d}{i % 900:03d}", 3, 12,
                      260 + i % 50, 40, 6, 1, 5])  # fmt: skip
    book.save(path)
    return path


def activities_csv(path: Path, megabytes: int) -> Path:
    header = ["活动编号", "日期", "社区", "队伍编号", "活动类别", "服务对象", "志愿者人次",
              "社工人次", "服务时长（小时）", "服务人次", "是否需求响应", "响应时间（小时）"]  # fmt: skip
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        i = 0
        while fh.tell() < megabytes * 2**20:
            writer.writerows(
                [30_000_000 + j, f"2025-07-{1 + j % 17:02d}", "420106012001", "T420106012001-01",
                 "为老服务", "一老（老年人）", 3 + j % 5, j % 2, 2.5, 10 + j % 40, "否", ""]
                for j in range(i, i + 10_000)
            )  # fmt: skip
            i += 10_000
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="govdash-import-bench-"))
    from govdash.demo.build import build_demo
    from govdash.importing.export import export_snapshot

    snap = build_demo(work / "source", activity_rows=args.rows)
    files = export_snapshot(snap, work / "export", full=True).files  # a round trip
    big = next(f for f in files if f.name == "activities.csv")
    print(f"\n1. import of the demo's export ({snap.row_counts['activities']:,} activities)")
    print(f"   files: {', '.join(f'{f.name} {f.stat().st_size / 2**20:.1f} MB' for f in files)}")
    base, imp = [], []
    for i in range(args.repeat):
        out = work / f"baseline-{i}.parquet"
        base.append(child([sys.executable, "-c", BASELINE, str(big), str(out)]))
        target = work / f"import-{i}"
        target.mkdir()
        imp.append(
            child(
                [
                    sys.executable,
                    "-m",
                    "govdash",
                    "--data-dir",
                    str(target),
                    "import",
                    *map(str, files),
                ]
            )  # fmt: skip
        )
    report("baseline: read CSV + write Parquet, no checks", base)
    report("govdash import: all tables, validated", imp)
    ratio = statistics.median(r[0] for r in imp) / statistics.median(r[0] for r in base)
    print(f"   import / baseline (wall, medians): {ratio:.1f}x")

    print(f"\n2. reading one sheet of {args.xlsx_rows:,} rows x {len(HEADER)} columns")
    sheet = headcounts_xlsx(work / "人员情况.xlsx", args.xlsx_rows)
    print(f"   file: {sheet.stat().st_size / 2**20:.1f} MB")
    runs = {"openpyxl, read-only rows (govdash)": READ_GOVDASH, "python-calamine": READ_CALAMINE}
    results = {}
    for label, script in runs.items():
        measured = [child([sys.executable, "-c", script, str(sheet)]) for _ in range(args.repeat)]
        results[label] = measured[-1][3].strip()
        report(label, measured)
    outputs = set(results.values())
    assert len(outputs) == 1 and outputs != {""}, f"the readers disagree: {results}"
    print(f"   both readers return the same rows ({next(iter(outputs))[:60]}...)")

    print("\n3. the 50 MB upload limit")
    upload = activities_csv(work / "服务活动.csv", 50)
    target = work / "import-50mb"
    target.mkdir()
    for path in files[:1]:  # the divisions, teams ... the activities refer to
        child([sys.executable, "-m", "govdash", "--data-dir", str(target), "import", str(path)])
    command = [sys.executable, "-m", "govdash", "--data-dir", str(target), "import", "--dry-run"]
    report(f"50 MB CSV ({upload.stat().st_size / 2**20:.0f} MB), validated", [
        child([*command, str(upload)])])  # fmt: skip
    wide = headcounts_xlsx(work / "大表.xlsx", 1_400_000)
    refused = child([*command, str(wide)])
    assert "解压后达" in refused[3] or "unpack to" in refused[3], refused[3][-500:]
    report(f"{wide.stat().st_size / 2**20:.0f} MB workbook, refused before parsing", [refused])
    limit = headcounts_xlsx(work / "上限.xlsx", 240_000)  # 2.16M cells, under the XML cap
    refused = child([*command, str(limit)])
    assert "过大" in refused[3] or "too large" in refused[3], refused[3][-500:]
    report(f"{limit.stat().st_size / 2**20:.0f} MB workbook, refused at the cell limit", [refused])
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("command: " + shlex.join([sys.executable, *sys.argv]))


if __name__ == "__main__":
    main()
