"""Sampling deep targets (THEORY.md section 6): local deep learning for threshold-gate networks.

For hidden layer h, with every other layer fixed, sample candidate activity vectors near the
current one O^h, propagate each through the layers above, and keep the candidate whose output is
closest to the target T (squared error: the Hamming distance for binary outputs); ties go to the
candidate closest to O^h, and O^h itself is always a candidate, so a target never makes the
output worse. The layer then learns toward its deep target T^h with its own local supervised
rule, the perceptron Δw_ij = η (T_i − O_i) O_j by default. A schedule visits the layers.

Sampling modes: "flip" (each bit of O^h flipped with probability radius/n_h), "uniform" (random
vectors), "training" (the other samples' activities in the minibatch), "exhaustive" (all 2^n_h
vectors, n_h ≤ 12).
Schedules: "down" (L, L−1, …, 1 every step), "up" (1, …, L), "updown" (alternating), "cycle"
(one layer per step, round-robin from the top), "all" (every layer at once from one forward pass).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from ..divergence import divergence_cause
from ..errors import UserError
from ..network import Network, Projection, get_transfer
from ..rules import get_rule
from .base import (
    Channel,
    ChannelError,
    CostModel,
    ForwardPass,
    LayerVariables,
    State,
    Weights,
    apply_rule,
    derivatives,
    forward_pass,
)

SAMPLING = ("flip", "uniform", "training", "exhaustive")
SCHEDULES = ("down", "up", "updown", "cycle", "all")
EXHAUSTIVE_LIMIT = 12


class DeepTargetsChannel(Channel):
    """Delivers a deep target T^h to every hidden layer by sampling (module docstring).

    samples: candidates per sample and layer (besides the current activity); radius: mean
    number of flipped bits ("flip"); schedule: the layer order `train_deep_targets` follows;
    group: samples whose input to the layer, O^{h−1}, coincides (the layer cannot map them
    apart) get one common target, the candidate with the smallest error summed over all their
    targets (the seed's non-injective case), searched among the first such sample's candidates.
    """

    delivers = "targets"
    architecture = None

    def cost_model(self, sizes: list[int]) -> CostModel:
        """Runs on threshold (step) networks: there is no −∂E/∂w to compare its update with."""
        return CostModel(no_gradient="runs on threshold (step) networks, where no gradient "
                                     "exists: there is no −∂E/∂w to take a cosine with "
                                     "(non-differentiable)")

    def __init__(self, name: str = "deep_targets", sampling: str = "flip", samples: int = 64,
                 radius: float = 1.0, schedule: str = "down", group: bool = True):
        if sampling not in SAMPLING:
            raise ChannelError(f"sampling must be one of {', '.join(SAMPLING)}, not "
                               f"{sampling!r}")
        if schedule not in SCHEDULES:
            raise ChannelError(f"schedule must be one of {', '.join(SCHEDULES)}, not "
                               f"{schedule!r}")
        if not isinstance(samples, (int, np.integer)) or samples < 1:
            raise ChannelError(f"samples must be a positive integer, not {samples!r}")
        if not radius > 0:
            raise ChannelError(f"radius must be positive, not {radius!r}")
        self.name = name
        self.sampling, self.samples, self.radius, self.schedule, self.group = \
            sampling, int(samples), float(radius), schedule, bool(group)
        self.options: dict[str, Any] = {"sampling": sampling, "samples": int(samples),
                                        "radius": float(radius), "schedule": schedule,
                                        "group": bool(group)}

    def check(self, network: Network) -> None:
        if self.sampling == "exhaustive":
            widest = max(network.sizes[1:-1], default=0)
            if widest > EXHAUSTIVE_LIMIT:
                raise ChannelError(f"exhaustive sampling of a {widest}-unit layer means "
                                   f"2^{widest} candidates; use at most {EXHAUSTIVE_LIMIT} "
                                   "units or another sampling mode")

    # ----- the target search ---------------------------------------------------------------
    def candidates(self, current: np.ndarray, low: float, high: float,
                   rng: np.random.Generator) -> np.ndarray:
        """Candidate activities (B, 1 + M, n): the current one first, then M samples."""
        batch, n = current.shape
        if self.sampling == "flip":
            flips = rng.random((batch, self.samples, n)) < min(1.0, self.radius / n)
            other = np.where(flips, low + high - current[:, None, :], current[:, None, :])
        elif self.sampling == "uniform":
            other = np.where(rng.random((batch, self.samples, n)) < 0.5, low, high)
        elif self.sampling == "training":
            picks = rng.integers(0, batch, size=(batch, self.samples))
            other = current[picks]
        else:
            if n > EXHAUSTIVE_LIMIT:
                raise ChannelError(f"exhaustive sampling of {n} units: at most "
                                   f"{EXHAUSTIVE_LIMIT}")
            codes = np.array(list(itertools.product((low, high), repeat=n)))
            other = np.broadcast_to(codes, (batch, *codes.shape))
        return np.concatenate([current[:, None, :], other.astype(current.dtype)], axis=1)

    def layer_targets(self, network: Network, weights: Weights, forward: ForwardPass,
                      target: np.ndarray, layer: int, rng: np.random.Generator) -> np.ndarray:
        """T^layer (B, n_layer) for hidden layer `layer` (1..L−1), upper layers fixed."""
        population = network.populations[layer]
        transfer = get_transfer(population.transfer)
        current = forward.O[layer]
        candidates = self.candidates(current, transfer.low, transfer.high, rng)
        if self.group:  # samples layer h cannot tell apart share their group's candidates
            _, first, group = np.unique(forward.O[layer - 1], axis=0, return_index=True,
                                        return_inverse=True)
            group = group.ravel()
            candidates = candidates[first][group]
        a = candidates
        for population_above, (w, b) in zip(network.populations[layer + 1:], weights[layer:]):
            a = get_transfer(population_above.transfer)(a @ w.T + b)
        error = np.sum((a - target[:, None, :]) ** 2, axis=-1)  # (B, 1 + M)
        if self.group:  # summed over the group's targets
            summed = np.zeros((len(first), error.shape[1]))
            np.add.at(summed, group, error)
            error = summed[group]
        distance = np.sum(candidates != current[:, None, :], axis=-1)
        best = error <= error.min(axis=1, keepdims=True) + 1e-9
        choice = np.argmin(np.where(best, distance, np.iinfo(np.int64).max), axis=1)
        return candidates[np.arange(len(current)), choice]

    # ----- the channel interface -----------------------------------------------------------
    def local_variables(self, network: Network, weights: Weights, state: State,
                        x: np.ndarray, target: np.ndarray, rng: np.random.Generator,
                        forward: ForwardPass | None = None) -> list[LayerVariables]:
        """All layers at once (the "all" schedule): T^h for every hidden layer from one
        forward pass, T at the output."""
        forward = forward or forward_pass(network, weights, x)
        dfs = derivatives(network, forward)
        targets = [self.layer_targets(network, weights, forward, target, h, rng)
                   for h in range(1, network.depth)] + [target]
        return [LayerVariables(pre=forward.O[h - 1], post=forward.O[h], dpost=dfs[h],
                               target=targets[h - 1]) for h in range(1, network.depth + 1)]

    def layer_order(self, depth: int, step: int) -> list[list[int]]:
        """The layers (1..depth) visited in minibatch step `step`, as groups updated from one
        forward pass each."""
        down = list(range(depth, 0, -1))
        if self.schedule == "all":
            return [down]
        if self.schedule == "cycle":
            return [[down[step % depth]]]
        if self.schedule == "up" or (self.schedule == "updown" and step % 2):
            return [[h] for h in reversed(down)]
        return [[h] for h in down]


def threshold_network(sizes: list[int], transfer: str = "step01", eta: float = 0.1,
                      channel: DeepTargetsChannel | None = None) -> Network:
    """A chain of threshold gates (`step01` in {0,1} or `sign` in {−1,+1}) whose every layer
    learns with the perceptron rule η (T_i − O_i) O_j toward its (deep) target."""
    channel = channel or DeepTargetsChannel()
    rule = get_rule("perceptron", eta=eta)
    layered = Network.layered(sizes, hidden=transfer, output=transfer, rule=rule,
                              hidden_rule=rule, channel=channel)
    return Network(layered.populations,
                   tuple(Projection(p.pre, p.post, p.rule, p.bias, 1.0) for p in
                         layered.projections), channel)


@dataclass
class DeepTargetsRun:
    """Weights after training and the mean per-bit output error after each epoch (epoch 0:
    before training)."""

    weights: Weights
    errors: list[float] = field(default_factory=list)
    diverged_at: int | None = None  # the epoch whose updates broke the weights
    divergence: str | None = None  # why (neurolocal.divergence)


def bit_error(network: Network, weights: Weights, x: np.ndarray, t: np.ndarray) -> float:
    """Mean fraction of output bits that differ from the targets (normalized Hamming error)."""
    return float(np.mean(forward_pass(network, weights, x).O[-1] != t))


def train_deep_targets(network: Network, x: np.ndarray, t: np.ndarray, epochs: int = 100,
                       batch_size: int = 10, seed: int = 0, weights: Weights | None = None,
                       progress: bool = False) -> DeepTargetsRun:
    """Train `network` (its channel a DeepTargetsChannel) on (x, t) by sampling deep targets,
    visiting layers by the channel's schedule; every layer learns with its projection's rule.
    Bit-reproducible for a given seed."""
    channel = network.channel
    if not isinstance(channel, DeepTargetsChannel):
        raise ChannelError("train_deep_targets needs a network whose channel is a "
                           "DeepTargetsChannel")
    channel.check(network)
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise UserError(f"epochs must be a non-negative integer, not {epochs!r}")
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    weights = [(w.astype(np.float64), b.astype(np.float64)) for w, b in
               (weights or network.init_weights(seed))]
    rules = [p.rule.compile() if p.rule is not None else None for p in network.projections]
    run = DeepTargetsRun(weights, [bit_error(network, weights, x, t)])
    step = 0
    for _ in tqdm(range(epochs), disable=not progress, desc="deep targets", leave=False):
        for rows in np.array_split(rng.permutation(len(x)), max(1, len(x) // batch_size)):
            for group in channel.layer_order(network.depth, step):
                forward = forward_pass(network, weights, x[rows])
                dfs = derivatives(network, forward)
                targets = {h: t[rows] if h == network.depth else
                           channel.layer_targets(network, weights, forward, t[rows], h, rng)
                           for h in group}
                for h, target in targets.items():
                    if rules[h - 1] is not None:
                        w, b = weights[h - 1]
                        apply_rule(rules[h - 1], w, b if network.projections[h - 1].bias
                                   else None, LayerVariables(forward.O[h - 1], forward.O[h],
                                                             dfs[h], target=target))
            step += 1
        run.errors.append(bit_error(network, weights, x, t))
        run.divergence = divergence_cause(weights)
        if run.divergence is not None:
            run.diverged_at = len(run.errors) - 1
            break
    return run
