"""Capacity of the registry channels measured through the numpy trainer's code path (sigprop,
deep local learning `local`, top-layer-only `top`), checked against updates, cosines and
operation counts computed by hand; `deep_targets` is reported as not measurable."""

import json

import numpy as np
import pytest

from neurolocal.capacity import capacity_network, measure, theory
from neurolocal.capacity.formulas import CHANNELS, NOT_MEASURABLE
from neurolocal.capacity.measure import _deliverer, delivered_update, wired_network
from neurolocal.channels import get_channel
from neurolocal.channels.perturbation import FlatMLP, OpCounter
from neurolocal.cli import main

SIZES = [5, 4, 3, 3]  # W = 5·4+4 + 4·3+3 + 3·3+3 = 51
TINY = [3, 2, 2]  # W = 3·2+2 + 2·2+2 = 14, C = 2 classes


def one_hot_data(n_in, classes, rows=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, n_in))
    t = np.eye(classes)[rng.integers(0, classes, rows)]
    return x, t


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def hand_forward(weights, x):
    """tanh hidden layers, logistic output: the activities O^0..O^L."""
    outs = [x]
    for h, (w, b) in enumerate(weights, 1):
        s = outs[-1] @ w.T + b
        outs.append(sigmoid(s) if h == len(weights) else np.tanh(s))
    return outs


def delivered(channel, sizes, x, t, seed=0):
    """(flat update, θ, FlatMLP, counter) of `channel` for one batch at the initial weights."""
    net = capacity_network(sizes)
    mlp = FlatMLP(net)
    theta = mlp.flatten(net.init_weights(seed))
    counter = OpCounter()
    deliver = _deliverer(channel, 1, net, mlp, theta, np.random.default_rng(seed), counter)
    return deliver(x, t), theta, mlp, counter


def test_every_differentiable_registry_channel_is_known():
    assert {"sigprop", "local", "top"} <= set(CHANNELS)
    from neurolocal.channels import available_channels

    for name in available_channels():
        assert (name in CHANNELS) != (name in NOT_MEASURABLE)
    assert "deep_targets" in NOT_MEASURABLE


def test_local_updates_are_the_delta_rule_on_top_and_oja_below():
    x, t = one_hot_data(5, 3, rows=6)
    update, theta, mlp, _ = delivered("local", SIZES, x, t)
    weights = mlp.unflatten(theta)
    outs = hand_forward(weights, x)
    eta = 0.1  # channel_network's default; hidden layers learn at η/10
    parts = []
    for h, (w, _) in enumerate(weights, 1):
        pre, post = outs[h - 1], outs[h]
        if h == len(weights):  # delta rule: η mean_b (T − O) O_jᵀ, bias η mean_b (T − O)
            err = t - post
            parts += [(eta * err.T @ pre / len(x)).ravel(), eta * err.mean(axis=0)]
        else:  # Oja: η/10 mean_b (O_i O_j − O_i² w), bias: pre = 1, w = b
            b = weights[h - 1][1]
            e = eta / 10
            parts += [(e * (post.T @ pre / len(x) - (post ** 2).mean(axis=0)[:, None] * w))
                      .ravel(), e * (post.mean(axis=0) - (post ** 2).mean(axis=0) * b)]
    np.testing.assert_allclose(update, np.concatenate(parts), rtol=1e-9, atol=1e-15)
    # the top layer's update is exactly the top layer's negative gradient direction
    g = mlp.gradient(theta, x, t)
    top = slice(mlp.layers[-1].start, mlp.num_weights)
    cos = -(update[top] @ g[top]) / (np.linalg.norm(update[top]) * np.linalg.norm(g[top]))
    assert cos == pytest.approx(1.0, abs=1e-12)


def test_top_has_exactly_zero_hidden_update_and_the_gradient_share_as_cosine():
    x, t = one_hot_data(5, 3)
    update, theta, mlp, _ = delivered("top", SIZES, x[:1], t[:1])
    top = mlp.layers[-1].start
    assert np.all(update[:top] == 0)
    assert np.any(update[top:] != 0)
    m = measure(capacity_network(SIZES), "top", x, t, samples=30, seed=0)
    assert m.layer_cosines[:-1] == (None, None)
    assert m.layer_cosines[-1] == pytest.approx(1.0, abs=1e-12)
    # cos(Δ, −g) = ‖g_L‖/‖g‖ per sample, on the same draws (`top` keeps no state and draws
    # nothing but the rows of each minibatch)
    rng = np.random.default_rng(0)
    shares = []
    for _ in range(30):
        rows = rng.integers(0, len(x), size=1)
        g = mlp.gradient(theta, x[rows], t[rows])
        shares.append(np.linalg.norm(g[top:]) / np.linalg.norm(g))
    assert m.cosine == pytest.approx(np.mean(shares), rel=1e-9)
    assert m.predicted.cosine == pytest.approx(np.mean(shares), rel=1e-9)
    assert 0 < m.cosine < 1


def test_the_generic_path_reproduces_bp():
    """Fed BP's local variables, the trainer's rules deliver η·(−g) exactly."""
    x, t = one_hot_data(5, 3, rows=7)
    net = capacity_network(SIZES)
    mlp = FlatMLP(net)
    theta = mlp.flatten(net.init_weights(1))
    wired = wired_network(net, "bp")
    weights = mlp.unflatten(theta)
    variables = get_channel("bp").local_variables(wired, weights, {}, x, t, None)
    rules = [p.rule.compile() for p in wired.projections]
    update = mlp.flatten(delivered_update(rules, weights, [True] * 3, variables))
    np.testing.assert_allclose(update, -0.1 * mlp.gradient(theta, x, t), rtol=1e-9,
                               atol=1e-15)


def test_sigprop_cosine_is_finite_and_counts_equal_hand_counts():
    x, t = one_hot_data(3, 2)
    net = capacity_network(TINY)
    m = measure(net, "sigprop", x, t, samples=20, seed=0)
    assert np.isfinite(m.cosine) and -1 <= m.cosine <= 1 and m.cosine_se > 0
    assert m.predicted.cosine is None and m.message_bits == 32  # every weight reads B
    assert m.predicted.bits_per_weight is None  # no closed form for the information
    assert m.layer_cosines[-1] == pytest.approx(1.0, abs=1e-12)  # top: T − O, the gradient
    # per minibatch of B = 1: forward 14, class signals C·W = 28, hidden layer z = O tᵀ,
    # (Y − P) t, (Y − P)ᵀ O: 3·1·2·2 = 12, hidden rule η B O on B + C = 3 rows: 3·8 = 24,
    # top rule η (T − O) O on 1 row: 6; 84 / 14 = 6 per weight and sample
    assert m.ops_per_weight == pytest.approx(6.0, rel=1e-12)
    # B = 4: 56 + 28 + 48 + (4 + 2)·8 + 4·6 = 204 over 4·14 = 56
    m4 = measure(net, "sigprop", x, t, samples=3, batch_size=4, seed=0)
    assert m4.ops_per_weight == pytest.approx(204 / 56, rel=1e-12)
    assert theory("sigprop", TINY, batch_size=4).ops_per_weight == pytest.approx(204 / 56)
    assert m4.forward_passes == 2  # the input batch and the class signals


def test_local_and_top_counts_and_bits_by_hand():
    x, t = one_hot_data(3, 2)
    net = capacity_network(TINY)
    local = measure(net, "local", x, t, samples=4, seed=0)
    top = measure(net, "top", x, t, samples=4, seed=0)
    # local, B = 1: forward 14; Oja (2 products and one multiplication by w) (1·2 + 1)·8 = 24;
    # delta rule (T O_j − O_i O_j: 2 products) 2·6 = 12 → 50 / 14
    assert local.ops_per_weight == pytest.approx(50 / 14, rel=1e-12)
    # top: forward 14 + delta rule 12 → 26 / 14
    assert top.ops_per_weight == pytest.approx(26 / 14, rel=1e-12)
    # only the 6 top-layer weights receive a message: 32·6/14 message bits per weight
    for m in (local, top):
        assert m.message_bits == pytest.approx(32 * 6 / 14, rel=1e-12)
        assert m.predicted.message_bits == pytest.approx(m.message_bits, rel=1e-12)
        assert m.predicted.ops_per_weight == pytest.approx(m.ops_per_weight, rel=1e-12)
    assert local.predicted.cosine is None


def test_local_hidden_layers_carry_no_target_information():
    """Flipping every target leaves local's hidden updates unchanged, moves the top layer."""
    x, t = one_hot_data(5, 3, rows=8)
    a, _, mlp, _ = delivered("local", SIZES, x, t)
    b, *_ = delivered("local", SIZES, x, 1 - t)
    top = mlp.layers[-1].start
    np.testing.assert_array_equal(a[:top], b[:top])
    assert not np.allclose(a[top:], b[top:])


def test_deep_targets_is_not_measurable():
    x, t = one_hot_data(5, 3)
    with pytest.raises(ValueError, match="not measurable"):
        measure(capacity_network(SIZES), "deep_targets", x, t)


def test_cli_lists_the_rule_channels(capsys):
    assert main(["capacity", "--hidden", "4", "--samples", "5", "--json", "--channels",
                 "sigprop,local,top,deep_targets"]) == 0
    result = json.loads(capsys.readouterr().out)
    rows = {r["channel"]: r for r in result["channels"]}
    assert list(rows) == ["sigprop", "local", "top"]
    assert rows["sigprop"]["predicted"]["cosine"] is None
    assert rows["top"]["layer_cosines"][0] is None
    assert result["not_measurable"][0]["channel"] == "deep_targets"
    assert main(["capacity", "--hidden", "4", "--samples", "3", "--channels",
                 "top,deep_targets"]) == 0
    text = capsys.readouterr().out
    assert "not measurable (non-differentiable)" in text
    assert "* deep_targets: not measurable:" in text
