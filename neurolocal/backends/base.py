"""The one interface every simulator backend offers (numpy, Brian2, ...).

A `Backend` turns a `Network` description (plus initial weights) into a `Simulator`. Features a
backend cannot run are listed in `Backend.unsupported` so the shared conformance suite
(tests/conformance) can skip them explicitly, and requests for them raise `UnsupportedError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..divergence import divergence_cause
from ..errors import UserError
from ..network import Network, NetworkError

Weights = list[tuple[np.ndarray, np.ndarray]]  # (W of shape (n_post, n_pre), b) per projection


def checked_data(network: Network, x: np.ndarray, t: np.ndarray | None = None,
                 dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray | None]:
    """Inputs x (samples, n_in) and targets t (samples, n_out) as arrays of `dtype`, or a
    NetworkError naming the expected shape. Every simulator checks its data with this."""
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 2 or x.shape[1] != network.input.size:
        raise NetworkError(f"inputs must have shape (samples, {network.input.size}), "
                           f"got {x.shape}")
    if t is None:
        return x, None
    t = np.asarray(t, dtype=dtype)
    if t.shape != (len(x), network.output.size):
        raise NetworkError(f"targets must have shape ({len(x)}, {network.output.size}), "
                           f"got {t.shape}")
    return x, t


def checked_schedule(epochs: Any, batch_size: Any = 1) -> None:
    """A UserError unless `epochs` is an integer ≥ 0 and `batch_size` one ≥ 1: every trainer
    checks its schedule with this."""
    for name, value, least, kind in (("epochs", epochs, 0, "non-negative"),
                                     ("batch_size", batch_size, 1, "positive")):
        if not isinstance(value, (int, np.integer)) or value < least:
            raise UserError(f"{name} must be a {kind} integer, not {value!r}")


def checked_weights(network: Network, weights: Weights, dtype: Any = None) -> Weights:
    """Copies of (W, b) per projection (as `dtype`, or their own), or a NetworkError naming the
    projection whose shapes are not W (n_post, n_pre) and b (n_post,)."""
    if len(weights) != network.depth:
        raise NetworkError(f"{len(weights)} (W, b) pairs for {network.depth} projections")
    out = []
    for (w, b), pre, post in zip(weights, network.populations, network.populations[1:]):
        w, b = np.array(w, dtype=dtype), np.array(b, dtype=dtype)
        if w.shape != (post.size, pre.size) or b.shape != (post.size,):
            raise NetworkError(f"projection {pre.name}->{post.name}: W must be "
                               f"{(post.size, pre.size)} and b {(post.size,)}, got {w.shape} "
                               f"and {b.shape}")
        out.append((w, b))
    return out


class UnsupportedError(UserError, NotImplementedError):
    """A backend cannot express a rule, channel or option; the message names the construct."""


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    train_accuracy: float | None = None
    test_loss: float | None = None
    test_accuracy: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. alignment angles per layer


@dataclass
class TrainingHistory:
    epochs: list[EpochRecord] = field(default_factory=list)
    diverged_at: int | None = None  # epoch whose updates broke the weights or the outputs
    samples_per_second: float | None = None
    divergence: str | None = None  # its cause (see `divergence_cause`)
    last_finite: Weights | None = field(default=None, repr=False)  # weights before that epoch

    @classmethod
    def starting_from(cls, weights: Weights) -> TrainingHistory:
        """A history whose last finite checkpoint is the initial `weights` (copied)."""
        return cls(last_finite=[(w.copy(), b.copy()) for w, b in weights])

    def stop_if_diverged(self, epoch: int, weights: Weights, loss: float | None = None) -> bool:
        """The trainers' once-per-epoch check, after the epoch's updates: record the epoch and
        cause and return True when the run diverged; else keep `weights` as the last finite
        checkpoint and return False."""
        cause = divergence_cause(weights, loss)
        if cause is not None:
            self.diverged_at, self.divergence = epoch, cause
            return True
        self.last_finite = [(w.copy(), b.copy()) for w, b in weights]
        return False

    def last(self) -> EpochRecord:
        return self.epochs[-1]

    def series(self, key: str) -> list[Any]:
        return [getattr(r, key) if hasattr(r, key) else r.extra.get(key) for r in self.epochs]


class Simulator(Protocol):
    network: Network

    def weights(self) -> Weights:
        """Current (W, b) per projection, as float numpy arrays (copies)."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Output activities for inputs x of shape (B, n_in)."""

    def train(self, x: np.ndarray, t: np.ndarray, epochs: int, batch_size: int = 1,
              test: tuple[np.ndarray, np.ndarray] | None = None,
              progress: bool = False) -> TrainingHistory:
        """Train on inputs x (B, n_in) and targets t (B, n_out). A backend that reports running
        train metrics accepts ``eval_train=True`` to evaluate the whole training set instead."""


class Backend(Protocol):
    name: str
    unsupported: frozenset[str]  # feature names the conformance suite skips for this backend

    def build(self, network: Network, weights: Weights | None = None, seed: int = 0,
              **options: Any) -> Simulator: ...
