"""The `neurolocal` command line. Each subcommand lives in its own module with a
``register(subparsers)`` function that adds its parser and sets ``func``; list it in COMMANDS.

Every subcommand takes ``--json`` and ``--seed``. Expected errors (bad rule, bad network, bad
file) print one line and exit 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import entry_points

from ..network import NetworkError
from ..rules import RuleError

#: Subcommand modules, in the order `neurolocal --help` lists them.
COMMANDS = ["rules", "demo", "analyze", "boolean", "train", "compare", "capacity", "sequence",
            "brian2", "export", "import_", "sweep", "report"]

#: Errors that are the user's input, not a bug: shown as one line.
USER_ERRORS: tuple[type[BaseException], ...] = (RuleError, NetworkError, ValueError,
                                                FileNotFoundError)


#: Packages that build on neurolocal (such as `hw`, which neurolocal never imports) add
#: subcommands through this entry-point group: ``NAME = "package.module:register"``.
PLUGIN_GROUP = "neurolocal.commands"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neurolocal", description="Local learning rules and learning channels: analyse, "
        "simulate (numpy, Brian2), compare, measure capacity, deploy on Loihi-style cores.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    for entry in entry_points(group=PLUGIN_GROUP):
        entry.load()(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"neurolocal {args.command}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        return 0
    except KeyboardInterrupt:
        print(f"neurolocal {args.command}: interrupted", file=sys.stderr)
        return 130
