"""Command line: python -m govdash serve | warm | demo | init | warehouse | reconcile | template | import | export |
briefing | completeness | evaluate | snapshots list|verify|diff|prune.

Messages follow --lang, else the system locale (Chinese in a zh_* locale, English otherwise).
Errors print a located message and exit non-zero; never a traceback for expected problems.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import logging
import os
import sys
import time
import unicodedata
from pathlib import Path

from govdash.cli_access import actor
from govdash.cli_evaluate import add_parser as add_evaluate
from govdash.cli_lang import cli_lang, say
from govdash.core.data.paths import default_snapshots_dir
from govdash.core.rules.roles import Scope
from govdash.core.text.problems import GovdashError, Problem
from govdash.importing.spec import table_title

LANG_HELP = "messages: zh or en (default: the system locale)"
USER_HELP = (
    "whose copy this is (an id in access.toml; required when the data folder has one): only "
    "the divisions of their scope are written"
)
PROVENANCE_ZH = {"demo": "演示数据", "imported": "导入数据"}


def _progress_bar(total_label: str):
    from tqdm import tqdm

    bar = tqdm(total=100, desc=total_label, unit="%", bar_format="{l_bar}{bar}| {n_fmt}% {postfix}")

    def update(fraction: float, label: str) -> None:
        bar.n = int(fraction * 100)
        bar.set_postfix_str(label)
        bar.refresh()

    return bar, update


def cmd_demo(args: argparse.Namespace) -> int:
    from govdash.demo.build import build_demo

    lang = cli_lang(args.lang)
    bar, update = _progress_bar(say(lang, "demo", "演示数据"))
    started = time.perf_counter()
    try:
        snap = build_demo(
            args.data_dir,
            activity_rows=args.rows,
            seed=args.seed,
            communities=args.communities,
            months=args.months,
            progress=update,
        )
    finally:
        bar.close()
    print(say(lang, f"snapshot {snap.id} at {snap.path}", f"已生成快照 {snap.id}：{snap.path}"))
    _print_build(snap, lang, time.perf_counter() - started)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from govdash.demo.build import build_demo
    from govdash.serving.run import serve

    lang = cli_lang(args.lang)

    def build(root: Path) -> object:
        print(say(lang, "no snapshot yet: building the demo", "尚无数据快照：正在生成演示数据"))
        bar, update = _progress_bar(say(lang, "demo", "演示数据"))
        try:
            return build_demo(root, progress=update)
        finally:
            bar.close()

    serve(args.data_dir, address=args.address, port=args.port, workers=args.workers,
          say=lambda line: print(line, flush=True), lang=lang, build=build,
          warm=args.warm)  # fmt: skip
    return 0


def cmd_warehouse(args: argparse.Namespace) -> int:
    from govdash.core.engine.warehouse import activities_table, build_from_warehouse

    lang = cli_lang(args.lang)
    activities_table()  # what to set, before a progress bar starts
    base = _snapshot(args)
    bar, update = _progress_bar(say(lang, "warehouse", "数据仓库"))
    started = time.perf_counter()
    try:
        snap = build_from_warehouse(
            args.data_dir,
            base,
            as_of=dt.date.fromisoformat(args.as_of) if args.as_of else None,
            progress=update,
        )
    finally:
        bar.close()
    print(say(lang, f"snapshot {snap.id} at {snap.path}", f"已生成快照 {snap.id}：{snap.path}"))
    _print_build(snap, lang, time.perf_counter() - started)
    return 0


def _print_build(snap, lang: str, seconds: float) -> None:
    """Rows per table, the engine the rollups were built on, and the time taken."""
    for name, rows in snap.row_counts.items():
        print(
            say(
                lang,
                f"  {name:15s} {rows:>10,d} rows",
                f"  {table_title(name, lang)}：{rows:,} 行",
            )
        )
    from govdash.core.engine.build_engine import ENGINE_NAMES

    engine = (snap.manifest.get("rollup_settings") or {}).get("engine")
    if engine:
        name = ENGINE_NAMES.get(engine, engine)
        print(say(lang, f"  rollups built on {name}", f"  汇总表计算引擎：{name}"))
    print(say(lang, f"  built in {seconds:.1f} s", f"  用时 {seconds:.1f} 秒"))


def _snapshot(args: argparse.Namespace):
    from govdash.core.data.snapshot import latest_good, open_snapshot

    if args.snapshot:
        return open_snapshot(args.snapshot, args.data_dir)
    lang = cli_lang(getattr(args, "lang", None))
    snap, problems = latest_good(args.data_dir)
    for p in problems:
        print(say(lang, f"warning: skipped {p.text('en')}", f"警告：已跳过 {p.text('zh')}"),
              file=sys.stderr)  # fmt: skip
    if snap is None:
        raise GovdashError(_no_snapshot(args.data_dir))
    return snap


def _no_snapshot(root):
    from govdash.core.text.problems import Problem

    return Problem(
        "no_snapshot",
        "no valid snapshot; run `python -m govdash demo` to build one",
        "没有可用的数据快照；请运行 python -m govdash demo 生成演示数据",
        str(root),
    )


def cmd_reconcile(args: argparse.Namespace) -> int:
    from govdash.core.data.catalog import load_catalog
    from govdash.core.engine.query import connect
    from govdash.core.measures.reconcile import reconcile

    lang = cli_lang(args.lang)
    snap = _snapshot(args)
    result = reconcile(connect(args.data_dir), snap)
    print(
        say(
            lang,
            f"snapshot {snap.id} ({snap.provenance})",
            f"快照 {snap.id}（{PROVENANCE_ZH.get(snap.provenance, snap.provenance)}）",
        )
    )
    status_zh = {"match": "一致", "mismatch": "不一致", "missing": "无数据"}
    qualifier_zh = {
        "exact": "",
        "more_than": "余",
        "nearly": "近",
        "about": "约",
        "at_least": "以上",
    }
    labels = {m.id: m.label["zh"] for m in load_catalog().metrics.values()}
    for r in result.itertuples():
        value = "—" if r.value_computed is None else f"{r.value_computed:,.2f}"
        if lang == "zh":
            reported = f"{r.value:,g}{qualifier_zh.get(r.qualifier, r.qualifier)}"
            print(
                f"  {r.fact_id:4s} {status_zh.get(r.status, r.status)} {r.scope_name} "
                f"{labels.get(r.metric, r.metric)}：报道 {reported}，计算 {value}，"
                f"容许区间 {r.bounds} {r.message}".rstrip()
            )
            continue
        print(
            f"  {r.fact_id:4s} {r.status:8s} {r.scope_name:8s} {r.metric:30s} reported "
            f"{r.value:>9,g} {r.qualifier:9s} computed {value:>12s} in {r.bounds} {r.message}"
        )
    bad = int((result["status"] != "match").sum())
    good = len(result) - bad
    print(
        say(
            lang,
            f"{good} of {len(result)} facts match",
            f"{len(result)} 个报道数字中 {good} 个一致",
        )
    )
    return 1 if bad else 0


def cmd_template(args: argparse.Namespace) -> int:
    from govdash.core.data.snapshot import latest_good
    from govdash.core.engine.query import connect, run_query
    from govdash.importing.template import write_template

    snap, _ = latest_good(args.data_dir) if args.data_dir.exists() else (None, [])
    divisions = run_query(connect(args.data_dir), "divisions", snap) if snap else None
    path = write_template(args.out, divisions)
    lang = cli_lang(args.lang)
    print(say(lang, f"template written to {path}", f"导入模板已写入 {path}"))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from govdash.importing.layout import month_in
    from govdash.importing.run import import_files, parse_as_of

    lang = cli_lang(args.lang)
    as_of = None
    if args.as_of:
        try:
            as_of = parse_as_of(args.as_of)
        except GovdashError as exc:
            print(
                say(lang, "error: --as-of: ", "错误：--as-of：") + exc.text(lang), file=sys.stderr
            )
            return 2
    month = None
    if args.month:
        month = month_in(args.month)
        if month is None:
            print(
                say(
                    lang,
                    f"error: --month {args.month} is not a month written YYYY-MM (e.g. 2025-06)",
                    f"错误：--month {args.month} 不是 YYYY-MM 格式的月份（例如 2025-06）",
                ),
                file=sys.stderr,
            )
            return 2
    who = actor(Path(args.data_dir), args.user, "import", "import")
    bar, update = _progress_bar(say(lang, "import", "导入"))
    try:
        report = import_files(
            args.files,
            root=args.data_dir,
            as_of=as_of,
            note=args.note,
            dry_run=args.dry_run,
            progress=update,
            lock_timeout=args.wait,
            empty=args.empty,
            replace=args.replace,
            month=month,
            base=args.base,
            scope=who.scope,
        )
    finally:
        bar.close()
    _print_import_report(report, lang)
    _audit_import(Path(args.data_dir), who, report)
    return 0 if report.ok else 1


def _audit_import(root: Path, who, report) -> None:
    """The trail of an import: what was written (and what it replaced or changed in the
    divisions), or a refusal of rows outside the importer's scope. A dry run changes nothing
    and is not recorded."""
    from govdash.core.data.audit import record

    files = sorted({sheet.file for sheet in report.sheets})
    outside = sum(sheet.outside_scope for sheet in report.sheets)
    if outside:
        record(root, "refusal", who.id, rows=outside, files=files, reason="outside_scope",
               scope=list(who.scope.codes) if who.scope else [])  # fmt: skip
    if report.dry_run or not report.ok or report.snapshot is None:
        return
    rows = sum(sheet.rows for sheet in report.sheets)
    action = "replace" if report.replaced else "import"
    record(root, action, who.id, snapshot=report.snapshot.id, rows=rows, files=files,
           replaced=report.replaced_rows if report.replaced else 0)  # fmt: skip
    if report.divisions is not None and report.divisions.changes:
        record(root, "divisions", who.id, snapshot=report.snapshot.id,
               changes=report.divisions.lines("en"))  # fmt: skip


def _print_import_report(report, lang: str) -> None:
    for skipped in report.skipped:  # the operator hears of every folder passed over, with paths
        for p in skipped.problems:
            print(say(lang, f"warning: skipped {p.text('en')}", f"警告：已跳过 {p.text('zh')}"),
                  file=sys.stderr)  # fmt: skip
    refused = any(p.code == "stale_base" for p in report.errors)  # the error names both
    if report.previous is not None and not refused:
        base = report.previous.id
        print(say(lang, f"builds on snapshot {base}", f"在数据快照 {base} 的基础上导入"))
    if report.left_out:
        left = ", ".join(report.left_out)
        print(say(lang, f"warning: --base {report.previous.id}: the new snapshot does not hold "
                  f"what only these newer snapshots hold: {left}",
                  f"警告：--base {report.previous.id}：新快照不包含以下较新快照中独有的数据：{left}"),
              file=sys.stderr)  # fmt: skip
    if report.onto_demo:
        print(
            say(
                lang,
                f"warning: the newest snapshot ({report.previous.id}) is demo data; the rows are "
                "merged into it and the result stays labelled demo data. Use --empty to import "
                "your files on their own.",
                f"警告：最新快照（{report.previous.id}）是演示数据；导入的行将并入其中，结果仍标注为"
                "演示数据。如要单独导入您的文件，请加 --empty。",
            )
        )
    for sheet in report.sheets:
        where = f"{sheet.file}" + (f" [{sheet.sheet}]" if sheet.sheet else "")
        table = table_title(sheet.table, lang)
        if lang == "zh":
            status = "通过" if not sheet.errors else f"{len(sheet.errors)} 个错误"
            print(
                f"  {where}：{table} · {sheet.rows:,} 行 · 合计/小计 {sheet.totals} 行 · {status}"
            )
        else:
            status = "ok" if not sheet.errors else f"{len(sheet.errors)} error(s)"
            print(
                f"  {where}: {table} · {sheet.rows:,} rows · {sheet.totals} total rows · {status}"
            )
    for label_en, label_zh, problems in (
        ("note", "说明", report.all_notes()),
        ("warning", "警告", report.all_warnings()[:50]),
        ("error", "错误", report.all_errors()),
    ):
        for p in problems:
            print(f"{say(lang, label_en + ': ', label_zh + '：')}{p.text(lang)}")
    if report.divisions is not None and report.divisions.changes:
        print(say(lang, "the division table changes:", "区划表的变化："))
        for line in report.divisions.lines(lang):
            print(f"  {line}")
    if report.replaced and report.ok:
        total = report.replaced_rows
        print(
            say(
                lang,
                f"replaces {total:,} existing row(s): "
                + "; ".join(r.text("en") for r in report.replaced),
                f"将替换已有的 {total:,} 行：" + "；".join(r.text("zh") for r in report.replaced),
            )
        )
    if not report.ok:
        n = len(report.all_errors())
        print(say(lang, f"{n} problem(s); nothing was written", f"共 {n} 个问题；未写入任何数据"))
        return
    if report.dry_run:
        confirm = (
            say(
                lang,
                " (import with --replace to replace them)",
                "（正式导入时加 --replace 确认替换）",
            )
            if report.replaced
            else ""
        )
        print(
            say(
                lang,
                f"dry run: everything checks out; nothing was written{confirm}",
                f"试运行：全部通过检查；未写入任何数据{confirm}",
            )
        )
        return
    previous = report.previous.id if report.previous else say(lang, "none", "无")
    print(
        say(
            lang,
            f"snapshot {report.snapshot.id} written; previous: {previous}",
            f"已写入快照 {report.snapshot.id}；上一个快照：{previous}",
        )
    )


def _day(value: str | None, flag: str) -> dt.date | None:
    """A YYYY-MM-DD option's day (None when not given), or a located error naming the option."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise GovdashError(Problem(
            "option", f"{flag} {value} is not a date written YYYY-MM-DD",
            f"{flag} {value} 不是 YYYY-MM-DD 格式的日期",
        )) from None  # fmt: skip


def cmd_init(args: argparse.Namespace) -> int:
    from govdash.importing.init_city import init_city

    lang = cli_lang(args.lang)
    as_of = _day(args.as_of, "--as-of")
    report = init_city(args.divisions, root=args.data_dir, city_name=args.city_name, as_of=as_of)
    for p in report.all_errors():
        print(f"{say(lang, 'error: ', '错误：')}{p.text(lang)}", file=sys.stderr)
    if not report.ok or report.snapshot is None:
        print(say(lang, "nothing was written", "未写入任何数据"), file=sys.stderr)
        return 1
    levels = ("city", "district", "street", "community")
    words = {"city": "市", "district": "区", "street": "街道", "community": "社区"}
    counts = [(level, report.divisions.get(level, 0)) for level in levels]
    print(
        say(
            lang,
            f"snapshot {report.snapshot.id} written: "
            + ", ".join(f"{n} {level}" for level, n in counts)
            + "; no data yet: import reports with `python -m govdash import FILE …`",
            f"已写入快照 {report.snapshot.id}："
            + "，".join(f"{words[level]} {n} 个" for level, n in counts)
            + "；尚无数据，请用 python -m govdash import 文件 … 导入各区报表",
        )
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from govdash.importing.export import export_snapshot

    lang = cli_lang(args.lang)
    snap = _snapshot(args)
    visible = _visible_codes(args, snap, _reader(args, "view", "export"))
    bar, update = _progress_bar(say(lang, "export", "导出"))
    try:
        exported = export_snapshot(snap, args.out, progress=update, full=args.full,
                                   visible=visible)  # fmt: skip
    finally:
        bar.close()
    for f in exported.files:
        print(say(lang, f"wrote {f}", f"已写入 {f}"))
    if exported.full:
        print(say(lang, "warning: a full copy: it holds unsuppressed small counts of vulnerable "
                  "people (children in difficulty, migrant children). Keep it for a backup or a "
                  "round trip; never send it on",
                  "警告：这是完整副本，含未脱敏的弱势群体（困境儿童、流动儿童等）小数值，"
                  "仅用于备份或回导，不得对外提供"), file=sys.stderr)  # fmt: skip
    else:
        print(say(lang, f"privacy rule applied: {exported.hidden:,} small count(s) of vulnerable "
                  "people written as \"<5\" (--full writes them for a backup)",
                  f"已按隐私规则处理：{exported.hidden:,} 个弱势群体小数值写作“<5”"
                  "（备份请用 --full）"))  # fmt: skip
    if exported.escaped:
        print(say(lang, f"note: {exported.escaped:,} cell(s) hold control characters, written as "
                  "Excel's _x0001_ escape", f"说明：{exported.escaped:,} 个单元格含有控制字符，"
                  "已按 Excel 的转义写作 _x0001_ 形式"))  # fmt: skip
    return 0


def _reader(args: argparse.Namespace, right: str, command: str) -> Scope:
    """Whose eyes a file is written for: with an access file, `--user` must name a person
    holding `right`, and the file keeps to their scope; without one, the whole city."""
    from govdash.cli_access import actor

    who = actor(args.data_dir, args.user, right, command)
    return who.scope or Scope()


def _visible_codes(args: argparse.Namespace, snap, reader: Scope) -> frozenset[str] | None:
    """The division codes a scope sees in a snapshot (None: all of them)."""
    if reader.whole_city:
        return None
    from govdash.core.engine.query import connect, run_query

    return frozenset(reader.visible_codes(run_query(connect(args.data_dir), "divisions", snap)))


def cmd_briefing(args: argparse.Namespace) -> int:
    from govdash.core.data.divisions import city_code, name
    from govdash.core.engine.query import connect, run_query
    from govdash.core.outputs import briefing
    from govdash.viz.briefing_pack import FORMATS, write_pack

    snap = _snapshot(args)
    lang, msg = args.pack_lang, cli_lang(None)  # the pack's language; the messages' language
    con = connect(args.data_dir)
    divisions = run_query(con, "divisions", snap)
    reader = _reader(args, "present", "briefing")
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        print(say(msg, f"error: --formats: unknown {', '.join(unknown)}; choose from "
                  f"{', '.join(FORMATS)}", f"错误：--formats 中的 {'、'.join(unknown)} 无法识别；"
                  f"可选：{'、'.join(FORMATS)}"), file=sys.stderr)  # fmt: skip
        return 2
    chosen = None
    if args.playlist is not None:
        from govdash.core.outputs import playlist

        # A bounded read (never a pipe, /dev/zero or a huge file) and a parse whose every problem
        # is located: the file, the view, the parameter; never a traceback.
        try:
            data = playlist.read_file(args.playlist)
            chosen = playlist.parse_playlist(data, args.playlist.name)
        except GovdashError as exc:
            for problem in exc.problems:
                print(say(msg, "error: ", "错误：") + problem.text(msg), file=sys.stderr)
            return 2
        options = dataclasses.replace(playlist.snapshot_options(con, snap, divisions),
                          divisions=reader.visible(divisions))  # fmt: skip
        for problem in playlist.check_against(chosen, options, args.playlist.name):
            print(say(msg, "warning: ", "警告：") + problem.text(msg), file=sys.stderr)
    bar, update = _progress_bar(say(msg, "briefing", "简报"))
    started = time.perf_counter()
    try:
        update(0.0, "slides")
        if chosen is None:
            slides = briefing.deck_content(con, snap, divisions, lang, scope=reader)
        else:
            slides = briefing.playlist_content(con, snap, divisions, chosen, options, lang,
                                               reader)  # fmt: skip
        source = briefing.Source(
            snap.id, snap.as_of, name(divisions, city_code(divisions), lang), snap.is_demo
        )
        stem = source.file_stem(lang) if chosen is None else chosen.file_stem(snap.as_of)
        pack = write_pack(args.out, slides, source, lang, stem=stem,
                          formats=formats, progress=lambda f, label: update(0.1 + 0.9 * f, label))  # fmt: skip
    finally:
        bar.close()
    for path in pack.files:
        size = path.stat().st_size / 1024
        print(say(msg, f"wrote {path} ({size:,.0f} KB)", f"已写入 {path}（{size:,.0f} KB）"))
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in pack.seconds.items())
    seconds = time.perf_counter() - started
    print(say(msg, f"{len(slides)} slides in {seconds:.1f} s ({timings})",
              f"共 {len(slides)} 页，用时 {seconds:.1f} 秒（{timings}）"))  # fmt: skip
    return 0


def cmd_completeness(args: argparse.Namespace) -> int:
    from govdash.core.engine.query import connect
    from govdash.core.measures.admin import completeness

    lang = cli_lang(args.lang)
    snap = _snapshot(args)
    try:
        month = dt.datetime.strptime(args.month, "%Y-%m").date() if args.month else snap.as_of
    except ValueError:
        print(say(lang, f"error: --month {args.month} is not a month written YYYY-MM",
                  f"错误：--month {args.month} 不是 YYYY-MM 格式的月份"), file=sys.stderr)  # fmt: skip
        return 2
    month = month.replace(day=1)
    frame = completeness(connect(args.data_dir), snap, month, month)
    for r in frame.itertuples():
        print(
            say(
                lang,
                f"  {r.month:%Y-%m} {r.district_code}  {r.reported:>5,d} of {r.communities:>5,d} "
                f"communities reported  ({r.missing} missing)",
                f"  {r.month:%Y-%m} {r.district_code}  {r.communities:,} 个社区中 {r.reported:,} 个"
                f"已填报（缺 {r.missing} 个）",
            )
        )
    return 1 if frame["missing"].sum() else 0


def cmd_snapshots(args: argparse.Namespace) -> int:
    from govdash.core.data.snapshot import scan_snapshots, verify_snapshot
    from govdash.core.text.problems import SnapshotError

    if args.action == "diff":
        return _diff(args)
    if args.action == "prune":
        return _prune(args)
    lang = cli_lang(args.lang)
    good, problems = scan_snapshots(args.data_dir)
    if args.action == "list":
        for s in good:
            rows = sum(s.row_counts.values())
            print(say(lang, f"{s.id}  as_of={s.manifest['as_of']}  {s.provenance:8s}  {rows:>10,d} rows",
                      f"{s.id}  截至 {s.manifest['as_of']}  "
                      f"{PROVENANCE_ZH.get(s.provenance, s.provenance)}  {rows:>10,d} 行"))  # fmt: skip
    else:
        for s in good:
            try:
                verify_snapshot(s.path, force=True)
            except SnapshotError as exc:  # changed since the scan above
                problems.extend(exc.problems)
                continue
            print(say(lang, f"ok       {s.id}", f"完好     {s.id}"))
    for p in problems:
        print(say(lang, "invalid  ", "无效     ") + p.text(lang))
    return 1 if problems and args.action == "verify" else 0


def _diff(args: argparse.Namespace) -> int:
    from govdash.core.data.snapshot import open_snapshot
    from govdash.core.engine.query import connect
    from govdash.core.measures.admin import metric_diff, table_diff

    lang = cli_lang(args.lang)
    if len(args.ids) != 2:
        print(say(lang, "error: diff needs two snapshot ids", "错误：diff 需要两个快照编号"),
              file=sys.stderr)  # fmt: skip
        return 2
    a, b = (open_snapshot(i, args.data_dir) for i in args.ids)
    print(f"{a.id} -> {b.id}")
    for d in table_diff(a, b):
        print(
            f"  {d.table:15s} {d.rows_a:>10,d} -> {d.rows_b:>10,d}  +{d.added:,} -{d.removed:,} "
            f"~{d.changed:,}"
        )
    changes = metric_diff(connect(args.data_dir), a, b)
    first, end = changes.attrs["window"]
    print(say(lang, f"metrics by district that differ ({first:%Y-%m} to {end:%Y-%m}): {len(changes)}",
              f"各区指标有差异的（{first:%Y-%m} 至 {end:%Y-%m}）：{len(changes)} 项"))  # fmt: skip
    for r in changes.head(args.limit).itertuples():
        print(
            f"  {r.division_code} {r.metric:30s} {r.a:>14,.2f} -> {r.b:>14,.2f} ({r.delta:+,.2f})"
        )
    return 0


def cmd_warm(args: argparse.Namespace) -> int:
    """Run every page for the city and each district once, so the shared results store holds
    the default views before visitors come (serve starts this itself)."""
    from govdash.app.warm import PAGES, warm
    from govdash.core.data.paths import ENV_SNAPSHOTS

    lang = cli_lang(args.lang)
    os.environ[ENV_SNAPSHOTS] = str(Path(args.data_dir).resolve())  # the pages read it
    pages = tuple(args.pages.split(",")) if args.pages else PAGES
    districts = args.districts.split(",") if args.districts else None
    bar, update = (None, None) if args.quiet else _progress_bar(say(lang, "warm", "预热"))
    try:
        done = warm(args.data_dir, progress=update, pages=pages, districts=districts)
    except ValueError as exc:  # an unknown page or district, named before anything ran
        raise GovdashError(Problem("warm", str(exc), f"无法预热：{exc}")) from None
    finally:
        if bar is not None:
            bar.close()
    print(say(lang, f"warm: {done.views} default view(s) ready in {done.seconds:.0f} s",
              f"预热：{done.views} 个默认视图已就绪，用时 {done.seconds:.0f} 秒"), flush=True)  # fmt: skip
    for line in done.failed:
        print(say(lang, f"warm: not warmed: {line}", f"预热：未能预热 {line}"), file=sys.stderr)
    return 0


def _width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _columns(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def cmd_audit(args: argparse.Namespace) -> int:
    """List the audit trail of the data folder: who did what, when, to which snapshot."""
    from govdash.core.data import audit_table
    from govdash.core.data.audit import read_trail
    from govdash.core.text.i18n import t

    lang = cli_lang(args.lang)
    trail = read_trail(Path(args.data_dir), since=_day(args.since, "--since"), who=args.user)
    if trail.entries:
        print(_columns([audit_table.header(lang), *audit_table.rows(trail.entries, lang)]))
    else:
        print(t("audit.none", lang))
    if trail.damaged:
        print(t("audit.damaged", lang, n=trail.damaged), file=sys.stderr)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    """A new sign-in token for a person: shown once, with the digest access.toml keeps."""
    import secrets

    from govdash.core.rules.roles import PERSON_ID, token_digest

    lang = cli_lang(args.lang)
    if not PERSON_ID.match(args.id):
        raise GovdashError(Problem(
            "token", f"--id {args.id!r}: use 1-128 letters, digits or ._@+-",
            f"--id {args.id!r}：请使用 1–128 个字母、数字或 ._@+-",
        ))  # fmt: skip
    token = secrets.token_urlsafe(24)
    print(say(lang, f"token for {args.id} (shown once; hand it over privately):",
              f"{args.id} 的口令（只显示这一次；请私下交给本人）："))  # fmt: skip
    print(f"  {token}")
    print(say(lang, "add to this person's [[people]] entry in access.toml:",
              "请写入 access.toml 中此人的 [[people]] 条目："))  # fmt: skip
    print(f'  id = "{args.id}"')
    print(f'  token_sha256 = "{token_digest(token)}"')
    return 0


def _prune(args: argparse.Namespace) -> int:
    from govdash.core.data.audit import record
    from govdash.core.measures.admin import prune, prune_plan

    lang = cli_lang(args.lang)
    if args.keep is None:
        print(say(lang, "error: prune needs --keep N (how many of the newest snapshots to keep)",
                  "错误：prune 需要 --keep N（保留最新的几个快照）"), file=sys.stderr)  # fmt: skip
        return 2
    # The right is checked before the list is printed: a refused prune must not read "delete".
    who = actor(Path(args.data_dir), args.user, "admin", "snapshots prune") if args.yes else None
    plan = prune_plan(args.data_dir, args.keep)
    for s in plan.keep:
        print(say(lang, f"keep     {s.id}", f"保留     {s.id}"))
    for s in plan.delete:
        word = say(lang, "delete" if args.yes else "would delete", "删除" if args.yes else "将删除")
        print(f"{word}  {s.id}")
    if not args.yes:
        print(say(lang, "nothing deleted; add --yes to delete the snapshots listed",
                  "未删除任何快照；加 --yes 才会删除上面列出的快照"))  # fmt: skip
        return 0
    removed = prune(args.data_dir, args.keep)
    record(
        Path(args.data_dir), "prune", who.id, deleted=[getattr(s, "id", str(s)) for s in removed]
    )
    print(say(lang, f"deleted {len(removed)} snapshot(s)", f"已删除 {len(removed)} 个快照"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govdash", description=__doc__)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="snapshot folder (default: data/snapshots or $GOVDASH_SNAPSHOTS_DIR)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build the deterministic demo snapshot")
    demo.add_argument(
        "--rows", type=int, default=None, help="activity rows (default from the config)"
    )
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument(
        "--communities",
        type=int,
        default=None,
        help="resize the city to this many communities in all (national scale: 3000 or more)",
    )
    demo.add_argument(
        "--months", type=int, default=None, help="months of history (default from the config)"
    )
    demo.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    demo.set_defaults(func=cmd_demo)
    srv = sub.add_parser(
        "serve",
        help="serve the dashboard: one worker per core behind HAProxy (one worker without it)",
    )
    srv.add_argument("--address", default="0.0.0.0", help="where people connect (default: all)")
    srv.add_argument("--port", type=int, default=8501)
    srv.add_argument(
        "--workers", type=int, default=None, help="Streamlit workers (default: one per core)"
    )
    srv.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    srv.add_argument(
        "--no-warm",
        dest="warm",
        action="store_false",
        help="do not run the default views ahead of visitors once the workers answer",
    )
    srv.set_defaults(func=cmd_serve)
    wrm = sub.add_parser(
        "warm", help="run every page for the city and each district once (serve does this)"
    )
    wrm.add_argument("--quiet", action="store_true", help="no progress bar")
    wrm.add_argument("--pages", default=None, help="comma-separated pages (default: all)")
    wrm.add_argument(
        "--districts", default=None, help="comma-separated district codes (default: all)"
    )
    wrm.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    wrm.set_defaults(func=cmd_warm)
    ware = sub.add_parser(
        "warehouse",
        help="a new snapshot with the activities of a ClickHouse warehouse table "
        "(GOVDASH_CLICKHOUSE_TABLES) and the other tables of a base snapshot",
    )
    ware.add_argument("--snapshot", default=None, help="base snapshot id (default: newest good)")
    ware.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: the later of the "
                      "base's as-of date and the last activity)")  # fmt: skip
    ware.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    ware.set_defaults(func=cmd_warehouse)
    rec = sub.add_parser("reconcile", help="check every reported fact against a snapshot")
    rec.add_argument("--snapshot", default=None, help="snapshot id (default: newest good)")
    rec.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    rec.set_defaults(func=cmd_reconcile)
    snaps = sub.add_parser("snapshots", help="list, verify, diff or prune snapshots")
    snaps.add_argument("action", choices=["list", "verify", "diff", "prune"])
    snaps.add_argument("ids", nargs="*", help="diff: the two snapshot ids A B")
    snaps.add_argument("--limit", type=int, default=40, help="diff: metric rows to print")
    snaps.add_argument("--keep", type=int, default=None, help="prune: newest snapshots to keep")
    snaps.add_argument("--yes", action="store_true", help="prune: really delete")
    snaps.add_argument(
        "--user",
        default=None,
        metavar="ID",
        help="prune: who deletes (an admin in access.toml, when there is one)",
    )
    snaps.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    snaps.set_defaults(func=cmd_snapshots)
    tpl = sub.add_parser("template", help="write the .xlsx import template")
    tpl.add_argument("--out", type=Path, default=Path("govdash-template.xlsx"))
    tpl.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    tpl.set_defaults(func=cmd_template)
    imp = sub.add_parser("import", help="import .xlsx / .csv files into a new snapshot")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument(
        "--as-of",
        default=None,
        help="YYYY-MM-DD, or YYYY-MM for the month's last day: the date the data runs to "
        "(default: the newest date in the data; never after today)",
    )
    imp.add_argument(
        "--base",
        default=None,
        metavar="ID",
        help="build on this snapshot, not the newest (needed when the newest cannot be read)",
    )
    imp.add_argument("--note", default="", help="a note stored with the snapshot")
    imp.add_argument("--dry-run", action="store_true", help="check only; write nothing")
    imp.add_argument("--wait", type=float, default=0.0, help="seconds to wait for another import")
    imp.add_argument(
        "--empty",
        action="store_true",
        help="start from the files alone, not from the newest snapshot (e.g. when it is demo data)",
    )
    imp.add_argument(
        "--replace",
        action="store_true",
        help="confirm that existing rows with different values are replaced (a dry run lists them)",
    )
    imp.add_argument(
        "--month",
        default=None,
        help="YYYY-MM: the report month of sheets with no month column, title or file name month",
    )
    imp.add_argument(
        "--lang", choices=["zh", "en"], default=None, help="messages (default: locale)"
    )
    imp.add_argument(
        "--user", default=None, metavar="ID",
        help="who imports (an id in access.toml; required when the data folder has one)",
    )  # fmt: skip
    imp.set_defaults(func=cmd_import)
    aud = sub.add_parser("audit", help="list the audit trail: who changed what, and when")
    aud.add_argument("--since", default=None, metavar="YYYY-MM-DD", help="from this day on")
    aud.add_argument("--user", default=None, metavar="ID", help="one person's entries only")
    aud.add_argument("--lang", choices=["zh", "en"], default=None)
    aud.set_defaults(func=cmd_audit)
    tok = sub.add_parser(
        "token", help="make a sign-in token for a person and the line access.toml stores"
    )
    tok.add_argument("--id", required=True, help="the person's id in access.toml")
    tok.add_argument("--lang", choices=["zh", "en"], default=None)
    tok.set_defaults(func=cmd_token)
    init = sub.add_parser(
        "init", help="start a city from its official division table (an empty snapshot)"
    )
    init.add_argument("--divisions", type=Path, required=True, help=".csv or .xlsx division table")
    init.add_argument("--city-name", default=None, help="the city's name, if the table lacks it")
    init.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
    init.add_argument(
        "--lang", choices=["zh", "en"], default=None, help="messages (default: locale)"
    )
    init.set_defaults(func=cmd_init)
    exp = sub.add_parser("export", help="write a snapshot in the template's format")
    exp.add_argument("--out", type=Path, default=Path("govdash-export"))
    exp.add_argument("--snapshot", default=None, help="snapshot id (default: newest good)")
    exp.add_argument(
        "--full",
        action="store_true",
        help="a full copy for a backup or a round trip: small counts of vulnerable people are "
        'written as they are (by default they are "<5", as on screen)',
    )
    exp.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    exp.add_argument("--user", default=None, metavar="ID", help=USER_HELP)
    exp.set_defaults(func=cmd_export)
    brief = sub.add_parser(
        "briefing", help="write the briefing pack: PPTX, XLSX, HTML, chart PNGs and a PDF"
    )
    brief.add_argument("--out", type=Path, default=Path("govdash-briefing"))
    brief.add_argument(
        "--lang", dest="pack_lang", choices=["zh", "en"], default="zh", help="the pack's language"
    )
    brief.add_argument("--snapshot", default=None, help="snapshot id (default: newest good)")
    brief.add_argument(
        "--playlist",
        type=Path,
        default=None,
        help="a playlist file (JSON) instead of the default deck",
    )
    brief.add_argument(
        "--formats",
        default="pptx,xlsx,html,png,pdf",
        help="comma-separated; PNG and PDF need Chromium (default: all five)",
    )
    brief.add_argument("--user", default=None, metavar="ID", help=USER_HELP)
    brief.set_defaults(func=cmd_briefing)
    comp = sub.add_parser("completeness", help="which communities reported for a month")
    comp.add_argument("--month", default=None, help="YYYY-MM (default: the as-of month)")
    comp.add_argument("--snapshot", default=None)
    comp.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    comp.set_defaults(func=cmd_completeness)
    add_evaluate(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.data_dir is None:
        args.data_dir = default_snapshots_dir()
    try:
        return args.func(args)
    except BrokenPipeError:  # `… | head` closed the pipe: stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except GovdashError as exc:
        lang = cli_lang(getattr(args, "lang", None))
        print(say(lang, "error: ", "错误：") + exc.text(lang), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
