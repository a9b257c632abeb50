"""Divergence: the documented bound of a healthy training run, and why a run broke it.

A weight or bias beyond ±DIVERGENCE_LIMIT, a non-finite parameter, or a non-finite loss
(outputs overflowed) counts as divergence. Every trainer checks once per epoch (through
`backends.base.TrainingHistory.stop_if_diverged`, or `named_divergence` directly) and stops,
reporting the epoch and this cause; nothing non-finite is ever saved.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: The bound on |weight| and |bias| of a healthy run.
DIVERGENCE_LIMIT = 1e6


def divergence_cause(weights: list[tuple[np.ndarray, np.ndarray]], loss: float | None = None,
                     limit: float = DIVERGENCE_LIMIT) -> str | None:
    """Why a run counts as diverged (naming the projection), or None when it is healthy."""
    named = ((name, array) for h, (w, b) in enumerate(weights, start=1)
             for name, array in ((f"W{h}", w), (f"b{h}", b)))
    return named_divergence(named, loss, limit)


def named_divergence(arrays: Iterable[tuple[str, np.ndarray]], loss: float | None = None,
                     limit: float = DIVERGENCE_LIMIT) -> str | None:
    """`divergence_cause` for any named parameter arrays (e.g. a recurrent network's)."""
    for name, array in arrays:
        if not np.isfinite(array).all():
            return f"{name} holds NaN or infinite values"
        largest = float(np.abs(array).max(initial=0.0))
        if largest > limit:
            return f"max |{name}| = {largest:.4g} is beyond the bound {limit:.0e}"
    if loss is not None and not np.isfinite(loss):
        return "the loss is not finite (outputs overflowed)"
    return None
