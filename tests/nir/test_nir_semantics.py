"""NIR neurons imported here follow NIR's published equations: checked against scipy's
solve_ivp (an independent integrator, with event detection for thresholds) and against the
closed-form firing rates of IF and LIF under constant current."""

from __future__ import annotations

import nir
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from neurolocal.interchange import chain_from_graph, model_from_stages, simulate

DT = 0.01


def single(neuron: nir.NIRNode, weight: np.ndarray, bias: np.ndarray):
    """A graph as another library writes it: Input → Affine → neuron → Output."""
    graph = nir.NIRGraph.from_list(nir.Affine(weight, bias), neuron)
    return chain_from_graph(graph)


def piecewise(rhs, jumps, y0, dt, **kwargs):
    """Integrate dy/dt = rhs(t, y) over steps of dt with solve_ivp; jumps(n, y) is applied at
    the start of step n. Returns y at every step's end."""
    y, out = np.asarray(y0, float), []
    for n in range(len(jumps)):
        y = y + jumps[n]
        sol = solve_ivp(rhs, (0.0, dt), y, rtol=1e-11, atol=1e-13, **kwargs)
        y = sol.y[:, -1]
        out.append(y)
    return np.array(out)


def test_li_and_cubali_follow_their_odes_under_impulses_and_bias():
    rng = np.random.default_rng(1)
    steps, n_in = 120, 3
    spikes = (rng.random((steps, 1, n_in)) < 0.3).astype(float)
    w = np.array([[0.8, -0.5, 1.3]])
    b = np.array([0.7])
    tau, r, v_leak = 0.05, 2.0, -0.2
    stages = single(nir.LI(tau=np.array([tau]), r=np.array([r]), v_leak=np.array([v_leak])),
                    w, b)
    v = simulate(stages, spikes, DT)[:, 0, 0]
    # τ v̇ = v_leak − v + R b between impulses; an impulse J = W s jumps v by R J / τ
    jumps = [np.array([r * (w @ spikes[n, 0])[0] / tau]) for n in range(steps)]
    expected = piecewise(lambda t, y: (v_leak - y + r * b) / tau, jumps, [v_leak], DT)[:, 0]
    np.testing.assert_allclose(v, expected, rtol=1e-7, atol=1e-9)

    tau_syn, tau_mem, w_in = 0.02, 0.05, 1.7
    cuba = nir.CubaLI(tau_syn=np.array([tau_syn]), tau_mem=np.array([tau_mem]),
                      r=np.array([r]), v_leak=np.array([v_leak]), w_in=np.array([w_in]))
    v = simulate(single(cuba, w, b), spikes, DT)[:, 0, 0]

    def rhs(t, y):  # y = (I, v): τ_s İ = −I + w_in b, τ_m v̇ = v_leak − v + R I
        return [(-y[0] + w_in * b[0]) / tau_syn, (v_leak - y[1] + r * y[0]) / tau_mem]

    jumps = [np.array([w_in * (w @ spikes[n, 0])[0] / tau_syn, 0.0]) for n in range(steps)]
    expected = piecewise(rhs, jumps, [0.0, v_leak], DT)[:, 1]
    np.testing.assert_allclose(v, expected, rtol=1e-7, atol=1e-9)


def test_cubali_with_equal_time_constants_is_the_limit():
    tau, r = 0.03, 1.5
    spikes = np.zeros((60, 1, 1))
    spikes[0] = 1.0
    cuba = nir.CubaLI(tau_syn=np.array([tau]), tau_mem=np.array([tau]), r=np.array([r]),
                      v_leak=np.array([0.0]), w_in=np.array([1.0]))
    v = simulate(single(cuba, np.array([[1.0]]), np.array([0.0])), spikes, DT)[:, 0, 0]
    t = DT * np.arange(1, 61)
    # alpha kernel: I = e^{−t/τ}/τ, v = R (t/τ²) e^{−t/τ}
    np.testing.assert_allclose(v, r * t / tau ** 2 * np.exp(-t / tau), rtol=1e-9)


def spike_times_ivp(rhs, y0, t_end, v_index, v_th, v_reset):
    """Spike times of an ODE neuron with continuous threshold crossing and reset."""
    def crossing(t, y):
        return y[v_index] - v_th
    crossing.terminal, crossing.direction = True, 1
    t, y, times = 0.0, np.asarray(y0, float), []
    while t < t_end:
        sol = solve_ivp(rhs, (t, t_end), y, events=crossing, rtol=1e-10, atol=1e-12,
                        max_step=0.01)
        if sol.status != 1:
            break
        t, y = sol.t_events[0][0], sol.y_events[0][0].copy()
        times.append(t)
        y[v_index] = v_reset
    return np.array(times)


@pytest.mark.parametrize("kind", ["LIF", "CubaLIF"])
def test_spike_times_match_continuous_threshold_crossing(kind):
    dt, t_end = 1e-4, 0.3
    tau, r, v_leak, v_th, v_reset, drive = 0.02, 1.0, 0.0, 1.0, 0.2, 1.6
    tau_syn, w_in = 0.005, 1.0
    n = np.array
    if kind == "LIF":
        node = nir.LIF(tau=n([tau]), r=n([r]), v_leak=n([v_leak]), v_threshold=n([v_th]),
                       v_reset=n([v_reset]))
        def rhs(t, y): return [(v_leak - y[0] + r * drive) / tau]
        expected = spike_times_ivp(rhs, [v_leak], t_end, 0, v_th, v_reset)
        # closed form for constant current: interval τ ln((v∞ − v_reset)/(v∞ − v_th))
        v_inf = v_leak + r * drive
        period = tau * np.log((v_inf - v_reset) / (v_inf - v_th))
        np.testing.assert_allclose(np.diff(expected), period, rtol=1e-6)
    else:
        node = nir.CubaLIF(tau_syn=n([tau_syn]), tau_mem=n([tau]), r=n([r]),
                           v_leak=n([v_leak]), v_threshold=n([v_th]), v_reset=n([v_reset]),
                           w_in=n([w_in]))
        def rhs(t, y): return [(-y[0] + w_in * drive) / tau_syn,
                               (v_leak - y[1] + r * y[0]) / tau]
        expected = spike_times_ivp(rhs, [0.0, v_leak], t_end, 1, v_th, v_reset)
    steps = int(round(t_end / dt))
    out = simulate(single(node, n([[0.0]]), n([drive])), np.zeros((steps, 1, 1)), dt)
    got = (np.flatnonzero(out[:, 0, 0]) + 1) * dt  # the threshold is tested at each step's end
    assert len(expected) >= 8 and len(got) == len(expected)
    # each spike is found at the end of the step containing the crossing; the reset at the
    # step's end instead of the crossing delays later spikes by less than dt each
    lag = got - expected
    assert (lag >= -1e-9).all() and (lag <= dt * np.arange(1, len(lag) + 1) + 1e-9).all()


def test_rate_model_of_imported_neurons_matches_simulated_rates():
    """The imported rate model a = f(g ⊙ (W x + b) + c): exact for IF, the high-rate asymptote
    for LIF, v itself for LI; compared with spike counts of the simulated NIR dynamics."""
    rng = np.random.default_rng(0)
    x = rng.random((5, 4))
    w = rng.normal(0, 1, (6, 4))
    b = rng.normal(0.5, 0.5, 6)
    n6 = np.ones(6)
    dt, steps = 1e-3, 4000
    constant = np.broadcast_to(x * dt, (steps,) + x.shape)  # a constant input signal x
    # IF: exactly relu(R I)/(v_th − v_reset) in continuous time; the discrete reset drops each
    # spike's overshoot (< R I dt) and the window cuts the last interval
    stages = single(nir.IF(r=2 * n6, v_threshold=2.0 * n6, v_reset=0.5 * n6), w, b)
    model = model_from_stages(stages, channel="bp")
    (w_eff, b_eff), = model.weights
    assert model.network.output.transfer == "relu"
    predicted = np.maximum(x @ w_eff.T + b_eff, 0) * steps * dt
    counts = simulate(stages, constant, dt).sum(axis=0)
    np.testing.assert_allclose(counts, predicted, rtol=0.01, atol=1.0)
    # LIF: the asymptote (v∞ − (v_th + v_reset)/2)/(τ (v_th − v_reset)) of the exact rate,
    # good to a few percent once v∞ − v_reset > 2 (v_th − v_reset)
    # (CubaLIF likewise, with R w_in: under constant current I_s settles at w_in I)
    dt, steps, tau = 1e-4, 10000, 0.02
    lif = nir.LIF(tau=tau * n6, r=n6, v_leak=0.2 * n6, v_threshold=0.5 * n6, v_reset=0 * n6)
    cuba = nir.CubaLIF(tau_syn=0.002 * n6, tau_mem=tau * n6, r=n6 / 1.5, v_leak=0.2 * n6,
                       v_threshold=0.5 * n6, v_reset=0 * n6, w_in=1.5 * n6)
    for node in (lif, cuba):
        stages = single(node, w, b)
        (w_eff, b_eff), = model_from_stages(stages, channel="bp").weights
        np.testing.assert_allclose(w_eff, w / (tau * 0.5))
        predicted = np.maximum(x @ w_eff.T + b_eff, 0) * steps * dt
        counts = simulate(stages, np.broadcast_to(x * dt, (steps,) + x.shape), dt).sum(axis=0)
        strong = 0.2 + x @ w.T + b > 1.0
        assert strong.sum() >= 5 and (counts[~strong] <= predicted[~strong] + 1).all()
        np.testing.assert_allclose(counts[strong], predicted[strong], rtol=0.04, atol=2.0)
    li = nir.LI(tau=0.002 * n6, r=3 * n6, v_leak=-0.1 * n6)
    stages = single(li, w, b)
    (w_eff, b_eff), = model_from_stages(stages, channel="bp").weights
    # impulses R (W x) dt/τ every step: at each step's end, after the geometric series,
    # v = v_leak + R b + R (W x)(dt/τ) e^{−dt/τ}/(1 − e^{−dt/τ}) → v_leak + R (W x + b) as dt → 0
    for dt in (1e-3, 1e-5):
        v_end = simulate(stages, np.broadcast_to(x * dt, (4000,) + x.shape), dt)[-1]
        decay = np.exp(-dt / 0.002)
        np.testing.assert_allclose(v_end, -0.1 + 3 * b + 3 * (x @ w.T) * (dt / 0.002) * decay
                                   / (1 - decay), rtol=1e-6)
    np.testing.assert_allclose(v_end, x @ w_eff.T + b_eff, rtol=1e-2, atol=0.03)
    np.testing.assert_allclose(x @ w_eff.T + b_eff, -0.1 + 3 * (x @ w.T + b))
