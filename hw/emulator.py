"""A vectorized numpy emulator of Lava's Loihi dynamics, batched over samples, without Lava.

Fixed point reproduces Lava's bit-accurate models (`PyLifModelBitAcc`, `PyDenseModelBitAcc`)
operation by operation: the summed synaptic input is shifted by the weight exponent, left-shifted
by 6 into u; u and v decay by (4096 − d)/4096 with sign-magnitude truncation; u wraps at 24 bits;
v saturates at ±(2^23 − 1); a neuron spikes when v > vth·2^6 and v resets to 0. Float mode is
Lava's floating-point LIF (u ← u(1 − du) + input, v ← v(1 − dv) + u + bias, spike when v > vth).
One presentation window of `steps` steps per sample, all samples in parallel: Lava's one-step
synaptic delays only shift the windows (see `hw.lava_forward`), so the per-sample arithmetic is
identical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from neurolocal.errors import UserError
from neurolocal.network import get_transfer

from . import fixed_point as fp
from .graded import GradedLayer, GradedNetwork
from .quantize import DECAY_UNITY
from .spiking import SpikingLayer, SpikingNetwork

STATE_MAX = 2 ** 23  # u, v are 24-bit signed
ACTIVATION_SHIFT = 6  # synaptic input and threshold are MSB-aligned by 6 bits


def _decay(state: np.ndarray, decay: int) -> np.ndarray:
    """state·(4096 − decay)/4096 truncated toward zero, as Lava's fixed-point LIF."""
    if decay == 0:  # factor 1: exact
        return state
    if decay == DECAY_UNITY:  # factor 0
        return np.zeros_like(state)
    product = state.astype(np.int64) * (DECAY_UNITY - decay)
    return np.sign(product) * np.right_shift(np.abs(product), 12)


shift_input = fp.shift  # the Dense output: the summed input shifted by the weight exponent


@dataclass
class LifState:
    """u and v of a batch of neuron populations, shape (B, n)."""

    u: np.ndarray
    v: np.ndarray


def lif_step_fixed(state: LifState, synaptic: np.ndarray, layer: SpikingLayer) -> np.ndarray:
    """One fixed-point LIF step; updates `state` in place and returns the spikes (bool)."""
    u = _decay(state.u, layer.du + 1) + np.left_shift(synaptic, ACTIVATION_SHIFT)
    u = np.where(u > STATE_MAX, u - 2 * STATE_MAX, u)
    u = np.where(u <= -STATE_MAX, u + 2 * STATE_MAX, u)
    v = _decay(state.v, layer.dv) + u + layer.fixed_bias.effective
    v = np.clip(v, -STATE_MAX + 1, STATE_MAX - 1)
    spikes = v > (layer.vth << ACTIVATION_SHIFT)
    v[spikes] = 0
    state.u, state.v = u, v
    return spikes


def lif_step_float(state: LifState, synaptic: np.ndarray, layer: SpikingLayer) -> np.ndarray:
    """One floating-point LIF step (du = 1: u holds this step's input; dv = 0; vth = 1)."""
    state.u = synaptic.astype(np.float64)
    state.v = state.v + state.u + layer.bias
    spikes = state.v > 1.0
    state.v[spikes] = 0.0
    return spikes


def simulate(network: SpikingNetwork | GradedNetwork, x: np.ndarray, fixed: bool = True,
             record_spikes: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
    """Present each row of x (B, n_in) for `network.steps` steps.

    Returns the output layer's synaptic input summed over the window, (B, n_out) (int64 in
    fixed point), and, if `record_spikes`, the spike counts of every hidden layer (B, n_k).
    Graded activation networks (`network.neuron == "graded"`) run `simulate_graded`.
    """
    if network.neuron == "graded":
        return simulate_graded(network, x, fixed)
    return run(network, network.encode(x, fixed), fixed, record_spikes)


#: Called after every step t of hidden layer k (1-based) with its state and spikes (B, n_k).
StepHook = Callable[[int, int, LifState, np.ndarray], None]


def run(network: SpikingNetwork, inputs: np.ndarray, fixed: bool = True,
        record_spikes: bool = False, on_step: StepHook | None = None
        ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Run the input stream `inputs` (steps, B, n_in), encoded as `network.encode` does (rate
    spikes, or graded values up to 2^input_bits), from zero state; returns as `simulate`.
    `on_step` observes every state (the per-step comparison with Lava uses it).

    The first projection's input does not depend on the state, so it is one matrix product
    over all steps; integer sums go through float64 BLAS, exact while |Σ| < 2^53 (checked).
    """
    steps, batch = inputs.shape[:2]
    dtype = np.int64 if fixed else np.float64
    weights = [(layer.fixed_weights.stored.T.astype(np.float64) if fixed else layer.weights.T)
               for layer in network.layers]
    if fixed:
        largest_input = 1 if network.encoding == "rate" else 2 ** network.input_bits
        if max(np.abs(w).sum(axis=0).max() for w in weights) * largest_input >= 2.0 ** 53:
            raise UserError("synaptic sums could exceed 2^53: not exact in float64")
    first = inputs.reshape(steps * batch, -1).astype(np.float64) @ weights[0]
    first = first.reshape(steps, batch, -1)
    if fixed:
        first = shift_input(first.astype(np.int64), network.layers[0].weight_exp)
    hidden = network.layers[:-1]
    states = [LifState(np.zeros((batch, layer.shape[0]), dtype),
                       np.zeros((batch, layer.shape[0]), dtype)) for layer in hidden]
    counts = [np.zeros((batch, layer.shape[0]), np.int64) for layer in hidden]
    summed = np.zeros((batch, network.layers[-1].shape[0]), dtype)
    step = lif_step_fixed if fixed else lif_step_float
    for t in range(steps):
        synaptic = first[t]
        for k, layer in enumerate(hidden):
            spikes = step(states[k], synaptic, layer)
            if record_spikes:
                counts[k] += spikes
            if on_step is not None:
                on_step(t, k + 1, states[k], spikes)
            synaptic = spikes.astype(np.float64) @ weights[k + 1]
            if fixed:
                synaptic = shift_input(synaptic.astype(np.int64),
                                       network.layers[k + 1].weight_exp)
        summed += synaptic
    return summed, counts


def predict(network: SpikingNetwork | GradedNetwork, x: np.ndarray, fixed: bool = True
            ) -> np.ndarray:
    """Decoded output estimates S_L, shape (B, n_out)."""
    summed, _ = simulate(network, x, fixed)
    return network.decode(summed, fixed)


def graded_layer_fixed(activity: np.ndarray, layer: GradedLayer) -> np.ndarray:
    """One graded layer in integers: the Dense output shift(Σ_j stored_ij A_j, exp), plus
    Σ_i = that + B_i and A_i = F[k(Σ_i)] for hidden layers (the output layer returns the
    Dense output)."""
    dense = shift_input(activity.astype(np.int64) @ layer.fixed_weights.stored.T.astype(np.int64),
                        layer.weight_exp)
    if layer.table is None:
        return dense
    return layer.table.f(dense + layer.fixed_bias.effective)


def simulate_graded(network: GradedNetwork, x: np.ndarray, fixed: bool = True
                    ) -> tuple[np.ndarray, list[np.ndarray]]:
    """A `GradedNetwork`: neurons are stateless, so every step of a window computes the same
    values; the output's summed input is `steps` times one step's. Returns it and the number
    of graded spikes (nonzero activities) per hidden unit over the window."""
    activity = network.encode(x, fixed)[0]
    counts = []
    for layer, name in zip(network.layers, network.transfers):
        if fixed:
            activity = graded_layer_fixed(activity, layer)
        else:
            activity = activity @ layer.weights.T
            if not layer.is_output:
                activity = get_transfer(name)(activity + layer.bias)
        if not layer.is_output:
            counts.append((activity != 0).astype(np.int64) * network.steps)
    return activity * network.steps, counts
