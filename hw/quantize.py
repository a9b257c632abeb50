"""Fixed-point formats of a Loihi-style core and the error of quantizing into them.

Formats (see `ChipProfile`): a weight is an 8-bit signed mantissa m times 2^e with one shared
exponent e per projection (Lava stores 2m, an even number in [−256, 254], and shifts the summed
input by e); decay constants du, dv are 12-bit integers (decay factor (4096 − du')/4096); the
threshold vth is a 17-bit integer compared with v after a left shift by 6; a bias is a 13-bit
signed mantissa times 2^bias_exp (bias_exp 0..7); u and v are 24-bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neurolocal.network.fixed_point import bias_mantissas, weight_mantissas

from .errors import MappingError
from .profiles import ChipProfile

DECAY_UNITY = 4096  # 2^12: a 12-bit decay constant of 4096 removes the whole state per step


@dataclass(frozen=True)
class QuantizedWeights:
    """Weights w ≈ `stored` · 2^`exp` / `scale`, with `stored` = 2m the integers Lava holds."""

    stored: np.ndarray  # int32, even, in [−256, 254]
    exp: int
    scale: float  # how many integer units represent 1.0
    relative_error: float  # ‖ŵ − w‖_F / ‖w‖_F
    max_abs_error: float
    clipped: int  # entries beyond the mantissa range


def quantize_weights(w: np.ndarray, scale: float, profile: ChipProfile) -> QuantizedWeights:
    """Quantize w (n_post, n_pre) so that w·scale ≈ 2m·2^e, choosing the smallest exponent e in
    the profile's range for which the largest |w|·scale fits the 8-bit mantissa."""
    w = np.asarray(w, dtype=np.float64)
    stored, exp, clipped = weight_mantissas(w * scale, profile.weight_bits,
                                            profile.weight_exp_range)
    approx = stored * 2.0 ** exp / scale
    norm = float(np.linalg.norm(w)) or 1.0
    return QuantizedWeights(stored, int(exp), float(scale),
                            float(np.linalg.norm(approx - w) / norm),
                            float(np.abs(approx - w).max()) if w.size else 0.0,
                            clipped)


@dataclass(frozen=True)
class QuantizedBias:
    """Per-neuron bias b·scale ≈ mant · 2^exp (Lava's bias_mant, bias_exp)."""

    mant: np.ndarray  # int32
    exp: np.ndarray  # int32
    relative_error: float
    clipped: int

    @property
    def effective(self) -> np.ndarray:
        return np.left_shift(self.mant.astype(np.int64), self.exp)


def quantize_bias(b: np.ndarray, scale: float, profile: ChipProfile) -> QuantizedBias:
    """Quantize each b_i·scale to a `bias_mantissa_bits` signed mantissa with the smallest
    exponent in `bias_exp_range` that holds it."""
    target = np.asarray(b, dtype=np.float64) * scale
    mant, exp, clipped = bias_mantissas(target, profile.bias_mantissa_bits,
                                        profile.bias_exp_range)
    approx = mant * 2.0 ** exp
    norm = float(np.linalg.norm(target)) or 1.0
    return QuantizedBias(mant, exp, float(np.linalg.norm(approx - target) / norm), clipped)


def quantize_decay(decay: float, offset: int = 0) -> int:
    """A decay rate in [0, 1] (fraction of the state lost per step) as Lava's 12-bit du or dv;
    Lava adds `offset` (1 for du, 0 for dv) before use, so the effective factor is
    (4096 − (d + offset))/4096."""
    if not 0.0 <= decay <= 1.0:
        raise MappingError(f"decay rate {decay} is outside [0, 1]")
    return int(np.clip(round(decay * DECAY_UNITY) - offset, 0, DECAY_UNITY - 1))


def threshold_for(weights: np.ndarray, bias: np.ndarray, profile: ChipProfile) -> int:
    """The largest threshold vth (units of one normalized activation) whose worst-case input
    current still fits the signed state width: max_i(Σ_j |w_ij| + |b_i|)·vth·2^shift < 2^(bits−1).
    """
    state_max = 2 ** (profile.state_bits - 1) - 1
    drive = float(np.max(np.abs(weights).sum(axis=1) + np.abs(bias), initial=0.0)) + 1.0
    vth = min(2 ** profile.threshold_bits - 1,
              int(state_max // (drive * 2 ** profile.threshold_shift)))
    if vth < 16:
        raise MappingError(f"the input drive of a layer ({drive:.3g} thresholds per step) leaves "
                           f"a threshold of {vth} < 16 in the {profile.state_bits}-bit state: "
                           "exceeds the state range; rescale the weights")
    return vth


def quantization_error(weights: QuantizedWeights, bias: QuantizedBias) -> dict[str, Any]:
    """The error quantizing one projection's weights and biases introduced (relative and
    largest absolute weight error, clipped counts): the common part of every conversion's
    quantization report."""
    return {"weight_relative_error": weights.relative_error,
            "weight_max_abs_error": weights.max_abs_error, "weights_clipped": weights.clipped,
            "bias_relative_error": bias.relative_error, "biases_clipped": bias.clipped}
