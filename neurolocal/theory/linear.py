"""Exact solution of the averaged recurrence when it is linear in w (THEORY.md §4).

w(k+1) = w(k) + M w(k) + c, i.e. w(k) = A^k w(0) + (Σ_{m<k} A^m) c with A = I + M (the learning
rate is inside M and c, as it is inside the rule). Both parts come from one power of the
augmented matrix [[A, c], [0, 1]], which needs no inverse of M (singular Σ is common: pixels
that are always 0).
"""

from __future__ import annotations

import numpy as np


def affine_trajectory(m: np.ndarray, c: np.ndarray, w0: np.ndarray, epochs: int) -> np.ndarray:
    """w(0..epochs) of w(k+1) = (I + M) w(k) + c, shape (epochs + 1, n)."""
    m = np.asarray(m, dtype=np.float64)
    n = m.shape[0]
    step = np.eye(n + 1)
    step[:n, :n] += m
    step[:n, n] = c
    state = np.append(np.asarray(w0, dtype=np.float64), 1.0)
    out = np.empty((epochs + 1, n))
    out[0] = state[:n]
    power = np.eye(n + 1)
    for k in range(1, epochs + 1):
        power = step @ power
        out[k] = (power @ state)[:n]
    return out


def affine_limit(m: np.ndarray, c: np.ndarray, w0: np.ndarray) -> np.ndarray | None:
    """lim w(k) for w(k+1) = (I + M) w(k) + c with M symmetric, or None if it does not exist.

    The part of w(0) in the null space of M stays put; on the range of M the iteration
    converges iff every eigenvalue μ of M there has |1 + μ| < 1, to −M⁺ c; c must lie in the
    range of M (otherwise w drifts linearly).
    """
    m = np.asarray(m, dtype=np.float64)
    values, vectors = np.linalg.eigh(m)
    scale = max(1.0, float(np.max(np.abs(values))))
    active = np.abs(values) > 1e-10 * scale
    c_coords = vectors.T @ np.asarray(c, dtype=np.float64)
    if np.any(np.abs(c_coords[~active]) > 1e-10 * max(1.0, float(np.abs(c_coords).max()))):
        return None
    if np.any(np.abs(1.0 + values[active]) >= 1.0):
        return None
    w0_coords = vectors.T @ np.asarray(w0, dtype=np.float64)
    limit = np.where(active, -c_coords / np.where(active, values, 1.0), w0_coords)
    return vectors @ limit
