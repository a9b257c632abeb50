"""The capacity of the learning channel through time (THEORY.md section 7, last paragraph):
in a recurrent network unfolded over T steps every target must reach every copy of every
weight that influences it; BPTT does so at a cost of O(T) per weight and sequence, like one
forward pass of the unfolded network, and delivers the whole gradient.

Measured as for feed-forward networks (`neurolocal.capacity.measure`): per sequence and weight,
the multiply-adds the channel's code executes and the feedback bits it produces, and the mean
cosine between its update and the BPTT gradient; weight-perturbation algorithms run on the
unfolded network's error E(θ) through `RecurrentObjective`.
"""

from __future__ import annotations

import numpy as np

from ..capacity.formulas import Capacity, perturbation_capacity
from ..capacity.measure import Measurement, collect
from ..channels.perturbation import OpCounter, Perturbation, uses_trials
from ..errors import UserError
from .network import CHANNELS, RecurrentNetwork, flat

RECURRENT_CAPACITY = (*CHANNELS, "pwlr", "pwlb", "pwgb", "pwgbk", "pwgrk")


class RecurrentObjective:
    """E(θ) of an unfolded network for the weight-perturbation algorithms (their `mlp`):
    `num_weights` and per-sequence errors of stacked parameter vectors, for one `mask`."""

    def __init__(self, net: RecurrentNetwork, mask: np.ndarray):
        self.net, self.mask = net, mask
        self.num_weights = net.num_weights

    def sample_losses(self, thetas: np.ndarray, x: np.ndarray, t: np.ndarray,
                      counter: OpCounter | None = None) -> np.ndarray:
        return self.net.sample_losses(thetas, x, t, self.mask, counter)


def theory_recurrent(channel: str, net: RecurrentNetwork, steps: int, k: int = 1,
                     precision_bits: int = 32) -> Capacity:
    """Closed forms per sequence of `steps` steps and per weight, exact for this
    implementation: BPTT and RBPTT T(2 + (n_out + n_h) n_h / W), SRBPTT T(2 + n_out n_h / W);
    PWLR and PWLB (1 + W) T + 1, PWGB 2T + 1, PWGBk (1 + k) T + 1, PWGRk (1 + k) T + k."""
    if channel not in RECURRENT_CAPACITY:
        raise UserError(f"unknown recurrent channel {channel!r}; known: "
                         f"{', '.join(RECURRENT_CAPACITY)}")
    w, t, d, n_h = net.num_weights, steps, precision_bits, net.n_hidden
    if channel in CHANNELS:
        relayed = net.n_out + (n_h if channel != "srbptt" else 0)
        exact = channel == "bptt"
        return Capacity(channel, w, float(d) if exact else None, t * (2 + relayed * n_h / w),
                        1.0 if exact else None, message_bits=float(d))
    ops = {"pwlr": (1 + w) * t + 1, "pwlb": (1 + w) * t + 1, "pwgb": 2 * t + 1,
           "pwgbk": (1 + k) * t + 1, "pwgrk": (1 + k) * t + k}[channel]
    return perturbation_capacity(channel, channel, w, ops, k, d)


def measure_recurrent(net: RecurrentNetwork, channel: str, x: np.ndarray, t: np.ndarray,
                      mask: np.ndarray, samples: int = 100, batch_size: int = 1, k: int = 8,
                      seed: int = 0, precision_bits: int = 32,
                      progress: bool = False) -> Measurement:
    """Measure `channel` (RECURRENT_CAPACITY) on `net` at its current weights over `samples`
    minibatches of sequences (x, t, mask as from `sequence_task`)."""
    if channel not in RECURRENT_CAPACITY:
        raise UserError(f"unknown recurrent channel {channel!r}; known: "
                         f"{', '.join(RECURRENT_CAPACITY)}")
    if not isinstance(samples, int) or samples < 2:
        raise UserError(f"samples must be an integer ≥ 2, not {samples!r}")
    if not uses_trials(channel):
        k = 1
    rng = np.random.default_rng(seed)
    counter = OpCounter(precision_bits=precision_bits)
    feedback = net.random_feedback(rng) if channel in ("rbptt", "srbptt") else None
    algorithm = Perturbation(channel, k) if channel not in CHANNELS else None
    theta = net.flatten()

    def step() -> tuple[np.ndarray, np.ndarray]:
        rows = rng.integers(0, len(x), size=batch_size)
        g = -flat(net.deltas("bptt", x[rows], t[rows], mask[rows])[0])
        if algorithm is not None:
            return g, algorithm.direction(RecurrentObjective(net, mask[rows]), theta, x[rows],
                                          t[rows], rng, counter)
        updates, _ = net.deltas(channel, x[rows], t[rows], mask[rows], feedback, counter)
        counter.add_real_feedback(net.num_weights)  # one real number per weight
        return g, flat(updates)

    predicted = theory_recurrent(channel, net, x.shape[1], k, precision_bits)
    return collect(predicted, samples, batch_size, counter, step, progress,
                   precision_bits=precision_bits,
                   pwlb_orthant=algorithm.orthant if channel == "pwlb" else None)
