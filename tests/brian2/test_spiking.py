"""Spiking mode of the Brian2 backend.

- The event code is exact: recorded spike times give, by an independent sum over spikes of
  exponentially decaying traces, the weight change the rule must make (tolerance 1e-9).
- Oja and Hebb with decay on Poisson-coded inputs converge to the principal direction of the
  input rates' second-moment matrix (|cos| > 0.95; measured 0.995 and 0.9998).
"""

import brian2
import numpy as np
import pytest

from neurolocal.backends import UnsupportedError, get_backend
from neurolocal.network import Network
from neurolocal.rules import get_rule

pytestmark = pytest.mark.brian2

FAST = dict(dt=1e-3, sample_time=0.03, settle_time=0.01, max_rate=200.0, weight_scale=1.0)


def _trace_before(spike_times, when, sample_time, tau):
    """r(t−) of a trace that jumps by 1 per spike, decays with tau, and restarts at 0 at each
    sample boundary: Σ exp(−(t − t_k)/τ) over spikes t_k < t in the same sample."""
    start = np.floor(when / sample_time + 1e-9) * sample_time
    earlier = spike_times[(spike_times < when - 1e-9) & (spike_times >= start - 1e-9)]
    return np.exp(-(when - earlier) / tau).sum()


@pytest.mark.parametrize("rule", ["hebb", "delta"])
def test_event_code_is_the_rule_summed_over_spikes(rule):
    n_in, n = 6, 12
    eta = 0.01
    network = Network.layered([n_in, 1], output="linear", rule=get_rule(rule, eta=eta),
                              bias=False)
    w0 = [(np.full((1, n_in), 0.6), np.zeros(1))]
    sim = get_backend("brian2").build(network, weights=w0, spiking=True, seed=1, **FAST)
    model = sim.model
    pre_monitor = brian2.SpikeMonitor(model.groups[0])
    post_monitor = brian2.SpikeMonitor(model.groups[1])
    model.brian2_network.add(pre_monitor, post_monitor)  # the Network is open to extension
    rng = np.random.default_rng(0)
    x = rng.random((n, n_in))
    targets = rng.random((n, 1))
    model.run(x, targets, learn=True)
    p = model.p
    assert p.eta_scale == pytest.approx(1 / (200.0 * 0.02))  # 1/(max_rate · learn time)
    eta = eta * p.eta_scale  # the rule's per-sample η, per spike
    post_times = np.asarray(post_monitor.t / brian2.second)
    assert len(post_times) > 5 and pre_monitor.num_spikes > 50

    def settled(tt):  # learning is gated off during each sample's settle time
        return tt - np.floor(tt / p.sample_time + 1e-9) * p.sample_time >= p.settle_time - 1e-9

    expected = np.full(n_in, 0.6)
    for j in range(n_in):
        pre_times = np.asarray(pre_monitor.t[pre_monitor.i == j] / brian2.second)
        if rule == "hebb":  # on_post: w += η r_pre
            expected[j] += eta * sum(_trace_before(pre_times, tp, p.sample_time, p.tau_O)
                                     for tp in post_times if settled(tp))
        else:  # delta: on_pre w += η T_post; on_post w −= η r_pre
            sample = np.floor(pre_times / p.sample_time + 1e-9).astype(int)
            scale = p.target_scale
            expected[j] += eta * sum(scale * targets[k, 0]
                                     for tj, k in zip(pre_times, sample) if settled(tj))
            expected[j] -= eta * sum(_trace_before(pre_times, tp, p.sample_time, p.tau_O)
                                     for tp in post_times if settled(tp))
    np.testing.assert_allclose(sim.weights()[0][0][0], expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("rule", [get_rule("oja", eta=0.01),
                                  get_rule("hebb_decay", eta=0.01, c=0.001)])
def test_spiking_oja_finds_the_principal_direction(rule):
    rng = np.random.default_rng(0)
    n_in = 8
    u = np.array([1, 1, 1, 1, -1, -1, -1, -1]) / np.sqrt(8)
    x = np.clip(0.5 + 0.35 * rng.standard_normal((300, 1)) * u
                + 0.05 * rng.standard_normal((300, n_in)), 0, 1)
    rates = x * FAST["max_rate"]
    top = np.linalg.eigh(rates.T @ rates)[1][:, -1]
    network = Network.layered([n_in, 1], output="linear", rule=rule, bias=False)
    sim = get_backend("brian2").build(network, seed=1, spiking=True, eta_scale=1.0, **FAST)
    w_start = sim.weights()[0][0][0]
    sim.train(x, np.zeros((300, 1)), epochs=2)
    w = sim.weights()[0][0][0]
    cosine = abs(w @ top) / np.linalg.norm(w)
    assert abs(w_start @ top) / np.linalg.norm(w_start) < 0.8  # not aligned at the start
    assert cosine > 0.95


def test_bad_spiking_parameter_is_a_clear_error():
    network = Network.layered([3, 2], rule="delta")
    with pytest.raises(UnsupportedError, match="tau_x"):
        get_backend("brian2").build(network, spiking=True, tau_x=0.01)


def test_bias_learns_the_rate_models_change_per_sample():
    """Silent inputs (x = 0) and b < 1: the output never fires, so O = 0 and each sample the
    delta rule's bias change η (T − O) is applied in learn_time/learn_dt ticks of
    tick_scale·η·T: after n samples b = n η T_scale T (to within one tick per sample)."""
    eta, n = 0.01, 10
    network = Network.layered([3, 2], output="linear", rule=get_rule("delta", eta=eta))
    sim = get_backend("brian2").build(network, weights=[(np.zeros((2, 3)), np.zeros(2))],
                                      spiking=True, **FAST)
    targets = np.tile([1.0, 0.5], (n, 1))
    sim.model.run(np.zeros((n, 3)), targets, learn=True)
    p = sim.model.p
    expected = n * eta * p.target_scale * targets[0]
    ticks = p.learn_time / p.learn_dt
    np.testing.assert_allclose(sim.weights()[0][1], expected, rtol=1.01 / ticks)
    np.testing.assert_allclose(sim.weights()[0][0], 0.0)  # no input spike, no weight change


@pytest.mark.parametrize("neuron", ["lif", "alif", "cubalif"])
def test_neuron_options_fire_at_the_expected_rate(neuron):
    """A unit with constant drive b = 2 (no inputs, refractory 0, τ_m = 10 ms) fires
    periodically; the interval to threshold θ from 0 is τ_m ln(b/(b − θ)), derived by hand:
    LIF with its per-unit threshold set to θ = 0.5: τ_m ln(4/3), constant; ALIF (θ = 1 + a):
    first τ_m ln 2, the second longer but below τ_m ln(2/(2 − 1.2)) (a = 0.2 decays a little
    meanwhile), then slowing; CubaLIF (v_leak = b, I = 0): τ_m ln 2, constant."""
    network = Network.layered([1, 1], output="linear", rule=None)
    sim = get_backend("brian2").build(network, weights=[(np.zeros((1, 1)), np.full(1, 2.0))],
                                      spiking=True, neuron=neuron, refractory=0.0,
                                      dt=1e-4, sample_time=0.05, settle_time=0.0)
    if neuron == "lif":
        sim.model.groups[1].v_threshold = 0.5
    monitor = brian2.SpikeMonitor(sim.model.groups[1])
    sim.model.brian2_network.add(monitor)
    sim.model.run(np.zeros((1, 1)))
    intervals = np.diff(np.concatenate([[0.0], np.asarray(monitor.t / brian2.second)]))
    first = 0.01 * np.log(4 / 3) if neuron == "lif" else 0.01 * np.log(2)
    assert intervals[0] == pytest.approx(first, abs=2e-4)  # within two steps
    if neuron == "alif":
        assert first * 1.2 < intervals[1] < 0.01 * np.log(2 / (2 - 1.2)) + 2e-4
        assert np.all(np.diff(intervals[:5]) > -2e-4)  # slowing down
    else:
        np.testing.assert_allclose(intervals[:5], first, atol=2e-4)


def test_cubalif_input_current_follows_nir():
    """NIR CubaLIF: an input spike adds w_in·s·w to I, which decays with τ_syn, and drives v
    by r I/τ_m: with one input spike of jump J at t0 and v(t0) = 0, b = 0,
    v(t) = r J τ_syn/(τ_syn − τ_m)·(e^{−(t−t0)/τ_syn} − e^{−(t−t0)/τ_m})."""
    network = Network.layered([1, 1], output="linear", rule=None, bias=False)
    sim = get_backend("brian2").build(network, weights=[(np.full((1, 1), 0.4), np.zeros(1))],
                                      spiking=True, neuron="cubalif", dt=1e-5,
                                      sample_time=0.02, settle_time=0.0, max_rate=1e4,
                                      weight_scale=1.0)
    model = sim.model
    model.groups[1].w_in = 0.5
    model.groups[1].r_mem = 1.5
    spikes = brian2.SpikeMonitor(model.groups[0])
    state = brian2.StateMonitor(model.groups[1], "v", record=0, when="end")
    model.brian2_network.add(spikes, state)
    x = np.zeros((1, 1))
    x[0, 0] = 1e-2  # about one input spike in 20 ms at 100 Hz
    brian2.seed(3)
    model.run(x)
    times = np.asarray(spikes.t / brian2.second)
    assert len(times) >= 1
    t = np.asarray(state.t / brian2.second)
    jump, tau_syn, tau_m = 0.5 * 0.4, 0.005, 0.01
    expected = np.zeros_like(t)
    for t0 in times:
        lag = np.clip(t - t0, 0, None)
        expected += (t > t0) * 1.5 * jump * tau_syn / (tau_syn - tau_m) * (
            np.exp(-lag / tau_syn) - np.exp(-lag / tau_m))
    np.testing.assert_allclose(np.asarray(state.v[0]), expected, atol=2e-3)


def test_spiking_options_that_make_no_sense_are_refused():
    """As user errors (the CLI's one line, exit 2), naming the option."""
    from neurolocal.backends.brian2.neurons import get_neuron
    from neurolocal.errors import UserError

    network = Network.layered([3, 2], rule="delta")
    for options, name in (({"sample_time": 0.001, "refractory": 0.002}, "sample_time"),
                          ({"max_rate": 2000.0}, "max_rate"),
                          ({"settle_time": 0.2}, "settle_time"),
                          ({"neuron": "hh"}, "neuron")):
        with pytest.raises(UserError, match=name):
            get_backend("brian2").build(network, spiking=True, **options)
    with pytest.raises(UserError, match="unknown spiking neuron 'hh'"):
        get_neuron("hh")


def test_spiking_learned_feedback_changes_the_backward_weights():
    from neurolocal.channels import get_channel

    network = Network.layered([3, 4, 2], channel=get_channel("arbp"))
    sim = get_backend("brian2").build(network, spiking=True, seed=0, **FAST)
    feedback = next(o for o in sim.model.feedback if o.name.startswith("feedback"))
    before = np.asarray(feedback.C[:]).copy()
    rng = np.random.default_rng(0)
    sim.train(rng.random((10, 3)), np.tile([1.0, 0.0], (10, 1)), epochs=1, diagnostics=False)
    assert "C += " in sim.equations()
    assert np.abs(np.asarray(feedback.C[:]) - before).max() > 1e-4


def test_spiking_alignment_angles_are_recorded():
    """BP in spiking mode: the backward weights are the forward ones (feedback angle 0°, to
    float rounding); the update angle (spiking probe update vs the rate network's gradient)
    is recorded per layer. It is a measurement, not a guarantee: LIF rates are ≥ 0 where tanh
    is not, so it is often near 90° on tiny networks (docs/brian2.md has digits values)."""
    from neurolocal.channels import get_channel

    rng = np.random.default_rng(0)
    network = Network.layered([4, 6, 2], channel=get_channel("bp"))
    sim = get_backend("brian2").build(network, spiking=True, seed=0, **FAST)
    x = rng.random((20, 4))
    history = sim.train(x, np.eye(2)[(x[:, 0] > 0.5).astype(int)], epochs=1)
    extra = history.epochs[-1].extra
    np.testing.assert_allclose(extra["feedback_angle"], [0.0], atol=1e-5)
    assert len(extra["update_angle"]) == 2
    assert all(0 <= angle <= 180 for angle in extra["update_angle"])


def test_each_sample_learns_after_its_settle_time_only():
    """Identical samples (the input fires on every step at max_rate = 1/dt, η tiny) change w
    and b by the same amount each: 4 samples in one run change them 4 times as much as one.
    Read as ⌊t/sample_time⌋, the first step of sample 3 (0.3 s / 0.1 s = 2.9999…) belongs to
    sample 2's learning window: one step of 70 too many, 1/280 of the total."""
    network = Network.layered([1, 1], rule=get_rule("delta", eta=1e-6))
    w0 = [(np.full((1, 1), 0.5), np.zeros(1))]

    def change(n):
        sim = get_backend("brian2").build(network, weights=w0, seed=0, spiking=True,
                                          max_rate=1000.0)
        sim.model.run(np.ones((n, 1)), np.ones((n, 1)), learn=True)
        (w, b), = sim.weights()
        return np.array([w[0, 0] - 0.5, b[0]])

    one, four = change(1), change(4)
    assert one.min() > 1e-7  # both learned
    np.testing.assert_allclose(four, 4 * one, rtol=1e-9)
