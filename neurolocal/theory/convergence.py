"""The convergence test for one-dimensional polynomial dynamics dx/dt = Q(x) (THEORY.md §4).

Theorem (Artificial Intelligence 2018): for deg Q = n > 1, x converges to a fixed point from
every initial condition iff n is odd and the leading coefficient is negative. From a given x0,
x converges to the root toward which Q pushes it, or escapes to ±∞ (in finite time when n > 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Verdict:
    """How dx/dt = Q(x) behaves. coefficients: ascending, trailing zeros removed."""

    coefficients: tuple[float, ...]
    degree: int
    leading: float
    converges_everywhere: bool
    roots: tuple[float, ...]  # real roots, increasing
    stable_roots: tuple[float, ...]  # Q changes sign from + to − across them

    @property
    def summary(self) -> str:
        if self.degree < 1:
            return ("constant drift: x grows linearly without bound" if self.leading else
                    "no dynamics: Q = 0")
        if self.converges_everywhere:
            return (f"degree {self.degree} with negative leading coefficient"
                    f"{' (odd)' if self.degree > 1 else ''}: converges from every start")
        why = "even degree" if self.degree % 2 == 0 else "positive leading coefficient"
        stable = ", ".join(f"{r:.4g}" for r in self.stable_roots) or "none"
        return (f"degree {self.degree} ({why}): diverges from some starts; "
                f"stable fixed points: {stable}")


def _trim(coefficients: np.ndarray, tol: float) -> np.ndarray:
    c = np.asarray(coefficients, dtype=np.float64)
    scale = max(float(np.max(np.abs(c))) if c.size else 0.0, 1e-300)
    nonzero = np.nonzero(np.abs(c) > tol * scale)[0]
    return c[: nonzero[-1] + 1] if nonzero.size else np.zeros(1)


def real_roots(coefficients: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Real roots of Q (ascending coefficients), increasing, doubles merged."""
    c = _trim(coefficients, tol)
    if c.size < 2:
        return np.zeros(0)
    roots = np.polynomial.polynomial.polyroots(c)
    scale = max(1.0, float(np.max(np.abs(roots))))
    real = np.sort(roots[np.abs(roots.imag) <= 1e-7 * scale].real)
    if real.size:
        keep = np.append(True, np.diff(real) > 1e-9 * scale)
        real = real[keep]
    return real


def classify(coefficients: np.ndarray, tol: float = 1e-12) -> Verdict:
    """The verdict of the convergence test for Q with ascending `coefficients`."""
    c = _trim(coefficients, tol)
    degree = int(c.size - 1)
    leading = float(c[-1])
    roots = real_roots(c)
    stable = tuple(float(r) for r in roots if _side(c, r, -1) > 0 and _side(c, r, +1) < 0)
    everywhere = degree % 2 == 1 and leading < 0  # degree 1: the linear case, same test
    return Verdict(tuple(float(v) for v in c), degree, leading, bool(everywhere),
                   tuple(float(r) for r in roots), stable)


def fate(coefficients: np.ndarray, x0: float) -> float:
    """The limit of x(t) from x0: a root of Q, or ±inf."""
    c = _trim(coefficients, 1e-12)
    roots = real_roots(c)
    if roots.size and np.min(np.abs(roots - x0)) <= 1e-12 * max(1.0, abs(x0)):
        return float(roots[np.argmin(np.abs(roots - x0))])
    push = np.polynomial.polynomial.polyval(x0, c)
    if push == 0:
        return float(x0)
    if push > 0:
        above = roots[roots > x0]
        return float(above[0]) if above.size else np.inf
    below = roots[roots < x0]
    return float(below[-1]) if below.size else -np.inf


def _side(c: np.ndarray, r: float, direction: int) -> float:
    """Sign of Q just beside root r, probing a little to the right (+1) or left (−1)."""
    step = 1e-6 * max(1.0, abs(r))
    return float(np.sign(np.polynomial.polynomial.polyval(r + direction * step, c)))
