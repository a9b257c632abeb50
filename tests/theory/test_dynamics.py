"""Averaged dynamics: exact linear solution, fixed points, Riccati closed form, the convergence
test, and the predictions against the simulator (‖w‖, angle, time to divergence)."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from neurolocal.backends.numpy.layer import train_layer
from neurolocal.rules import get_rule
from neurolocal.theory import (
    DataMoments,
    ExpectedUpdate,
    Riccati,
    affine_limit,
    affine_trajectory,
    analyze,
    classify,
    fate,
    fixed_points,
)


def gaussian(n_samples, variances, seed, mean=None):
    """Samples with covariance Q diag(variances) Qᵀ for a random rotation Q."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(len(variances), len(variances))))
    x = rng.normal(size=(n_samples, len(variances))) * np.sqrt(variances) @ q.T
    return x if mean is None else x + mean


def test_affine_trajectory_equals_iteration_and_limit():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    m = -0.05 * (a @ a.T + np.eye(4))  # symmetric, eigenvalues in (−1, 0) after scaling
    m *= 0.5 / np.max(np.abs(np.linalg.eigvalsh(m)))
    c = rng.normal(size=4)
    w0 = rng.normal(size=4)
    path = affine_trajectory(m, c, w0, 40)
    w = w0.copy()
    for _ in range(40):
        w = w + m @ w + c
    np.testing.assert_allclose(path[-1], w, rtol=1e-12)
    for _ in range(2000):
        w = w + m @ w + c
    np.testing.assert_allclose(affine_limit(m, c, w0), w, rtol=1e-9)
    assert affine_limit(-m, c, w0) is None  # growing modes: no limit


def test_delta_rule_converges_to_least_squares():
    x = gaussian(300, [3.0, 2.0, 1.0, 0.5], seed=1, mean=0.3)
    t = x @ np.array([1.0, -1.0, 0.5, 2.0]) + 0.5 * np.random.default_rng(1).normal(size=300)
    lam = np.linalg.eigvalsh(x.T @ x / 300)[-1]
    eta = 1.0 / lam  # below 2/λ_max
    run = train_layer(get_rule("delta", eta=eta), x, t, epochs=400, mode="average")
    w_ls = np.linalg.lstsq(x, t, rcond=None)[0]  # independent least squares
    np.testing.assert_allclose(run.weights[0], w_ls, rtol=1e-8, atol=1e-10)
    # and η above 2/λ_max diverges, as the eigenvalue condition predicts
    bad = train_layer(get_rule("delta", eta=2.2 / lam), x, t, epochs=2000, mode="average",
                      limit=1e6)
    assert bad.divergence is not None


def test_oja_converges_to_the_principal_eigenvector_online():
    x = gaussian(400, [4.0, 1.0, 0.5, 0.25, 0.1], seed=2)
    moments = DataMoments(x)
    _, u = moments.principal()
    run = train_layer(get_rule("oja", eta=0.005), x, epochs=30, seed=3)
    w = run.weights[0]
    assert abs(w @ u) / np.linalg.norm(w) > 0.999  # tolerance: online noise ~ η
    assert np.linalg.norm(w) == pytest.approx(1.0, abs=0.01)


def test_oja_fixed_points_and_their_stability():
    x = gaussian(200, [3.0, 1.5, 0.5], seed=4)
    moments = DataMoments(x)
    values, vectors = np.linalg.eigh(moments.second)
    eta = 0.1
    field = ExpectedUpdate(get_rule("oja", eta=eta), moments)
    starts = np.concatenate([vectors.T * 0.9, -vectors.T * 1.1])
    points = fixed_points(field, starts)
    assert len(points) == 6
    for p in points:
        k = int(np.argmax(np.abs(vectors.T @ p.w)))
        np.testing.assert_allclose(np.abs(vectors[:, k] @ p.w), 1.0, rtol=1e-9)
        # closed form of the Jacobian spectrum at ±u_k: η(λ_j − λ_k) (j ≠ k) and −2ηλ_k
        closed = np.sort(np.append(eta * (np.delete(values, k) - values[k]), -2 * eta * values[k]))
        np.testing.assert_allclose(np.sort(p.eigenvalues.real), closed, atol=1e-9)
        assert p.stable_flow == (k == 2)


@pytest.mark.parametrize("a, b, c, w0", [(1.0, 0.0, -1.0, 0.2),   # converges to +1
                                         (1.0, 0.0, -1.0, -1.5),  # blows up to −∞
                                         (0.5, 0.3, 0.4, 0.0),    # no real root: blows up
                                         (0.0, -1.0, 2.0, 0.3)])  # λ < 0 side: converges to 0
def test_riccati_closed_form_against_numerical_integration(a, b, c, w0):
    solution = Riccati(a, b, c, w0)
    t_end = min(3.0, 0.95 * solution.blowup_time)
    t = np.linspace(0, t_end, 30)
    numeric = solve_ivp(lambda _t, w: a + b * w + c * w * w, (0, t_end), [w0], t_eval=t,
                        rtol=1e-11, atol=1e-12).y[0]
    np.testing.assert_allclose(solution.at(t), numeric, rtol=1e-7, atol=1e-9)
    if np.isfinite(solution.blowup_time):
        def escape(_t, w):
            return abs(w[0]) - 1e7

        escape.terminal = True
        event = solve_ivp(lambda _t, w: a + b * w + c * w * w, (0, 10), [w0], rtol=1e-11,
                          atol=1e-12, events=escape)
        assert solution.blowup_time == pytest.approx(event.t_events[0][0], rel=1e-5)
        assert np.isinf(solution.at(np.array([solution.blowup_time + 1]))[0])


def test_riccati_rule_simulation_follows_the_closed_form():
    # Δw = η (T O_j − O_j² w²) never reads O_i: each synapse obeys dw/dt = a + c w²
    rng = np.random.default_rng(5)
    x = rng.uniform(0.2, 1.0, size=(100, 3))
    t = rng.uniform(0.5, 1.0, size=100)
    eta = 1e-3
    rule = get_rule("eta*(target*pre - pre**2*w**2)", eta=eta)
    q = ExpectedUpdate(rule, DataMoments(x, t)).per_synapse()
    w0 = np.array([0.1, -0.2, -3.0])
    run = train_layer(rule, x, t, epochs=3000, mode="average", w0=w0[None], limit=1e6)
    # synapse 2 starts below −√(a/|c|): predicted finite-time blow-up, seen in the simulation
    blowup = Riccati(q[2, 0], q[2, 1], q[2, 2], w0[2]).blowup_time
    assert run.diverged_at is not None
    assert run.diverged_at == pytest.approx(blowup, rel=0.05)
    epochs = np.arange(float(len(run.trajectory)))
    for j in range(2):  # the other synapses follow the closed form until the run stops
        closed = Riccati(q[j, 0], q[j, 1], q[j, 2], w0[j]).at(epochs)
        np.testing.assert_allclose(run.trajectory[:, 0, j], closed, rtol=2e-3, atol=2e-3)
    # without the diverging synapse, every synapse reaches the stable root √(a/|c|)
    safe = train_layer(rule.with_parameters(eta=0.02), x, t, epochs=3000, mode="average",
                       w0=[[0.1, -0.2, 0.0]])
    roots = np.sqrt(q[:, 0] / -q[:, 2])
    np.testing.assert_allclose(safe.weights[0], roots, rtol=1e-9)
    assert all(fate(q[j], w) == pytest.approx(roots[j]) for j, w in enumerate([0.1, -0.2, 0]))
    assert fate(q[2], -3.0) == -np.inf


def _integrate_to_limit(coefficients, x0):
    poly = np.polynomial.Polynomial(coefficients)

    def escape(_t, x):
        return abs(x[0]) - 1e3

    escape.terminal = True
    event = solve_ivp(lambda _t, x: poly(x), (0, 200), [x0], rtol=1e-10, atol=1e-12,
                      events=escape)
    return -np.inf if event.y[0, -1] < -100 else np.inf if event.y[0, -1] > 100 else \
        event.y[0, -1]


@pytest.mark.parametrize("seed", range(6))
def test_convergence_test_against_integration(seed):
    rng = np.random.default_rng(seed)
    degree = 2 + seed % 3
    roots = np.sort(rng.uniform(-2, 2, size=degree))
    sign = -1.0 if seed % 2 == 0 else 1.0
    coefficients = sign * np.polynomial.polynomial.polyfromroots(roots)
    verdict = classify(coefficients)
    starts = np.linspace(-3, 3, 13)
    limits = [_integrate_to_limit(coefficients, s) for s in starts]
    everywhere = all(np.isfinite(v) for v in limits)
    assert verdict.converges_everywhere == everywhere
    assert verdict.converges_everywhere == (degree % 2 == 1 and sign < 0)
    for s, v in zip(starts, limits):
        predicted = fate(coefficients, s)
        if np.isfinite(v):
            assert predicted == pytest.approx(v, abs=1e-4)
        else:
            assert predicted == v


def test_predictions_track_the_simulator_online():
    x = gaussian(150, [2.0, 1.0, 0.5, 0.2], seed=6, mean=0.2)
    # simple Hebb diverges: predicted epoch of divergence and the ‖w‖ trajectory
    hebb = analyze(get_rule("hebb", eta=0.0005), x, epochs=400, seed=1, limit=1e8)
    assert hebb.simulation.diverged_at is not None
    assert abs(hebb.simulation.diverged_at - hebb.prediction.diverged_at) <= 1
    # online steps differ from the averaged flow at second order in η; accumulated over
    # ~130 epochs of exponential growth this is a few percent at η = 5e-4 (13% at 2e-3)
    assert hebb.norm_error() < 0.06
    assert not hebb.verdict.converges_everywhere
    # Oja converges: angle to the principal eigenvector and norm agree
    oja = analyze(get_rule("oja", eta=0.002), x, epochs=60, seed=1)
    sim, pred = oja.series(oja.simulated), oja.series(oja.prediction.trajectory)
    np.testing.assert_allclose(sim["cos_principal"], pred["cos_principal"], atol=0.01)
    assert oja.norm_error() < 0.01
    assert oja.verdict.converges_everywhere and oja.off_line < 1e-9
