"""Measured capacity of a learning channel on a given network (THEORY.md section 7).

For `samples` random minibatches at fixed weights, the channel delivers an update Δθ; the
measurement records the cosine between Δθ and −g (g = ∂E/∂θ by back-propagation, not charged to
the channel), the multiply-adds the channel's code path executed and the feedback bits it
produced (an `OpCounter`), and reports their means per weight next to the closed forms of
`formulas.theory`. Feedback channels (BP, RBP, SRBP, ARBP, sign-concordant, …) are the shared
ones of `neurolocal.channels`; their backward cost is charged per pathway they multiply
through (n_dst · n_src per sample).

The other channels of the registry that run on differentiable networks (`formulas.
RULE_CHANNELS`: SigProp, deep local learning `local`, top-layer-only `top`) are measured through
the numpy trainer's own code path: the network is wired for the channel (`channel_network`:
its rules per projection), the channel's `local_variables` are fed to each projection's
compiled rule by `neurolocal.channels.base.apply_rule` — the function `DeepSimulator.step`
applies — on a copy of (W^h, b^h), and the delivered update is the change it makes (η
included, so hidden layers learning at η/10 weigh less). `deep_targets` runs on threshold
networks only: there is no gradient to compare with (`formulas.NOT_MEASURABLE`).
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
from ..channels.perturbation import ALGORITHMS, FlatMLP, OpCounter, Perturbation
from ..errors import UserError
from ..network import Network, Projection
from .formulas import (
    CHANNELS,
    NOT_MEASURABLE,
    RULE_CHANNELS,
    Capacity,
    rule_terms,
    sign_cos,
    theory,
)


@dataclass(frozen=True)
class Measurement:
    """Measured means per weight and per sample, with the closed form alongside."""

    channel: str
    k: int
    num_weights: int
    samples: int
    bits_per_weight: float
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

    @property
    def rate(self) -> float:
        return self.bits_per_weight / self.ops_per_weight

    @property
    def label(self) -> str:
        return f"{self.channel}(k={self.k})" if self.channel in ("pwgbk", "pwgrk") \
            else self.channel

    def to_dict(self) -> dict:
        p = self.predicted
        return {"channel": self.channel, "label": self.label, "k": self.k,
                "num_weights": self.num_weights, "samples": self.samples,
                "bits_per_weight": self.bits_per_weight, "ops_per_weight": self.ops_per_weight,
                "forward_passes": self.forward_passes,
                "rate": self.rate, "cosine": self.cosine, "cosine_se": self.cosine_se,
                "improvement": self.improvement,
                "layer_cosines": None if self.layer_cosines is None
                else list(self.layer_cosines),
                "predicted": {"bits_per_weight": p.bits_per_weight,
                              "ops_per_weight": p.ops_per_weight, "rate": p.rate,
                              "cosine": p.cosine,
                              "improvement": p.improvement(self.gradient_norm)}}


def capacity_network(sizes: list[int], hidden: str = "tanh", output: str = "logistic") -> Network:
    """The differentiable chain the capacity table measures (BP wiring; any channel's
    delivered update is compared with its gradient)."""
    return channel_network(sizes, get_channel("bp"), hidden=hidden, output=output)


def measure(network: Network, channel: str, x: np.ndarray, t: np.ndarray, samples: int = 100,
            batch_size: int = 1, k: int = 1, seed: int = 0, precision_bits: int = 64,
            weights: list[tuple[np.ndarray, np.ndarray]] | None = None,
            progress: bool = False) -> Measurement:
    """Measure `channel` (one of formulas.CHANNELS) on `network` at `weights` (default: the
    network's initial weights for `seed`) over `samples` minibatches of (x, t)."""
    if channel in NOT_MEASURABLE:
        raise UserError(f"channel {channel!r} is not measurable: {NOT_MEASURABLE[channel]}")
    if channel not in CHANNELS:
        raise UserError(f"unknown channel {channel!r}; the capacity table knows "
                         f"{', '.join(CHANNELS)}")
    if not isinstance(samples, int) or samples < 2:
        raise UserError(f"samples must be an integer ≥ 2, not {samples!r}")
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if len(x) != len(t) or len(x) == 0:
        raise UserError(f"x and t need the same positive number of rows ({len(x)}, {len(t)})")
    if channel not in ("pwgbk", "pwgrk"):
        k = 1  # k counts the trials of the k-trial algorithms only
    rng = np.random.default_rng(seed)
    mlp = FlatMLP(network)
    theta = mlp.flatten(weights if weights is not None else network.init_weights(seed))
    counter = OpCounter(precision_bits=precision_bits)
    deliver = _deliverer(channel, k, network, mlp, theta, rng, counter)

    def step() -> tuple[np.ndarray, np.ndarray]:
        rows = rng.integers(0, len(x), size=batch_size)
        return mlp.gradient(theta, x[rows], t[rows]), deliver(x[rows], t[rows])

    predicted = theory(channel, network.sizes, k, precision_bits,
                       bias=all(p.bias for p in network.projections), batch_size=batch_size)
    slices = [slice(layer.start, layer.start + layer.size) for layer in mlp.layers]
    return collect(predicted, samples, batch_size, counter, step, progress, slices)


def collect(predicted: Capacity, samples: int, batch_size: int, counter: OpCounter,
            step: Callable[[], tuple[np.ndarray, np.ndarray]],
            progress: bool = False, slices: list[slice] | None = None) -> Measurement:
    """Draw `samples` pairs (g, Δθ) = step() — the true gradient and the update the channel
    delivers, its costs charged to `counter` — and summarize them per weight and sample next
    to the closed form `predicted` (PWLB's and top's cosines are evaluated on the drawn
    gradients). With `slices` (each projection's part of θ), also the cosine per projection."""
    cosines, norms, sign_cosines = np.empty(samples), np.empty(samples), np.empty(samples)
    top_shares = np.empty(samples)
    layers = np.full((samples, len(slices or ())), np.nan)
    for n in tqdm(range(samples), disable=not progress, desc=f"capacity {predicted.channel}",
                  leave=False):
        g, delta = step()
        norms[n] = np.linalg.norm(g)
        cosines[n] = -(delta @ g) / (np.linalg.norm(delta) * norms[n])
        sign_cosines[n] = sign_cos(g)
        for h, part in enumerate(slices or ()):
            size = np.linalg.norm(delta[part]) * np.linalg.norm(g[part])
            if size > 0:
                layers[n, h] = -(delta[part] @ g[part]) / size
        if slices:
            top_shares[n] = np.linalg.norm(g[slices[-1]]) / norms[n]
    if predicted.channel == "pwlb":
        predicted = replace(predicted, cosine=float(sign_cosines.mean()))
    if predicted.channel == "top" and slices:  # the top layer's exact gradient, nothing else
        predicted = replace(predicted, cosine=float(top_shares.mean()))
    layer_cosines = None if slices is None else tuple(
        None if np.all(np.isnan(column)) else float(np.nanmean(column)) for column in layers.T)
    w = predicted.num_weights
    return Measurement(predicted.channel, predicted.k, w, samples,
                       counter.feedback_bits / (w * samples),
                       counter.multiply_adds / (w * samples * batch_size),
                       float(cosines.mean()), float(cosines.std(ddof=1) / math.sqrt(samples)),
                       float(np.mean(cosines * norms)), predicted, float(norms.mean()),
                       counter.forward_passes / samples, layer_cosines)


def _deliverer(channel: str, k: int, network: Network, mlp: FlatMLP, theta: np.ndarray,
               rng: np.random.Generator, counter: OpCounter):
    """A function (x, t) → the flat update Δθ the channel delivers, charging `counter`."""
    if channel in ALGORITHMS:
        algorithm = Perturbation(channel, k)
        return lambda x, t: algorithm.direction(mlp, theta, x, t, rng, counter)
    if channel in RULE_CHANNELS:
        return _rule_deliverer(channel, network, mlp, theta, rng, counter)
    feedback = get_channel(channel)
    weights = mlp.unflatten(theta)
    state = feedback.init_state(network, weights, rng)
    sizes = network.sizes
    backward = sum(sizes[p.dest] * sizes[p.source] for p in feedback.pathways(sizes))

    def deliver(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        variables = feedback.local_variables(network, weights, state, x, t, rng)
        counter.add_ops(len(x) * (mlp.num_weights + backward))  # forward and backward
        counter.forward_passes += 1
        counter.add_real_feedback(mlp.num_weights)  # one real derivative B_i O_j per weight
        outputs = [v.pre for v in variables]
        return mlp.update_from_signals(outputs, [v.feedback for v in variables], counter)

    return deliver


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
    """(x, t) → the flat update a rule channel (sigprop, local, top) delivers through the
    trainer's code path, charging `counter` what that path executes (see
    `formulas.rule_channel_ops`) and the bits the update carries about the target: one real
    number per weight whose rule reads a channel's signal or the target (SigProp: every
    weight — its hidden rules read B formed from the class signals t_h^c the target sent
    forward; local/top: the top layer only, hidden synapses get 0 bits)."""
    wired = wired_network(network, channel)
    wiring = wired.channel
    rules = [None if p.rule is None else p.rule.compile() for p in wired.projections]
    biased = [p.bias for p in wired.projections]
    weights = [(w.copy(), b.copy()) for w, b in mlp.unflatten(theta)]
    state = wiring.init_state(wired, weights, rng)
    classes = wired.output.size
    informed = sum(layer.size for layer, rule in zip(mlp.layers, rules)
                   if rule is not None and rule.needs & {"feedback", "target"})

    def deliver(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        variables = wiring.local_variables(wired, weights, state, x, t, rng)
        update = delivered_update(rules, weights, biased, variables)
        batch = len(x)
        counter.add_ops(batch * mlp.num_weights)  # the forward pass
        counter.forward_passes += 1
        if channel == "sigprop":  # class signals t_h^c forward, then the per-layer losses
            counter.add_ops(classes * mlp.num_weights)
            counter.forward_passes += 1
            counter.add_ops(sum(3 * batch * classes * layer.n_post for layer in mlp.layers[:-1]))
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
