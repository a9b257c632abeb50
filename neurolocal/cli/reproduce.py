"""`neurolocal reproduce`: regenerate the reproduction report (Markdown + figures + JSON) of the
seeds' results and the field's headline numbers, each beside its published value."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UserError
from .common import add_common, print_json


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser(
        "reproduce", help="regenerate the reproduction report: FA/DFA/SigProp on MNIST-5k, "
                          "channel findings, capacity, Boolean tables, Hopfield, theory checks"))
    parser.add_argument("--out", default="out/reproduce",
                        help="directory for report.md, report.json and figures "
                             "(default out/reproduce)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke scale (≈ 1 min): small MNIST network, few epochs")
    parser.add_argument("--mnist", metavar="DIR",
                        help="a directory with MNIST in IDX format (*images-idx*, *labels-idx*) "
                             "instead of the offline MNIST-5k (all 60k images: about ten times "
                             "the default run's time)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..reproduce import run as reproduce

    if args.mnist and not Path(args.mnist).is_dir():
        raise UserError(f"--mnist {args.mnist}: not a directory")

    def progress(name: str) -> None:
        if sys.stderr.isatty():
            print(f"… {name}", file=sys.stderr, flush=True)

    report = reproduce(args.out, quick=args.quick, seed=args.seed, mnist_dir=args.mnist,
                       progress=progress)
    if args.json:
        print_json({"out": args.out, "seconds": report["seconds"],
                    "report": str(Path(args.out) / "report.md")})
        return 0
    print(f"report: {Path(args.out) / 'report.md'} (JSON: {Path(args.out) / 'report.json'}); "
          f"seconds per section: {report['seconds']}")
    return 0
