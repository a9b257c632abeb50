"""Dropout and Taylor approximations of E[f(S)] against exact enumeration of dropout masks."""

import numpy as np
import pytest

from neurolocal.theory.approximations import (
    all_masks,
    approximation_errors,
    dropout_moments,
    exact_expectation,
    mask_probabilities,
    monte_carlo_expectation,
)


def _logistic(s):
    return 1 / (1 + np.exp(-s))


@pytest.fixture
def unit():
    rng = np.random.default_rng(0)
    return rng.normal(size=10), rng.uniform(-1, 1, size=(6, 10))


def test_dropout_moments_equal_enumeration(unit):
    w, x = unit
    masks = all_masks(10)
    prob = mask_probabilities(masks, 0.7)
    s = (masks * w) @ x.T
    mean = prob @ s
    var = prob @ s ** 2 - mean ** 2
    m, v = dropout_moments(w, x, 0.7)
    np.testing.assert_allclose(m, mean, rtol=1e-12)
    np.testing.assert_allclose(v, var, rtol=1e-10)
    assert prob.sum() == pytest.approx(1.0, abs=1e-12)


def test_logistic_normalized_geometric_mean_is_exactly_f_of_mean(unit):
    w, x = unit
    masks = all_masks(10)
    prob = mask_probabilities(masks, 0.5)
    s = (masks * w) @ x.T
    g = np.exp(prob @ np.log(_logistic(s)))
    g_bar = np.exp(prob @ np.log(1 - _logistic(s)))
    mean, _ = dropout_moments(w, x, 0.5)
    np.testing.assert_allclose(g / (g + g_bar), _logistic(mean), rtol=1e-12)


@pytest.mark.parametrize("transfer", ["logistic", "tanh"])
def test_taylor_beats_first_order_for_small_variance(unit, transfer):
    w, x = unit
    errors = approximation_errors(transfer, 0.3 * w, x, 0.8)
    assert errors["taylor_max"] < errors["dropout_max"]
    # the dropout error is ½ f'' Var S = O(w²); Taylor's remainder starts with the third
    # central moment, O(w³): halving w cuts them ~4x and ~8x
    small = approximation_errors(transfer, 0.15 * w, x, 0.8)
    assert small["dropout_mean"] < errors["dropout_mean"] / 3
    assert small["taylor_mean"] < errors["taylor_mean"] / 6


def test_monte_carlo_agrees_with_enumeration(unit):
    w, x = unit
    exact = exact_expectation("tanh", w, x, 0.6)
    estimate, se = monte_carlo_expectation("tanh", w, x, 0.6, samples=20000, seed=1)
    assert np.max(np.abs(estimate - exact)) < 4 / np.sqrt(20000)  # 4σ, |tanh| ≤ 1
    assert np.all(np.abs(estimate - exact) < 5 * se) and np.all(se < 1 / np.sqrt(20000))


def test_bad_input():
    with pytest.raises(ValueError, match="logistic and tanh"):
        approximation_errors("linear", np.ones(2), np.ones((1, 2)), 0.5)
    with pytest.raises(ValueError, match="keep probability"):
        dropout_moments(np.ones(2), np.ones((1, 2)), 0.0)
