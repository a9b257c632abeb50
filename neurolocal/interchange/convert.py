"""A neurolocal `Model` (rate network) as a NIR chain and back.

Import: a stage's neurons have the rate map a = f(g ⊙ (W x + b) + c) (`Neuron.rate_map`); the
rate model keeps W_eff = diag(g)·W, b_eff = g ⊙ b + c and transfer f (relu for IF/LIF/CubaLIF,
linear for LI/CubaLI and for a projection straight into the Output node). The NIR neuron
parameters go into the model's metadata (``metadata["nir"]["neurons"]``), so exporting the
model again (after further training, too) writes the same neuron nodes with W = W_eff/g,
b = (b_eff − c)/g.

Export of a model trained here: each hidden layer becomes Affine(W, b) + IF(R = 1,
v_th = 1, v_reset = 0), whose rate under current S is exactly relu(S) spikes per time unit (the
rate of a relu unit; other hidden transfer functions are approximated, with a warning); the
output projection goes straight into the Output node (its per-step integral is S_L·dt, and the
class is the argmax of its sum over the window).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..io import Model
from ..network import Network, Projection
from ..rules import LocalRule
from .chain import NIRImportError, Stage
from .neurons import Neuron

#: The IF parameters a hidden rate unit is exported with: rate relu(S) per time unit.
RELU_IF = {"r": 1.0, "v_threshold": 1.0, "v_reset": 0.0}


def _default_neuron(size: int) -> Neuron:
    return Neuron("IF", {k: np.full(size, v) for k, v in RELU_IF.items()})


def _fold(w: np.ndarray, b: np.ndarray, g: np.ndarray, c: np.ndarray, inverse: bool = False
          ) -> tuple[np.ndarray, np.ndarray]:
    """(diag(g)·W, g ⊙ b + c), or its inverse; the arrays themselves when g = 1, c = 0."""
    if np.all(g == 1) and np.all(c == 0):
        return w, b
    if inverse:
        return (w / g[:, None]).astype(w.dtype), ((b - c) / g).astype(b.dtype)
    return (w * g[:, None]).astype(w.dtype), (b * g + c).astype(b.dtype)


def rate_parameters(stage: Stage) -> tuple[str, np.ndarray, np.ndarray]:
    if stage.neuron is None:
        return "linear", np.ones(stage.size), np.zeros(stage.size)
    return stage.neuron.rate_map()


def rate_weights(stages: list[Stage]) -> tuple[list[tuple[np.ndarray, np.ndarray]],
                                                list[str], dict[str, Any]]:
    """(W_eff, b_eff) and the transfer function per stage, and the NIR neuron parameters
    (``metadata["nir"]``) that re-export needs."""
    weights, transfers = [], []
    for stage in stages:
        transfer, g, c = rate_parameters(stage)
        weights.append(_fold(stage.weight, stage.bias, g, c))
        transfers.append(transfer)
    info = {"neurons": [None if s.neuron is None else s.neuron.to_dict() for s in stages],
            "delays": [None if s.delay is None else s.delay.tolist() for s in stages]}
    return weights, transfers, info


def model_from_stages(stages: list[Stage], channel: Any = None,
                      rule: str | LocalRule | None = None,
                      hidden_rule: str | LocalRule | None = None,
                      metadata: dict[str, Any] | None = None) -> Model:
    """The rate model of an imported chain, with the given channel (an instance or a spec such
    as ``"rbp[quantize=1]"``) and rules (defaults as `Network.layered`)."""
    from ..channels import get_channel

    channel = get_channel(channel) if isinstance(channel, str) else channel
    weights, transfers, info = rate_weights(stages)
    sizes = [stages[0].weight.shape[1]] + [s.size for s in stages]
    layered = Network.layered(sizes, hidden="relu", output=transfers[-1], rule=rule,
                              hidden_rule=hidden_rule, channel=channel)
    populations = [layered.populations[0]] + [replace(p, transfer=f) for p, f in
                                              zip(layered.populations[1:], transfers)]
    projections: list[Projection] = [
        replace(p, bias=stage.has_bias or bool(np.any(b != stage.bias)))
        for p, stage, (_, b) in zip(layered.projections, stages, weights)]
    network = Network(tuple(populations), tuple(projections), channel)
    return Model(network, weights, {}, {**(metadata or {}), "nir": info})


def _stored_neuron(data: Any, layer: int, size: int) -> Neuron:
    """The neuron of `metadata["nir"]["neurons"][layer − 1]`, validated as on import."""
    try:
        stored = Neuron.from_dict(data)
        return Neuron.from_node(f"layer {layer}", stored.to_node(), size)
    except (KeyError, TypeError, ValueError, AssertionError) as error:
        raise NIRImportError(f"model metadata 'nir' has a bad neuron for layer {layer}: "
                             f"{error}") from None


def stages_from_model(model: Model) -> tuple[list[Stage], list[str]]:
    """The NIR chain of `model` and warnings about approximations."""
    network, warnings = model.network, []
    info = model.metadata.get("nir") or {}
    neurons = info.get("neurons") or []
    delays = info.get("delays") or []
    imported = len(neurons) == network.depth
    stages = []
    for h, ((w, b), post, projection) in enumerate(
            zip(model.weights, network.populations[1:], network.projections), start=1):
        w, b = np.asarray(w), np.asarray(b)
        if imported:
            neuron = None if neurons[h - 1] is None else _stored_neuron(neurons[h - 1], h,
                                                                         post.size)
        elif h < network.depth:
            neuron = _default_neuron(post.size)
            if post.transfer != "relu":
                warnings.append(f"hidden layer {h} uses {post.transfer}: exported as IF units "
                                f"whose rate is relu(S), an approximation of it")
        else:
            neuron = None
        stage = Stage(w, b, neuron, has_bias=projection.bias)
        _, g, c = rate_parameters(stage)
        stage.weight, stage.bias = _fold(w, b, g, c, inverse=True)
        if imported and h <= len(delays) and delays[h - 1] is not None:
            stage.delay = np.asarray(delays[h - 1], np.float64)
        stages.append(stage)
    return stages, warnings
