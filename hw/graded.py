"""A trained rate network converted to graded-spike activation neurons (Loihi 2).

In the spirit of Lava's sigma-delta networks (`lava.proc.sdn`, lava-dl SDNN) and of Loihi 2's
programmable neurons with graded spikes: hidden unit i integrates its input in fixed point,
Σ_i = (Σ_j W_ij A_j) + B_i on the state grid 2^−s, and sends a signed graded spike carrying its
integer activity A_i = F[k(Σ_i)] from the table of its transfer function (`hw.activation`), so
tanh, logistic, clip, relu and linear units are all computed as the float model computes them,
up to the grids of `FixedPointFormat` (no rate coding: one step per sample suffices; the
activity is sent every step, as a sigma-delta neuron with a zero threshold would after its
first step). The input is graded too (A_0 = round(x·2^F)). The output layer has no neurons:
its Σ over the window is decoded (argmax).

Homogeneous units (relu, linear) of a model trained without a target are rescaled per layer
by λ_k = p_k/(R/2), p_k a high percentile of |a_k| on calibration data (data-based
normalization), so their activities use the table's range ±R with headroom 2 for outliers;
bounded units (tanh, logistic, clip) and every layer of a model trained for the target
(`neurolocal train --target`) keep λ = 1. The output layer's λ_L ≥ 1 is the smallest that fits
its weights and biases into the chip's mantissa and exponent ranges (argmax is invariant to it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from neurolocal.network import get_transfer
from neurolocal.network.fixed_point import HOMOGENEOUS, FixedPointFormat

from .activation import LOIHI2_FORMAT, ActivationTable, activation_table
from .errors import MappingError
from .profiles import ChipProfile
from .quantize import (
    QuantizedBias,
    QuantizedWeights,
    quantization_error,
    quantize_bias,
    quantize_weights,
)
from .spiking import activity_percentile, float_activations


@dataclass(frozen=True)
class GradedLayer:
    """One projection and its target neurons (None: the output layer), float and fixed point."""

    weights: np.ndarray  # W'_k = W_k λ_{k−1}/λ_k (n_post, n_pre)
    bias: np.ndarray  # b'_k = b_k/λ_k
    normalization: float  # λ_k
    fixed_weights: QuantizedWeights  # W'·2^(s−F) ≈ stored·2^exp
    fixed_bias: QuantizedBias  # b'·2^s ≈ mant·2^exp
    table: ActivationTable | None  # None: output layer

    @property
    def shape(self) -> tuple[int, int]:
        return self.weights.shape

    @property
    def is_output(self) -> bool:
        return self.table is None

    @property
    def weight_exp(self) -> int:
        return self.fixed_weights.exp


@dataclass(frozen=True)
class GradedNetwork:
    """The converted network: layers, the number format and the presentation window."""

    layers: tuple[GradedLayer, ...]
    format: FixedPointFormat
    steps: int
    transfers: tuple[str, ...]
    neuron: ClassVar[str] = "graded"
    encoding: ClassVar[str] = "graded"

    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].shape[1]] + [layer.shape[0] for layer in self.layers]

    def encode(self, x: np.ndarray, fixed: bool) -> np.ndarray:
        """Input of every step, shape (steps, B, n_in): A_0 = round(x·2^F) (fixed) or x."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise MappingError(f"inputs must have shape (B, {self.sizes[0]}), not {x.shape}")
        if x.size and (x.min() < 0.0 or x.max() > 1.0):
            raise MappingError("inputs must lie in [0, 1] to be encoded as graded spikes")
        values = np.round(x * 2 ** self.format.activity_frac).astype(np.int32) if fixed else x
        return np.broadcast_to(values, (self.steps,) + x.shape)

    def decode(self, summed_input: np.ndarray, fixed: bool) -> np.ndarray:
        """S^L from the output layer's input summed over the window (B, n_out)."""
        out = self.layers[-1]
        if fixed:
            sigma = summed_input / self.steps + out.fixed_bias.effective
            return sigma / 2.0 ** self.format.state_frac * out.normalization
        return (summed_input / self.steps + out.bias) * out.normalization

    def quantization_report(self) -> list[dict[str, Any]]:
        """Per projection: shared exponent, activation table and quantization error."""
        return [{"projection": k + 1, "shape": list(layer.shape), "weight_exp": layer.weight_exp,
                 "activation": None if layer.table is None else layer.table.transfer,
                 "normalization": layer.normalization,
                 **quantization_error(layer.fixed_weights, layer.fixed_bias)}
                for k, layer in enumerate(self.layers)]


def format_for(profile: ChipProfile) -> FixedPointFormat:
    """The graded-neuron number format of `profile` (its weight and bias formats on the
    Loihi 2 activity grid)."""
    return replace(LOIHI2_FORMAT, name=profile.name, weight_bits=profile.weight_bits,
                   weight_exp_range=tuple(profile.weight_exp_range),
                   bias_mantissa_bits=profile.bias_mantissa_bits,
                   bias_exp_range=tuple(profile.bias_exp_range), state_bits=profile.state_bits)


def output_scale(layer: tuple[np.ndarray, np.ndarray], pre_scale: float, profile: ChipProfile,
                 fmt: FixedPointFormat) -> float:
    """λ_L ≥ 1 for the output layer (argmax is invariant to it): the smallest that brings its
    largest weight W_L·λ_{L−1}/λ_L and bias b_L/λ_L within the largest mantissa × exponent."""
    largest_weight = (2 ** (profile.weight_bits - 2) - 1) * 2.0 ** (
        profile.weight_exp_range[1] + 1) / fmt.weight_scale
    largest_bias = (2 ** (profile.bias_mantissa_bits - 1) - 1) * 2.0 ** \
        profile.bias_exp_range[1] / 2.0 ** fmt.state_frac
    w, b = (np.abs(np.asarray(v, np.float64)) for v in layer)
    return max(1.0, w.max(initial=0.0) * pre_scale / largest_weight,
               b.max(initial=0.0) / largest_bias)


def convert_graded(weights: list[tuple[np.ndarray, np.ndarray]], transfers: list[str],
                   calibration: np.ndarray | None, profile: ChipProfile,
                   fmt: FixedPointFormat | None = None, steps: int = 1,
                   percentile: float = 99.9) -> GradedNetwork:
    """Convert a float network (W_k, b_k) with transfer functions f_k (the last one, the
    output's, is not computed on chip) to a `GradedNetwork`. With `calibration` (inputs),
    relu and linear layers are normalized by the `percentile` of |a_k|; without, λ = 1
    (models trained for the target)."""
    if profile.graded_spike_bits == 0:
        raise MappingError(f"target {profile.name} has no graded spikes; graded activation "
                           "neurons need Loihi 2 (use rate-coded relu units on this target)")
    if steps < 1:
        raise MappingError(f"steps must be positive, not {steps}")
    if len(transfers) != len(weights):
        raise MappingError(f"{len(weights)} projections need {len(weights)} transfer functions")
    fmt = fmt or format_for(profile)
    tables = [activation_table(name, fmt) for name in transfers[:-1]]
    scales = [1.0] * (len(weights) + 1)
    if calibration is not None:
        acts = float_activations(weights, transfers, calibration)
        for k, name in enumerate(transfers[:-1], start=1):
            scale = activity_percentile(acts[k], percentile, signed=True)
            if get_transfer(name).name in HOMOGENEOUS and scale is not None:
                scales[k] = scale / (fmt.table_range / 2)  # the percentile at half the range
        scales[-1] = output_scale(weights[-1], scales[-2], profile, fmt)
    layers = []
    for k, (w, b) in enumerate(weights):
        w_norm = np.asarray(w, np.float64) * scales[k] / scales[k + 1]
        b_norm = np.asarray(b, np.float64) / scales[k + 1]
        qw = quantize_weights(w_norm, fmt.weight_scale, profile)
        qb = quantize_bias(b_norm, 2.0 ** fmt.state_frac, profile)
        layers.append(GradedLayer(w_norm, b_norm, scales[k + 1], qw, qb,
                                  tables[k] if k < len(tables) else None))
    return GradedNetwork(tuple(layers), fmt, int(steps), tuple(transfers))
