"""Fixed-point emulator vs Lava's CPU simulator (and the brian2-loihi emulator) on the same
spiking network, in the same run: a digits classifier 64-64-10 (relu, SRBP-trained on the CPU)
converted to integrate-and-fire cores, rate-coded input, 32 steps per sample.

Same work on both sides: the same N test samples (full mode: the whole digits test set), the
same number of repeats R, one untimed warm-up on both sides (the emulator's first call; Lava's
compile, start-up and first sample), best of R. Lava runs in an isolated child that times only
`run()` of the N samples after its warm-up (`lava_timed`). Two ratios: the emulator batched (all
N samples in one call) and one sample at a time (N calls), each against Lava. The emulator's
outputs are compared with Lava's (`hw.lava_forward.run_forward`) on the same samples.
brian2-loihi simulates the same neuron model and sizes (one long run without per-sample resets,
no batching); it is a throughput peer only. On-chip learning: `bench_hw_learning.py`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

STEPS = 32
HERE = Path(__file__).resolve().parent


def lava_timed(network, x: np.ndarray, repeats: int) -> list[float]:
    """In a Lava child: build the fixed-point graph streaming x, run one sample untimed
    (compile, start-up, first steps), then time `repeats` runs of all len(x) samples."""
    from lava.magma.core.run_conditions import RunSteps

    from hw.hardware import run_config
    from hw.lava_forward import build_forward

    graph = build_forward(network, network.encode(x, True), fixed=True)
    config = run_config("lava", True)
    first = graph.denses[0]
    first.run(condition=RunSteps(num_steps=network.steps), run_cfg=config)
    times = []
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            first.run(condition=RunSteps(num_steps=len(x) * network.steps), run_cfg=config)
            times.append(time.perf_counter() - start)
    finally:
        first.stop()
    return times


def _best(function, repeats: int) -> float:
    function()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


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
    n, repeats = (20, 2) if quick else (len(data.x_test), 3)  # full: the whole test set
    x = data.x_test[:n]
    batched = _best(lambda: emulator.simulate(net, x, fixed=True), repeats)
    single = _best(lambda: [emulator.simulate(net, x[i:i + 1], fixed=True)
                            for i in range(n)], repeats)
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(HERE)  # the child imports this module for `lava_timed`
    try:
        lava_times = run_isolated("bench_hw:lava_timed",
                                  {"network": net, "x": x, "repeats": repeats}, timeout=1800)
    finally:
        if previous is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = previous
    lava = min(lava_times)
    summed, _ = emulator.simulate(net, x, fixed=True)
    exact = bool(np.array_equal(summed, run_isolated(
        "hw.lava_forward:run_forward", {"network": net, "x": x, "fixed": True}, timeout=900)))
    brian = _brian2_loihi(net, x)
    work = n * STEPS
    rows = [("numpy emulator, batched (one call)", batched),
            ("numpy emulator, one sample per call", single),
            ("Lava CPU fixed_pt, after warm-up", lava)]
    if isinstance(brian, float):
        rows.append(("brian2-loihi (numpy codegen, no warm-up)", brian))
    table = "\n".join(f"| {name} | {t:.4f} | {work / t:,.0f} | {lava / t:,.1f}× |"
                      for name, t in rows)
    return (f"## hw: fixed-point emulator vs Lava CPU simulator\n\n"
            f"Network 64-64-10 (relu hidden IF neurons, rate-coded digits), {STEPS} steps per "
            f"sample, Loihi 2 profile; the same {n} test samples on every simulator, best of "
            f"{repeats} after one warm-up. Emulator output bit-exact with Lava's: "
            f"**{exact}**.\n\n"
            "| simulator | seconds | sample-steps/s | speed-up over Lava |\n"
            "|---|---|---|---|\n" + table + "\n\n"
            + ("" if isinstance(brian, float) else f"brian2-loihi: {brian}\n\n")
            + f"Goal ≥ 300× batched: batched **{lava / batched:,.0f}×**, one sample at a time "
            f"**{lava / single:,.0f}×**.\n\n"
            "On-chip learning: `benchmarks/bench_hw_learning.py`.\n")


if __name__ == "__main__":
    print(run(quick=True))
