"""No learning channel (THEORY.md section 5): deep local learning and the top-layer-only
baseline.

Hidden layers read only O_i, O_j, w_ij, f'(S_i) (an unsupervised rule, or nothing: fixed random
features); the top layer reads its target T_i. Deep weights then never depend on the targets.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UserError
from ..network import Network
from ..rules import get_rule
from .base import Channel, ForwardPass, LayerVariables, State, Weights, derivatives, forward_pass


class LocalChannel(Channel):
    """`hidden_rule`: the unsupervised rule of every hidden layer (deep local learning), or None
    for fixed hidden layers (only the top layer learns)."""

    delivers = None
    architecture = None

    def __init__(self, name: str = "local", hidden_rule: str | None = "oja"):
        if hidden_rule is not None and get_rule(hidden_rule).is_supervised:
            raise UserError(f"hidden_rule {hidden_rule!r} reads a target: with no channel, "
                             "hidden layers learn unsupervised")
        self.name = name
        self.hidden_rule = hidden_rule
        self.options: dict[str, Any] = {"hidden_rule": hidden_rule}

    def local_variables(self, network: Network, weights: Weights, state: State,
                        x: np.ndarray, target: np.ndarray, rng: np.random.Generator,
                        forward: ForwardPass | None = None) -> list[LayerVariables]:
        forward = forward or forward_pass(network, weights, x)
        dfs = derivatives(network, forward)
        return [LayerVariables(pre=forward.O[h - 1], post=forward.O[h], dpost=dfs[h],
                               target=target if h == network.depth else None)
                for h in range(1, network.depth + 1)]
