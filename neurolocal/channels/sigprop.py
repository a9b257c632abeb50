"""Signal Propagation (Kohan, Rietman & Siegelmann 2023; THEORY.md section 6): no backward pass.

The class c is projected into the input space, t_0^c = E_c (E a fixed random (C × n_0) context
matrix), and travels *forward through the same weights* as the input: t_h^c = f_h(W^h t_{h-1}^c).
Each hidden layer h learns from its own loss, with no gradient between layers: a softmax over
the similarities z_{bc} = O^h_b · t_h^c, L_h = −mean_b log p_{b, y_b}. Both the input rows and the
class-signal rows pass through W^h, so the layer's rule sees the stacked batch
pre = [O^{h−1}; t_{h−1}], feedback = [f'(S^h) ⊙ (Y − P) t_h; f'(S_t^h) ⊙ (Y − P)ᵀ O^h] · (B+C)/B,
which makes η B_i O_j (batch mean) exactly −η ∂L_h/∂W^h. The top layer is an ordinary output
layer trained with T − O on O^{L−1}. Options: a learned context projection (`context_eta`) and
per-sample target rows (`targets="samples"`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..network import Network, projection_sizes
from .base import (
    Channel,
    ChannelError,
    CostModel,
    ForwardPass,
    ForwardSignals,
    LayerVariables,
    State,
    Weights,
    derivatives,
    forward_pass,
    output_error,
)


class SigPropChannel(Channel):
    """`context_scale`: standard deviation of the context matrix E entries.
    `context_eta`: 0 keeps E fixed; > 0 lets E learn from layer 1's loss,
    ΔE = context_eta · mean over rows of B_t^1 W^1 (the derivative of L_1 with respect to the
    class contexts, local to the first layer; SigProp's learned target projection).
    `targets`: "classes" sends the C class contexts t_0^c = E_c (one row per class), "samples"
    one row per sample, t_0^b = E_{y_b}: the similarities z_{bb'} = O_b · t_{b'} then run over
    the minibatch and every row of the same class counts as a positive
    (Y_{bb'} = [y_b = y_b'] / #class rows)."""

    delivers = "feedback"
    architecture = None

    def __init__(self, name: str = "sigprop", context_scale: float = 1.0,
                 context_eta: float = 0.0, targets: str = "classes"):
        if not context_scale > 0:
            raise ChannelError(f"context_scale must be positive, not {context_scale}")
        if not context_eta >= 0:
            raise ChannelError(f"context_eta must be ≥ 0, not {context_eta}")
        if targets not in ("classes", "samples"):
            raise ChannelError(f"targets must be 'classes' or 'samples', not {targets!r}")
        self.name = name
        self.context_scale = float(context_scale)
        self.context_eta = float(context_eta)
        self.targets = targets
        self.options: dict[str, Any] = {"context_scale": self.context_scale,
                                        "context_eta": self.context_eta, "targets": targets}

    def cost(self, sizes: list[int]) -> dict[str, Any]:
        """The context projection E: one synapse per (class, input) pair, no extra neurons."""
        return {"extra_synapses": sizes[-1] * sizes[0], "extra_neurons": 0, "requires": []}

    def cost_model(self, sizes: list[int]) -> CostModel:
        """No backward pathway. Class targets: the C signals cross the forward weights once per
        minibatch (C·W), each hidden layer forms z = O tᵀ, (Y − P) t and (Y − P)ᵀ O (3·C·n_h
        per sample) and its rule sees the C signal rows besides the batch. Per-sample targets:
        one signal row per sample (W per sample), the three products per pair of rows
        (3·n_h · B² per minibatch), one extra rule row per sample."""
        classes = sizes[-1]
        weights = sum(projection_sizes(sizes))
        hidden = sum(sizes[1:-1])
        if self.targets == "samples":
            return CostModel(per_sample=weights, per_pair=3 * hidden,
                             extra_rule_rows_per_sample=1, extra_forward_passes=1)
        return CostModel(per_sample=3 * classes * hidden, per_batch=classes * weights,
                         extra_rule_rows=classes, extra_forward_passes=1)

    def init_state(self, network: Network, weights: Weights,
                   rng: np.random.Generator) -> State:
        shape = (network.output.size, network.input.size)
        return {"context": (rng.standard_normal(shape) * self.context_scale).astype(
            weights[0][0].dtype)}

    def forward_signals(self, state: State) -> ForwardSignals:
        """The class contexts E (C, n_0) that travel forward."""
        return ForwardSignals(state["context"], learned=self.context_eta > 0,
                              per_sample=self.targets == "samples")

    def class_signals(self, network: Network, weights: Weights, state: State) -> ForwardPass:
        """t_h^c for every class c (rows), through the same forward weights."""
        return forward_pass(network, weights, state["context"])

    def local_variables(self, network: Network, weights: Weights, state: State,
                        x: np.ndarray, target: np.ndarray, rng: np.random.Generator,
                        forward: ForwardPass | None = None) -> list[LayerVariables]:
        forward = forward or forward_pass(network, weights, x)
        labels = target.argmax(axis=1)
        batch, classes = len(x), network.output.size
        dtype = forward.O[-1].dtype
        if self.targets == "samples":
            signal = forward_pass(network, weights, state["context"][labels])
            positive = (labels[:, None] == labels[None, :]).astype(dtype)
            positive /= positive.sum(axis=1, keepdims=True)
        else:
            signal = self.class_signals(network, weights, state)
            positive = np.zeros((batch, classes), dtype=dtype)
            positive[np.arange(batch), labels] = 1
        dfs, dts = derivatives(network, forward), derivatives(network, signal)
        rows = len(signal.O[0])
        scale = dtype.type((batch + rows) / batch)
        layers = []
        for h in range(1, network.depth):
            o, t = forward.O[h], signal.O[h]
            z = o @ t.T
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            residual = positive - p  # −∂L/∂z · B
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

    def update_state(self, network: Network, weights: Weights, state: State,
                     variables: list[LayerVariables]) -> None:
        """With context_eta > 0: E descends layer 1's loss, ΔE_c = context_eta · Σ over the
        signal rows of class c of (B_t^1 W^1) / rows (B_t^1: those rows' feedback)."""
        if not self.context_eta or network.depth < 2:
            return
        first = variables[0]
        rows = len(first.pre)
        labels = variables[-1].target.argmax(axis=1)  # the context rows the step used
        signal_rows = rows - len(labels)
        grad = first.feedback[-signal_rows:] @ weights[0][0] / rows  # (signal rows, n_0)
        if self.targets == "samples":
            np.add.at(state["context"], labels, self.context_eta * grad)
        else:
            state["context"] += self.context_eta * grad
