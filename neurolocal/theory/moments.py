"""Data moments that the averaged dynamics of a rule need (THEORY.md §4).

Inputs I (N samples × n) and an optional target T (N,). Moments are raw (not centred), because
rules act on raw activities: Σ = E[I Iᵀ], E[T I], E[T²], and any mixed moment
E[T^d Π_k I_k^{m_k}] on demand.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ..errors import UserError


class DataMoments:
    """Empirical moments of a data set: inputs x (N, n), optional target t (N,)."""

    def __init__(self, x: np.ndarray, target: np.ndarray | None = None):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] == 0:
            raise UserError(f"inputs must be a non-empty (samples, inputs) array, got {x.shape}")
        self.x = x
        self.target = None
        if target is not None:
            t = np.asarray(target, dtype=np.float64).reshape(-1)
            if t.shape[0] != x.shape[0]:
                raise UserError(f"{t.shape[0]} targets for {x.shape[0]} samples")
            self.target = t

    @property
    def n_inputs(self) -> int:
        return self.x.shape[1]

    @cached_property
    def mean(self) -> np.ndarray:
        """E[I], the data's centre of gravity."""
        return self.x.mean(axis=0)

    @cached_property
    def second(self) -> np.ndarray:
        """Σ = E[I Iᵀ] (raw second moment, what simple Hebb averages)."""
        return self.x.T @ self.x / self.x.shape[0]

    @cached_property
    def covariance(self) -> np.ndarray:
        """Centred covariance E[(I − E I)(I − E I)ᵀ]."""
        return self.second - np.outer(self.mean, self.mean)

    @cached_property
    def input_target(self) -> np.ndarray:
        """E[T I]."""
        return self.x.T @ self._t() / self.x.shape[0]

    @cached_property
    def target_second(self) -> float:
        """E[T²]."""
        return float(np.mean(self._t() ** 2))

    def moment(self, input_powers: np.ndarray | dict[int, int], target_power: int = 0) -> float:
        """E[T^d Π_k I_k^{m_k}] for powers m (length-n array or {k: m_k}) and d."""
        m = np.zeros(self.n_inputs, dtype=int)
        if isinstance(input_powers, dict):
            for k, p in input_powers.items():
                m[k] = p
        else:
            m[:] = input_powers
        values = np.prod(self.x ** m, axis=1)
        if target_power:
            values = values * self._t() ** target_power
        return float(values.mean())

    def principal(self) -> tuple[float, np.ndarray]:
        """Largest eigenvalue λ_max of Σ and its unit eigenvector (sign: positive sum)."""
        values, vectors = np.linalg.eigh(self.second)
        u = vectors[:, -1]
        return float(values[-1]), u if u.sum() >= 0 else -u

    def least_squares(self) -> np.ndarray:
        """w* = Σ⁻¹ E[T I] (pseudo-inverse when Σ is singular): the delta rule's limit."""
        return np.linalg.lstsq(self.second, self.input_target, rcond=None)[0]

    def _t(self) -> np.ndarray:
        if self.target is None:
            raise UserError("this moment needs the target T, but the data has no target")
        return self.target
