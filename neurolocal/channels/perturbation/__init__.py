"""Perturbation learning (PWLR, PWLB, PALR, PWGB, PWGBk, PWGRk) on differentiable networks,
with the operation counter the capacity measurements read."""

from .algorithms import (
    ALGORITHMS,
    Perturbation,
    PerturbationError,
    random_unit_vectors,
    uses_trials,
)
from .counter import OpCounter
from .mlp import FlatMLP

__all__ = ["ALGORITHMS", "FlatMLP", "OpCounter", "Perturbation", "PerturbationError",
           "random_unit_vectors", "uses_trials"]
