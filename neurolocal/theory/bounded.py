"""Bounded weights (THEORY.md §2): a weight kept in (−1, 1) as w = tanh(v), with the simple
Hebb rule applied to the hidden variable v: Δv_ij = η O_i O_j, O_i = Σ_j w_ij O_j (linear unit).

Averaged: dv/dt = Σ w with Σ = E[x xᵀ] and w = tanh(v). Once |v| is large, w sits at a corner
s ∈ {−1, 1}ⁿ and v_j grows linearly at rate (Σ s)_j, which keeps s only if s_j (Σ s)_j > 0 for
every input with E[x_j²] > 0: the limit corners are the stable states s = sign(Σ s) of a
Hopfield network with weights Σ (which one is reached depends on the start; inputs with a small
(Σ s)_j saturate last). So ‖w‖ stays below √n while plain Hebb diverges
(‖w‖ ∝ (1 + ηλ_max)^k). Hebb with decay η O_i O_j − c w_ij, the other bounded variant, has the
averaged field (ηΣ − c) w on a linear unit: it decays to 0 when c > ηλ_max and diverges when
c < ηλ_max.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class BoundedRun:
    """Per epoch: ‖w‖ of w = tanh(v), ‖v‖; the final w and v."""

    w_norm: np.ndarray
    v_norm: np.ndarray
    w: np.ndarray
    v: np.ndarray


def bounded_hebb(x: np.ndarray, epochs: int = 30, eta: float = 1e-3, seed: int = 0
                 ) -> BoundedRun:
    """Online Hebb on v with w = tanh(v) for one linear unit on inputs x (N, n)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float64)
    v = rng.normal(0.0, 0.1, x.shape[1])
    w_norm, v_norm = [np.linalg.norm(np.tanh(v))], [np.linalg.norm(v)]
    for _ in range(epochs):
        for row in x[rng.permutation(len(x))]:
            v += eta * (np.tanh(v) @ row) * row
        w_norm.append(np.linalg.norm(np.tanh(v)))
        v_norm.append(np.linalg.norm(v))
    return BoundedRun(np.array(w_norm), np.array(v_norm), np.tanh(v), v)


def is_stable_corner(s: np.ndarray, second: np.ndarray, active: np.ndarray) -> bool:
    """s_j (Σ s)_j > 0 on every active input: the corner s keeps growing outward."""
    return bool(np.all((s * (second @ s))[active] > 0))
