"""Measured capacity against the closed forms: operation and bit counts exactly (the counter
runs inside the algorithms' code path), cosines within 4 standard errors of E cos (Monte Carlo
over minibatches and perturbations), and the fitted exponents in W and k within stated bounds.

The gradient the cosines refer to is checked against central finite differences first.
"""

import math

import numpy as np
import pytest

from neurolocal.capacity import (
    capacity_network,
    fit_exponent,
    k_exponent,
    measure,
    sign_cos,
    sweep,
    theory,
)
from neurolocal.channels.perturbation import FlatMLP, OpCounter, Perturbation

SIZES = [8, 6, 3]  # W = 8·6 + 6 + 6·3 + 3 = 75


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 8))
    t = (rng.random((64, 3)) < 0.5).astype(float)
    return x, t


@pytest.mark.parametrize("output", ["logistic", "tanh", "linear"])
def test_gradient_matches_finite_differences(data, output):
    x, t = data
    net = capacity_network([8, 5, 4, 3], output=output)
    mlp = FlatMLP(net)
    theta = mlp.flatten(net.init_weights(1, np.float64))
    tt = 2 * t - 1 if output == "tanh" else t
    g = mlp.gradient(theta, x[:7], tt[:7])
    eye = np.eye(mlp.num_weights) * 1e-6
    fd = np.array([(mlp.loss(theta + e, x[:7], tt[:7]) - mlp.loss(theta - e, x[:7], tt[:7]))
                   / 2e-6 for e in eye])
    assert np.max(np.abs(fd - g)) < 1e-7 * max(1.0, np.max(np.abs(g)))  # central-difference error


def test_stacked_losses_equal_one_at_a_time(data):
    x, t = data
    net = capacity_network(SIZES)
    mlp = FlatMLP(net)
    theta = mlp.flatten(net.init_weights(0, np.float64))
    stack = theta + 0.1 * np.random.default_rng(1).standard_normal((5, mlp.num_weights))
    batched = mlp.sample_losses(stack, x[:9], t[:9]).mean(axis=1)
    single = [mlp.loss(p, x[:9], t[:9]) for p in stack]
    np.testing.assert_allclose(batched, single, rtol=1e-12)


@pytest.mark.parametrize("channel,k", [("bp", 1), ("rbp", 1), ("srbp", 1), ("pwlr", 1),
                                       ("pwlb", 1), ("palr", 1), ("pwgb", 1), ("pwgbk", 4),
                                       ("pwgrk", 5), ("asrbp", 1), ("sign_redrawn", 1)])
def test_counts_equal_closed_forms(data, channel, k):
    x, t = data
    m = measure(capacity_network(SIZES), channel, x, t, samples=3, batch_size=4, k=k,
                precision_bits=32)
    p = theory(channel, SIZES, k, precision_bits=32)
    assert m.num_weights == 75
    assert m.ops_per_weight == pytest.approx(p.ops_per_weight, rel=1e-12)
    assert m.bits_per_weight == pytest.approx(p.bits_per_weight, rel=1e-12)
    # forward passes per minibatch: 1 + W (PWLR, PWLB), 1 + k (PWGBk, PWGRk), 2 (PWGB),
    # 1 + N (PALR, one partial pass per unit), 1 (feedback channels)
    passes = {"pwlr": 76, "pwlb": 76, "pwgb": 2, "pwgbk": 1 + k, "pwgrk": 1 + k, "palr": 10}
    assert m.forward_passes == passes.get(channel, 1)


@pytest.mark.parametrize("channel", ["bp", "pwlr", "palr"])
def test_exact_channels_deliver_the_gradient(data, channel):
    x, t = data
    m = measure(capacity_network(SIZES), channel, x, t, samples=20)
    assert m.cosine > 1 - 1e-6  # finite differences with ε = 1e-6 in float64


def test_pwlb_is_the_sign_of_the_gradient(data):
    x, t = data
    net = capacity_network(SIZES)
    mlp = FlatMLP(net)
    theta = mlp.flatten(net.init_weights(0, np.float64))
    g = mlp.gradient(theta, x[:1], t[:1])
    delta = Perturbation("pwlb").direction(mlp, theta, x[:1], t[:1], np.random.default_rng(0),
                                           OpCounter())
    np.testing.assert_array_equal(np.sign(delta), -np.sign(g))
    assert -(delta @ g) / (np.linalg.norm(delta) * np.linalg.norm(g)) == \
        pytest.approx(sign_cos(g), rel=1e-9)


@pytest.mark.parametrize("channel,k", [("pwgb", 1), ("pwgbk", 4), ("pwgrk", 5)])
def test_random_channels_mean_cosine_within_4_se(data, channel, k):
    x, t = data
    m = measure(capacity_network(SIZES), channel, x, t, samples=3000, k=k, seed=2)
    assert abs(m.cosine - m.predicted.cosine) < 4 * m.cosine_se
    assert m.improvement == pytest.approx(m.cosine * m.gradient_norm, rel=0.2)


def test_exponents_in_w_follow_the_theory(data):
    # networks 8 → n → n → 3 for n = 4..32: W from 71 to 1475 (a factor 21)
    x, t = data
    result = sweep([4, 8, 16, 32], 2, x, t, channels=("bp", "pwlr", "pwgb", "pwgrk"),
                   samples=400, k=4, seed=3)
    bp, pwlr = result.exponents("bp"), result.exponents("pwlr")
    assert abs(bp["ops_per_weight"]) < 0.1 and bp["cosine"] == pytest.approx(0, abs=1e-9)
    assert pwlr["ops_per_weight"] == pytest.approx(1.0, abs=0.02)  # C_W = W + 2
    assert pwlr["rate"] == pytest.approx(-1.0, abs=0.02)
    for name in ("pwgb", "pwgrk"):
        e = result.exponents(name)
        # theory −1/2; each point's relative SE is ≤ 4 %, so the slope's SE is ≈ 0.02: 4 SE
        assert e["cosine"] == pytest.approx(e["cosine_theory"], abs=0.08)
        assert e["cosine_theory"] == pytest.approx(-0.5, abs=0.01)
        assert e["ops_per_weight"] == pytest.approx(0.0, abs=1e-9)
        assert e["rate"] == pytest.approx(-1.0, abs=1e-9)  # bits ∝ 1/W at constant C_W
    # BP's rate and improvement are the largest at every size
    for rows in zip(*result.measurements.values()):
        assert max(rows, key=lambda m: m.rate).channel == "bp"
        assert max(r.improvement for r in rows) <= rows[0].improvement * (1 + 1e-6)


def test_exponents_in_k(data):
    x, t = data
    e = k_exponent("pwgrk", [2, 4, 8, 16], [8, 16, 16, 3], x, t, samples=300, seed=4)
    # √k (1 − 1/(4k)) for k ≪ W = 467: the correction steepens the slope a little above 1/2
    assert 0.5 < e["cosine_theory"] < 0.6
    assert e["cosine"] == pytest.approx(e["cosine_theory"], abs=0.1)
    assert e["ops_per_weight"] == pytest.approx(fit_exponent([2, 4, 8, 16],
                                                             [5, 9, 17, 33]), rel=1e-9)


def test_measure_rejects_bad_input(data):
    x, t = data
    net = capacity_network(SIZES)
    with pytest.raises(ValueError, match="unknown channel"):
        measure(net, "xyz", x, t)
    with pytest.raises(ValueError, match="samples"):
        measure(net, "bp", x, t, samples=1)
    with pytest.raises(ValueError, match="k must be"):
        measure(net, "pwgbk", x, t, k=1)
    assert fit_exponent([1, 2], [1, -1]) is None
    assert math.isclose(fit_exponent([1, 10, 100], [3, 30, 300]), 1.0)


@pytest.mark.parametrize("output", ["logistic", "tanh", "linear"])
def test_flat_loss_is_the_channels_matched_loss(data, output):
    from neurolocal.channels import forward_pass, output_loss

    x, t = data
    net = capacity_network(SIZES, output=output)
    weights = net.init_weights(4, np.float64)
    tt = 2 * t - 1 if output == "tanh" else t
    mlp = FlatMLP(net)
    reference = output_loss(net, forward_pass(net, weights, x).O[-1], tt)
    assert mlp.loss(mlp.flatten(weights), x, tt) == pytest.approx(reference, rel=1e-9)
