"""Perturbation learning as learning channels (THEORY.md section 7), for the numpy trainer.

PALR delivers B_i to every unit (found by perturbing the unit's S_i), so its layers learn with
the ordinary back-propagation form η B_i O_j through `local_variables`. The weight-perturbation
algorithms (PWLR, PWLB, PWGB, PWGBk, PWGRk) deliver a change for every weight directly: the
trainer asks `weight_updates` and applies W += η ΔW. Either way the channel's `counter` records
the multiply-adds its code path executes and the feedback bits it produces.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...network import Network
from ..base import (
    Channel,
    CostModel,
    ForwardPass,
    LayerVariables,
    State,
    Weights,
    derivatives,
    forward_pass,
)
from . import FlatMLP, OpCounter, Perturbation
from .algorithms import activity_signals, uses_trials

#: Default number of trials for the k-trial algorithms.
DEFAULT_K = 8


class PerturbationChannel(Channel):
    """`name` one of pwlr, pwlb, palr, pwgb, pwgbk, pwgrk; `k` trials; step `epsilon`."""

    delivers = "feedback"
    architecture = None

    def __init__(self, name: str = "pwgb", k: int | None = None, epsilon: float = 1e-6,
                 precision_bits: int = 32, orthant: str = "uniform"):
        if k is None:
            k = DEFAULT_K if uses_trials(name) else 1
        self.name = name
        self.perturbation = Perturbation(name, int(k), float(epsilon), orthant)
        self.counter = OpCounter(precision_bits=int(precision_bits))
        self.options: dict[str, Any] = {"k": int(k), "epsilon": float(epsilon),
                                        "precision_bits": int(precision_bits),
                                        **({"orthant": orthant} if name == "pwlb" else {})}
        self._mlp: tuple[Network, FlatMLP] | None = None

    def mlp(self, network: Network) -> FlatMLP:
        if self._mlp is None or self._mlp[0] is not network:
            self._mlp = (network, FlatMLP(network))
        return self._mlp[1]

    def cost_model(self, sizes: list[int]) -> CostModel:
        """Priced by the perturbation algorithm's own closed forms (`capacity.formulas`)."""
        return CostModel(perturbation=self.name, k=self.perturbation.k,
                         orthant=self.perturbation.orthant)

    def check(self, network: Network) -> None:
        self.mlp(network)  # raises NetworkError for threshold units or unmatched outputs

    def local_variables(self, network: Network, weights: Weights, state: State,
                        x: np.ndarray, target: np.ndarray, rng: np.random.Generator,
                        forward: ForwardPass | None = None) -> list[LayerVariables]:
        """PALR: B^h from activity perturbations; weight perturbation: no per-unit signal
        (feedback None: the trainer calls `weight_updates`)."""
        mlp = self.mlp(network)
        dtype = weights[0][0].dtype
        if self.name == "palr":
            forward, signals = activity_signals(mlp, mlp.flatten(weights), x, target,
                                                self.perturbation.epsilon, self.counter)
            self.counter.add_real_feedback(mlp.num_weights)
            forward = ForwardPass([None] + [s.astype(dtype) for s in forward.S[1:]],
                                  [o.astype(dtype) for o in forward.O])
            signals = [s.astype(dtype) for s in signals]
        else:
            forward = forward or forward_pass(network, weights, x)
            signals = [None] * network.depth
        dfs = derivatives(network, forward)
        return [LayerVariables(pre=forward.O[h - 1], post=forward.O[h], dpost=dfs[h],
                               feedback=signals[h - 1]) for h in range(1, network.depth + 1)]

    def weight_updates(self, network: Network, weights: Weights, state: State, x: np.ndarray,
                       target: np.ndarray, rng: np.random.Generator
                       ) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """(ΔW^h, Δb^h) per projection: the update the algorithm delivers (before η); None
        for PALR, whose B_i reach the layers through `local_variables`."""
        if self.name == "palr":
            return None
        mlp = self.mlp(network)
        delta = self.perturbation.direction(mlp, mlp.flatten(weights), x, target, rng,
                                            self.counter)
        dtype = weights[0][0].dtype
        return [(dw.astype(dtype), db.astype(dtype)) for dw, db in mlp.unflatten(delta)]
