"""The `neurolocal` command line. Each subcommand lives in its own module with a
``register(subparsers)`` function that adds its parser and sets ``func``; list it in COMMANDS.

Every subcommand takes the flags of `common.add_common` (``--json --seed --verbose --quiet
--progress``). Errors of the input (`neurolocal.errors.UserError` and its subclasses, and a
file that cannot be opened) print one line and exit 2; any other exception is a bug, printed as
"internal error" (exit 3, the traceback with ``--verbose``). SIGINT, SIGTERM and SIGHUP end the
run cleanly with exit 128 + signal (see `signals`).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import traceback
from collections.abc import Callable
from importlib.metadata import entry_points

from ..errors import Interrupted, UserError
from .common import Parser, resolve_progress
from .signals import ending_on_signals, private_tempdir

#: Subcommand modules, in the order `neurolocal --help` lists them.
COMMANDS = ["rules", "demo", "analyze", "boolean", "train", "compare", "capacity", "sequence",
            "brian2", "export", "import_", "sweep", "report", "reproduce"]

#: Errors that are the user's input, not a bug: shown as one line, exit 2.
USER_ERRORS: tuple[type[BaseException], ...] = (UserError, FileNotFoundError, PermissionError,
                                                IsADirectoryError, NotADirectoryError)

#: Exit status of an internal error (argparse and user errors use 2).
INTERNAL_ERROR = 3

#: Packages that build on neurolocal (such as `hw`, which neurolocal never imports) add
#: subcommands through this entry-point group: ``NAME = "package.module:register"``.
PLUGIN_GROUP = "neurolocal.commands"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    args.progress = resolve_progress(args)
    return run_command(f"neurolocal {args.command}", args.func, args)


def run_command(prefix: str, func: Callable[[argparse.Namespace], int | None],
                args: argparse.Namespace) -> int:
    """Run `func(args)` as the CLI does: exit status 0, 2 (user error, one line), 3 (internal
    error) or 128 + signal, with the one-line message prefixed by `prefix`."""
    verbose = getattr(args, "verbose", False)
    try:
        with private_tempdir(), ending_on_signals():
            return int(func(args) or 0)
    except USER_ERRORS as error:
        if verbose:
            traceback.print_exc()
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"{prefix}: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        return 0
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted by SIGINT", file=sys.stderr)
        return 128 + signal.SIGINT
    except Interrupted as stop:
        print(f"{prefix}: {stop}", file=sys.stderr)
        return 128 + stop.signum
    except Exception as error:  # a bug, not the user's input
        if verbose:
            traceback.print_exc()
        first = str(error).splitlines()[0] if str(error) else ""
        print(f"{prefix}: internal error: {type(error).__name__}: {first} (rerun with "
              "--verbose for the traceback)", file=sys.stderr)
        return INTERNAL_ERROR
