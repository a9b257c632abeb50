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

FAST = dict(dt=1e-3, sample_time=0.03, settle_time=0.01, max_rate=200.0)


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
    sim = get_backend("brian2").build(network, seed=1, spiking=True, **FAST)
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


def test_learned_feedback_is_rate_only():
    from neurolocal.channels import get_channel

    network = Network.layered([3, 4, 2], channel=get_channel("arbp"))
    with pytest.raises(UnsupportedError, match="learned backward synapses"):
        get_backend("brian2").build(network, spiking=True)
