"""The one fixed-point scheme of on-chip learning: units, shifts, epoch length, and Lava's
learning-engine arithmetic. The plan (`hw.learning.make_plan`), the emulator and the Lava
processes (`hw.lava_procs.processes`) all read it.

Units (integers per 1.0 of the float quantity), per projection h (pre layer h−1, post h):
- activity: a neuron's activity x is an integer, unsigned x ∈ [0, 127] (relu, logistic, the
  input) or signed x ∈ [−63, 63] (tanh, clip, linear) — `HiddenUnit`; A_h = x per 1.0 of O^h,
  A_0 = 127; relu/linear: x = S >> act_shift (A_h = U_h/2^act_shift), logistic: x = F[k(S)]
  of `hw.activation` (A_h = 2^7), tanh/clip: the same table on the grid 2^-6 (A_h = 2^6),
  U_h = 2^state_frac (the table's grid);
- the graded spike: every step of a sample's learning epoch carries the forward payload
  p = 2·x (signed), except the epoch's last step, the *trace step*, whose payload is
  2·(x + offset) (1 instead of 0), offset = 64 for signed units and 0 otherwise, so that
  Lava's OVERWRITE stores x1 = x + offset ∈ [0, 127] (Lava stores round(p/2) as uint8: a
  negative payload would wrap, and the engine clips x1 to [0, 127] at the spike) and the
  compiled rule reads the factor (x1 − offset) = x (`hw.rule_compiler`, factor constants are
  part of Loihi's sum-of-products: Davies et al. 2018). The trace step's forward value
  reaches the next layer one step later, in the next sample's epoch, whose first L steps
  settle anyway; every presynaptic neuron spikes at the trace step, so the engine's x0
  dependency is 1 for all and evaluates the traces as u0 does;
- weight: w_int = W·Wu_h (9-bit signed), summed input S_int = (Σ w_int·p)·2^weight_exp, so
  S^h has U_h = 2·Wu_h·A_{h−1}·2^weight_exp units;
- error: y2 = clip(B^h·E_h, −128, 127) (the third factor); the output error neurons compute
  E_L·(T − f(S^L/U_L)) from an integer table of f (no float at run time); a hidden layer's
  y2 = round(f'(S)·R·g / 2^(7 + RELAY_BITS + GAIN_BITS)), R = (C_int B_src)·2^cexp the
  backward pathway's output, R·g/2^GAIN_BITS in units E_h·2^RELAY_BITS (C_int·2^cexp ≈
  C·2^RELAY_BITS·E_h/E_src·2^GAIN_BITS/g; g = 2^GAIN_BITS unless C learns): C B is rounded
  once, with f', to nearest. (Relaying R in units E_h, as Lava's Dense shift floors it, biased
  every hidden error by −½ LSB and rounded twice: tanh RBP lost 4.8 points to the float
  model, and that bias alone was braking relu's runaway weight growth.)
E_h is chosen so that the compiled rule's main coefficient is exactly m·2^e (`hw.rule_compiler`).

Lava's fixed-point learning engine (`lava.magma.core.model.py.connection`,
`learning_rule_applier.LearningRuleApplierBitApprox`), reproduced by `apply_learning`:
accumulator = w << 7 (16-bit); per product: Π clip(factor + constant) · m, >> max(0, Σwidths +
4 − 15), << (e + 7), saturated at ±2^15; then w = floor(acc/128) + (r < frac(acc/128)) with one
random r per learning epoch for all synapses, from `np.random.default_rng(2)` (Lava's
ConnVarRandom ignores the rule's rng_seed), clipped to [−256, 255]. A product with dependency
u_k applies only in epochs n (1-based within a run) with n mod 2^k = 0 (Lava's decimation:
`decimated`). Traces decay with tau 65535 for t_epoch steps before use, stochastically rounded
with r from `default_rng(rng_seed)` (x) and `default_rng(rng_seed + 2)` (y), two draws per time
step (`decay_trace`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolocal.network import get_transfer

_clip = np.core.umath.clip  # the ufunc: np.clip's Python wrapper dominates on small arrays

TRACE_MAX = 127  # x1, y1..y3: 7-bit traces
SIGNED_MAX = 63  # a signed activity x ∈ [−63, 63] ...
TRACE_OFFSET = 64  # ... travels as x1 = x + 64 on the trace step
FACTOR_WIDTH = {"x1": 7, "x2": 7, "y1": 7, "y2": 7, "y3": 7, "w": 9}
MANTISSA_WIDTH = 4
ACCUMULATOR_BITS = 15
WEIGHT_SHIFT = 7  # accumulator = w << (16 − 9)
WEIGHT_MIN, WEIGHT_MAX = -256, 255
TRACE_TAU = 65535  # Lava fixes the y-trace taus at 2^16 − 1; x1 uses the same
CONN_RANDOM_SEED = 2  # ConnVarRandom() default seed in Lava 0.10
ERROR_UNIT = 64  # E_L: output error y2 per 1.0 of T − O; relu/linear layers' E before Wu moves
#: E of a layer computed by table, whose Wu is tied to the table's grid: y2 covers |B| ≤ ½
#: (measured: tanh SRBP 64-32-32-10 loses 6.5 points to the float model at E = 64, 1.3 at 256)
TABLE_ERROR_UNIT = 256
WEIGHT_HEADROOM_BITS = 2  # initial |w_int| ≤ 255 / 2^2: room for the weights to grow 4×
#: λ_h = 2 × the calibrated 99.9th percentile of O^h (relu, linear). Saturation (f' = 0 at the
#: ceiling) is what stops online relu learning from running away; with unbiased relays
#: (`RELAY_BITS`) 4× let it run (digits sign relu −3.2 points vs −2.2 at 2×, 5 seeds)
ACTIVITY_HEADROOM = 2.0
TABLE_RANGE = 12.0  # the output table covers |S^L| ≤ 12
TABLE_SIZE = 1024
DERIVATIVE_ONE = 128  # f' in units 2^-7 (the activity grid of `hw.activation`)
#: fraction bits a backward pathway's output keeps below a hidden layer's error unit: Lava's
#: Dense floors its output shift, so the relay carries E_h·2^6 per 1.0 of B (|R| ≤ 2^23 for
#: |B|·E_h < 2^17) and the error neuron rounds once, to nearest (`hidden_error`)
RELAY_BITS = 6
#: a hidden error neuron multiplies the relay by g/2^8 (default 1): a learned backward
#: synapse's unit Cu is chosen so that its rule is exact, and g brings its output back to
#: E_h·2^RELAY_BITS (within 2^-8: g ∈ (2^7, 2^8]; `hw.learning`)
GAIN_BITS = 8


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


def input_activity(x: np.ndarray) -> np.ndarray:
    """x_0 = round(127·x) for pixels x ∈ [0, 1]."""
    return np.round(np.asarray(x, np.float64) * TRACE_MAX).astype(np.int64)


def forward_payload(activity: np.ndarray) -> np.ndarray:
    """The graded spike of every step but the trace step: p = 2·x."""
    return 2 * np.asarray(activity, np.int64)


def trace_payload(activity: np.ndarray, offset: int = 0) -> np.ndarray:
    """The graded spike of the epoch's last step: p = 2·(x + offset), 1 instead of 0 (so that
    every presynaptic neuron spikes and x1 = round(p/2) = x + offset is overwritten)."""
    p = 2 * (np.asarray(activity, np.int64) + offset)
    return np.where(p == 0, 1, p)


def error_trace_payload(error: np.ndarray) -> np.ndarray:
    """An error neuron's output on the trace step: its y2 as the signed presynaptic activity of
    a learned backward synapse (ARBP), clipped to ±63: p = 2·(clip(e, ±63) + 64)."""
    return trace_payload(_clip(error, -SIGNED_MAX, SIGNED_MAX), TRACE_OFFSET)


def is_trace_step(time_step: int, steps: int) -> bool:
    """Lava's time steps count from 1; the learning epoch ends where time_step % steps == 0."""
    return time_step % steps == 0


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


@dataclass(frozen=True)
class HiddenUnit:
    """How a hidden layer turns its integer S into the activity x and f'(S) in units 2^-7.
    By a shift (relu, and linear when `signed`): x = clip(S >> act_shift, low, high), f' = 1
    strictly inside the range (the derivative of the unit as computed: 0 at the ceiling);
    by tables (`hw.activation`): x = clip(F[k(S)], low, high), f' = D[k(S)] from `slope`
    (units 2^-7; the f table of a signed unit is on the grid 2^-6)."""

    act_shift: int = 0
    table: Any = None  # hw.activation.ActivationTable of f
    slope: Any = None  # the table whose derivatives give f' in units 2^-7 (default: table)
    signed: bool = False
    gain: int = 2 ** GAIN_BITS  # the relay's gain g (units 2^-GAIN_BITS)

    @property
    def low(self) -> int:
        return -SIGNED_MAX if self.signed else 0

    @property
    def high(self) -> int:
        return SIGNED_MAX if self.signed else TRACE_MAX

    @property
    def offset(self) -> int:
        """x1 = x + offset on the trace step; the rule reads (x1 − offset)."""
        return TRACE_OFFSET if self.signed else 0

    def activity(self, s: np.ndarray) -> np.ndarray:
        raw = np.right_shift(s, self.act_shift) if self.table is None else self.table.f(s)
        return _clip(raw, self.low, self.high)

    def derivative(self, s: np.ndarray) -> np.ndarray:
        if self.table is not None:
            return (self.slope or self.table).df(s)
        x = np.right_shift(s, self.act_shift)
        above = x > self.low if self.signed else s > 0
        return DERIVATIVE_ONE * (above & (x < self.high))


def hidden_error(s: np.ndarray, relayed: np.ndarray, unit: HiddenUnit) -> np.ndarray:
    """y2 of a hidden layer: f'(S)·R·g, R·g = C B in units E_h·2^(RELAY_BITS + GAIN_BITS) and
    f' in units 2^-7, rounded to nearest (half up) in units E_h, clipped to 8 bits."""
    bits = 7 + RELAY_BITS + GAIN_BITS
    product = unit.derivative(s) * relayed * unit.gain + (1 << (bits - 1))
    return _clip(np.right_shift(product, bits), -TRACE_MAX - 1, TRACE_MAX)


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
    constants: tuple[int, ...] = ()  # added to each factor before it is clipped (0: none)
    decimation: int = 0  # k of the dependency u_k: the product applies every 2^k-th epoch


_ACC_MIN, _ACC_MAX = -(2 ** ACCUMULATOR_BITS) - 1, 2 ** ACCUMULATOR_BITS - 1


@functools.cache
def _product_plan(term: Term) -> tuple[tuple[tuple[str, int, int, int], ...], int, int]:
    """((factor, constant, low, high) per factor, right shift, left shift) of a term."""
    constants = term.constants or (0,) * len(term.factors)
    clips = tuple((name, constant, -(2 ** FACTOR_WIDTH[name]), 2 ** FACTOR_WIDTH[name] - 1)
                  for name, constant in zip(term.factors, constants))
    return clips, product_shift(term.factors), term.exponent + WEIGHT_SHIFT


def product(term: Term, factors: dict[str, np.ndarray]) -> np.ndarray:
    """One product in accumulator units (int64), as Lava's bit-approximate applier (which
    multiplies full matrices in int32; here the factors broadcast, with the same integers:
    exact, so the order of the multiplications does not matter)."""
    clips, right, left = _product_plan(term)
    result = np.int64(term.mantissa)
    for name, constant, low, high in clips:
        value = factors[name] + constant if constant else factors[name]
        result = result * _clip(value, low, high)
    result = np.asarray(result)  # 0-d for a term without factors; otherwise our own array
    np.right_shift(result, right, out=result)
    np.left_shift(result, left, out=result)
    return _clip(result, _ACC_MIN, _ACC_MAX, out=result)


def decimated(term: Term, epoch: int) -> bool:
    """Whether a u_k product is skipped in learning epoch `epoch` (1-based within a run; Lava:
    u = 1 iff int(time_step / t_epoch) mod 2^k = 0)."""
    return epoch % 2 ** term.decimation != 0


def apply_learning(w: np.ndarray, terms: tuple[Term, ...], factors: dict[str, np.ndarray],
                   random: float | None, epoch: int = 1) -> np.ndarray:
    """The weights after learning epoch `epoch`; `random` None rounds to nearest instead of
    Lava's stochastic rounding, w = floor(acc/128) + (r < frac(acc/128)), computed here as
    (acc >> 7) + (acc mod 128 > 128·r) (the same comparison, exact in floating point)."""
    acc = np.left_shift(w.astype(np.int64), WEIGHT_SHIFT)
    for term in terms:
        if decimated(term, epoch):
            continue
        acc += product(term, factors)
        _clip(acc, _ACC_MIN, _ACC_MAX, out=acc)
    fraction = acc & (2 ** WEIGHT_SHIFT - 1)
    threshold = 2 ** (WEIGHT_SHIFT - 1) - 0.5 if random is None else random * 2 ** WEIGHT_SHIFT
    np.right_shift(acc, WEIGHT_SHIFT, out=acc)
    acc += fraction > threshold
    return _clip(acc, WEIGHT_MIN, WEIGHT_MAX, out=acc)


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
