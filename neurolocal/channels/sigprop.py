"""Signal Propagation (Kohan, Rietman & Siegelmann 2023; THEORY.md section 6): no backward pass.

The class c is projected into the input space, t_0^c = E_c (E a fixed random (C × n_0) context
matrix), and travels *forward through the same weights* as the input: t_h^c = f_h(W^h t_{h-1}^c).
Each hidden layer h learns from its own loss, with no gradient between layers: a softmax over
the similarities z_{bc} = O^h_b · t_h^c, L_h = −mean_b log p_{b, y_b}. Both the input rows and the
class-signal rows pass through W^h, so the layer's rule sees the stacked batch
pre = [O^{h−1}; t_{h−1}], feedback = [f'(S^h) ⊙ (Y − P) t_h; f'(S_t^h) ⊙ (Y − P)ᵀ O^h] · (B+C)/B,
which makes η B_i O_j (batch mean) exactly −η ∂L_h/∂W^h. The top layer is an ordinary output
layer trained with T − O on O^{L−1}.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..network import Network
from .base import (
    Channel,
    ChannelError,
    CostModel,
    ForwardPass,
    LayerVariables,
    State,
    Weights,
    derivatives,
    forward_pass,
    output_error,
)


class SigPropChannel(Channel):
    """`context_scale`: standard deviation of the context matrix E entries."""

    delivers = "feedback"
    architecture = None

    def __init__(self, name: str = "sigprop", context_scale: float = 1.0):
        if not context_scale > 0:
            raise ChannelError(f"context_scale must be positive, not {context_scale}")
        self.name = name
        self.context_scale = float(context_scale)
        self.options: dict[str, Any] = {"context_scale": self.context_scale}

    def cost(self, sizes: list[int]) -> dict[str, Any]:
        """The context projection E: one synapse per (class, input) pair, no extra neurons."""
        return {"extra_synapses": sizes[-1] * sizes[0], "extra_neurons": 0, "requires": []}

    def cost_model(self, sizes: list[int]) -> CostModel:
        """No backward pathway: the C class signals cross the forward weights once per
        minibatch (C·W), each hidden layer forms z = O tᵀ, (Y − P) t and (Y − P)ᵀ O (3·C·n_h
        per sample), and its rule sees the C signal rows besides the batch."""
        classes = sizes[-1]
        weights = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
        return CostModel(per_sample=3 * classes * sum(sizes[1:-1]),
                         per_batch=classes * weights, extra_rule_rows=classes)

    def init_state(self, network: Network, weights: Weights,
                   rng: np.random.Generator) -> State:
        shape = (network.output.size, network.input.size)
        return {"context": (rng.standard_normal(shape) * self.context_scale).astype(
            weights[0][0].dtype)}

    def class_signals(self, network: Network, weights: Weights, state: State) -> ForwardPass:
        """t_h^c for every class c (rows), through the same forward weights."""
        return forward_pass(network, weights, state["context"])

    def local_variables(self, network: Network, weights: Weights, state: State,
                        x: np.ndarray, target: np.ndarray, rng: np.random.Generator,
                        forward: ForwardPass | None = None) -> list[LayerVariables]:
        forward = forward or forward_pass(network, weights, x)
        signal = self.class_signals(network, weights, state)
        dfs, dts = derivatives(network, forward), derivatives(network, signal)
        labels = target.argmax(axis=1)
        batch, classes = len(x), network.output.size
        onehot = np.zeros((batch, classes), dtype=forward.O[-1].dtype)
        onehot[np.arange(batch), labels] = 1
        scale = forward.O[-1].dtype.type((batch + classes) / batch)
        layers = []
        for h in range(1, network.depth):
            o, t = forward.O[h], signal.O[h]
            z = o @ t.T
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            residual = onehot - p  # −∂L/∂z · B
            feedback = np.vstack([(residual @ t) * dfs[h], (residual.T @ o) * dts[h]]) * scale
            layers.append(LayerVariables(pre=np.vstack([forward.O[h - 1], signal.O[h - 1]]),
                                         post=np.vstack([o, t]),
                                         dpost=np.vstack([dfs[h], dts[h]]), feedback=feedback))
        top = network.depth
        layers.append(LayerVariables(pre=forward.O[top - 1], post=forward.O[top],
                                     dpost=dfs[top],
                                     feedback=output_error(network, forward.O[top], target),
                                     target=target))
        return layers
