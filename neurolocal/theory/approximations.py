"""Approximations of E[f(S)] for logistic and tanh units (THEORY.md §4), with measured error.

Dropout: each input is kept with probability p, S = Σ_j δ_j w_j I_j, δ_j ~ Bernoulli(p), so
E[S] = p Σ_j w_j I_j and Var[S] = p(1 − p) Σ_j w_j² I_j². Two approximations of E[f(S)]:
- dropout (first order): f(E[S]); for the logistic it is exactly the normalized geometric mean
  NWGM = Π σ(S_m)^P(m) / (Π σ(S_m)^P(m) + Π (1 − σ(S_m))^P(m)) over the masks m;
- Taylor (second order): f(E[S]) + ½ f''(E[S]) Var[S].
The exact value enumerates all 2^n masks (small n) or samples them (Monte Carlo).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import UserError
from ..network.transfer import get_transfer


def _logistic_second(s: np.ndarray) -> np.ndarray:
    y = 0.5 * (1.0 + np.tanh(0.5 * s))
    return y * (1 - y) * (1 - 2 * y)


def _tanh_second(s: np.ndarray) -> np.ndarray:
    y = np.tanh(s)
    return -2 * y * (1 - y * y)


#: f'' for the transfer functions whose E[f(S)] is approximated here.
SECOND_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "logistic": _logistic_second, "tanh": _tanh_second}


def _second(transfer: str) -> Callable[[np.ndarray], np.ndarray]:
    name = get_transfer(transfer).name
    if name not in SECOND_DERIVATIVES:
        raise UserError(f"the approximations cover logistic and tanh units, not {name!r}")
    return SECOND_DERIVATIVES[name]


def dropout_moments(w: np.ndarray, x: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray]:
    """E[S] and Var[S] under input dropout, for inputs x (B, n) and weights w (n,)."""
    if not 0.0 < p <= 1.0:
        raise UserError(f"keep probability p must be in (0, 1], not {p}")
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    return p * x @ w, p * (1 - p) * (x ** 2) @ (w ** 2)


def dropout_approximation(transfer: str, mean: np.ndarray) -> np.ndarray:
    """E[f(S)] ≈ f(E[S])."""
    _second(transfer)
    return get_transfer(transfer).f(mean)


def taylor_approximation(transfer: str, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """E[f(S)] ≈ f(E[S]) + ½ f''(E[S]) Var[S]."""
    return get_transfer(transfer).f(mean) + 0.5 * _second(transfer)(mean) * var


def all_masks(n: int) -> np.ndarray:
    """Every keep/drop mask of n inputs, shape (2^n, n), entries 0/1."""
    if n > 20:
        raise UserError(f"enumerating 2^{n} masks is too many; use Monte Carlo")
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.float64)


def mask_probabilities(masks: np.ndarray, p: float) -> np.ndarray:
    kept = masks.sum(axis=1)
    return p ** kept * (1 - p) ** (masks.shape[1] - kept)


def exact_expectation(transfer: str, w: np.ndarray, x: np.ndarray, p: float) -> np.ndarray:
    """E[f(S)] over all 2^n dropout masks, for each row of x."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    masks = all_masks(x.shape[1])
    s = (masks * w) @ x.T  # (masks, B)
    return mask_probabilities(masks, p) @ get_transfer(transfer).f(s)


def monte_carlo_expectation(transfer: str, w: np.ndarray, x: np.ndarray, p: float,
                            samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """E[f(S)] estimated from `samples` random dropout masks, and its standard error."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    masks = (np.random.default_rng(seed).random((samples, x.shape[1])) < p).astype(np.float64)
    values = get_transfer(transfer).f((masks * w) @ x.T)
    return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(samples)


def approximation_errors(transfer: str, w: np.ndarray, x: np.ndarray, p: float,
                         samples: int | None = None, seed: int = 0) -> dict[str, float]:
    """Mean and max |error| of the dropout and Taylor approximations, against exact enumeration
    of the masks (samples=None, small n) or a Monte Carlo estimate from `samples` masks."""
    standard_error = np.zeros(1)
    if samples is None:
        reference = exact_expectation(transfer, w, x, p)
    else:
        reference, standard_error = monte_carlo_expectation(transfer, w, x, p, samples, seed)
    mean, var = dropout_moments(w, x, p)
    errors = {"dropout": np.abs(dropout_approximation(transfer, mean) - reference),
              "taylor": np.abs(taylor_approximation(transfer, mean, var) - reference)}
    out = {f"{name}_{stat}": float(getattr(np, stat)(e)) for name, e in errors.items()
           for stat in ("mean", "max")}
    out["reference_standard_error"] = float(np.max(standard_error))
    return out
