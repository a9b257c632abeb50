"""Boolean functions of n inputs: enumeration, monotonicity, and exact linear separability.

Inputs are the 2^n rows r = 0..2^n − 1 with x_i = bit i of r; a function is its truth table
(2^n outputs), and function number f outputs bit r of f on row r. Linear separability is decided
exactly by LP feasibility of y_r (w·x_r + b) ≥ 1 (scipy's HiGHS), run only on unate functions
(monotone or antitone in every input), since every threshold function is unate.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.optimize import linprog

from ..errors import UserError

MAX_INPUTS = 4  # 2^(2^5) functions would not fit in memory


def _check(n: int) -> None:
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_INPUTS:
        raise UserError(f"the number of Boolean inputs must be 1..{MAX_INPUTS}, not {n!r}")


def boolean_inputs(n: int) -> np.ndarray:
    """All 2^n input vectors in {0,1}, shape (2^n, n), row r holding the bits of r."""
    _check(n)
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.int8)


def all_functions(n: int) -> np.ndarray:
    """Truth tables of all 2^(2^n) functions, shape (2^(2^n), 2^n), entries 0/1."""
    _check(n)
    rows = 2 ** n
    return ((np.arange(2 ** rows, dtype=np.int64)[:, None] >> np.arange(rows)) & 1).astype(
        np.int8)


def _edges(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each input i, the rows with x_i = 0 and the same rows with x_i set to 1."""
    rows = np.arange(2 ** n)
    return [(rows[(rows >> i) & 1 == 0], rows[(rows >> i) & 1 == 0] | (1 << i))
            for i in range(n)]


def monotone_mask(tables: np.ndarray, n: int) -> np.ndarray:
    """True for monotone increasing functions: raising an input never lowers the output."""
    ok = np.ones(tables.shape[0], dtype=bool)
    for low, high in _edges(n):
        ok &= np.all(tables[:, low] <= tables[:, high], axis=1)
    return ok


def unate_mask(tables: np.ndarray, n: int) -> np.ndarray:
    """True for functions monotone or antitone in each input separately."""
    ok = np.ones(tables.shape[0], dtype=bool)
    for low, high in _edges(n):
        up = np.all(tables[:, low] <= tables[:, high], axis=1)
        down = np.all(tables[:, low] >= tables[:, high], axis=1)
        ok &= up | down
    return ok


def is_linearly_separable(table: np.ndarray, inputs: np.ndarray) -> bool:
    """Exact test: is there (w, b) with w·x + b > 0 exactly where table = 1? (LP feasibility)"""
    y = 2.0 * np.asarray(table, dtype=np.float64) - 1.0
    a = np.concatenate([np.asarray(inputs, dtype=np.float64),
                        np.ones((len(y), 1))], axis=1)
    result = linprog(np.zeros(a.shape[1]), A_ub=-(y[:, None] * a), b_ub=-np.ones(len(y)),
                     bounds=[(None, None)] * a.shape[1], method="highs")
    if result.status not in (0, 2):
        raise RuntimeError(f"LP solver failed: {result.message}")
    return result.status == 0


@cache
def _separable(n: int) -> np.ndarray:
    tables = all_functions(n)
    inputs = boolean_inputs(n)
    mask = unate_mask(tables, n)
    for f in np.nonzero(mask)[0]:
        mask[f] = is_linearly_separable(tables[f], inputs)
    mask.flags.writeable = False
    return mask


def separable_mask(n: int) -> np.ndarray:
    """True for the linearly separable functions of n inputs (indexed by function number)."""
    _check(n)
    return _separable(n).copy()


def separable_in(features: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """For each truth table, is it linearly separable over the rows of `features`? (LP)"""
    return np.array([is_linearly_separable(t, features) for t in tables], dtype=bool)


def counts(n: int) -> dict[str, int]:
    """Numbers of all, linearly separable and monotone functions of n inputs."""
    tables = all_functions(n)
    return {"all": int(tables.shape[0]), "separable": int(separable_mask(n).sum()),
            "monotone": int(monotone_mask(tables, n).sum())}
