"""`neurolocal deploy` (registered through the `neurolocal.commands` entry point)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Placeholder registration until the hardware layer lands; replaced by the hw work."""
