"""Benchmark the table downloads of 数据说明: how long a person waits after clicking CSV or XLSX.

    python bench/download_bench.py [--data-dir DIR] [--rows 1000000] [--repeat 5] [--browser]

Streamlit cannot stream a download: the button's callable builds the whole file, then the
browser receives it. So the wait is the time to build the bytes, and the goal is under 2 s for
every table of the demo at its default size (1,000,000 activities).

1. End to end, per table: the callable the button runs (read the snapshot's Parquet, blank small
   sensitive counts, Chinese headers, write the file), CSV for every table and XLSX for tables
   up to the page's XLSX limit.
2. The writers alone on the same frame, against the usual ways: pandas' `to_csv` for CSV;
   openpyxl (write-only, a cell object per value: what govdash used before) and XlsxWriter
   (pip install ".[bench]") for XLSX. Every file is read back and asserted to hold the same
   values as govdash's.
3. With --browser: the running app in headless Chromium (Debian's, /usr/bin/chromium), from the
   click on 数据说明 to the browser's download starting, for the largest CSV and XLSX.

Medians and p95 of wall time with CPU time (user + system of this process) beside them; the load
average before and after. Time on a quiet machine: no test suite or build beside it.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govdash.app.panels import data  # noqa: E402
from govdash.core.data.snapshot import scan_snapshots  # noqa: E402
from govdash.core.outputs.exports import csv_bytes, neutralise_frame, xlsx_bytes  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import line, timed  # noqa: E402

PREAMBLE = ["数据快照 · 演示数据", "演示数据：本快照由程序生成"]


# ---------------------------------------------------------------------- peers
def pandas_csv(frame: pd.DataFrame) -> bytes:
    """The usual way: pandas' writer on the neutralised frame (govdash's writer until #12)."""
    lines = "".join(f'"{p}"\r\n' for p in PREAMBLE)
    body = neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n")
    return (lines + body).encode("utf-8-sig")


def openpyxl_xlsx(frame: pd.DataFrame, title: str) -> bytes:
    """openpyxl write-only with a typed cell per value (govdash's writer until #12)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    about = book.create_sheet("说明")
    for p in PREAMBLE:
        about.append([p])
    sheet = book.create_sheet(title[:31])
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(sheet, value=str(name))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for v in row:
            v = None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
            v = v.item() if hasattr(v, "item") and not isinstance(v, str) else v
            cell = WriteOnlyCell(sheet, value=v)
            if isinstance(v, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsxwriter_xlsx(frame: pd.DataFrame, title: str) -> bytes | None:
    """XlsxWriter, constant memory, strings never formulas."""
    try:
        import xlsxwriter
    except ImportError:
        return None
    buffer = io.BytesIO()
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    book = xlsxwriter.Workbook(buffer, {**options, "strings_to_urls": False})
    bold, day = book.add_format({"bold": True}), book.add_format({"num_format": "yyyy-mm-dd"})
    about = book.add_worksheet("说明")
    for i, p in enumerate(PREAMBLE):
        about.write_string(i, 0, p)
    sheet = book.add_worksheet(title[:31])
    sheet.write_row(0, 0, [str(c) for c in frame.columns], bold)
    columns = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in frame]
    for r, row in enumerate(zip(*columns, strict=True), start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if hasattr(v, "year"):
                sheet.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), day)
            else:
                sheet.write(r, c, v.item() if hasattr(v, "item") else v)
    book.close()
    return buffer.getvalue()


# ---------------------------------------------------------------------- equality
def csv_frame(payload: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(payload), skiprows=len(PREAMBLE), encoding="utf-8-sig")


def xlsx_frame(payload: bytes) -> pd.DataFrame:
    return pd.read_excel(io.BytesIO(payload), sheet_name=1, engine="openpyxl")


def same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, obj=what
    )


# ---------------------------------------------------------------------- browser
def browser_downloads(root: Path, repeat: int) -> None:
    """Start the app on the snapshot folder and time clicks on the biggest tables' buttons."""
    import socket
    import subprocess

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GOVDASH_SNAPSHOTS_DIR": str(root)}
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
               "--server.headless", "true", "--server.port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(accept_downloads=True, viewport={"width": 1440, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/data", timeout=120_000)
            page.wait_for_selector(".st-key-dl-csv-activities button", timeout=120_000)
            for label, key in (("activities CSV", "dl-csv-activities"),
                               ("headcounts XLSX", "dl-xlsx-headcounts")):  # fmt: skip
                walls = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    with page.expect_download(timeout=60_000) as info:
                        page.click(f".st-key-{key} button")
                    walls.append(time.perf_counter() - start)
                    info.value.cancel()
                ordered = sorted(walls)
                p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
                print(f"  click -> download starts: {label:24s} wall {statistics.median(walls):6.2f} s"
                      f" (p95 {p95:6.2f})")  # fmt: skip
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


# ---------------------------------------------------------------------- main
def snapshot_for(args: argparse.Namespace):
    root = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="dl-bench-"))
    good, _ = scan_snapshots(root)
    if not good:
        from govdash.demo.build import build_demo

        print(f"building the demo ({args.rows:,} activities) in {root} ...")
        build_demo(root, activity_rows=args.rows)
        good, _ = scan_snapshots(root)
    return good[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="a folder with a snapshot (default: build the demo)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="demo activities to build")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time clicks in Chromium")
    args = parser.parse_args()
    snap = snapshot_for(args)
    print(f"snapshot {snap.id}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    print("\n1. end to end: the button's callable (read, privacy, headers, write)")
    slowest = 0.0
    for name, rows in snap.row_counts.items():
        if not snap.has_table(name):
            continue
        if rows > data.CSV_LIMIT:
            print(f"  {name} ({rows:,} rows): over the page's CSV limit, not offered")
            continue
        if rows > data.ZIP_ROWS:  # as the page offers it: the CSV in a zip
            build, label = (
                lambda n=name: data._zipped_csv(snap, n, "t.csv", PREAMBLE, "zh"),
                f"{name} CSV in ZIP ({rows:,} rows)",
            )
        else:
            build, label = (
                lambda n=name: data._csv(snap, n, PREAMBLE, "zh"),
                f"{name} CSV ({rows:,} rows)",
            )
        walls, cpus, out = timed(build, args.repeat)
        slowest = max(slowest, line(label, walls, cpus, len(out)))
        if rows <= data.XLSX_LIMIT:
            walls, cpus, out = timed(
                lambda n=name: data._xlsx(snap, n, PREAMBLE, "zh"), args.repeat
            )
            slowest = max(slowest, line(f"{name} XLSX", walls, cpus, len(out)))
    print(f"   slowest download (median): {slowest:.2f} s")

    print("\n2. writers alone, on the same frame, against the usual ways")
    for name in ("activities", "headcounts"):
        frame = data._table(snap, name, "zh")
        print(f" {name}: {len(frame):,} rows x {len(frame.columns)} columns")
        walls, cpus, ours = timed(lambda f=frame: csv_bytes(f, PREAMBLE), args.repeat)
        base = line("govdash CSV (Arrow writer)", walls, cpus, len(ours))
        walls, cpus, theirs = timed(lambda f=frame: pandas_csv(f), args.repeat)
        peer = line("pandas to_csv", walls, cpus, len(theirs))
        same(csv_frame(ours), csv_frame(theirs), f"{name} CSV")
        print(f"   same values; pandas / govdash (wall, medians): {peer / base:.1f}x")
        if len(frame) > data.XLSX_LIMIT:
            continue
        walls, cpus, ours = timed(lambda f=frame: xlsx_bytes({"表": f}, PREAMBLE), args.repeat)
        base = line("govdash XLSX (column-wise)", walls, cpus, len(ours))
        mine = xlsx_frame(ours)
        walls, cpus, theirs = timed(lambda f=frame: openpyxl_xlsx(f, "表"), args.repeat)
        peer = line("openpyxl write-only", walls, cpus, len(theirs))
        same(mine, xlsx_frame(theirs), f"{name} XLSX (openpyxl)")
        print(f"   same values; openpyxl / govdash (wall, medians): {peer / base:.1f}x")
        if xlsxwriter_xlsx(frame.head(2), "表") is not None:
            walls, cpus, theirs = timed(lambda f=frame: xlsxwriter_xlsx(f, "表"), args.repeat)
            peer = line("XlsxWriter constant_memory", walls, cpus, len(theirs))
            same(mine, xlsx_frame(theirs), f"{name} XLSX (XlsxWriter)")
            print(f"   same values; XlsxWriter / govdash (wall, medians): {peer / base:.1f}x")
    if args.browser:
        print("\n3. in the browser: from the click to the download starting")
        browser_downloads(Path(snap.path).parent, args.repeat)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"command: {sys.executable} {' '.join(sys.argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
