"""Closed form of one-dimensional Riccati dynamics dw/dt = a + b w + c w² (THEORY.md §4).

With a real root w* of a + b w + c w², z = 1/(w − w*) obeys the linear equation
dz/dt = −λ z − c with λ = b + 2 c w*, so z(t) = (z0 + c/λ) e^(−λt) − c/λ (z0 − c t if λ = 0),
and w = w* + 1/z. The solution blows up at the first t > 0 where z(t) = 0. Without a real root
(b² < 4ac) w = −b/(2c) + (ω/c) tan(ω t + φ) with ω = √(4ac − b²)/2: always a finite-time blow-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Riccati:
    a: float
    b: float
    c: float
    w0: float

    @property
    def _root(self) -> float | None:
        a, b, c = self.a, self.b, self.c
        if c == 0:
            return None
        disc = b * b - 4 * a * c
        if disc < 0:
            return None
        return (-b + np.sqrt(disc)) / (2 * c)

    @property
    def blowup_time(self) -> float:
        """The time at which |w| → ∞ (np.inf if never, for t > 0)."""
        a, b, c, w0 = self.a, self.b, self.c, self.w0
        if c == 0:
            return np.inf
        root = self._root
        if root is None:
            omega = np.sqrt(4 * a * c - b * b) / 2
            phase = np.arctan((c * w0 + b / 2) / omega)
            return float((np.pi / 2 - phase) / omega)
        if w0 == root:
            return np.inf
        z0 = 1.0 / (w0 - root)
        lam = b + 2 * c * root
        if lam == 0:
            return float(z0 / c) if z0 / c > 0 else np.inf
        ratio = (c / lam) / (z0 + c / lam)  # e^(−λt) = ratio at the pole
        if ratio <= 0:
            return np.inf
        t = -np.log(ratio) / lam
        return float(t) if t > 0 else np.inf

    def at(self, t: np.ndarray) -> np.ndarray:
        """w(t); times at or after the blow-up are ±inf (never NaN)."""
        a, b, c, w0 = self.a, self.b, self.c, self.w0
        t = np.asarray(t, dtype=np.float64)
        if c == 0:
            if b == 0:
                return w0 + a * t
            return (w0 + a / b) * np.exp(b * t) - a / b
        blowup = self.blowup_time
        root = self._root
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if root is None:
                omega = np.sqrt(4 * a * c - b * b) / 2
                phase = np.arctan((c * w0 + b / 2) / omega)
                w = (-b / 2 + omega * np.tan(omega * t + phase)) / c
                escape = np.inf if c > 0 else -np.inf
            else:
                if w0 == root:
                    return np.full_like(t, w0)
                z0 = 1.0 / (w0 - root)
                lam = b + 2 * c * root
                z = z0 - c * t if lam == 0 else (z0 + c / lam) * np.exp(-lam * t) - c / lam
                w = root + 1.0 / z
                escape = np.inf if z0 > 0 else -np.inf
        return np.where(t >= blowup, escape, w)
