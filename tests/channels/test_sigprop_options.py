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
