"""The `neurolocal.deployers` entry point: how a sweep (or any core code) deploys a trained
network through `hw` without importing it. Registered in pyproject.toml."""

from __future__ import annotations

from typing import Any

from neurolocal.data import Dataset
from neurolocal.network import Network

from .deploy import deploy as deploy_network
from .profiles import get_profile

#: What a sweep's summary keeps of a `DeployResult`.
KEPT = ("target", "sim", "precision", "encoding", "steps", "num_test", "float_accuracy",
        "target_accuracy", "agreement", "seconds", "warnings")


def check(options: dict[str, Any]) -> None:
    """ValueError unless options["target"] names a chip profile."""
    get_profile(options["target"])


def deploy(network: Network, weights: list, data: Dataset, options: dict[str, Any]
           ) -> dict[str, Any]:
    """Float and on-target test accuracy, their agreement and the cores used."""
    result = deploy_network(network, weights, data, **options).to_dict()
    return {**{k: result[k] for k in KEPT}, "cores": result["resources"]["cores_used"]}
