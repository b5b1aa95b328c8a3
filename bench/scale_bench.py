"""The scale benchmark: build, pages, interactions, peers and concurrent sessions, in one command.

    python bench/scale_bench.py [--scales 1000000,10000000] [--repeat 7] [--sessions 20]
                                [--minutes 3] [--out docs/benchmarks.md] [--keep DIR]

For each scale (activity rows) it
1. builds the demo snapshot with its rollups in a child process: wall time, the generator's share,
   and the child's peak RSS;
2. runs every page for every interaction (open; choose a district; choose a community; change the
   period; change a category filter) with Streamlit's AppTest in a child process. Each page is
   measured on its own: the overview runs first, untimed, then the caches are cleared and only
   the page's own run is timed ("cold": every query runs; Streamlit's caches empty, the process
   and its DuckDB connection already up) and run again ("warm": every result cached). Per run:
   wall and CPU time of the server-side script run, and the SQL time and count from the query log;
3. asks the same questions of govdash, of pandas and of polars (the usual Streamlit pattern: the
   Parquet tables in memory once, filter and group per interaction), one process each
   (bench/peers.py), asserts the answers equal, and reports wall, CPU and peak memory;
4. at the largest scale, drives concurrent sessions against a local server (bench/load_bench.py).
Medians and p95 over the repeats; the machine, the load average before and after and the
command are written with the results to --out (Markdown) and bench/results/ (JSON).
Run it on a quiet machine: no tests, builds or other benchmarks beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
# The scales: a city (targets for pages, peers and sessions) and a nation (build, pages).
CITY, NATIONAL = 10_000_000, 100_000_000
PAGES = ["overview", "districts", "community", "activities", "outcomes", "data"]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def med(values: list[float]) -> float:
    return statistics.median(values)


# ------------------------------------------------------------------ child: build
def child_build(folder: Path, rows: int, communities: int | None, months: int | None) -> None:
    from govdash.demo.build import build_demo

    started = time.perf_counter()
    snapshot = build_demo(folder, activity_rows=rows, communities=communities, months=months)
    seconds = time.perf_counter() - started
    json.dump(
        {
            "snapshot": str(snapshot.path),
            "seconds": seconds,
            "prepare_seconds": snapshot.manifest["generator"]["prepare_seconds"],
            "communities": communities,
            "months": snapshot.manifest["generator"]["months"],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rows": snapshot.row_counts,
            "rollups": {k: v["rows"] for k, v in snapshot.rollups.items()},
            "bytes": {p.name: p.stat().st_size for p in snapshot.path.glob("*.parquet")},
        },
        sys.stdout,
    )


# ------------------------------------------------------------------ interactions
def interactions(folder: Path) -> dict:
    """The five interactions, from the snapshot itself: its largest district, that district's
    busiest community (and its street), its commonest category, its last complete month."""
    import pandas as pd

    from govdash.core.data.snapshot import open_snapshot
    from govdash.core.engine.query import connect, run_query

    snapshot = open_snapshot(folder.name, folder.parent)
    con = connect(folder.parent)
    first = run_query(con, "data_range", snapshot).iloc[0]
    p = str(snapshot.table_path("activities"))
    as_of = snapshot.as_of
    last = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if (as_of + dt.timedelta(days=1)).day == 1:
        last = as_of.replace(day=1)
    since = (last - dt.timedelta(days=1)).replace(day=1)  # the window before: the month before
    until = (pd.Timestamp(last) + pd.offsets.MonthEnd(0)).date()
    # The commonest value of each; ties go to the smallest, so a snapshot always gives the same.
    # The community is the district's busiest in the asked month and the one before, so that both
    # windows of its questions hold rows.
    district, community, category = (
        con.execute(sql, params).fetchone()[0]
        for sql, params in [
            ("select left(community_code, 6) as k from read_parquet($p) "
             "group by k order by count(*) desc, k limit 1", {"p": p}),
            ("select community_code as k from read_parquet($p) where starts_with(community_code, "
             "(select left(community_code, 6) as k from read_parquet($p) "
             "group by k order by count(*) desc, k limit 1)) and date between $a and $b "
             "group by k order by count(distinct month(date)) desc, count(*) desc, k limit 1",
             {"p": p, "a": since, "b": until}),
            ("select category as k from read_parquet($p) "
             "group by k order by count(*) desc, k limit 1", {"p": p}),
        ]
    )  # fmt: skip
    year_before = (pd.Timestamp(last) - pd.DateOffset(months=11)).date()
    first_month = min(pd.Timestamp(v).date() for v in first if not pd.isna(v)).replace(day=1)
    from govdash.core.data.catalog import load_catalog

    settings = load_catalog().settings
    month = last.isoformat()
    return {
        "first_month": first_month.isoformat(),
        "bin_hours": settings.response_bin_hours,
        "max_hours": settings.response_max_hours,
        "interactions": [
            {"name": "open", "scope": "", "level": "city", "start": month, "end": month,
             "url": {}},
            {"name": "district", "scope": district, "level": "district", "start": month,
             "end": month, "url": {"district": district}},
            {"name": "community", "scope": community, "level": "community", "start": month,
             "end": month, "url": {"district": district, "street": community[:9],
                                   "community": community}},
            {"name": "period", "scope": "", "level": "city", "start": year_before.isoformat(),
             "end": month, "url": {"start": year_before.isoformat()[:7], "end": month[:7]}},
            {"name": "category", "scope": "", "level": "city", "start": month, "end": month,
             "categories": [category], "url": {"category": category}},
        ],
    }  # fmt: skip


# ------------------------------------------------------------------ child: pages
def child_pages(folder: Path, spec_path: Path, repeat: int) -> None:
    import logging

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from govdash.core.engine.query import QUERY_LOG

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    os.environ["GOVDASH_SNAPSHOTS_DIR"] = str(folder.parent)
    os.environ["GOVDASH_BOUNDARIES"] = ""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    results: dict = {}

    def timed(run) -> dict:
        QUERY_LOG.clear()
        started, cpu = time.perf_counter(), time.process_time()
        run()
        wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
        records = list(QUERY_LOG)
        return {"wall_ms": wall, "cpu_ms": cpu, "sql_ms": sum(r.ms for r in records),
                "queries": len(records)}  # fmt: skip

    for page in PAGES:
        for interaction in spec["interactions"]:
            runs = []
            for _ in range(repeat):
                at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
                for key, value in interaction["url"].items():
                    at.query_params[key] = value
                at.run()  # the overview, untimed: the session and its view are set up
                st.cache_data.clear()
                if page == "overview":
                    cold = timed(at.run)
                    warm = timed(at.run)
                else:
                    cold = timed(lambda: at.switch_page(f"pages/{page}.py").run())  # noqa: B023
                    warm = timed(at.run)
                if at.exception:
                    raise SystemExit(f"{page}/{interaction['name']}: {at.exception[0].value}")
                runs.append({"cold": cold, "warm": warm})
            results[f"{page}/{interaction['name']}"] = runs
            print(f"  {page:10s} {interaction['name']:9s} cold "
                  f"{med([r['cold']['wall_ms'] for r in runs]):7.0f} ms", file=sys.stderr)  # fmt: skip
    json.dump(results, sys.stdout)


# ------------------------------------------------------------------ parent
def run_child(args: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, *args], cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True
    )
    return json.loads(out.stdout)


def machine() -> dict:
    model = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
         if ln.startswith("model name")), platform.processor(),
    )  # fmt: skip
    mem = next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in ln)
    import duckdb
    import pandas
    import polars
    import streamlit

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem.split()[1]) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "versions": {"duckdb": duckdb.__version__, "pandas": pandas.__version__,
                     "polars": polars.__version__, "streamlit": streamlit.__version__},
    }  # fmt: skip


def summarise_pages(pages: dict) -> list[dict]:
    rows = []
    for key, runs in pages.items():
        page, interaction = key.split("/")
        row = {"page": page, "interaction": interaction}
        for phase in ("cold", "warm"):
            for measure in ("wall_ms", "cpu_ms", "sql_ms"):
                values = [r[phase][measure] for r in runs]
                row[f"{phase}_{measure}_median"] = med(values)
                row[f"{phase}_{measure}_p95"] = p95(values)
            row[f"{phase}_queries"] = runs[0][phase]["queries"]
        rows.append(row)
    return rows


def summarise_peers(peers: dict) -> list[dict]:
    rows = []
    for name in peers["govdash"]["timings"]:
        row = {"interaction": name}
        for engine, result in peers.items():
            walls = [t[0] for t in result["timings"][name]]
            cpus = [t[1] for t in result["timings"][name]]
            row[engine] = {"wall_median": med(walls), "wall_p95": p95(walls),
                           "cpu_median": med(cpus), "cpu_p95": p95(cpus)}  # fmt: skip
        rows.append(row)
    return rows


def _worst(pages: list[dict], key: str) -> dict:
    return max(pages, key=lambda r: r[key])


def targets(report: dict) -> list[str]:
    """The issue's targets against this run: the largest scale up to 10M stands for the city, a
    scale of 100M or more for the nation."""
    scales = report["scales"]
    city = max([sc for sc in scales if sc["rows"] <= CITY] or scales, key=lambda sc: sc["rows"])
    nation = max([sc for sc in scales if sc["rows"] >= NATIONAL], default=None,
                 key=lambda sc: sc["rows"])  # fmt: skip
    pages = city["pages"]
    worst_sql = _worst(pages, "cold_sql_ms_p95")
    worst_cold = _worst(pages, "cold_wall_ms_median")
    worst_warm = _worst(pages, "warm_wall_ms_median")
    summary = city["peers"]["summary"]
    raw = city["peers"]["raw"]

    def ratio(peer: str) -> str:
        if peer not in raw:
            return "not measured"
        values = [r[peer]["cpu_median"] / r["govdash"]["cpu_median"] for r in summary]
        memory = raw["govdash"]["peak_rss_mb"] / raw[peer]["peak_rss_mb"]
        return f"{min(values):.1f}×–{max(values):.1f}× less CPU, {memory:.2f} of its memory"

    def build(scale: dict) -> str:
        b = scale["build"]
        return f"{b['seconds']:.0f} s, {b['peak_rss_mb']:.0f} MB"

    ld = city.get("load")
    n = f"{city['rows']:,}"
    rows = [
        (n, "SQL of any one interaction, cold, p95", "≤ 50 ms",
         f"{worst_sql['cold_sql_ms_p95']:.0f} ms ({worst_sql['page']}, "
         f"{worst_sql['interaction']}, {worst_sql['cold_queries']} queries)"),
        (n, "server-side page run, cold (worst page, median)", "≤ 300 ms",
         f"{worst_cold['cold_wall_ms_median']:.0f} ms ({worst_cold['page']}, "
         f"{worst_cold['interaction']})"),
        (n, "server-side page run, warm (worst page, median)", "≤ 150 ms",
         f"{worst_warm['warm_wall_ms_median']:.0f} ms ({worst_warm['page']}, "
         f"{worst_warm['interaction']})"),
        (n, "CPU per interaction against pandas in memory", "≥ 10× less, ≤ 1/5 memory",
         ratio("pandas")),
        (n, "CPU per interaction against polars in memory", "≥ 10× less, ≤ 1/5 memory",
         ratio("polars")),
        (n, "demo + rollup build", "(for reference)", build(city)),
    ]  # fmt: skip
    if ld:
        rows.append((n, f"{ld['sessions']} sessions, page settle p95, errors", "≤ 2 s, 0",
                     f"{ld['settle_p95']:.1f} s, {ld['errors']} errors"))  # fmt: skip
    if nation:
        worst = _worst(nation["pages"], "cold_sql_ms_p95")
        slow = _worst(nation["pages"], "cold_wall_ms_p95")
        m = f"{nation['rows']:,}"
        rows += [
            (m, "any interaction, cold, p95: SQL; whole page run", "≤ 1 s",
             f"{worst['cold_sql_ms_p95']:.0f} ms ({worst['page']}, {worst['interaction']}); "
             f"{slow['cold_wall_ms_p95']:.0f} ms ({slow['page']}, {slow['interaction']})"),
            (m, "demo + rollup build", "≤ 15 min, ≤ 2 GB peak", build(nation)),
        ]  # fmt: skip
    else:
        rows.append(("100,000,000", "any interaction cold p95; build", "≤ 1 s; ≤ 15 min, ≤ 2 GB",
                     "not measured in this run (add 100000000 to --scales)"))  # fmt: skip
    out = ["", "## Targets", "", "| scale | measure | target | measured |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return out


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {report['date']} with `{report['command']}` on {m['cpu']}, {m['cores']} "
        f"cores, {m['memory_gb']} GB, Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f". Load average before {report['load_before']}, after {report['load_after']}.",
        "",
        "Cold: Streamlit's caches cleared, the server process and its DuckDB connection already up",
        "(every query of the page runs). Warm: the same run again, every result cached. A page is",
        "timed on its own (the overview runs first, untimed). SQL: the sum of the page's queries",
        "from the query log. Times in milliseconds, median / p95 over the repeats.",
    ]
    lines += targets(report)
    for scale in report["scales"]:
        b = scale["build"]
        lines += [
            "",
            f"## {scale['rows']:,} activities",
            "",
            f"Build (demo generation, validation, write, rollups): {b['seconds']:.1f} s, of which "
            f"the first pass and calibration {b['prepare_seconds']:.1f} s; peak memory "
            f"{b['peak_rss_mb']:.0f} MB. Shape: {b.get('communities') or 'configured'} "
            f"communities × {b['months']} months. "
            "Rollup rows: " + ", ".join(f"{k} {v:,}" for k, v in b["rollups"].items()) + ".",
            "",
            "| page | interaction | queries | SQL cold | page cold | page warm | CPU cold |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for r in scale["pages"]:
            lines.append(
                f"| {r['page']} | {r['interaction']} | {r['cold_queries']} | "
                f"{r['cold_sql_ms_median']:.0f} / {r['cold_sql_ms_p95']:.0f} | "
                f"{r['cold_wall_ms_median']:.0f} / {r['cold_wall_ms_p95']:.0f} | "
                f"{r['warm_wall_ms_median']:.0f} / {r['warm_wall_ms_p95']:.0f} | "
                f"{r['cold_cpu_ms_median']:.0f} |"
            )
        peers = scale["peers"]
        if "pandas" not in peers["raw"]:
            lines += [
                "",
                "In-memory peers not run at this scale (--peers-max): they hold every row.",
            ]
            continue
        mem = {e: peers["raw"][e]["peak_rss_mb"] for e in peers["raw"]}
        load = {e: peers["raw"][e]["load"]["wall_ms"] for e in peers["raw"]}
        lines += [
            "",
            "The same questions per interaction (KPIs for two windows, ranking, 36-month trend,",
            "breakdown, top teams, histogram), answers asserted equal across engines. Wall / CPU",
            "median in ms; peak memory of each engine's process; load = reading the data first.",
            "",
            "| interaction | govdash wall | govdash CPU | pandas wall | pandas CPU | polars wall "
            "| polars CPU | CPU pandas ÷ govdash | CPU polars ÷ govdash |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in peers["summary"]:
            g, pa, po = r["govdash"], r["pandas"], r["polars"]
            lines.append(
                f"| {r['interaction']} | {g['wall_median']:.0f} | {g['cpu_median']:.0f} | "
                f"{pa['wall_median']:.0f} | {pa['cpu_median']:.0f} | {po['wall_median']:.0f} | "
                f"{po['cpu_median']:.0f} | {pa['cpu_median'] / g['cpu_median']:.1f}× | "
                f"{po['cpu_median'] / g['cpu_median']:.1f}× |"
            )
        lines += [
            "",
            "Peak memory: " + ", ".join(f"{e} {v:.0f} MB" for e, v in mem.items())
            + "; load: " + ", ".join(f"{e} {v:.0f} ms" for e, v in load.items()) + ".",
        ]  # fmt: skip
        if scale.get("load"):
            ld = scale["load"]
            lines += [
                "",
                f"{ld['sessions']} concurrent sessions for {ld['minutes']:g} min over Streamlit's "
                f"websocket (loopback): {ld['interactions']} interactions, {ld['errors']} errors, "
                f"{ld['leaks']} cross-session leaks; settle median {ld['settle_median']:.2f} s, "
                f"p95 {ld['settle_p95']:.2f} s; server RSS first minute {ld['rss_first']:.0f} MB, "
                f"last minute {ld['rss_last']:.0f} MB, max {ld['rss_max']:.0f} MB.",
            ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1000000,10000000")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--keep", type=Path, default=None, help="where to keep the snapshots")
    parser.add_argument("--render", type=Path, help="rewrite --out from a results JSON")
    parser.add_argument(
        "--national",
        default="3000x60",
        help="communities x months of the demo at scales of 100M rows and more",
    )
    parser.add_argument(
        "--peers-max",
        type=int,
        default=10_000_000,
        help="largest scale at which the in-memory peers run (they hold every row)",
    )
    parser.add_argument("--child-build", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--child-pages", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_build:
        folder, rows, communities, months = args.child_build
        return child_build(Path(folder), int(rows), int(communities) or None, int(months) or None)
    if args.child_pages:
        folder, spec, repeat = args.child_pages
        return child_pages(Path(folder), Path(spec), int(repeat))

    if args.render:
        args.out.write_text(markdown(json.loads(args.render.read_text())), encoding="utf-8")
        return None
    scales = [int(s) for s in args.scales.split(",")]
    report = {
        "date": dt.date.today().isoformat(),
        "command": shlex.join(["python", "bench/scale_bench.py", *sys.argv[1:]]),
        "machine": machine(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "scales": [],
    }
    base = args.keep or Path(tempfile.mkdtemp(prefix="govdash-scale-bench-"))
    city_rows = max([r for r in scales if r <= CITY] or scales)
    national = [int(x) for x in args.national.split("x")]
    for rows in scales:
        print(f"== {rows:,} activities", file=sys.stderr)
        data = base / f"rows-{rows}"
        shape = national if rows >= NATIONAL else [0, 0]
        build = run_child([str(BENCH / "scale_bench.py"), "--child-build", str(data), str(rows),
                           *map(str, shape)])  # fmt: skip
        folder = Path(build["snapshot"])
        spec_path = data.parent / f"interactions-{rows}.json"
        spec = interactions(folder)
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        engines = ("govdash", "pandas", "polars") if rows <= args.peers_max else ("govdash",)
        print("  peers", file=sys.stderr)
        raw = {
            engine: run_child([str(BENCH / "peers.py"), engine, str(folder), str(spec_path),
                               str(args.repeat)])
            for engine in engines
        }  # fmt: skip
        from peers import same

        for engine in engines[1:]:
            differ = same(raw["govdash"]["answers"], raw[engine]["answers"])
            if differ:
                raise SystemExit(f"{engine} disagrees with govdash: {differ[:5]}")
        print("  pages", file=sys.stderr)
        pages = run_child([str(BENCH / "scale_bench.py"), "--child-pages", str(folder),
                           str(spec_path), str(args.repeat)])  # fmt: skip
        scale = {
            "rows": rows,
            "build": build,
            "pages": summarise_pages(pages),
            "peers": {"summary": summarise_peers(raw),
                      "raw": {e: {k: v for k, v in r.items() if k != "answers"}
                              for e, r in raw.items()}},
        }  # fmt: skip
        if rows == city_rows and args.sessions:
            print("  sessions", file=sys.stderr)
            import load_bench

            scale["load"] = load_bench.run(data, args.sessions, args.minutes)
        report["scales"].append(scale)
    report["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    (results / f"scale-{dt.datetime.now():%Y%m%d-%H%M%S}.json").write_text(
        json.dumps(report, indent=1), encoding="utf-8"
    )
    args.out.write_text(markdown(report), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    main()
