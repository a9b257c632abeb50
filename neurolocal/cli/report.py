"""`neurolocal report STORE --out DIR`: Markdown and HTML report of a sweep store, with
figures (learning curves, accuracy with confidence intervals, alignment angles, size)."""

from __future__ import annotations

import argparse

from .common import add_common, print_json


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "report", help="Markdown/HTML report with figures of a sweep store"))
    parser.add_argument("store", metavar="STORE.sqlite", help="store written by `sweep`")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..sweep.report import write_report

    paths = write_report(args.store, args.out)
    if args.json:
        print_json(paths)
        return 0
    print(f"report: {paths['markdown']} and {paths['html']}")
    print("figures: " + ", ".join(v for k, v in paths.items() if k not in ("markdown", "html")))
    return 0
