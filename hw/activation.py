"""Integer activation functions of graded-spike neurons: f and f' as tables on a fixed grid.

A hidden neuron holds its input S as an integer Σ on the state grid 2^−s (24-bit, saturating),
reads the table index k = clip(Σ >> (s − g), −R·2^g, R·2^g − 1) and sends the graded spike
A = F[k] = round(f((k + ½)·2^−g)·2^F); its derivative table D[k] = round(f'((k + ½)·2^−g)·2^F)
is the third factor of on-chip learning. The grid (F, s, g, R) is a
`neurolocal.network.fixed_point.FixedPointFormat`; the formula is `grid_activation`, the same
the quantization-aware training uses, so trained and deployed activities agree.

API (stable):
    table = activation_table("tanh", LOIHI2_FORMAT)   # any GRADED_TRANSFERS name
    table.index(sigma)  -> k            (int64, from integer state Σ)
    table.f(sigma)      -> A = F[k]     (int64, units 2^−F)
    table.df(sigma)     -> D[k]         (int64, units 2^−F)
    table.values, table.derivatives     the tables, indexed k − table.low
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from neurolocal.network import get_transfer
from neurolocal.network.fixed_point import (
    GRADED_TRANSFERS,
    TARGET_FORMATS,
    FixedPointFormat,
    grid_activation,
    nearest_graded,
)

from .errors import MappingError

LOIHI2_FORMAT = TARGET_FORMATS["loihi2"]
STATE_MAX = 2 ** 23 - 1  # Σ saturates at ±(2^23 − 1)


@dataclass(frozen=True)
class ActivationTable:
    """f and f' of one transfer function on the grid of `format`."""

    transfer: str
    format: FixedPointFormat
    values: np.ndarray  # F[k − low], int64
    derivatives: np.ndarray  # D[k − low], int64

    @property
    def low(self) -> int:
        return -self.format.table_range * 2 ** self.format.table_frac

    @property
    def high(self) -> int:
        return -self.low - 1

    @property
    def shift(self) -> int:
        return self.format.state_frac - self.format.table_frac

    def index(self, sigma: np.ndarray) -> np.ndarray:
        """k from the integer state Σ (saturated to 24 bits first)."""
        sigma = np.clip(np.asarray(sigma, np.int64), -STATE_MAX, STATE_MAX)
        return np.clip(np.right_shift(sigma, self.shift), self.low, self.high)

    def f(self, sigma: np.ndarray) -> np.ndarray:
        return self.values[self.index(sigma) - self.low]

    def df(self, sigma: np.ndarray) -> np.ndarray:
        return self.derivatives[self.index(sigma) - self.low]


@lru_cache(maxsize=64)
def activation_table(transfer: str, fmt: FixedPointFormat = LOIHI2_FORMAT) -> ActivationTable:
    """The table of `transfer`; `MappingError` (naming the nearest supported one) if the chip
    cannot represent it."""
    name = get_transfer(transfer).name
    if name not in GRADED_TRANSFERS:
        raise MappingError(f"transfer function {transfer!r} cannot be represented by graded "
                           f"spike neurons; nearest supported: {nearest_graded(transfer)}")
    k = np.arange(-fmt.table_range * 2 ** fmt.table_frac, fmt.table_range * 2 ** fmt.table_frac)
    middle = (k + 0.5) / 2.0 ** fmt.table_frac
    values = grid_activation(name, k, fmt).astype(np.int64)
    derivatives = np.round(get_transfer(name).df(middle) * 2.0 ** fmt.activity_frac
                           ).astype(np.int64)
    for table in (values, derivatives):
        table.setflags(write=False)
    return ActivationTable(name, fmt, values, derivatives)
