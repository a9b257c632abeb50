"""Measured capacity of a learning channel on a given network (THEORY.md section 7).

For `samples` random minibatches at fixed weights, the channel delivers an update Δθ; the
measurement records the cosine between Δθ and −g (g = ∂E/∂θ by back-propagation, not charged to
the channel), the multiply-adds the channel's code path executed and the feedback bits it
produced (an `OpCounter`), and reports their means per weight next to the closed forms of
`formulas.theory`. Feedback channels (BP, RBP, SRBP, ARBP, sign-concordant, …) are the shared
ones of `neurolocal.channels`; their backward cost is charged per pathway they multiply
through (n_dst · n_src per sample).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from tqdm import tqdm

from ..channels import get_channel
from ..channels.network import channel_network
from ..network import Network
from ..perturbation import ALGORITHMS, FlatMLP, OpCounter, Perturbation
from .formulas import CHANNELS, Capacity, sign_cos, theory


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
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; the capacity table knows "
                         f"{', '.join(CHANNELS)}")
    if not isinstance(samples, int) or samples < 2:
        raise ValueError(f"samples must be an integer ≥ 2, not {samples!r}")
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if len(x) != len(t) or len(x) == 0:
        raise ValueError(f"x and t need the same positive number of rows ({len(x)}, {len(t)})")
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
                       bias=all(p.bias for p in network.projections))
    return collect(predicted, samples, batch_size, counter, step, progress)


def collect(predicted: Capacity, samples: int, batch_size: int, counter: OpCounter,
            step: Callable[[], tuple[np.ndarray, np.ndarray]],
            progress: bool = False) -> Measurement:
    """Draw `samples` pairs (g, Δθ) = step() — the true gradient and the update the channel
    delivers, its costs charged to `counter` — and summarize them per weight and sample next
    to the closed form `predicted` (PWLB's cosine is evaluated on the drawn gradients)."""
    cosines, norms, sign_cosines = np.empty(samples), np.empty(samples), np.empty(samples)
    for n in tqdm(range(samples), disable=not progress, desc=f"capacity {predicted.channel}",
                  leave=False):
        g, delta = step()
        norms[n] = np.linalg.norm(g)
        cosines[n] = -(delta @ g) / (np.linalg.norm(delta) * norms[n])
        sign_cosines[n] = sign_cos(g)
    if predicted.channel == "pwlb":
        predicted = replace(predicted, cosine=float(sign_cosines.mean()))
    w = predicted.num_weights
    return Measurement(predicted.channel, predicted.k, w, samples,
                       counter.feedback_bits / (w * samples),
                       counter.multiply_adds / (w * samples * batch_size),
                       float(cosines.mean()), float(cosines.std(ddof=1) / math.sqrt(samples)),
                       float(np.mean(cosines * norms)), predicted, float(norms.mean()),
                       counter.forward_passes / samples)


def _deliverer(channel: str, k: int, network: Network, mlp: FlatMLP, theta: np.ndarray,
               rng: np.random.Generator, counter: OpCounter):
    """A function (x, t) → the flat update Δθ the channel delivers, charging `counter`."""
    if channel in ALGORITHMS:
        algorithm = Perturbation(channel, k)
        return lambda x, t: algorithm.direction(mlp, theta, x, t, rng, counter)
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


def fit_exponent(xs: list[float] | np.ndarray, ys: list[float] | np.ndarray) -> float | None:
    """Least-squares slope of log y against log x: y ∝ x^slope (None unless all y > 0)."""
    ys = np.asarray(ys, dtype=float)
    if np.any(ys <= 0) or not np.all(np.isfinite(ys)):
        return None
    return float(np.polyfit(np.log(np.asarray(xs, float)), np.log(ys), 1)[0])
