"""The numpy emulator: bit-exact with Lava's fixed_pt LIF/Dense on random networks (outputs over
≥ 64-step windows, and every state variable u, v and spike at every step), sensitive to a
one-unit change of any decay, equal to Lava's floating_pt models up to rounding, and
(independently of Lava) a correct rate conversion: with many steps the decoded output
approaches the float network's S_L."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from hw import emulator
from hw.profiles import LOIHI2
from hw.quantize import quantize_bias
from hw.runner import run_isolated
from hw.spiking import convert, float_activations


def random_network(seed: int, sizes: list[int], encoding: str, steps: int,
                   random_dynamics: bool):
    """A random converted network; with `random_dynamics`, hidden layers get random 12-bit
    decays du, dv, thresholds and biases, exercising the general LIF arithmetic (leaks,
    negative currents, saturation)."""
    rng = np.random.default_rng(seed)
    weights = [(rng.normal(size=(b, a)) * 1.5 / np.sqrt(a), rng.normal(size=b) * 0.5)
               for a, b in zip(sizes, sizes[1:])]
    x = rng.uniform(size=(6, sizes[0]))
    net = convert(weights, ["relu"] * (len(sizes) - 2) + ["linear"], x, LOIHI2,
                  encoding=encoding, steps=steps)
    if random_dynamics:
        layers = []
        for layer in net.layers:
            if not layer.is_output:
                vth = int(rng.integers(200, 5000))
                bias = quantize_bias(rng.normal(size=layer.shape[0]), vth * 64 * 0.3, LOIHI2)
                layer = dataclasses.replace(layer, du=int(rng.integers(0, 4096)),
                                            dv=int(rng.integers(0, 4096)), vth=vth,
                                            fixed_bias=bias)
            layers.append(layer)
        net = dataclasses.replace(net, layers=tuple(layers))
    return net, x


CASES = [(1, [7, 6, 5], "rate", 64, False), (2, [5, 8, 6, 4], "graded", 65, False),
         (3, [6, 9, 3], "rate", 70, True), (4, [4, 7, 7, 5], "graded", 66, True)]


@pytest.mark.lava
@pytest.mark.parametrize("seed,sizes,encoding,steps,dynamics", CASES)
def test_fixed_point_is_bit_exact_with_lava(seed, sizes, encoding, steps, dynamics):
    net, x = random_network(seed, sizes, encoding, steps, dynamics)
    lava = run_isolated("hw.lava_forward:run_forward", {"network": net, "x": x, "fixed": True},
                        timeout=120)
    ours, counts = emulator.simulate(net, x, fixed=True, record_spikes=True)
    assert sum(c.sum() for c in counts) > 0, "a test network that never spikes proves little"
    np.testing.assert_array_equal(ours, lava)


@pytest.mark.lava
@pytest.mark.parametrize("seed,sizes,encoding,steps,dynamics", CASES[:2])
def test_floating_point_matches_lava(seed, sizes, encoding, steps, dynamics):
    net, x = random_network(seed, sizes, encoding, steps, dynamics)
    lava = run_isolated("hw.lava_forward:run_forward", {"network": net, "x": x, "fixed": False},
                        timeout=120)
    ours, _ = emulator.simulate(net, x, fixed=False)
    np.testing.assert_allclose(ours, lava, rtol=1e-9, atol=1e-9)  # float64 summation order


# ----- per step and per state variable ------------------------------------------------------
TRACE_CASES = [(11, [6, 9, 7, 4], 80), (12, [5, 12, 3], 72)]


@pytest.fixture(scope="module")
def lava_traces():
    """Random networks (random du, dv, vth, biases) driven by random graded inputs that change
    every step; Lava's per-step u, v and spikes, all recorded in one child process."""
    cases = []
    for seed, sizes, steps in TRACE_CASES:
        net, _ = random_network(seed, sizes, "graded", steps, True)
        rng = np.random.default_rng(seed)
        inputs = rng.integers(0, 2 ** net.input_bits + 1, size=(steps, 1, sizes[0]))
        cases.append((net, inputs.astype(np.int32)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", str(Path(__file__).parent))
        return cases, run_isolated("lava_probe:trace", {"cases": cases}, timeout=300)


def emulator_trace(net, inputs) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Hidden layer k → (u, v, spikes), each (steps, n_k), from the emulator's step hook."""
    rows: dict[int, list] = {}
    emulator.run(net, inputs, True, on_step=lambda t, k, state, spikes: rows.setdefault(
        k, []).append((state.u[0].copy(), state.v[0].copy(), spikes[0].copy())))
    return {k: tuple(np.array(x) for x in zip(*r)) for k, r in rows.items()}


def lava_trace(trace: dict, k: int, steps: int) -> tuple[np.ndarray, ...]:
    """Lava's record of hidden layer k aligned with the emulator's steps: each Dense delays by
    one step, so emulator step t of layer k is Lava's time step t + k + 1 (index t + k)."""
    return tuple(trace[name][k - 1][k:k + steps] for name in ("u", "v", "spikes"))


@pytest.mark.lava
def test_every_state_variable_equals_lava_at_every_step(lava_traces):
    for (net, inputs), trace in zip(*lava_traces):
        assert len(inputs) >= 64
        ours = emulator_trace(net, inputs)
        for k, (u, v, spikes) in ours.items():
            lava_u, lava_v, lava_spikes = lava_trace(trace, k, len(inputs))
            assert 0 < spikes.sum() < spikes.size, "the layer must spike, but not always"
            assert np.abs(u).max() > 4096 and np.abs(v).max() > 4096  # decays act on them
            np.testing.assert_array_equal(u, lava_u, err_msg=f"u of layer {k}")
            np.testing.assert_array_equal(v, lava_v, err_msg=f"v of layer {k}")
            np.testing.assert_array_equal(spikes, lava_spikes, err_msg=f"spikes of layer {k}")
        # the output neurons relay, every step, the last hidden layer's spikes through W_L
        # shifted by its exponent (one Dense delay later: index t + L)
        out = net.layers[-1]
        last = ours[len(net.layers) - 1][2].astype(np.int64)
        expected = emulator.shift_input(last @ out.fixed_weights.stored.T.astype(np.int64),
                                        out.weight_exp)
        depth = len(net.layers)
        assert np.count_nonzero(expected) > len(inputs)
        np.testing.assert_array_equal(trace["output"][depth:depth + len(inputs)], expected)


@pytest.mark.lava
def test_a_one_unit_change_of_any_decay_breaks_the_match(lava_traces):
    """The comparison above is sharp: an emulator whose du or dv of any layer is off by one
    unit (of 4096) no longer matches Lava's states."""
    for (net, inputs), trace in zip(*lava_traces):
        for index, layer in enumerate(net.layers[:-1]):
            for name in ("du", "dv"):
                value = getattr(layer, name)
                changed = dataclasses.replace(layer, **{name: value + 1 if value < 4095
                                                        else value - 1})
                layers = net.layers[:index] + (changed,) + net.layers[index + 1:]
                ours = emulator_trace(dataclasses.replace(net, layers=layers), inputs)
                k = index + 1
                assert any(not np.array_equal(a, b) for a, b in
                           zip(ours[k], lava_trace(trace, k, len(inputs)))), \
                    f"{name} of layer {k} changed by one unit went unnoticed"


def test_fixed_point_lif_against_a_plain_loop():
    """One neuron, integers, written out step by step from Lava's documented arithmetic."""
    net, x = random_network(5, [3, 1, 2], "rate", 16, True)
    layer = net.layers[0]
    inputs = net.encode(x, fixed=True)
    w = layer.fixed_weights.stored.astype(np.int64)[0]
    bias = int(layer.fixed_bias.effective[0])
    for b in range(len(x)):
        u = v = 0
        expected = []
        for t in range(net.steps):
            acc = int(np.dot(w, inputs[t, b]))
            acc = acc << layer.weight_exp if layer.weight_exp > 0 else acc >> -layer.weight_exp
            du = u * (4096 - (layer.du + 1))
            u = (1 if du > 0 else -1) * (abs(du) >> 12) + (acc << 6)
            if u > 2 ** 23:
                u -= 2 ** 24
            elif u <= -2 ** 23:
                u += 2 ** 24
            dv = v * (4096 - layer.dv)
            v = (1 if dv > 0 else -1) * (abs(dv) >> 12) + u + bias
            v = max(-2 ** 23 + 1, min(2 ** 23 - 1, v))
            expected.append(v > layer.vth * 64)
            if expected[-1]:
                v = 0
        state = emulator.LifState(np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64))
        got = []
        for t in range(net.steps):
            syn = emulator.shift_input(inputs[t, b:b + 1].astype(np.int64) @ w[:, None],
                                       layer.weight_exp)
            got.append(bool(emulator.lif_step_fixed(state, syn, layer)[0, 0]))
        assert got == expected


@pytest.mark.parametrize("fixed", [False, True])
def test_integrate_and_fire_rate_has_its_closed_form(fixed):
    """A hidden unit with constant graded input current I (per step, in thresholds) and reset
    to zero spikes every n = ⌊1/I⌋ + 1 steps (the first n with n·I > 1): over T steps it fires
    ⌊T/n⌋ times. Checked on 40 random currents against that formula (exact in float; in fixed
    point, the unit's own quantized I is used)."""
    rng = np.random.default_rng(3)
    w = rng.uniform(0.05, 0.95, size=(40, 1))
    weights = [(w, np.zeros(40)), (np.ones((1, 40)), np.zeros(1))]
    x = np.ones((1, 1))
    net = convert(weights, ["relu", "linear"], x, LOIHI2, encoding="graded", steps=100,
                  percentile=100)
    _, counts = emulator.simulate(net, x, fixed=fixed, record_spikes=True)
    layer = net.layers[0]
    if fixed:  # per-step current in units of v, threshold vth·64
        graded = round(1.0 * 2 ** net.input_bits)
        current = (layer.fixed_weights.stored[:, 0].astype(np.int64) * graded
                   >> -layer.weight_exp if layer.weight_exp < 0 else
                   layer.fixed_weights.stored[:, 0].astype(np.int64) * graded
                   << layer.weight_exp) * 64
        period = (layer.vth * 64) // current + 1
    else:
        period = np.floor(1.0 / layer.weights[:, 0]) + 1
    np.testing.assert_array_equal(counts[0][0], net.steps // period)


def test_spiking_output_tracks_the_float_network():
    """Decoded output vs the float network's S_L on random relu networks with T = 256: the
    rate code underestimates (reset to zero drops each spike's overshoot), so the tolerance is
    loose but stated: correlation ≥ 0.95 and class agreement ≥ 85%."""
    rng = np.random.default_rng(7)
    sizes = [20, 30, 5]
    weights = [(rng.normal(size=(b, a)) / np.sqrt(a), rng.normal(size=b) * 0.1)
               for a, b in zip(sizes, sizes[1:])]
    x = rng.uniform(size=(300, 20))
    target = float_activations(weights, ["relu", "linear"], x)[-1]
    net = convert(weights, ["relu", "linear"], x, LOIHI2, steps=256)
    for fixed in (False, True):
        estimate = emulator.predict(net, x, fixed=fixed)
        assert np.corrcoef(estimate.ravel(), target.ravel())[0, 1] >= 0.95
        assert np.mean(estimate.argmax(1) == target.argmax(1)) >= 0.85
