"""A trained rate network converted to a spiking network of integrate-and-fire cores.

Layer k computes S_k = W_k a_{k−1} + b_k, a_k = f_k(S_k) in the float model. On the chip, hidden
unit i is an integrate-and-fire neuron (u takes the whole input each step, v never leaks, reset
to 0 after a spike): its spike rate r_i ≈ clip(S_i/λ_k, 0, 1) for the normalization λ_k (a high
percentile of a_k on calibration data), i.e. a rectified-linear rate (exact in the limit of many
steps for relu units; other hidden transfer functions are refused: on Loihi 2 they run as graded
activation neurons, `hw.graded`). Weights are
rescaled W'_k = W_k λ_{k−1}/λ_k, b'_k = b_k/λ_k (data-based normalization). The output layer has
no neurons: its summed synaptic input over the presentation window is decoded (argmax).

Inputs are encoded as rate spikes (deterministic, phase 1/2: a pixel x ∈ [0, 1] spikes
round((t+1)x) − round(tx) at step t) or as graded spikes carrying x quantized to `input_bits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from neurolocal.network import get_transfer

from .errors import MappingError
from .profiles import ChipProfile
from .quantize import (
    QuantizedBias,
    QuantizedWeights,
    quantization_error,
    quantize_bias,
    quantize_decay,
    quantize_weights,
    threshold_for,
)

ENCODINGS = ("rate", "graded")


@dataclass(frozen=True)
class SpikingLayer:
    """One projection and its target neurons, in float (W', b', threshold 1) and fixed point."""

    weights: np.ndarray  # W' (n_post, n_pre), float
    bias: np.ndarray  # b' (n_post,)
    normalization: float  # λ_k
    vth: int  # fixed-point threshold (units of one normalized activation)
    fixed_weights: QuantizedWeights
    fixed_bias: QuantizedBias
    weight_exp: int  # Lava's weight_exp (the weight exponent minus the graded input shift)
    is_output: bool
    du: int = quantize_decay(1.0, offset=1)  # 4095 (+ Lava's offset 1): u = this step's input
    dv: int = quantize_decay(0.0)  # no leak of v

    @property
    def shape(self) -> tuple[int, int]:
        return self.weights.shape


@dataclass(frozen=True)
class SpikingNetwork:
    """The converted network: layers, input encoding and the presentation window."""

    layers: tuple[SpikingLayer, ...]
    encoding: str
    steps: int  # time steps per sample
    input_bits: int  # graded input: x quantized to round(x·2^input_bits)
    transfers: tuple[str, ...]
    neuron: ClassVar[str] = "if"

    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].shape[1]] + [layer.shape[0] for layer in self.layers]

    def encode(self, x: np.ndarray, fixed: bool) -> np.ndarray:
        """Input of every step, shape (steps, B, n_in): rate spikes (0/1) or graded values
        (integers round(x·2^input_bits) in fixed point, x itself in float)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise MappingError(f"inputs must have shape (B, {self.sizes[0]}), not {x.shape}")
        if x.size and (x.min() < 0.0 or x.max() > 1.0):
            raise MappingError("inputs must lie in [0, 1] to be encoded as spikes")
        if self.encoding == "rate":
            t = np.arange(self.steps + 1, dtype=np.float64)[:, None, None]
            counts = np.floor(t * x[None] + 0.5)
            spikes = np.diff(counts, axis=0)
            return spikes.astype(np.int32 if fixed else np.float64)
        if fixed:
            graded = np.round(x * 2 ** self.input_bits).astype(np.int32)
            return np.broadcast_to(graded, (self.steps,) + x.shape)
        return np.broadcast_to(x, (self.steps,) + x.shape)

    def decode(self, summed_input: np.ndarray, fixed: bool) -> np.ndarray:
        """Output estimates S_L from the output layer's synaptic input summed over the window
        (shape (B, n_out)): mean input per step plus bias, in float units."""
        out = self.layers[-1]
        if fixed:
            per_step = summed_input / self.steps * 2.0 ** 6 + out.fixed_bias.effective
            return per_step / (out.vth * 2.0 ** 6) * out.normalization
        return (summed_input / self.steps + out.bias) * out.normalization

    def quantization_report(self) -> list[dict[str, Any]]:
        """Per projection: shared exponent, threshold and the error quantization introduces."""
        return [{"projection": k + 1, "shape": list(layer.shape), "weight_exp": layer.weight_exp,
                 "vth": layer.vth, "normalization": layer.normalization,
                 **quantization_error(layer.fixed_weights, layer.fixed_bias)}
                for k, layer in enumerate(self.layers)]


def activity_percentile(activity: np.ndarray, percentile: float, signed: bool = False
                        ) -> float | None:
    """The calibration scale of a layer: the `percentile` of its positive activities (or,
    `signed`, of |activity| over its non-zero values); None when there are none."""
    values = np.abs(activity[activity != 0]) if signed else activity[activity > 0]
    return float(np.percentile(values, percentile)) if values.size else None


def float_activations(weights: list[tuple[np.ndarray, np.ndarray]], transfers: list[str],
                      x: np.ndarray) -> list[np.ndarray]:
    """Activities a_0 = x, a_1, …, and the output S_L (pre-transfer) of the float model."""
    acts = [np.asarray(x, dtype=np.float64)]
    for k, ((w, b), name) in enumerate(zip(weights, transfers)):
        s = acts[-1] @ np.asarray(w, np.float64).T + np.asarray(b, np.float64)
        acts.append(s if k == len(weights) - 1 else get_transfer(name)(s))
    return acts


def convert(weights: list[tuple[np.ndarray, np.ndarray]], transfers: list[str],
            calibration: np.ndarray, profile: ChipProfile, encoding: str = "rate",
            steps: int = 32, input_bits: int = 7, percentile: float = 99.9) -> SpikingNetwork:
    """Convert a float network (W_k, b_k) with transfer functions f_k of layers 1..L to a
    `SpikingNetwork`, normalizing hidden layers by the `percentile` of their activity on
    `calibration` inputs."""
    if encoding not in ENCODINGS:
        raise MappingError(f"unknown input encoding {encoding!r}; choose from {ENCODINGS}")
    if steps < 1:
        raise MappingError(f"steps must be positive, not {steps}")
    if encoding == "graded" and profile.graded_spike_bits == 0:
        raise MappingError(f"target {profile.name} has no graded spikes; use rate encoding")
    if len(transfers) != len(weights):
        raise MappingError(f"{len(weights)} projections need {len(weights)} transfer functions")
    for k, name in enumerate(transfers[:-1], start=1):
        if get_transfer(name).name != "relu":
            raise MappingError(f"hidden layer {k} uses {name}, which rate-coded "
                               "integrate-and-fire neurons cannot represent (their rate is "
                               "clip(S/λ, 0, 1)); nearest supported: relu (or graded "
                               "activation neurons on a target with graded spikes)")
    acts = float_activations(weights, transfers, calibration)
    scales = [1.0]
    for a in acts[1:-1]:
        scale = activity_percentile(a, percentile)
        scales.append(1.0 if scale is None else scale)
    scales.append(1.0)
    layers = []
    for k, (w, b) in enumerate(weights):
        w_norm = np.asarray(w, np.float64) * scales[k] / scales[k + 1]
        b_norm = np.asarray(b, np.float64) / scales[k + 1]
        vth = threshold_for(w_norm, b_norm, profile)
        qw = quantize_weights(w_norm, vth, profile)
        qb = quantize_bias(b_norm, vth * 2.0 ** profile.threshold_shift, profile)
        shift = input_bits if (k == 0 and encoding == "graded") else 0
        layers.append(SpikingLayer(w_norm, b_norm, scales[k + 1], vth, qw, qb, qw.exp - shift,
                                   k == len(weights) - 1))
    return SpikingNetwork(tuple(layers), encoding, int(steps), int(input_bits), tuple(transfers))
