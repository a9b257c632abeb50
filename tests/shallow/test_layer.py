"""The single-layer rate simulator against plain loops, closed forms and its own contracts."""

import numpy as np
import pytest

from neurolocal.backends.numpy.layer import divergence, train_layer, with_bias
from neurolocal.network.transfer import get_transfer
from neurolocal.rules import get_rule


def _loop_oja(x, w0, eta, order, transfer):
    """Oja, online, one synapse at a time in plain Python: Δw_ij = η (O_i O_j − O_i² w_ij)."""
    f = get_transfer(transfer).f
    w = [list(row) for row in w0]
    for s in order:
        o = [float(f(np.array(sum(w[i][j] * x[s][j] for j in range(len(x[s]))))))
             for i in range(len(w))]
        for i in range(len(w)):
            for j in range(len(x[s])):
                w[i][j] += eta * (o[i] * x[s][j] - o[i] ** 2 * w[i][j])
    return np.array(w)


@pytest.mark.parametrize("transfer", ["linear", "tanh", "logistic"])
def test_online_matches_a_plain_loop(transfer):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(7, 3))
    w0 = rng.normal(size=(2, 3))
    run = train_layer(get_rule("oja", eta=0.05), x, transfer=transfer, epochs=3, w0=w0, seed=4)
    order_rng = np.random.default_rng(4)  # the simulator draws no weights when w0 is given
    order = np.concatenate([order_rng.permutation(7) for _ in range(3)])
    expected = _loop_oja(x.tolist(), w0, 0.05, order, transfer)
    np.testing.assert_allclose(run.weights, expected, rtol=1e-12, atol=1e-14)


def test_average_mode_hebb_is_a_matrix_power():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 4))
    w0 = rng.normal(size=(1, 4))
    run = train_layer(get_rule("hebb", eta=0.01), x, epochs=20, mode="average", w0=w0)
    sigma = x.T @ x / 50
    closed = np.linalg.matrix_power(np.eye(4) + 0.01 * sigma, 20) @ w0[0]
    np.testing.assert_allclose(run.weights[0], closed, rtol=1e-12)


def test_same_seed_is_bit_identical_and_seeds_differ():
    x = np.random.default_rng(3).normal(size=(30, 5))
    a = train_layer("oja", x, epochs=4, seed=11, n_post=3)
    b = train_layer("oja", x, epochs=4, seed=11, n_post=3)
    c = train_layer("oja", x, epochs=4, seed=12, n_post=3)
    assert np.array_equal(a.trajectory, b.trajectory)
    assert not np.array_equal(a.weights, c.weights)


def test_divergence_epoch_is_the_closed_form_one():
    # 1-D, Σ = 1: w(k) = (1 + η)^k w0 passes the limit first at k* = ceil(log(L/w0)/log(1+η))
    eta, w0, limit = 0.5, 1e-3, 1e6
    k_star = int(np.ceil(np.log(limit / w0) / np.log(1 + eta)))
    run = train_layer(get_rule("hebb", eta=eta), np.ones((1, 1)), epochs=200, mode="average",
                      w0=[[w0]], limit=limit)
    assert run.diverged_at == k_star
    assert run.epochs_done == k_star - 1
    assert run.weights[0, 0] == pytest.approx(w0 * (1 + eta) ** (k_star - 1), rel=1e-12)
    assert "hebb" in str(run.divergence) and str(k_star) in str(run.divergence)
    assert np.all(np.isfinite(run.trajectory)) and len(run.trajectory) == k_star


def test_overflow_to_inf_is_reported_not_raised():
    rule = get_rule("eta*post**5*pre", eta=1.0)
    run = train_layer(rule, np.full((3, 2), 10.0), epochs=50, w0=[[1.0, 1.0]],
                      limit=np.inf)
    assert run.divergence is not None and "NaN or infinite" in run.divergence.reason
    assert np.all(np.isfinite(run.weights)) and np.all(np.isfinite(run.trajectory))


def test_divergence_helper():
    assert divergence(np.array([1.0, -2.0]), 3.0) is None
    assert "exceeded" in divergence(np.array([1.0, -4.0]), 3.0)
    assert "NaN" in divergence(np.array([np.nan]), 3.0)


@pytest.mark.parametrize("transfer, low", [("step01", 0.0), ("sign", -1.0)])
def test_perceptron_with_bias_learns_and_on_threshold_units(transfer, low):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    if low == -1.0:
        x = 2 * x - 1
    t = np.array([low, low, low, 1.0])
    run = train_layer(get_rule("perceptron", eta=0.1), with_bias(x), t, transfer=transfer,
                      epochs=100, seed=0)
    out = get_transfer(transfer).f(with_bias(x) @ run.weights[0])
    np.testing.assert_array_equal(out, t)
    assert with_bias(x).shape == (4, 3) and np.all(with_bias(x)[:, -1] == 1)


def test_bad_inputs_raise_clear_errors():
    x = np.ones((3, 2))
    with pytest.raises(ValueError, match="reads the target"):
        train_layer("delta", x)
    with pytest.raises(ValueError, match="feedback"):
        train_layer("backprop", x)
    with pytest.raises(ValueError, match="mode"):
        train_layer("hebb", x, mode="batchy")
    with pytest.raises(ValueError, match="targets"):
        train_layer("delta", x, np.ones(4))
