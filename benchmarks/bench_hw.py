"""Fixed-point emulator vs Lava's CPU simulator (and the brian2-loihi emulator) on the same
spiking network, in the same run: a digits classifier 64-64-10 (relu, SRBP-trained on the CPU)
converted to integrate-and-fire cores, rate-coded input, 32 steps per sample.

Measured: sample-steps per second (samples × time steps / wall time). Lava runs in an isolated
child process; its "steady" rate excludes compile/start-up (difference of two run lengths).
brian2-loihi simulates the same neuron model and sizes (one long run without per-sample resets,
no batching); it is a throughput peer only. On-chip learning: `bench_hw_learning.py`.
"""

from __future__ import annotations

import time

import numpy as np

STEPS = 32


def _model():
    from neurolocal.backends import get_backend
    from neurolocal.channels import get_channel
    from neurolocal.data import load_digits
    from neurolocal.network import Network
    from neurolocal.rules import get_rule

    data = load_digits()
    rule = get_rule("backprop").with_parameters(eta=0.05)
    network = Network.layered([64, 64, 10], hidden="relu", output="logistic",
                              channel=get_channel("srbp"), rule=rule, hidden_rule=rule)
    simulator = get_backend("numpy").build(network, seed=0)
    simulator.train(data.x_train, data.t_train, epochs=15, batch_size=32)
    return network, simulator.weights(), data


def _brian2_loihi(net, x: np.ndarray) -> float | str:
    """Wall time of brian2-loihi on the same network and input spikes, or why it did not run."""
    try:
        from brian2 import prefs
        from brian2_loihi import (
            LoihiNetwork,
            LoihiNeuronGroup,
            LoihiSpikeGeneratorGroup,
            LoihiSynapses,
        )
    except ImportError as error:
        return f"not run ({error}; `pip install brian2-loihi`)"
    prefs.codegen.target = "numpy"
    spikes = net.encode(x, fixed=True)  # (steps, B, n_in), back to back
    stream = spikes.transpose(1, 0, 2).reshape(-1, spikes.shape[2])
    times, indices = np.nonzero(stream)
    hidden, output = net.layers
    source = LoihiSpikeGeneratorGroup(stream.shape[1], indices, times)
    group1 = LoihiNeuronGroup(hidden.shape[0], threshold_v_mant=hidden.vth, decay_v=0,
                              decay_I=4096, refractory=1)
    group2 = LoihiNeuronGroup(output.shape[0], threshold_v_mant=131071, decay_v=0,
                              decay_I=4096, refractory=1)
    synapses = []
    for layer, pre, post in ((hidden, source, group1), (output, group1, group2)):
        s = LoihiSynapses(pre, post, w_exp=layer.weight_exp, sign_mode=1)
        s.connect()
        s.w = layer.fixed_weights.stored.T.ravel() // 2  # 8-bit mantissa, i-major (pre, post)
        synapses.append(s)
    network = LoihiNetwork(source, group1, group2, *synapses)
    start = time.perf_counter()
    network.run(len(stream))
    return time.perf_counter() - start


def run(quick: bool) -> str:
    from hw import emulator
    from hw.profiles import LOIHI2
    from hw.runner import run_isolated
    from hw.spiking import convert

    network, weights, data = _model()
    net = convert(weights, ["relu", "logistic"], data.x_train[:500], LOIHI2, steps=STEPS)
    x = np.concatenate([data.x_test, data.x_train])  # the whole data set, one batch
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        summed, _ = emulator.simulate(net, x, fixed=True)
        best = min(best, time.perf_counter() - start)
    emulator_rate = len(x) * STEPS / best
    sizes = (20, 60) if quick else (50, 200)
    lava_times, lava_out = [], None
    for n in sizes:
        start = time.perf_counter()
        lava_out = run_isolated("hw.lava_forward:run_forward",
                                {"network": net, "x": x[:n], "fixed": True}, timeout=900)
        lava_times.append(time.perf_counter() - start)
    exact = bool(np.array_equal(lava_out, summed[:sizes[1]]))
    lava_total = sizes[1] * STEPS / lava_times[1]
    lava_steady = (sizes[1] - sizes[0]) * STEPS / max(lava_times[1] - lava_times[0], 1e-9)
    n_brian = sizes[0]
    brian = _brian2_loihi(net, x[:n_brian])
    rows = [("numpy emulator (fixed point, batched)", f"{len(x)} samples", best, emulator_rate),
            ("Lava CPU fixed_pt, end to end", f"{sizes[1]} samples", lava_times[1],
             lava_total),
            ("Lava CPU fixed_pt, steady state", f"{sizes[1] - sizes[0]} samples",
             lava_times[1] - lava_times[0], lava_steady)]
    if isinstance(brian, float):
        rows.append(("brian2-loihi (numpy codegen)", f"{n_brian} samples", brian,
                     n_brian * STEPS / brian))
    table = "\n".join(f"| {name} | {n} | {t:.3f} | {rate:,.0f} | {emulator_rate / rate:,.0f}× |"
                      for name, n, t, rate in rows)
    return (f"## hw: fixed-point emulator vs Lava CPU simulator\n\n"
            f"Network 64-64-10 (relu hidden IF neurons, rate-coded digits), {STEPS} steps per "
            f"sample, Loihi 2 profile. Emulator output bit-exact with Lava on the "
            f"{sizes[1]} shared samples: **{exact}**.\n\n"
            "| simulator | work | seconds | sample-steps/s | emulator speed-up |\n"
            "|---|---|---|---|---|\n" + table + "\n\n"
            + ("" if isinstance(brian, float) else f"brian2-loihi: {brian}\n\n")
            + f"Goal ≥ 300× (batched emulator vs Lava): end to end "
            f"{emulator_rate / lava_total:,.0f}×, steady state "
            f"{emulator_rate / lava_steady:,.0f}×.\n\n"
            "On-chip learning: `benchmarks/bench_hw_learning.py`.\n")


if __name__ == "__main__":
    print(run(quick=True))
