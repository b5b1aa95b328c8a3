"""Benchmark the briefing pack: how long each file of the default deck takes, and how big it is.

    python bench/briefing_bench.py [--data-dir DIR] [--rows 1000000] [--repeat 5] [--lang zh]

The aim (issue #13): the PPTX and the XLSX in under 5 s, the whole pack (PPTX, XLSX, HTML, chart
PNGs, PDF) in under 30 s on a 2-core machine, on the demo at its default size (1,000,000
activities). Each part is timed on its own with the slides' content computed once, as the app
and the CLI do; then the whole pack as `python -m govdash briefing` writes it.

Peers, on the same slides, with the results asserted equal:
- XLSX: openpyxl writing the same sheets cell by cell (read back: the same values);
- HTML: plotly's own `write_html` per chart, plotly.js in every file (the usual way to hand out
  interactive charts), against one report with plotly.js once (same figures, same data);
- PNG: kaleido started once per chart (`fig.write_image` one by one), against one batch
  (the same pixel sizes); run once, as it takes a minute.

Medians and p95 of wall time, CPU time of this process beside them (kaleido's Chromium runs in
other processes, so the picture steps' CPU is mostly elsewhere); the load average before and
after. Time on a quiet machine: no test suite or build beside it.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govdash.core.data.divisions import city_code, name  # noqa: E402
from govdash.core.data.snapshot import scan_snapshots  # noqa: E402
from govdash.core.engine.query import connect, run_query  # noqa: E402
from govdash.core.outputs import briefing, briefing_workbook, pptx_deck  # noqa: E402
from govdash.viz import briefing_pack  # noqa: E402
from govdash.viz.briefing_report import report_html, slide_figures  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import line, timed  # noqa: E402


def openpyxl_workbook(slides: list, lang: str) -> bytes:
    """The same sheets written with openpyxl, a cell object per value."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for number, content in enumerate(slides, start=1):
        frame = briefing_workbook.slide_frame(content, lang)
        if frame is None:
            continue
        sheet = book.create_sheet(f"{number:02d} {content.title}"[:31])
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            sheet.append([None if v is None else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_values(data: bytes) -> list[list[list]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [[list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args()
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="govdash-briefing-bench-"))
    good, _ = scan_snapshots(root) if root.exists() else ([], [])
    if not good:
        from govdash.demo.build import build_demo

        print(f"building the demo ({args.rows:,} activities) in {root} ...")
        good = [build_demo(root, activity_rows=args.rows)]
    snap = good[0]
    lang = args.lang
    print(f"snapshot {snap.id}: {snap.row_counts.get('activities', 0):,} activities; "
          f"load average {os.getloadavg()[0]:.2f} at the start; {os.cpu_count()} CPUs")  # fmt: skip
    con = connect(root)
    divisions = run_query(con, "divisions", snap)
    source = briefing.Source(snap.id, snap.as_of, name(divisions, city_code(divisions), lang),
                             snap.is_demo)  # fmt: skip

    print(f"\nparts of the pack ({args.repeat} runs each)")
    walls, cpus, slides = timed(lambda: briefing.deck_content(con, snap, divisions, lang),
                                args.repeat)  # fmt: skip
    line(f"slides' content ({len(slides)} slides, cold cache first)", walls, cpus)
    walls, cpus, pptx = timed(lambda: pptx_deck.write_deck(slides, source.footer(lang), lang),
                              args.repeat)  # fmt: skip
    pptx_s = line("PPTX (native charts)", walls, cpus, len(pptx))
    walls, cpus, xlsx = timed(lambda: briefing_workbook.workbook(slides, source, lang),
                              args.repeat)  # fmt: skip
    xlsx_s = line("XLSX (govdash.core.outputs.xlsx)", walls, cpus, len(xlsx))
    walls, cpus, peer = timed(lambda: openpyxl_workbook(slides, lang), args.repeat)
    peer_s = line("XLSX peer: openpyxl", walls, cpus, len(peer))
    ours = sheet_values(xlsx)[1:]  # without the description sheet the peer does not write
    assert ours == sheet_values(peer), "the two workbooks hold different values"
    print(f"    same values in {len(ours)} sheets; openpyxl / govdash = {peer_s / xlsx_s:.1f}x")
    about = briefing_workbook.about(slides, source, lang)
    walls, cpus, page = timed(lambda: report_html(slides, source, about, lang), args.repeat)
    html_s = line("HTML report (plotly.js once)", walls, cpus, len(page.encode()))
    figures = [fig for content in slides for fig in slide_figures(content, lang)]
    with tempfile.TemporaryDirectory() as scratch:
        paths = [Path(scratch) / f"chart-{k}.html" for k in range(len(figures))]

        def per_chart() -> int:
            # Like the report, it draws the figures from the slides first.
            drawn = [fig for content in slides for fig in slide_figures(content, lang)]
            for fig, path in zip(drawn, paths, strict=True):
                fig.write_html(path, include_plotlyjs=True, full_html=True)
            return sum(p.stat().st_size for p in paths)

        walls, cpus, total = timed(per_chart, args.repeat)
        peer_html = line(f"HTML peer: write_html x {len(figures)} files", walls, cpus, total)
        # The same figures in both: one chart div per figure, each file with its own.
        assert page.count('class="plotly-graph-div"') == len(figures), "a chart is missing"
        assert all(p.read_text(encoding="utf-8").count("plotly-graph-div") >= 1 for p in paths)
        print(f"    {total / len(page.encode()):.1f}x the bytes, "
              f"{peer_html / html_s:.1f}x the time of the single report")  # fmt: skip

    print("\nthe whole pack, as `python -m govdash briefing` writes it")
    times = []
    for _ in range(max(1, args.repeat // 2)):
        with tempfile.TemporaryDirectory() as out:
            wall, cpu = time.perf_counter(), time.process_time()
            pack = briefing_pack.write_pack(Path(out), slides, source, lang)
            times.append((time.perf_counter() - wall, time.process_time() - cpu, pack))
            sizes = {p.suffix: p.stat().st_size for p in pack.files if p.suffix != ".png"}
            pngs = [p for p in pack.files if p.suffix == ".png"]
            png_bytes = sum(p.stat().st_size for p in pngs)
            png_sizes = [(p.stat().st_size, p) for p in pngs]
    pack_walls = [w for w, _, _ in times]
    line("pack: PPTX + XLSX + HTML + PNGs + PDF", pack_walls, [c for _, c, _ in times])
    last = times[-1][2]
    for part, seconds in last.seconds.items():
        print(f"    {part:8s} {seconds:6.2f} s")
    for suffix, size in sizes.items():
        print(f"    {suffix:6s} {size / 1e6:7.2f} MB")
    print(f"    .png   {png_bytes / 1e6:7.2f} MB in {len(png_sizes)} files")

    print("\nPNG peer: kaleido started once per chart (fig.write_image), 1 run")
    with tempfile.TemporaryDirectory() as out:
        start, cpu = time.perf_counter(), time.process_time()
        for k, fig in enumerate(figures):
            fig.write_image(Path(out) / f"{k}.png", scale=briefing_pack.PNG_SCALE)
        one_by_one = time.perf_counter() - start
        print(f"  {'write_image x ' + str(len(figures)):46s} wall {one_by_one:6.2f} s  "
              f"cpu {time.process_time() - cpu:6.2f} s")  # fmt: skip
        for k, fig in enumerate(figures):
            head = (Path(out) / f"{k}.png").read_bytes()[16:24]
            w, h = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:], "big")
            assert (w, h) == (fig.layout.width * 2, fig.layout.height * 2), "same pixel size"
        batch = last.seconds.get("charts", 0.0)
        print(f"    one batch (PNG and SVG for the PDF) took {batch:.2f} s: "
              f"{one_by_one / batch:.1f}x faster than one by one")  # fmt: skip

    print(f"\naims: PPTX {pptx_s:.2f} s and XLSX {xlsx_s:.2f} s (< 5 s each); whole pack "
          f"{statistics.median(pack_walls):.1f} s (< 30 s)")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
