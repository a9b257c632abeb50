"""`neurolocal demo`: the main job on embedded defaults (grows with the library)."""

from __future__ import annotations

import argparse

from .common import add_common


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_common(sub.add_parser("demo", help="a tour of the library on built-in data"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from . import main

    print("== the local-rule library (neurolocal rules list)")
    main(["rules", "list"])
    print("\n== one rule in detail (neurolocal rules show oja)")
    main(["rules", "show", "oja"])
    return 0
