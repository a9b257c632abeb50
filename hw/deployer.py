"""The `neurolocal.deployers` entry point: how a sweep (or any core code) deploys a trained
network through `hw` without importing it. Registered in pyproject.toml."""

from __future__ import annotations

import inspect
from typing import Any

from neurolocal.data import Dataset
from neurolocal.errors import UserError
from neurolocal.network import Network

from .deploy import deploy as deploy_network
from .profiles import get_profile

#: The options a sweep's ``deploy:`` may set ('target' required), with `hw.deploy`'s own
#: defaults (None: chosen by the conversion for the target and transfer functions).
OPTIONS: dict[str, Any] = {
    name: inspect.signature(deploy_network).parameters[name].default
    for name in ("target", "sim", "fixed", "encoding", "steps", "num_test", "neuron")}
#: What a sweep's summary keeps of a `DeployResult`.
KEPT = ("target", "sim", "precision", "encoding", "steps", "num_test", "float_accuracy",
        "target_accuracy", "agreement", "seconds", "warnings")


def check(options: dict[str, Any]) -> dict[str, Any]:
    """Every option with its default filled in; `UserError` naming an unknown option or a
    target that is not a chip profile."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown or "target" not in options:
        raise UserError(f"a mapping with 'target' and any of "
                         f"{', '.join(k for k in OPTIONS if k != 'target')}, not {options!r}")
    get_profile(options["target"])
    return {**OPTIONS, **options}


def deploy(network: Network, weights: list, data: Dataset, options: dict[str, Any]
           ) -> dict[str, Any]:
    """Float and on-target test accuracy, their agreement and the cores used."""
    result = deploy_network(network, weights, data, **options).to_dict()
    return {**{k: result[k] for k in KEPT}, "cores": result["resources"]["cores_used"]}
