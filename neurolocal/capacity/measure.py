"""Measured capacity of a learning channel on a given network (THEORY.md section 7).

For `samples` random minibatches at fixed weights, the channel delivers an update Δθ; the
measurement records the cosine between Δθ and −g (g = ∂E/∂θ by back-propagation, not charged to
the channel), the information it carries about g (I_W = min(D, ½ log₂ 1/sin²θ) per weight, sin²θ
computed from the residual of Δθ off ĝ, so exact updates read D), the multiply-adds charged to an
`OpCounter` and the message bits sent, and reports their means per weight next to the closed
forms of `formulas.theory`. The information is measured from the delivered updates alone; it
agrees with the closed forms only if the channel really delivers what the theory says.

Which code path delivers the update is read from the channel's declared `CostModel`: a
perturbation algorithm runs `Perturbation.direction` (its own counter); every other channel
(feedback channels, SigProp, deep local learning `local`, top-layer-only `top`) runs the numpy
trainer's code path: the network is wired for the channel (`channel_network`: its rules per
projection), the channel's `local_variables` are fed to each projection's compiled rule by
`neurolocal.channels.base.apply_rule` — the function `DeepSimulator.step` applies — on a copy of
(W^h, b^h), and the delivered update is the change it makes (η included, so hidden layers
learning at η/10 weigh less). Its operations are charged from the declared model (forward pass,
per-sample pathway work, per-batch work, each rule's products). Channels declaring
`no_gradient` (deep_targets) are refused with their reason.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from tqdm import tqdm

from ..channels import get_channel
from ..channels.base import apply_rule
from ..channels.network import channel_network
from ..channels.perturbation import FlatMLP, OpCounter, Perturbation, uses_trials
from ..errors import UserError
from ..network import Network, Projection
from .formulas import (
    Capacity,
    cost_model,
    declared_ops,
    information,
    informed_weights,
    pwlb_cos,
    rule_terms,
    theory,
)


@dataclass(frozen=True)
class Measurement:
    """Measured means per weight and per sample, with the closed form alongside."""

    channel: str
    k: int
    num_weights: int
    samples: int
    bits_per_weight: float  # mean information about g per weight (see `information`)
    ops_per_weight: float
    cosine: float  # mean cos(Δθ, −g) over the samples
    cosine_se: float  # its standard error
    improvement: float  # mean cos·‖g‖: first-order decrease of E for a unit step
    predicted: Capacity
    gradient_norm: float  # mean ‖g‖
    forward_passes: float  # forward passes (full or partial, over the minibatch) per sample
    #: per projection h = 1..L, mean cos(Δθ^h, −g^h) over the samples where the layer's update
    #: is not zero (None: the layer never moves, e.g. `top`'s fixed hidden layers)
    layer_cosines: tuple[float | None, ...] | None = None
    message_bits: float = 0.0  # feedback bits sent per weight and sample (not information)

    @property
    def rate(self) -> float:
        return self.bits_per_weight / self.ops_per_weight

    @property
    def label(self) -> str:
        return f"{self.channel}(k={self.k})" if uses_trials(self.channel) \
            else self.channel

    def to_dict(self) -> dict:
        p = self.predicted
        return {"channel": self.channel, "label": self.label, "k": self.k,
                "num_weights": self.num_weights, "samples": self.samples,
                "bits_per_weight": self.bits_per_weight, "message_bits": self.message_bits,
                "ops_per_weight": self.ops_per_weight,
                "forward_passes": self.forward_passes,
                "rate": self.rate, "cosine": self.cosine, "cosine_se": self.cosine_se,
                "improvement": self.improvement,
                "layer_cosines": None if self.layer_cosines is None
                else list(self.layer_cosines),
                "predicted": {"bits_per_weight": p.bits_per_weight,
                              "message_bits": p.message_bits,
                              "ops_per_weight": p.ops_per_weight, "rate": p.rate,
                              "cosine": p.cosine,
                              "improvement": p.improvement(self.gradient_norm)}}


def capacity_network(sizes: list[int], hidden: str = "tanh", output: str = "logistic") -> Network:
    """The differentiable chain the capacity table measures (BP wiring; any channel's
    delivered update is compared with its gradient)."""
    return channel_network(sizes, get_channel("bp"), hidden=hidden, output=output)


def measure(network: Network, channel: str, x: np.ndarray, t: np.ndarray, samples: int = 100,
            batch_size: int = 1, k: int = 1, seed: int = 0, precision_bits: int = 32,
            weights: list[tuple[np.ndarray, np.ndarray]] | None = None,
            progress: bool = False) -> Measurement:
    """Measure `channel` (one of formulas.CHANNELS) on `network` at `weights` (default: the
    network's initial weights for `seed`) over `samples` minibatches of (x, t)."""
    bias = all(p.bias for p in network.projections)
    # the closed form; refuses unknown and non-differentiable channels
    predicted = theory(channel, network.sizes, k, precision_bits, bias=bias,
                       batch_size=batch_size)
    if not isinstance(samples, int) or samples < 2:
        raise UserError(f"samples must be an integer ≥ 2, not {samples!r}")
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if len(x) != len(t) or len(x) == 0:
        raise UserError(f"x and t need the same positive number of rows ({len(x)}, {len(t)})")
    model = cost_model(channel, network.sizes, k)
    k = model.k  # k counts the trials of the k-trial algorithms only
    rng = np.random.default_rng(seed)
    mlp = FlatMLP(network)
    theta = mlp.flatten(weights if weights is not None else network.init_weights(seed))
    counter = OpCounter(precision_bits=precision_bits)
    deliver = _deliverer(channel, k, network, mlp, theta, rng, counter)

    def step() -> tuple[np.ndarray, np.ndarray]:
        rows = rng.integers(0, len(x), size=batch_size)
        return mlp.gradient(theta, x[rows], t[rows]), deliver(x[rows], t[rows])

    slices = [slice(layer.start, layer.start + layer.size) for layer in mlp.layers]
    # a wiring that keeps every hidden projection fixed trains the top one alone, with its
    # exact gradient (T − O at the output): read from the wiring, not the channel's name
    top_only = model.perturbation is None and network.depth > 1 and all(
        p.rule is None for p in wired_network(network, channel).projections[:-1])
    return collect(predicted, samples, batch_size, counter, step, progress, slices,
                   precision_bits, model.orthant if model.perturbation == "pwlb" else None,
                   top_only)


def collect(predicted: Capacity, samples: int, batch_size: int, counter: OpCounter,
            step: Callable[[], tuple[np.ndarray, np.ndarray]],
            progress: bool = False, slices: list[slice] | None = None,
            precision_bits: float = 32, pwlb_orthant: str | None = None,
            top_only: bool = False) -> Measurement:
    """Draw `samples` pairs (g, Δθ) = step() — the true gradient and the update the channel
    delivers, its costs charged to `counter` — and summarize them per weight and sample next
    to the closed form `predicted` (PWLB's cosine and information are conditional on g, so
    its closed form, for `pwlb_orthant` when the channel is PWLB, is averaged over the drawn
    gradients; with `top_only`, a channel that trains the top projection alone by its exact
    gradient, the cosine is the top layer's share of ‖g‖). With `slices` (each projection's
    part of θ), also the cosine per projection."""
    cosines, norms, bits = np.empty(samples), np.empty(samples), np.empty(samples)
    pwlb, top_shares = np.empty(samples), np.empty(samples)
    layers = np.full((samples, len(slices or ())), np.nan)
    for n in tqdm(range(samples), disable=not progress, desc=f"capacity {predicted.channel}",
                  leave=False):
        g, delta = step()
        norms[n] = np.linalg.norm(g)
        unit_g = g / norms[n]
        unit_d = delta / np.linalg.norm(delta)
        cosines[n] = -(unit_d @ unit_g)
        residual = unit_d + cosines[n] * unit_g  # Δ̂ − (Δ̂·(−ĝ))(−ĝ): sin θ exactly near 0
        bits[n] = information(residual @ residual, cosines[n], precision_bits)
        if pwlb_orthant is not None:
            pwlb[n] = pwlb_cos(g, pwlb_orthant)
        for h, part in enumerate(slices or ()):
            size = np.linalg.norm(delta[part]) * np.linalg.norm(g[part])
            if size > 0:
                layers[n, h] = -(delta[part] @ g[part]) / size
        if slices:
            top_shares[n] = np.linalg.norm(g[slices[-1]]) / norms[n]
    if pwlb_orthant is not None:
        cos = float(pwlb.mean())
        predicted = replace(predicted, cosine=cos, bits_per_weight=float(np.mean(
            information(1 - pwlb * pwlb, pwlb, precision_bits))))
    if top_only and slices:  # the top layer's exact gradient, nothing else
        predicted = replace(predicted, cosine=float(top_shares.mean()))
    layer_cosines = None if slices is None else tuple(
        None if np.all(np.isnan(column)) else float(np.nanmean(column)) for column in layers.T)
    w = predicted.num_weights
    return Measurement(predicted.channel, predicted.k, w, samples, float(bits.mean()),
                       counter.multiply_adds / (w * samples * batch_size),
                       float(cosines.mean()), float(cosines.std(ddof=1) / math.sqrt(samples)),
                       float(np.mean(cosines * norms)), predicted, float(norms.mean()),
                       counter.forward_passes / samples, layer_cosines,
                       counter.feedback_bits / (w * samples))


def _deliverer(channel: str, k: int, network: Network, mlp: FlatMLP, theta: np.ndarray,
               rng: np.random.Generator, counter: OpCounter):
    """A function (x, t) → the flat update Δθ the channel delivers, charging `counter`; the
    code path follows the channel's declared `CostModel`."""
    model = cost_model(channel, network.sizes, k)
    if model.perturbation is not None:
        algorithm = Perturbation(model.perturbation, model.k, orthant=model.orthant)
        return lambda x, t: algorithm.direction(mlp, theta, x, t, rng, counter)
    return _rule_deliverer(channel, network, mlp, theta, rng, counter)


def wired_network(network: Network, channel: str) -> Network:
    """`network` (same populations, transfers, biases) with the rules `channel_network` gives
    each projection for `channel`, the wiring the trainer runs it with."""
    wiring = get_channel(channel)
    rules = channel_network(network.sizes, wiring).projections
    return Network(network.populations,
                   tuple(Projection(p.pre, p.post, q.rule, p.bias, p.init_scale)
                         for p, q in zip(network.projections, rules)), wiring)


def delivered_update(rules: list, weights: list[tuple[np.ndarray, np.ndarray]],
                     biased: list[bool], variables: list) -> list[tuple[np.ndarray, np.ndarray]]:
    """(ΔW^h, Δb^h) per projection: what the trainer's `apply_rule` adds to a copy of
    (W^h, b^h) for the channel's `variables` (zeros for a projection without a rule)."""
    out = []
    for rule, (w, b), bias, v in zip(rules, weights, biased, variables):
        if rule is None:
            out.append((np.zeros_like(w), np.zeros_like(b)))
            continue
        w_new, b_new = w.copy(), b.copy()
        apply_rule(rule, w_new, b_new if bias else None, v)
        out.append((w_new - w, b_new - b))
    return out


def _rule_deliverer(channel: str, network: Network, mlp: FlatMLP, theta: np.ndarray,
                    rng: np.random.Generator, counter: OpCounter):
    """(x, t) → the flat update a channel delivers through the trainer's code path (its
    `local_variables` into each projection's rule), charging `counter` the forward pass, what
    the channel's `CostModel` declares, each rule's products (see `formulas.channel_ops`), and
    one real message per weight whose rule reads a delivered signal or the target."""
    wired = wired_network(network, channel)
    wiring = wired.channel
    model = wiring.cost_model(network.sizes)
    rules = [None if p.rule is None else p.rule.compile() for p in wired.projections]
    biased = [p.bias for p in wired.projections]
    weights = [(w.copy(), b.copy()) for w, b in mlp.unflatten(theta)]
    state = wiring.init_state(wired, weights, rng)
    informed = informed_weights(channel, network.sizes, all(biased))

    def deliver(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        variables = wiring.local_variables(wired, weights, state, x, t, rng)
        update = delivered_update(rules, weights, biased, variables)
        batch = len(x)
        counter.add_ops(declared_ops(model, batch, mlp.num_weights))
        counter.forward_passes += 1 + model.extra_forward_passes
        for layer, rule, v in zip(mlp.layers, rules, variables):
            if rule is not None:
                products, w_groups = rule_terms(rule)
                counter.add_ops((len(v.pre) * products + w_groups) * layer.size)
        counter.add_real_feedback(informed)
        return mlp.flatten(update)

    return deliver


def fit_exponent(xs: list[float] | np.ndarray, ys: list[float] | np.ndarray) -> float | None:
    """Least-squares slope of log y against log x: y ∝ x^slope (None unless all y > 0)."""
    ys = np.asarray(ys, dtype=float)
    if np.any(ys <= 0) or not np.all(np.isfinite(ys)):
        return None
    return float(np.polyfit(np.log(np.asarray(xs, float)), np.log(ys), 1)[0])
