"""SigProp options: the learned context projection descends layer 1's loss, per-sample target
rows give exactly −η ∂L_1/∂W^1, and their cost is priced from the channel's declaration.
Losses are written out here by hand and differentiated by finite differences."""

import numpy as np
import pytest

from neurolocal.capacity import capacity_network, measure, theory
from neurolocal.channels import channel_network, get_channel
from neurolocal.channels.base import apply_rule

SIZES = [4, 3, 2]


def data(rows=6, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.array([0, 1, 0, 1, 1, 0])[:rows]
    return rng.standard_normal((rows, 4)), np.eye(2)[labels], labels


def layer1_loss(w, b, context, x, labels, per_sample):
    """L_1 = −mean_b Σ_b' Y_bb' log softmax_b'(O_b · t_b'), by hand."""
    o = np.tanh(x @ w.T + b)
    rows = context[labels] if per_sample else context
    t = np.tanh(rows @ w.T + b)
    z = o @ t.T
    logp = z - z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    if per_sample:
        y = (labels[:, None] == labels[None, :]).astype(float)
        y /= y.sum(axis=1, keepdims=True)
    else:
        y = np.eye(context.shape[0])[labels]
    return -np.mean(np.sum(y * logp, axis=1))


def numeric_gradient(f, a):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        g[i] = (f(up) - f(down)) / 2e-6
    return g


@pytest.mark.parametrize("per_sample", [False, True])
def test_hidden_update_is_minus_eta_gradient_of_the_layer_loss(per_sample):
    x, t, labels = data()
    channel = get_channel("sigprop", targets="samples" if per_sample else "classes")
    net = channel_network(SIZES, channel, eta=0.1)
    weights = net.init_weights(0, np.float64)
    state = channel.init_state(net, weights, np.random.default_rng(1))
    variables = channel.local_variables(net, weights, state, x, t, None)
    w, b = weights[0][0].copy(), weights[0][1].copy()
    apply_rule(net.projections[0].rule.compile(), w, b, variables[0])
    grad = numeric_gradient(lambda m: layer1_loss(m, weights[0][1], state["context"], x,
                                                  labels, per_sample), weights[0][0])
    np.testing.assert_allclose(w - weights[0][0], -0.1 * grad, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("per_sample", [False, True])
def test_learned_context_descends_layer_one_loss(per_sample):
    x, t, labels = data()
    channel = get_channel("sigprop", context_eta=0.5,
                          targets="samples" if per_sample else "classes")
    net = channel_network(SIZES, channel)
    weights = net.init_weights(0, np.float64)
    state = channel.init_state(net, weights, np.random.default_rng(1))
    before = state["context"].copy()
    variables = channel.local_variables(net, weights, state, x, t, None)
    channel.update_state(net, weights, state, variables)
    grad = numeric_gradient(lambda e: layer1_loss(weights[0][0], weights[0][1], e, x, labels,
                                                  per_sample), before)
    np.testing.assert_allclose(state["context"] - before, -0.5 * grad, rtol=1e-5, atol=1e-9)
    fixed = get_channel("sigprop")
    kept = fixed.init_state(net, weights, np.random.default_rng(1))
    copy = kept["context"].copy()
    fixed.update_state(net, weights, kept,
                       fixed.local_variables(net, weights, kept, x, t, None))
    np.testing.assert_array_equal(kept["context"], copy)  # context_eta = 0: E stays fixed


def test_per_sample_cost_by_hand():
    # [3, 2, 2], W = 14, B = 4: forward 4·14 = 56, signals 4·14 = 56, pairs 4²·3·2 = 96,
    # hidden rule η B O on 4 + 4 rows: 8·8 = 64, top rule η B O with B = T − O (one
    # product, as for every feedback channel) on 4 rows: 4·6 = 24
    tiny = [3, 2, 2]
    expected = (56 + 56 + 96 + 64 + 24) / 56
    name = "sigprop[targets=samples]"
    assert theory(name, tiny, batch_size=4).ops_per_weight == pytest.approx(expected)
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((20, 3)), np.eye(2)[rng.integers(0, 2, 20)]
    m = measure(capacity_network(tiny), name, x, t, samples=3, batch_size=4)
    assert m.ops_per_weight == pytest.approx(expected, rel=1e-12)
    with pytest.raises(Exception, match="targets"):
        get_channel("sigprop", targets="pairs")


def layer2_loss(w2, b2, o1, t1, labels, per_sample):
    """L_2 on layer 2 with the layer-1 activities O^1 (inputs) and t^1 (signal rows) fixed."""
    o, t = np.tanh(o1 @ w2.T + b2), np.tanh(t1 @ w2.T + b2)
    z = o @ t.T
    logp = z - z.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    y = (labels[:, None] == labels[None, :]).astype(float) if per_sample \
        else np.eye(t.shape[0])[labels]
    y /= y.sum(axis=1, keepdims=True)
    return -np.mean(np.sum(y * logp, axis=1))


@pytest.mark.parametrize("per_sample", [False, True])
def test_second_hidden_layer_update_is_its_own_layer_loss_gradient(per_sample):
    """With two hidden layers, layer 2 sees [O^1; t^1] (not layer 1's rows, not the input's)
    and its update is −η ∂L_2/∂W^2 (and −η ∂L_2/∂b^2) with O^1, t^1 held fixed."""
    x, t, labels = data()
    channel = get_channel("sigprop", targets="samples" if per_sample else "classes")
    net = channel_network([4, 3, 3, 2], channel, eta=0.1)
    weights = net.init_weights(0, np.float64)
    state = channel.init_state(net, weights, np.random.default_rng(1))
    variables = channel.local_variables(net, weights, state, x, t, None)
    (w1, b1), (w2, b2) = weights[0], weights[1]
    o1 = np.tanh(x @ w1.T + b1)
    rows = state["context"][labels] if per_sample else state["context"]
    t1 = np.tanh(rows @ w1.T + b1)
    w, b = w2.copy(), b2.copy()
    apply_rule(net.projections[1].rule.compile(), w, b, variables[1])
    grad_w = numeric_gradient(lambda m: layer2_loss(m, b2, o1, t1, labels, per_sample), w2)
    grad_b = numeric_gradient(lambda v: layer2_loss(w2, v, o1, t1, labels, per_sample), b2)
    np.testing.assert_allclose(w - w2, -0.1 * grad_w, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(b - b2, -0.1 * grad_b, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("targets, expected", [
    # [3, 4, 2, 2]: W = 16 + 10 + 6 = 32, hidden units 4 + 2 = 6, C = 2, B = 4.
    # classes: forward 4·32 = 128, class signals C·W = 64, z, (Y − P) t, (Y − P)ᵀ O on every
    # hidden layer 3·B·C·6 = 144, hidden rules on B + C = 6 rows 6·(16 + 10) = 156, top 4·6
    ("classes", (128 + 64 + 144 + 156 + 24) / 128),
    # samples: forward 128, one signal row per sample B·W = 128, pairs B²·3·6 = 288, hidden
    # rules on 2B = 8 rows 8·26 = 208, top 24
    ("samples", (128 + 128 + 288 + 208 + 24) / 128),
])
def test_cost_with_two_unequal_hidden_layers_by_hand(targets, expected):
    sizes = [3, 4, 2, 2]
    name = f"sigprop[targets={targets}]"
    assert theory(name, sizes, batch_size=4).ops_per_weight == pytest.approx(expected)
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((20, 3)), np.eye(2)[rng.integers(0, 2, 20)]
    m = measure(capacity_network(sizes), name, x, t, samples=3, batch_size=4)
    assert m.ops_per_weight == pytest.approx(expected, rel=1e-12)
    assert m.forward_passes == 2  # the input batch and the signal rows
