"""Command line: python -m govdash demo | reconcile | snapshots list|verify.

Errors print a located English message and exit non-zero; never a traceback for expected problems.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from govdash.paths import default_snapshots_dir
from govdash.problems import GovdashError


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

    bar, update = _progress_bar("demo")
    try:
        snap = build_demo(args.data_dir, activity_rows=args.rows, seed=args.seed, progress=update)
    finally:
        bar.close()
    print(f"snapshot {snap.id} at {snap.path}")
    for name, rows in snap.row_counts.items():
        print(f"  {name:15s} {rows:>10,d} rows")
    print(f"  built in {snap.manifest['generator'].get('seconds')} s")
    return 0


def _snapshot(args: argparse.Namespace):
    from govdash.snapshot import latest_good, open_snapshot

    if args.snapshot:
        return open_snapshot(args.snapshot, args.data_dir)
    snap, problems = latest_good(args.data_dir)
    for p in problems:
        print(f"warning: skipped {p.text('en')}", file=sys.stderr)
    if snap is None:
        raise GovdashError(_no_snapshot(args.data_dir))
    return snap


def _no_snapshot(root):
    from govdash.problems import Problem

    return Problem(
        "no_snapshot",
        "no valid snapshot; run `python -m govdash demo` to build one",
        "没有可用的数据快照；请运行 python -m govdash demo 生成演示数据",
        str(root),
    )


def cmd_reconcile(args: argparse.Namespace) -> int:
    from govdash.query import connect
    from govdash.reconcile import reconcile

    snap = _snapshot(args)
    result = reconcile(connect(), snap)
    print(f"snapshot {snap.id} ({snap.provenance})")
    for r in result.itertuples():
        value = "—" if r.value_computed is None else f"{r.value_computed:,.2f}"
        print(
            f"  {r.fact_id:4s} {r.status:8s} {r.scope_name:8s} {r.metric:30s} reported "
            f"{r.value:>9,g} {r.qualifier:9s} computed {value:>12s} in {r.bounds} {r.message}"
        )
    bad = int((result["status"] != "match").sum())
    print(f"{len(result) - bad} of {len(result)} facts match")
    return 1 if bad else 0


def cmd_snapshots(args: argparse.Namespace) -> int:
    from govdash.snapshot import scan_snapshots, verify_snapshot

    good, problems = scan_snapshots(args.data_dir)
    if args.action == "list":
        for s in good:
            rows = sum(s.row_counts.values())
            print(f"{s.id}  as_of={s.manifest['as_of']}  {s.provenance:8s}  {rows:>10,d} rows")
    else:
        for s in good:
            verify_snapshot(s.path, force=True)
            print(f"ok       {s.id}")
    for p in problems:
        print(f"invalid  {p.text('en')}")
    return 1 if problems and args.action == "verify" else 0


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
    demo.set_defaults(func=cmd_demo)
    rec = sub.add_parser("reconcile", help="check every reported fact against a snapshot")
    rec.add_argument("--snapshot", default=None, help="snapshot id (default: newest good)")
    rec.set_defaults(func=cmd_reconcile)
    snaps = sub.add_parser("snapshots", help="list or verify snapshots")
    snaps.add_argument("action", choices=["list", "verify"])
    snaps.set_defaults(func=cmd_snapshots)
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
    except GovdashError as exc:
        print(f"error: {exc.text('en')}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
