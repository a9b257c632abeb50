"""Transfer functions f and their derivatives f' (THEORY.md section 1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Transfer:
    name: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]  # f'(S); zero almost everywhere for threshold gates
    low: float  # range of f
    high: float
    differentiable: bool = True
    df_output: Callable[[np.ndarray], np.ndarray] | None = None  # f'(S) from O = f(S), if cheaper

    def __call__(self, s: np.ndarray) -> np.ndarray:
        return self.f(s)


def _logistic(s: np.ndarray) -> np.ndarray:
    # 0.5*(1 + tanh(s/2)) is the logistic function without overflow for large |s|
    return 0.5 * (1.0 + np.tanh(0.5 * s))


def _dlogistic(s: np.ndarray) -> np.ndarray:
    y = _logistic(s)
    return y * (1.0 - y)


TRANSFERS: dict[str, Transfer] = {
    t.name: t
    for t in (
        Transfer("linear", lambda s: s, np.ones_like, -np.inf, np.inf),
        Transfer("logistic", _logistic, _dlogistic, 0.0, 1.0, df_output=lambda o: o * (1 - o)),
        Transfer("tanh", np.tanh, lambda s: 1.0 - np.tanh(s) ** 2, -1.0, 1.0,
                 df_output=lambda o: 1 - o * o),
        Transfer("relu", lambda s: np.maximum(s, 0), lambda s: (s > 0).astype(s.dtype), 0.0,
                 np.inf),
        # clipped linear unit (hard tanh): exact on a fixed-point grid, the hardware-friendly
        # choice for integer chips (hw.activation); f' = 1 inside (−1, 1)
        Transfer("clip", lambda s: np.clip(s, -1, 1),
                 lambda s: (np.abs(s) < 1).astype(s.dtype), -1.0, 1.0),
        Transfer("step01", lambda s: (s > 0).astype(s.dtype), np.zeros_like, 0.0, 1.0, False),
        Transfer("sign", lambda s: np.where(s > 0, 1, -1).astype(s.dtype), np.zeros_like, -1.0,
                 1.0, False),
    )
}

ALIASES = {"threshold01": "step01", "threshold": "sign", "threshold_pm1": "sign",
           "sigmoid": "logistic", "identity": "linear", "hardtanh": "clip"}


def get_transfer(name: str | Transfer) -> Transfer:
    if isinstance(name, Transfer):
        return name
    key = ALIASES.get(name, name)
    if key not in TRANSFERS:
        known = ", ".join(list(TRANSFERS) + list(ALIASES))
        raise ValueError(f"unknown transfer function {name!r}; known: {known}")
    return TRANSFERS[key]
