"""Fixed points of the averaged dynamics dw/dt = E[Δw](w) and their stability (THEORY.md §4).

A fixed point w* is stable for the flow when every eigenvalue of the Jacobian J has a negative
real part, and for the epoch map w ← w + E[Δw](w) when the spectral radius of I + J is < 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import root

from .expected import ExpectedUpdate


@dataclass(frozen=True)
class FixedPoint:
    w: np.ndarray
    eigenvalues: np.ndarray  # of the Jacobian of E[Δw] at w

    @property
    def stable_flow(self) -> bool:
        return bool(np.all(self.eigenvalues.real < 0))

    @property
    def stable_map(self) -> bool:
        return bool(np.max(np.abs(1.0 + self.eigenvalues)) < 1.0)


def classify_point(field: ExpectedUpdate, w: np.ndarray) -> FixedPoint:
    """Jacobian eigenvalues at w (a fixed point of `field`)."""
    return FixedPoint(np.asarray(w, dtype=np.float64), np.linalg.eigvals(field.jacobian(w)))


def fixed_points(field: ExpectedUpdate, starts: np.ndarray, tol: float = 1e-9
                 ) -> list[FixedPoint]:
    """Distinct roots of E[Δw](w) = 0 found by Newton-type solves from each row of `starts`."""
    found: list[np.ndarray] = []
    for start in np.atleast_2d(starts):
        solution = root(field, start, jac=field.jacobian, method="hybr")
        if not solution.success or np.linalg.norm(field(solution.x)) > tol * max(
                1.0, float(np.linalg.norm(solution.x))):
            continue
        if all(np.linalg.norm(solution.x - f) > 1e-6 * max(1.0, float(np.linalg.norm(f)))
               for f in found):
            found.append(solution.x)
    return [classify_point(field, w) for w in found]
