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
    assert m.message_bits == pytest.approx(p.message_bits, rel=1e-12)
    # forward passes per minibatch: 1 + W (PWLR, PWLB), 1 + k (PWGBk, PWGRk), 2 (PWGB),
    # 1 + N (PALR, one partial pass per unit), 1 (feedback channels)
    passes = {"pwlr": 76, "pwlb": 76, "pwgb": 2, "pwgbk": 1 + k, "pwgrk": 1 + k, "palr": 10}
    assert m.forward_passes == passes.get(channel, 1)


@pytest.mark.parametrize("channel", ["bp", "pwlr", "palr"])
def test_exact_channels_deliver_the_gradient(data, channel):
    x, t = data
    m = measure(capacity_network(SIZES), channel, x, t, samples=20)
    assert m.cosine > 1 - 1e-6  # finite differences with ε = 1e-6 in float64


@pytest.mark.parametrize("orthant", ["uniform", "sphere"])
def test_pwlb_draws_a_random_descent_vector_in_the_orthant(data, orthant):
    """Every draw is a unit vector in −g's orthant, the draws differ, and their mean cosine
    matches (‖g‖₁/‖g‖₂)·E[m_1/‖m‖] within 4 SE (Monte Carlo over the algorithm's own draws);
    the deterministic −sign(g)/√W (cos ‖g‖₁/(√W‖g‖₂)) lies well outside."""
    x, t = data
    mlp = FlatMLP(capacity_network(SIZES))
    theta = mlp.flatten(capacity_network(SIZES).init_weights(0, np.float64))
    g = mlp.gradient(theta, x[:4], t[:4])
    algorithm, rng = Perturbation("pwlb", orthant=orthant), np.random.default_rng(0)
    draws = np.array([algorithm.direction(mlp, theta, x[:4], t[:4], rng, OpCounter())
                      for _ in range(300)])
    np.testing.assert_array_equal(np.sign(draws), np.broadcast_to(-np.sign(g), draws.shape))
    np.testing.assert_allclose(np.linalg.norm(draws, axis=1), 1.0, rtol=1e-12)
    assert len(np.unique(draws[:, 0])) == 300
    cos = -(draws @ g) / np.linalg.norm(g)
    se = cos.std(ddof=1) / math.sqrt(len(cos))
    # E[m_1/‖m‖] by its own Monte Carlo (not the library's integral)
    m = np.abs(np.random.default_rng(1).standard_normal((200000, 75))) if orthant == "sphere" \
        else np.random.default_rng(1).uniform(size=(200000, 75))
    expected = np.abs(g).sum() / np.linalg.norm(g) * (m[:, 0] / np.linalg.norm(m, axis=1)).mean()
    assert abs(cos.mean() - expected) < 4 * se + 1e-3 * expected
    deterministic = np.abs(g).sum() / (math.sqrt(75) * np.linalg.norm(g))
    assert cos.mean() < deterministic - 10 * se


def test_two_hidden_layers_separate_srbp_cost_from_bp(data):
    """8 → 6 → 5 → 3, W = 54 + 35 + 18 = 107. Per sample, BP's backward pathways 3→2 and 2→1
    cost 5·3 + 6·5 = 45 multiply-adds, SRBP's direct ones 3→2 and 3→1 cost 5·3 + 6·3 = 33;
    forward and update W each. (With one hidden layer the two are equal.)"""
    x, t = data
    sizes = [8, 6, 5, 3]
    for channel, backward in (("bp", 45), ("srbp", 33), ("rbp", 45)):
        expected = (2 * 107 + backward) / 107
        assert theory(channel, sizes).ops_per_weight == pytest.approx(expected, rel=1e-12)
        m = measure(capacity_network(sizes), channel, x, t, samples=2, batch_size=3)
        assert m.ops_per_weight == pytest.approx(expected, rel=1e-12)


def test_bp_rate_is_maximal_on_every_network(data):
    x, t = data
    for hidden in ([6], [5, 4], [4, 4, 4]):
        sizes = [8, *hidden, 3]
        rows = [measure(capacity_network(sizes), c, x, t, samples=20, k=4, seed=1)
                for c in ("bp", "rbp", "srbp", "sign", "sigprop", "top", "pwlr", "pwlb",
                          "palr", "pwgb", "pwgbk", "pwgrk")]
        bp = rows[0]
        assert bp.bits_per_weight == 32  # the exact gradient: D bits, resolved in float64
        for r in rows[1:]:
            assert r.rate < bp.rate, (sizes, r.label)
            assert r.bits_per_weight <= 32


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
    assert pwlr["rate_theory"] == pytest.approx(-1.0, abs=0.02)
    # measured: forward differences (ε = 1e-6) resolve ~21 of the D = 32 bits, a little
    # fewer in larger networks
    assert pwlr["rate"] == pytest.approx(-1.0, abs=0.05)
    for name in ("pwgb", "pwgrk"):
        e = result.exponents(name)
        # theory −1/2; each point's relative SE is ≤ 4 %, so the slope's SE is ≈ 0.02: 4 SE
        assert e["cosine"] == pytest.approx(e["cosine_theory"], abs=0.08)
        assert e["cosine_theory"] == pytest.approx(-0.5, abs=0.01)
        assert e["ops_per_weight"] == pytest.approx(0.0, abs=1e-9)
        # information ≈ 0.72·(1 or k)/W at constant C_W: rate ∝ W^−1 (digamma corrections);
        # the measured information is a mean of −log(1 − c²), noisier than the cosine
        assert e["rate_theory"] == pytest.approx(-1.0, abs=0.03)
        assert e["rate"] == pytest.approx(e["rate_theory"], abs=0.1)
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


def test_pwlb_orthant_option_reaches_the_measurement_and_its_prediction(data):
    """`pwlb[orthant=sphere]` draws half-normal magnitudes, not uniform ones: its measured
    cosine follows its own law (E cos ≈ 2/π vs √(3/(2π)) for Gaussian g) and the prediction,
    averaged over the drawn gradients, is the sphere law's — not the uniform one's."""
    x, t = data
    net = capacity_network(SIZES)
    uniform = measure(net, "pwlb", x, t, samples=400, seed=0)
    sphere = measure(net, "pwlb[orthant=sphere]", x, t, samples=400, seed=0)
    for m in (uniform, sphere):
        assert abs(m.cosine - m.predicted.cosine) < 4 * m.cosine_se
    # E[m_1/‖m‖] ≈ E[m]/√(W·E[m²]) for large W: U(0,1) gives (1/2)/√(1/3) = √3/2, the
    # half-normal √(2/π)/1: the two predictions differ by that ratio
    ratio = sphere.predicted.cosine / uniform.predicted.cosine
    assert abs(ratio - math.sqrt(2 / math.pi) / (math.sqrt(3) / 2)) < 0.02
    assert sphere.cosine < uniform.cosine - 4 * (sphere.cosine_se + uniform.cosine_se)
