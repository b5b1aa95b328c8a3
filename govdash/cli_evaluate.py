"""`python -m govdash evaluate`: the pilot evaluation table on the command line, the same rows
and words as the page (govdash.core.evaluation.table)."""

from __future__ import annotations

import argparse
import sys

from govdash.cli_lang import cli_lang, say

LANG_HELP = "messages and table: zh or en (default: the system locale)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "evaluate",
        help="the pilot evaluation: pilot against comparison communities, before and since",
    )
    cmd.add_argument("--metric", action="append", default=None, metavar="ID",
                     help="a measure to evaluate (repeatable; default: the catalog's "
                          "evaluation_metrics)")  # fmt: skip
    cmd.add_argument("--district", default=None, metavar="CODE",
                     help="evaluate within one district (default: the city)")  # fmt: skip
    cmd.add_argument("--snapshot", default=None)
    cmd.add_argument("--lang", choices=["zh", "en"], default=None, help=LANG_HELP)
    cmd.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from govdash.cli import _snapshot
    from govdash.core.data.catalog import load_catalog
    from govdash.core.data.divisions import city_code, level_of, name
    from govdash.core.engine.query import connect, run_query
    from govdash.core.evaluation import table
    from govdash.core.evaluation.review import review

    lang = cli_lang(args.lang)
    snap = _snapshot(args)
    con = connect(args.data_dir)
    divisions = run_query(con, "divisions", snap)
    catalog = load_catalog()
    scope = args.district or city_code(divisions)
    if args.district and level_of(divisions, args.district) != "district":
        print(say(lang, f"error: --district {args.district} is not a district of this snapshot",
                  f"错误：--district {args.district} 不是本快照中的区"), file=sys.stderr)  # fmt: skip
        return 2
    metrics = args.metric or list(catalog.settings.evaluation_metrics)
    for metric in metrics:
        catalog.require(metric)  # an unknown id is a located error, before any query runs
    reviews = review(con, snap, divisions=divisions, scope_code=scope, metrics=metrics,
                     catalog=catalog)  # fmt: skip
    demo = say(lang, " · demo data", " · 演示数据") if snap.is_demo else ""
    print(say(lang, f"Pilot evaluation · {name(divisions, scope, lang)} · snapshot {snap.id} "
              f"· as of {snap.as_of:%Y-%m-%d}{demo}",
              f"试点成效评估 · {name(divisions, scope, lang)} · 快照 {snap.id} "
              f"· 截至 {snap.as_of:%Y-%m-%d}{demo}"))  # fmt: skip
    if reviews:
        print(table.rule(reviews[0], lang))
    frame = table.table(reviews, lang, catalog)
    for row in frame.to_dict("records"):
        print()
        for header, value in row.items():
            if value:
                print(f"  {header}: {value}")
    print()
    for r in reviews:
        print(f"- {table.sentence(r, lang, catalog)}")
    return 0
