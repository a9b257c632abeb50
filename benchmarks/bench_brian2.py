"""Brian2 backend speed: a 784-100-10 network with every synapse plastic (SRBP, Δw = η B_i O_j),
spiking (LIF, Poisson inputs ≈ 20 Hz; 0.1 ms steps and 50 ms per sample, and for the
cpp_standalone goal of ≥ 2,000 samples/s, 1 ms steps and 20 ms per sample) and rate (one step
per sample), per code-generation target, against a hand-written Brian2 script of the same model
run here too.

Reported: samples/s and synaptic events/s (spiking: spikes × fan-out or fan-in of every pathway
that runs on them; rate: synapses × samples), the first-call cost (code generation and
compilation) and the ratio ours / hand-written in wall time of the steady-state run (goal ≤ 1.1).
Both sides stream all samples through one `run()`, after a warm-up run of the same length
(first call = build + warm-up; compiled targets compile there, once per data length class).
"""

from __future__ import annotations

import shutil
import tempfile
import time

import numpy as np

SIZES = [784, 100, 10]
#: Spiking configurations: x ~ U(0,1) at max_rate 40 Hz is ≈ 20 Hz mean; weights and η per
#: spike as written (scales 1), as the hand-written script does.
SPIKING = {
    "spiking": dict(dt=1e-4, sample_time=0.05, settle_time=0.03, max_rate=40.0,
                    weight_scale=1.0, eta_scale=1.0),
    "spiking 20 ms": dict(dt=1e-3, sample_time=0.02, settle_time=0.005, max_rate=40.0,
                          weight_scale=1.0, eta_scale=1.0),
}
ETA = 1e-4
TARGETS = ("numpy", "cython", "cpp_standalone")


def _network():
    from neurolocal.channels import get_channel
    from neurolocal.network import Network
    from neurolocal.rules import get_rule

    return Network.layered(SIZES, channel=get_channel("srbp"), rule=get_rule("backprop", eta=ETA),
                           hidden_rule=get_rule("backprop", eta=ETA), bias=False)


def _data(samples: int):
    rng = np.random.default_rng(0)
    x = rng.random((samples, SIZES[0]))
    t = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], samples)]
    return x, t


# ----- ours --------------------------------------------------------------------------------
def run_ours(spiking: str | None, target: str, samples: int) -> dict:
    """Build through the backend, warm up with one run, then time one streamed run."""
    import brian2 as b2

    from neurolocal.backends import get_backend
    from neurolocal.backends.brian2.targets import code_target

    x, t = _data(samples)
    options = SPIKING[spiking] if spiking else {}
    start = time.perf_counter()
    sim = get_backend("brian2").build(_network(), seed=0, spiking=bool(spiking),
                                      target=target, **options)
    monitors = [b2.SpikeMonitor(g, record=False) for g in sim.model.groups] if spiking else []
    sim.model.brian2_network.add(*monitors)
    runner = sim._runner
    with code_target(target):
        initial = runner.snapshot()
        runner.run(x, t, learn=True)  # warm-up of the same length: compiles or builds
        if target == "cpp_standalone":
            runner.restore(initial)  # as the hand-written program, rerun from the start
        first = time.perf_counter() - start
        before = [0] * len(monitors) if target == "cpp_standalone" else \
            [int(m.num_spikes) for m in monitors]  # a standalone rerun starts from zero
        start = time.perf_counter()
        runner.run(x, t, learn=True)
        elapsed = time.perf_counter() - start
    spikes = [int(m.num_spikes) - b for m, b in zip(monitors, before)]
    sim.close()
    return {"first": first, "elapsed": elapsed, "spikes": spikes}


# ----- hand-written peer ---------------------------------------------------------------------
def run_handwritten(spiking: str | None, target: str, samples: int) -> dict:
    """The same model written directly in Brian2 (no neurolocal code)."""
    import brian2 as b2

    from neurolocal.channels import get_channel

    x, t = _data(samples)
    network = _network()
    rng = np.random.default_rng(0)
    weights = network.init_weights(rng, np.float32)
    c = get_channel("srbp").init_state(network, weights, rng)["C1"].astype(np.float64)
    w1, w2 = (w.astype(np.float64) for w, _ in weights)
    directory = None
    if target == "cpp_standalone":
        b2.set_device("cpp_standalone", build_on_run=False)
    else:
        b2.prefs.codegen.target = target
    b2.seed(0)
    start = time.perf_counter()
    sample = SPIKING[spiking]["sample_time"] * b2.second if spiking else 1 * b2.ms
    arrays = {"stimulus": b2.TimedArray(x, dt=sample, name="stimulus"),
              "targets": b2.TimedArray(t, dt=sample, name="targets")}
    if spiking:
        objects, monitors = _handwritten_spiking(b2, w1, w2, c, sample, SPIKING[spiking])
    else:
        objects, monitors = _handwritten_rate(b2, w1, w2, c, sample)
    net = b2.Network(*objects, *monitors)
    namespace = {**arrays, "learn_gate": b2.TimedArray(np.ones(len(x)), dt=sample,
                                                       name="learn_gate")}
    if target == "cpp_standalone":
        net.run(len(x) * sample, namespace=namespace)
        directory = tempfile.mkdtemp(prefix="bench_brian2_")
        b2.device.build(directory=directory, compile=True, run=False, with_output=False)
        b2.device.run(directory=directory, with_output=False)
        first = time.perf_counter() - start
        start = time.perf_counter()
        b2.device.run(directory=directory, with_output=False,
                      run_args={arrays["stimulus"]: x[::-1].copy()})
        elapsed = time.perf_counter() - start
        spikes = [int(m.num_spikes) for m in monitors]
        b2.device.reinit()
        b2.device.activate()
        b2.set_device("runtime")
        shutil.rmtree(directory, ignore_errors=True)
    else:
        net.run(len(x) * sample, namespace=namespace)  # warm-up of the same length
        first = time.perf_counter() - start
        before = [int(m.num_spikes) for m in monitors]
        start = time.perf_counter()
        net.run(len(x) * sample, namespace=namespace)
        elapsed = time.perf_counter() - start
        spikes = [int(m.num_spikes) - b for m, b in zip(monitors, before)]
        b2.prefs.codegen.target = "numpy"
    return {"first": first, "elapsed": elapsed, "spikes": spikes}


def _handwritten_spiking(b2, w1, w2, c, sample, options):
    ms = b2.ms
    clock = b2.Clock(dt=options["dt"] * b2.second)
    gate = ("learn_gate(t)*int(t - sample_time*floor(t/sample_time) >= settle_time)")
    constants = {"tau_m": 10 * ms, "tau_r": 20 * ms, "max_rate": options["max_rate"] * b2.Hz,
                 "target_scale": 50 * 0.02, "sample_time": sample,
                 "settle_time": options["settle_time"] * b2.second}
    inp = b2.NeuronGroup(SIZES[0], """dr/dt = -r/tau_r : 1
                         rate = max_rate*clip(stimulus(t, i), 0, inf) : Hz""",
                         threshold="rand() < rate*dt", reset="r += 1", method="exact",
                         clock=clock, namespace=constants)
    lif = """dr/dt = -r/tau_r : 1
             dv/dt = (b - v)/tau_m : 1 (unless refractory)
             b : 1
             fp = int(v >= 0)*int(v <= 1) : 1
             """
    hid = b2.NeuronGroup(SIZES[1], lif + "B_in : 1\nB = fp*B_in : 1", threshold="v > 1",
                         reset="v = 0\nr += 1", refractory=2 * ms, method="exact", clock=clock,
                         namespace=constants)
    out = b2.NeuronGroup(SIZES[2], lif + "T = target_scale*targets(t, i) : 1\nB = T - r : 1",
                         threshold="v > 1", reset="v = 0\nr += 1", refractory=2 * ms,
                         method="exact", clock=clock, namespace=constants)
    for group in (inp, hid, out):
        group.run_regularly("r = 0", dt=sample, when="start")
    for group in (hid, out):
        group.run_regularly("v = 0", dt=sample, when="start")
    syn = []
    for pre, post, w in ((inp, hid, w1), (hid, out, w2)):
        s = b2.Synapses(pre, post, "w : 1", on_pre=f"v_post += w\nw += {gate}*{ETA}*B_post",
                        clock=clock, namespace=constants)
        s.connect()
        s.w = w.T.ravel()
        syn.append(s)
    fb = b2.Synapses(out, hid, "C : 1 (constant)\nB_in_post = C*B_pre : 1 (summed)",
                     clock=clock, namespace=constants)
    fb.connect()
    fb.C = c.T.ravel()
    fb.summed_updaters["B_in_post"].order = 102
    readout = b2.SpikeMonitor(out)  # the output spikes a prediction is read from
    monitors = [b2.SpikeMonitor(g, record=False) for g in (inp, hid, out)]
    return [inp, hid, out, *syn, fb, readout], monitors


def _handwritten_rate(b2, w1, w2, c, sample):
    clock = b2.Clock(dt=sample)
    inp = b2.NeuronGroup(SIZES[0], "r = stimulus(t, i) : 1", clock=clock)
    hid = b2.NeuronGroup(SIZES[1], """S_in : 1
                         r = tanh(S_in) : 1
                         B_in : 1
                         B = (1 - r**2)*B_in : 1""", clock=clock)
    out = b2.NeuronGroup(SIZES[2], """S_in : 1
                         r = 1/(1 + exp(-S_in)) : 1
                         B = targets(t, i) - r : 1""", clock=clock)
    syn = []
    for layer, (pre, post, w) in enumerate(((inp, hid, w1), (hid, out, w2)), start=1):
        s = b2.Synapses(pre, post, "w : 1\nS_in_post = w*r_pre : 1 (summed)", clock=clock)
        s.connect()
        s.w = w.T.ravel()
        s.summed_updaters["S_in_post"].order = layer
        s.run_regularly(f"w += learn_gate(t)*{ETA}*B_post*r_pre", when="end", order=layer)
        syn.append(s)
    fb = b2.Synapses(out, hid, "C : 1 (constant)\nB_in_post = C*B_pre : 1 (summed)",
                     clock=clock)
    fb.connect()
    fb.C = c.T.ravel()
    fb.summed_updaters["B_in_post"].order = 102
    monitor = b2.StateMonitor(out, "r", record=True, when="end", order=-1)
    return [inp, hid, out, *syn, fb, monitor], []


# ----- report --------------------------------------------------------------------------------
def _events(spiking: str | None, spikes: list[int], samples: int) -> float:
    """Synaptic events of one run: every spike of a population reaches its fan-out (forward
    on_pre); rate models touch every forward synapse once per sample."""
    if not spiking:
        return float(samples * (SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2]))
    return float(spikes[0] * SIZES[1] + spikes[1] * SIZES[2])


def run(quick: bool) -> str:
    rows = []
    plan = [("spiking", TARGETS, 4 if quick else 20),
            ("spiking 20 ms", ("cpp_standalone",), 20 if quick else 400),
            (None, TARGETS, 200 if quick else 2000)]
    for spiking, targets, base in plan:
        for target in targets:
            # a standalone spiking run of 20 samples lasts ~50 ms: 10x more for a stable time
            samples = base * 10 if spiking and target == "cpp_standalone" else base
            ours = run_ours(spiking, target, samples)
            peer = run_handwritten(spiking, target, samples)
            rows.append((
                spiking or "rate", target, samples,
                samples / ours["elapsed"], _events(spiking, ours["spikes"], samples)
                / ours["elapsed"], ours["first"],
                samples / peer["elapsed"], _events(spiking, peer["spikes"], samples)
                / peer["elapsed"], peer["first"], ours["elapsed"] / peer["elapsed"]))
    lines = ["## brian2", "",
             "784-100-10, every synapse plastic (SRBP, η B_i O_j), one streamed `run()` per "
             "measurement after a warm-up; spiking: LIF, Poisson inputs ≈ 20 Hz, dt 0.1 ms, "
             "50 ms per sample; spiking 20 ms: dt 1 ms, 20 ms per sample (goal ≥ 2,000 "
             "samples/s); rate: one step per sample. Ratio = our wall time / hand-written wall "
             "time (goal ≤ 1.1).", "",
             "| model | target | samples | ours samples/s | ours events/s | ours first call s "
             "| hand-written samples/s | hand-written events/s | hand-written first call s "
             "| ratio |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.1f} | {r[4]:.3g} | {r[5]:.1f} | "
                     f"{r[6]:.1f} | {r[7]:.3g} | {r[8]:.1f} | {r[9]:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv))
