"""Helpers shared by the subcommands: the common flags, list parsing, progress bars, output.

Every subcommand's parser gets ``--json``, ``--seed``, ``--verbose``, ``--quiet`` and
``--progress`` from `add_common`; `resolve_progress` turns the last two and whether stderr is a
terminal into ``args.progress``, which subcommands pass to the library's ``progress=`` flags or
to `progress`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any, NoReturn, TypeVar

from ..errors import UserError
from ..io import json_ready

T = TypeVar("T")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: X)`` after every option whose help does not already name its
    default, and the valid names of options with ``choices``."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """The parser class of `neurolocal` and (through argparse's subparser inheritance) of
    every subcommand: defaults and choices in ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """A bad command line is a user error like any other: one line, exit 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="print the full traceback of an error (and more detail)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="no progress bars (they are on by default on a terminal)")
    parser.add_argument("--progress", action="store_true",
                        help="progress bars even when stderr is not a terminal")
    return parser


def resolve_progress(args: argparse.Namespace) -> bool:
    """Progress bars: on with --progress, off with --quiet, else on when stderr is a
    terminal."""
    if getattr(args, "quiet", False):
        return False
    return bool(getattr(args, "progress", False)) or sys.stderr.isatty()


def progress(iterable: Iterable[T], enabled: bool, desc: str | None = None,
             total: int | None = None, unit: str = "it") -> Iterator[T]:
    """`iterable` behind a tqdm bar on stderr when `enabled` (pass ``args.progress``)."""
    from tqdm import tqdm

    return iter(tqdm(iterable, desc=desc, total=total, unit=unit, disable=not enabled,
                     leave=False, file=sys.stderr, dynamic_ncols=True))


def int_list(text: str, flag: str, minimum: int = 1) -> tuple[int, ...]:
    """``"10,10"`` → (10, 10); an empty item (``10,,10``), a non-integer or a value below
    `minimum` is a UserError naming `flag`."""
    items = text.split(",")
    values = []
    for k, item in enumerate(items):
        item = item.strip()
        if not item:
            raise UserError(f"{flag} {text!r}: item {k + 1} is empty (give comma-separated "
                            "integers such as 10,10)")
        try:
            value = int(item)
        except ValueError:
            raise UserError(f"{flag} {text!r}: {item!r} is not an integer") from None
        if value < minimum:
            raise UserError(f"{flag} {text!r}: {value} is below the minimum {minimum}")
        values.append(value)
    return tuple(values)


def name_list(text: str, flag: str) -> list[str]:
    """``"a,b"`` → ["a", "b"]; an empty item is a UserError naming `flag`."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise UserError(f"{flag} {text!r}: an item is empty (give comma-separated names)")
    return items


def print_json(data: Any) -> None:
    """`data` as one complete JSON document on stdout (non-finite numbers as null): the text
    is built before anything is written, so an error never leaves half a document."""
    text = json.dumps(json_ready(data), indent=2, allow_nan=False)
    sys.stdout.write(text + "\n")


def table(rows: list[list[Any]], header: list[str]) -> str:
    """A plain text table with aligned columns."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
