"""The one fixed-point scheme of on-chip learning: units, shifts, epoch length, and Lava's
learning-engine arithmetic. The plan (`hw.learning.make_plan`), the emulator and the Lava
processes (`hw.lava_procs.processes`) all read it.

Units (integers per 1.0 of the float quantity), per projection h (pre layer h−1, post h):
- activity: a graded spike carries p = 2·x, x = clip(S^h >> act_shift_h, 0, 127) the 7-bit
  presynaptic trace x1 (Lava: x1 = p/2 on OVERWRITE); A_h = x per 1.0 of O^h, A_0 = 127;
- weight: w_int = W·Wu_h (9-bit signed), summed input S_int = Σ w_int·p·2^weight_exp, so
  S^h has U_h = 2·Wu_h·A_{h−1}·2^weight_exp units; hidden A_h = U_h / 2^act_shift_h;
- error: y2 = clip(B^h·E_h, −128, 127) (the third factor); the output error neurons compute
  E_L·(T − f(S^L/U_L)) from an integer table of f (no float at run time); a hidden layer's
  E_h = Cu·E_src·2^cexp through its backward matrix C_int = C·Cu.
Wu_h is chosen so that the compiled rule's main coefficient is exactly m·2^e (`hw.rule_compiler`).

Lava's fixed-point learning engine (`lava.magma.core.model.py.connection`,
`learning_rule_applier.LearningRuleApplierBitApprox`), reproduced by `apply_learning`:
accumulator = w << 7 (16-bit); per product: Π clip(factor) · m, >> max(0, Σwidths + 4 − 15),
<< (e + 7), saturated at ±2^15; then w = floor(acc/128) + (r < frac(acc/128)) with one random
r per learning epoch for all synapses, from `np.random.default_rng(2)` (Lava's ConnVarRandom
ignores the rule's rng_seed), clipped to [−256, 255]. Traces decay with tau 65535 for
t_epoch steps before use, stochastically rounded with r from `default_rng(rng_seed)` (x) and
`default_rng(rng_seed + 2)` (y), two draws per time step (`decay_trace`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurolocal.network import get_transfer

_clip = np.core.umath.clip  # the ufunc: np.clip's Python wrapper dominates on small arrays

TRACE_MAX = 127  # x1, y1..y3: 7-bit traces
PAYLOAD_MAX = 2 * TRACE_MAX
FACTOR_WIDTH = {"x1": 7, "x2": 7, "y1": 7, "y2": 7, "y3": 7, "w": 9}
MANTISSA_WIDTH = 4
ACCUMULATOR_BITS = 15
WEIGHT_SHIFT = 7  # accumulator = w << (16 − 9)
WEIGHT_MIN, WEIGHT_MAX = -256, 255
TRACE_TAU = 65535  # Lava fixes the y-trace taus at 2^16 − 1; x1 uses the same
CONN_RANDOM_SEED = 2  # ConnVarRandom() default seed in Lava 0.10
ERROR_UNIT = 64  # E_L: output error y2 per 1.0 of T − O
WEIGHT_HEADROOM_BITS = 3  # initial |w_int| ≤ 255 / 2^3: room for the weights to grow 8×
ACTIVITY_HEADROOM = 4.0  # λ_h = 4 × the calibrated 99.9th percentile of O^h
TABLE_RANGE = 12.0  # the output table covers |S^L| ≤ 12
TABLE_SIZE = 1024


def epoch_steps(depth: int, hops: int) -> int:
    """Steps per sample: the forward pass (one synaptic delay per projection), the error
    through `hops` backward projections (two delays each: Dense and relay), and 2 to spare."""
    return depth + 2 * hops + 2


def shift(values: np.ndarray, exp: int) -> np.ndarray:
    """Lava's Dense output shift: << exp or >> −exp (arithmetic)."""
    return np.left_shift(values, exp) if exp > 0 else np.right_shift(values, -exp)


def product_shift(factors: tuple[str, ...]) -> int:
    """Bits the engine drops after multiplying `factors` and the 4-bit mantissa."""
    return max(0, sum(FACTOR_WIDTH[f] for f in factors) + MANTISSA_WIDTH - ACCUMULATOR_BITS)


def hidden_payload(s: np.ndarray, act_shift: int) -> np.ndarray:
    """p = 2·clip(S >> act_shift, 0, 127), 1 instead of 0 (so x1 is overwritten every step)."""
    p = 2 * _clip(np.right_shift(s, act_shift), 0, TRACE_MAX)
    return np.where(p == 0, 1, p)


def input_payload(x: np.ndarray) -> np.ndarray:
    p = 2 * np.round(np.asarray(x, np.float64) * TRACE_MAX).astype(np.int64)
    return np.where(p == 0, 1, p)


def trace_of(payload: np.ndarray) -> np.ndarray:
    """x1 = round(p/2), half to even, as Lava's OVERWRITE graded-spike configuration stores
    it (np.round(p/2)), in integers: (p + ((p >> 1) & 1)) >> 1."""
    payload = np.asarray(payload, dtype=np.int64)
    return (payload + ((payload >> 1) & 1)) >> 1


@dataclass(frozen=True)
class OutputTable:
    """Integer table of E_L·f(S/U_L): index = clip((S_int >> shift) + offset, 0, size − 1)."""

    values: np.ndarray  # int32
    shift: int
    offset: int

    @classmethod
    def build(cls, transfer: str, s_unit: float, err_unit: float) -> OutputTable:
        span = TABLE_RANGE * s_unit
        step_bits = max(0, int(np.ceil(np.log2(2 * span / TABLE_SIZE))))
        offset = TABLE_SIZE // 2
        centres = ((np.arange(TABLE_SIZE) - offset) * 2.0 ** step_bits
                   + (2.0 ** step_bits - 1) / 2) / s_unit
        values = np.round(get_transfer(transfer)(centres) * err_unit).astype(np.int32)
        return cls(values, step_bits, offset)

    def __call__(self, s: np.ndarray) -> np.ndarray:
        index = _clip(np.right_shift(s, self.shift) + self.offset, 0, len(self.values) - 1)
        return self.values[index].astype(np.int64)


def output_error(table: OutputTable, s: np.ndarray, target_int: np.ndarray) -> np.ndarray:
    """y2 of the output error neurons: clip(T_int − table(S), −128, 127), integers only."""
    return _clip(target_int - table(s), -TRACE_MAX - 1, TRACE_MAX)


def trace(values: np.ndarray) -> np.ndarray:
    """A value a neuron writes into a y trace: clipped to the 8-bit signed trace range."""
    return _clip(values, -TRACE_MAX - 1, TRACE_MAX)


def hidden_error(s: np.ndarray, relayed: np.ndarray, act_shift: int) -> np.ndarray:
    """y2 of a relu hidden layer: f'(S)·(C B), clipped to 8 bits, with f' the derivative of
    the unit as the chip computes it: 1 where 0 < S and the payload is below its ceiling
    (S >> act_shift < 127), 0 where the unit is silent or saturated."""
    active = (s > 0) & (np.right_shift(s, act_shift) < TRACE_MAX)
    return _clip(active * relayed, -TRACE_MAX - 1, TRACE_MAX)


# ----- Lava's learning engine --------------------------------------------------------------
_DECAY = np.exp(-1 / np.array([[TRACE_TAU]]))  # Lava: np.exp(-t / taus), t = 1
#: |trace| ≤ 128 moves only when r is within 128·(1 − decay) of 0 or 1 (see `decay_trace`)
_DECAY_SAFE = 2 * 128 * (1 - float(_DECAY[0, 0]))


def decay_trace(values: np.ndarray, steps: int, random: float) -> np.ndarray:
    """A trace decayed `steps` times by exp(−1/TRACE_TAU), each stochastically rounded with
    the same random number (Lava's `_decay_trace` over one epoch history). A trace v > 0
    loses 1 when r ≥ frac(v·decay) ≈ 1 − v(1 − decay), v < 0 gains 1 when r < |v|(1 − decay):
    for r away from 0 and 1 nothing moves, which skips the loop."""
    if _DECAY_SAFE < random < 1 - _DECAY_SAFE:  # traces are written within ±128 (`trace`)
        return values
    values = np.asarray(values, dtype=np.int64)
    for _ in range(steps):
        scaled = _DECAY * values
        values = (np.floor(scaled) + (random < scaled % 1)).astype(np.int64).reshape(
            values.shape)
    return values


@dataclass(frozen=True)
class Term:
    """One compiled product m·2^e·Π factors (the fields `apply_learning` reads)."""

    mantissa: int
    exponent: int
    factors: tuple[str, ...]


_ACC_MIN, _ACC_MAX = -(2 ** ACCUMULATOR_BITS) - 1, 2 ** ACCUMULATOR_BITS - 1


def product(term: Term, factors: dict[str, np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """One product in accumulator units (int64), as Lava's bit-approximate applier (which
    multiplies full matrices in int32; the factors here broadcast, with the same integers)."""
    result = np.int64(term.mantissa)
    for name in term.factors:
        width = FACTOR_WIDTH[name]
        result = result * _clip(factors[name], -(2 ** width), 2 ** width - 1)
    result = np.broadcast_to(np.right_shift(result, product_shift(term.factors)), shape)
    return _clip(np.left_shift(result, term.exponent + WEIGHT_SHIFT), _ACC_MIN, _ACC_MAX)


def apply_learning(w: np.ndarray, terms: tuple[Term, ...], factors: dict[str, np.ndarray],
                   random: float | None) -> np.ndarray:
    """The weights after one learning epoch; `random` None rounds to nearest instead of
    Lava's stochastic rounding (w = floor(acc/128) + (r < frac(acc/128)))."""
    acc = np.left_shift(w.astype(np.int64), WEIGHT_SHIFT)
    for term in terms:
        acc = _clip(acc + product(term, factors, w.shape), _ACC_MIN, _ACC_MAX)
    fraction = (acc & (2 ** WEIGHT_SHIFT - 1)) / 2 ** WEIGHT_SHIFT
    new = np.right_shift(acc, WEIGHT_SHIFT) + ((fraction >= 0.5) if random is None
                                               else (random < fraction))
    return _clip(new, WEIGHT_MIN, WEIGHT_MAX)


@dataclass(frozen=True)
class RandomStreams:
    """Lava's random numbers for `samples` learning epochs of `steps` steps (one Lava run)."""

    conn: np.ndarray  # stochastic rounding of the weights, per epoch
    x_decay: np.ndarray  # x-trace decay, per epoch
    y_decay: np.ndarray

    @classmethod
    def lava(cls, seed: int, samples: int, steps: int) -> RandomStreams:
        conn = np.random.default_rng(CONN_RANDOM_SEED).random(samples + 1)[1:]
        draws = 2 * samples * steps + 1
        picks = 2 * steps * np.arange(1, samples + 1)
        x = np.random.default_rng(seed).random(draws)[picks]
        y = np.random.default_rng(seed + 2).random(draws)[picks]
        return cls(conn, x, y)
