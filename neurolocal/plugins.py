"""Capabilities that packages outside the core add through entry points, so that `neurolocal`
never imports them: `neurolocal.commands` (CLI subcommands) and `neurolocal.deployers` (putting a
trained network on a chip target, used by sweeps). `hw` registers both in pyproject.toml.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from .backends import UnsupportedError

DEPLOYER_GROUP = "neurolocal.deployers"


def deployer() -> Any:
    """The registered deployer: an object with ``check(options)`` (raises ValueError naming a
    bad option or target) and ``deploy(network, weights, data, options) -> dict`` (JSON-able
    on-target metrics). UnsupportedError when no package provides one."""
    found = list(entry_points(group=DEPLOYER_GROUP))
    if not found:
        raise UnsupportedError("deploy: no package provides a deployment target (install hw)")
    return found[0].load()
