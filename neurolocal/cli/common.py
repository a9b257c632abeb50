"""Helpers shared by the subcommands: the common flags and output."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np


def add_common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=_default, allow_nan=False)
    sys.stdout.write("\n")


def table(rows: list[list[Any]], header: list[str]) -> str:
    """A plain text table with aligned columns."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
