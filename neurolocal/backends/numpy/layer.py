"""Rate simulator for a single unit or one layer trained with any `LocalRule` (THEORY.md §1, §4).

A layer computes O_i = f(S_i), S_i = Σ_j w_ij O_j; a bias is a weight from an input clamped to 1
(`with_bias`). Training is either *online* (one shuffled sample per step, the batch-of-one update
of `LocalRule.compile()`) or *averaged* (one step per epoch with the mean update over the whole
data set, vectorized over synapses and samples).

Divergence is a result, not a crash: `divergence` checks a weight matrix, and `train_layer`
stops at the first step whose weights overflow `limit` or are not finite, returning the last
finite weights and the epoch where it happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from ...errors import UserError
from ...network.transfer import Transfer, get_transfer
from ...rules import LocalRule, get_rule
from ..base import checked_schedule

MODES = ("online", "average")


@dataclass(frozen=True)
class Divergence:
    """Where and why a run stopped: the epoch (1-based) whose update broke the weights."""

    epoch: int
    rule: str
    reason: str

    def __str__(self) -> str:
        return f"rule {self.rule!r} diverged at epoch {self.epoch}: {self.reason}"


@dataclass
class LayerRun:
    """The outcome of `train_layer`.

    weights: final (n_post, n_pre) weights, always finite (the last finite ones on divergence).
    trajectory: weights after epochs 0, 1, ..., shape (epochs_done + 1, n_post, n_pre), when
    recorded; every entry finite.
    """

    weights: np.ndarray
    trajectory: np.ndarray | None
    epochs_done: int
    divergence: Divergence | None = None

    @property
    def diverged_at(self) -> int | None:
        return None if self.divergence is None else self.divergence.epoch


def with_bias(x: np.ndarray) -> np.ndarray:
    """Inputs with a last column clamped to 1, so the bias is the last weight of each unit."""
    x = np.asarray(x, dtype=np.float64)
    return np.concatenate([x, np.ones((x.shape[0], 1))], axis=1)


def divergence(w: np.ndarray, limit: float) -> str | None:
    """Why `w` counts as diverged (non-finite entries, or |w| above `limit`), or None."""
    if not np.all(np.isfinite(w)):
        return "weights became NaN or infinite"
    largest = float(np.max(np.abs(w))) if w.size else 0.0
    if largest > limit:
        return f"max |w| = {largest:.3g} exceeded the limit {limit:.3g}"
    return None


def activity(w: np.ndarray, x: np.ndarray, transfer: Transfer) -> tuple[np.ndarray, np.ndarray]:
    """Outputs O = f(S) and derivatives f'(S) for inputs x (B, n_pre): S = x Wᵀ."""
    s = x @ w.T
    return transfer.f(s), transfer.df(s)


def train_layer(rule: LocalRule | str, x: np.ndarray, targets: np.ndarray | None = None, *,
                transfer: str | Transfer = "linear", epochs: int = 100, mode: str = "online",
                w0: np.ndarray | None = None, n_post: int = 1, init_scale: float | None = None,
                seed: int = 0, limit: float = 1e12, record: bool = True,
                progress: bool = False) -> LayerRun:
    """Train one layer of `n_post` units on inputs x (N, n_pre) with a local rule.

    targets: (N,) or (N, n_post), required when the rule reads T_i. w0: initial weights
    (n_post, n_pre); otherwise drawn from N(0, init_scale²) with init_scale = 1/√n_pre.
    The same seed gives bit-identical runs (initial weights and the online sample order).
    """
    rule = get_rule(rule)
    if "feedback" in rule.variables:
        raise UserError(f"rule {rule.label!r} reads feedback B_i, which a single layer has no "
                        "channel to deliver; train it in a network with a learning channel")
    if mode not in MODES:
        raise UserError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    checked_schedule(epochs)
    unit = get_transfer(transfer)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise UserError(f"inputs must be a non-empty (samples, inputs) array, got {x.shape}")
    rng = np.random.default_rng(seed)
    if w0 is None:
        scale = 1.0 / np.sqrt(x.shape[1]) if init_scale is None else init_scale
        w = rng.normal(0.0, scale, size=(n_post, x.shape[1]))
    else:
        w = np.array(w0, dtype=np.float64, ndmin=2)
        if w.shape[1] != x.shape[1]:
            raise UserError(f"w0 has {w.shape[1]} inputs, the data {x.shape[1]}")
    t = _targets(rule, targets, x.shape[0], w.shape[0])
    update = rule.compile()
    trajectory = [w.copy()] if record else None
    stop = None
    for epoch in tqdm(range(1, epochs + 1), disable=not progress, desc=f"train {rule.label}",
                      leave=False):
        if mode == "average":
            batches = [np.arange(x.shape[0])]
        else:
            batches = rng.permutation(x.shape[0])[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            for rows in batches:
                new = w + _step(update, w, x[rows], None if t is None else t[rows], unit)
                reason = divergence(new, limit)
                if reason is not None:
                    stop = Divergence(epoch, rule.label, reason)
                    break
                w = new
        if stop is not None:
            break
        if record:
            trajectory.append(w.copy())
    done = epochs if stop is None else stop.epoch - 1
    return LayerRun(w, np.stack(trajectory) if record else None, done, stop)


def _step(update, w: np.ndarray, x: np.ndarray, t: np.ndarray | None,
          unit: Transfer) -> np.ndarray:
    post, dpost = activity(w, x, unit)
    return update(w, x, post=post, target=t, dpost=dpost)


def _targets(rule: LocalRule, targets: np.ndarray | None, n_samples: int,
             n_post: int) -> np.ndarray | None:
    if "target" not in rule.variables:
        return None
    if targets is None:
        raise UserError(f"rule {rule.label!r} reads the target T_i: give targets")
    t = np.asarray(targets, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None]
    if t.shape[0] != n_samples:
        raise UserError(f"{t.shape[0]} targets for {n_samples} samples")
    if t.shape[1] == 1 and n_post > 1:
        t = np.repeat(t, n_post, axis=1)
    if t.shape[1] != n_post:
        raise UserError(f"targets have {t.shape[1]} columns for {n_post} units")
    return t
