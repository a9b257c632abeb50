"""Supervised simple Hebb on a threshold gate: the canonical-form condition (THEORY.md §5).

Fold each target into its input, x_k ← T_k x_k (targets ±1). Clamped Hebb Δw = η T O_j then
adds η Σ_k x_k every epoch, so after enough epochs w ∝ Σ_k x_k (exactly so from w = 0), and
pattern l is learned iff x_l · Σ_k x_k > 0, i.e. Σ_k cos(x_k, x_l) |x_k| > 0. Three families of
training sets probe the condition: random linearly separable, orthogonal, common orthant.
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError


def canonical_form(x: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """x_k ← T_k x_k for targets in {−1, +1}."""
    t = np.asarray(targets, dtype=np.float64).reshape(-1)
    if not np.all(np.isin(t, (-1.0, 1.0))):
        raise UserError("canonical form needs targets in {-1, +1}")
    return np.asarray(x, dtype=np.float64) * t[:, None]


def hebb_margins(x: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Σ_k cos(x_k, x_l) |x_k| for each pattern l (= x_l·Σ_k x_k / |x_l|), canonical form."""
    c = canonical_form(x, targets)
    norms = np.linalg.norm(c, axis=1)
    if np.any(norms == 0):
        raise UserError("a zero input vector has no direction")
    return c @ c.sum(axis=0) / norms


def hebb_learns(x: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Predicted: True where supervised simple Hebb classifies pattern l correctly."""
    return hebb_margins(x, targets) > 0


def random_separable(samples: int, dim: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Random ±1 inputs labelled by a random hyperplane through the origin."""
    x = rng.choice((-1.0, 1.0), size=(samples, dim))
    s = x @ rng.normal(size=dim)
    return x, np.where(s > 0, 1.0, -1.0)


def orthogonal(dim: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The identity matrix (dim orthogonal patterns) with random ±1 targets."""
    return np.eye(dim), rng.choice((-1.0, 1.0), size=dim)


def common_orthant(samples: int, dim: int, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Patterns whose canonical forms share one orthant: feature j has a fixed sign s_j and a
    random magnitude in (0, 1]; random targets T_k, inputs T_k · (canonical vector)."""
    signs = rng.choice((-1.0, 1.0), size=dim)
    canonical = signs * rng.uniform(0.05, 1.0, size=(samples, dim))
    t = rng.choice((-1.0, 1.0), size=samples)
    return canonical * t[:, None], t


FAMILIES = {"random separable": random_separable, "orthogonal": orthogonal,
            "common orthant": common_orthant}
