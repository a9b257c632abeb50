"""Fixed-point formats of graded-spike chips (plain data) and the quantization-aware forward
pass that trains for them (`neurolocal train --target loihi2`). `hw` builds its integer tables
and conversions from these definitions; neurolocal never imports `hw`.

A target computes hidden layer h in integers (hw.activation, hw.graded), with activity fraction
bits F, state fraction bits s and table fraction bits g of `FixedPointFormat`:

    A_0 = round(x·2^F)                          input activity, x ∈ [0, 1]
    W_ij ≈ 2m_ij·2^e / 2^(s−F)                  m: signed mantissa, one exponent e per projection
    Σ_i = floor(Σ_j 2m_ij A_j·2^e) + B_i         B_i = mant_i·2^exp_i ≈ b_i·2^s  (state grid 2^−s)
    k_i = clip(floor(Σ_i / 2^(s−g)), −R·2^g, R·2^g − 1)      table index (grid 2^−g, range ±R)
    A_i = round(f((k_i + ½)·2^−g)·2^F)          the activity sent as a graded spike (grid 2^−F)

i.e. f is evaluated at the midpoint of the grid bin holding S and rounded to the activity grid:
`grid_activation`. The output layer has no neurons: its Σ is the decoded S^L. The float model
of the same arithmetic (weights, biases and activities on their grids, exact float sums) is
`quantize_weights` + `grid_activation`; `Quantizer` packages it as a training hook whose
backward pass is the straight-through estimator (f' of the float transfer function).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .description import Network
from .transfer import Transfer, get_transfer

#: hidden transfer functions a graded-spike target computes from a table (any f would do; these
#: are the ones the library trains). Homogeneous ones (relu, linear) may be rescaled per layer.
GRADED_TRANSFERS = ("tanh", "logistic", "clip", "relu", "linear")
HOMOGENEOUS = ("relu", "linear")


@dataclass(frozen=True)
class FixedPointFormat:
    """The number formats of a graded-spike target (Lava 0.10's Dense and Loihi 2 formats)."""

    name: str
    weight_bits: int = 9  # Lava stores 2m: 8-bit signed mantissa m, shared exponent
    weight_exp_range: tuple[int, int] = (-8, 7)
    bias_mantissa_bits: int = 13
    bias_exp_range: tuple[int, int] = (0, 7)
    activity_frac: int = 7  # F: activity grid 2^−F (input pixels and graded spikes)
    state_frac: int = 12  # s: state grid 2^−s of Σ (24-bit state: |S| < 2^(23−s))
    table_frac: int = 6  # g: table grid 2^−g of S
    table_range: int = 8  # R: S clipped to [−R, R) before the table
    state_bits: int = 24

    @property
    def weight_scale(self) -> float:
        """Integer weight units per unit of w·a (so Σ lands on the state grid)."""
        return 2.0 ** (self.state_frac - self.activity_frac)


#: Targets one can train for; hw's profile of the same name holds the matching numbers (test).
TARGET_FORMATS: dict[str, FixedPointFormat] = {"loihi2": FixedPointFormat("loihi2")}


def target_format(name: str) -> FixedPointFormat:
    if name not in TARGET_FORMATS:
        raise ValueError(f"unknown training target {name!r}; known: {', '.join(TARGET_FORMATS)}"
                         " (loihi1 has binary spikes only: train relu units and deploy with "
                         "rate-coded neurons)")
    return TARGET_FORMATS[name]


def weight_mantissas(target: np.ndarray, bits: int, exp_range: tuple[int, int]
                     ) -> tuple[np.ndarray, int, int]:
    """target ≈ 2m·2^e with one exponent e (the smallest in `exp_range` for which the largest
    |target| fits the (bits−1)-bit signed mantissa m): returns (2m as int32, e, clipped)."""
    target = np.asarray(target, dtype=np.float64)
    mantissa_max = 2 ** (bits - 2) - 1
    largest = np.abs(target).max() if target.size else 0.0
    exp, high = exp_range
    while exp < high and largest / 2.0 ** (exp + 1) > mantissa_max + 0.5:
        exp += 1
    raw = np.round(target / 2.0 ** (exp + 1))
    mantissa = np.clip(raw, -mantissa_max - 1, mantissa_max)
    return (2 * mantissa).astype(np.int32), int(exp), int(np.count_nonzero(raw != mantissa))


def bias_mantissas(target: np.ndarray, bits: int, exp_range: tuple[int, int]
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """target_i ≈ mant_i·2^exp_i, each with the smallest exponent in `exp_range` holding it in a
    `bits`-bit signed mantissa: returns (mant, exp, clipped)."""
    target = np.asarray(target, dtype=np.float64)
    mant_max = 2 ** (bits - 1) - 1
    limit = np.where(target < 0, mant_max + 1, mant_max) + 0.5  # two's complement range
    need = np.ceil(np.log2(np.maximum(np.abs(target), 1e-300) / limit))
    exp = np.clip(need, *exp_range).astype(np.int32)
    raw = np.round(target / 2.0 ** exp)
    mant = np.clip(raw, -mant_max - 1, mant_max).astype(np.int32)
    return mant, exp, int(np.count_nonzero(raw != mant))


def quantize_weights(w: np.ndarray, b: np.ndarray, fmt: FixedPointFormat
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The values (W, b) take on the target (float64): what its integers stand for."""
    stored, exp, _ = weight_mantissas(np.asarray(w, np.float64) * fmt.weight_scale,
                                      fmt.weight_bits, fmt.weight_exp_range)
    mant, bexp, _ = bias_mantissas(np.asarray(b, np.float64) * 2.0 ** fmt.state_frac,
                                   fmt.bias_mantissa_bits, fmt.bias_exp_range)
    return (stored * 2.0 ** exp / fmt.weight_scale,
            mant * 2.0 ** bexp / 2.0 ** fmt.state_frac)


def quantize_input(x: np.ndarray, fmt: FixedPointFormat) -> np.ndarray:
    """x ∈ [0, 1] on the activity grid: round(x·2^F)/2^F."""
    return np.round(np.asarray(x) * 2.0 ** fmt.activity_frac) / 2.0 ** fmt.activity_frac


def table_index(s: np.ndarray, fmt: FixedPointFormat) -> np.ndarray:
    """k = clip(floor(S·2^g), −R·2^g, R·2^g − 1), the table index of S (float input)."""
    size = fmt.table_range * 2 ** fmt.table_frac
    return np.clip(np.floor(np.asarray(s, np.float64) * 2.0 ** fmt.table_frac), -size, size - 1)


def grid_activation(transfer: str | Transfer, index: np.ndarray, fmt: FixedPointFormat
                    ) -> np.ndarray:
    """A = round(f((k + ½)·2^−g)·2^F): the integer activity of table index k."""
    f = get_transfer(transfer)
    middle = (np.asarray(index, np.float64) + 0.5) / 2.0 ** fmt.table_frac
    return np.round(f(middle) * 2.0 ** fmt.activity_frac)


def check_graded_transfer(name: str, where: str) -> None:
    """Raise ValueError naming the nearest supported transfer when `name` has no table."""
    if get_transfer(name).name not in GRADED_TRANSFERS:
        raise ValueError(f"{where} uses transfer function {name!r}, which a graded-spike target "
                         "cannot represent (its derivative is zero: it cannot be trained for "
                         f"the target); nearest supported: {nearest_graded(name)}")


def nearest_graded(name: str) -> str:
    """The supported transfer function closest to `name` (same range)."""
    transfer = get_transfer(name)
    return "logistic" if transfer.low == 0.0 and transfer.high == 1.0 else "tanh"


class Quantizer:
    """Quantization-aware training hook for `DeepSimulator(quantizer=...)`: the forward pass
    sees weights, inputs and hidden activities on the target's grids; the backward pass is the
    straight-through estimator (the float transfer function's f' at the unquantized S, zero
    where the table clips S).
    Hidden transfer functions must be in `GRADED_TRANSFERS`; no per-layer rescaling is used
    (deploy converts a model trained for a target with scale 1 everywhere)."""

    def __init__(self, fmt: FixedPointFormat | str):
        self.format = target_format(fmt) if isinstance(fmt, str) else fmt

    def weights(self, weights: list[tuple[np.ndarray, np.ndarray]]
                ) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for w, b in weights:
            wq, bq = quantize_weights(w, b, self.format)
            out.append((wq.astype(w.dtype), bq.astype(b.dtype)))
        return out

    def inputs(self, x: np.ndarray) -> np.ndarray:
        return quantize_input(x, self.format).astype(np.asarray(x).dtype)

    def transfer(self, name: str) -> Transfer:
        """f on the grid (forward); backward the float f' (straight-through estimator), zero
        outside the table's range [−R, R) where the activity is clipped."""
        base = get_transfer(name)
        fmt = self.format

        def f(s: np.ndarray) -> np.ndarray:
            a = grid_activation(base, table_index(s, fmt), fmt) / 2.0 ** fmt.activity_frac
            return a.astype(np.asarray(s).dtype)

        def df(s: np.ndarray) -> np.ndarray:  # f' inside the table's range, 0 where clipped
            return base.df(s) * (np.abs(s) < fmt.table_range)

        return Transfer(f"{base.name}@{fmt.name}", f, df, base.low, base.high)

    def network(self, network: Network) -> Network:
        """The network whose hidden populations compute the target's grid activation."""
        for population in network.populations[1:-1]:
            check_graded_transfer(population.transfer, f"hidden population {population.name!r}")
        populations = [network.populations[0]] + [
            replace(p, transfer=self.transfer(p.transfer)) for p in network.populations[1:-1]
        ] + [network.populations[-1]]
        return Network(tuple(populations), network.projections, network.channel)

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.format.name}
