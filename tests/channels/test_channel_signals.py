"""Each channel's delivered signal against an independent computation: finite differences of
the loss (BP, SigProp), explicit loops (RBP, SRBP, variants), and the theory's identities
(SRBP = RBP with one hidden layer; ARBP keeps C − Wᵀ constant)."""

import numpy as np
import pytest

from neurolocal.channels import (
    backprop_signals,
    channel_network,
    forward_pass,
    get_channel,
    output_loss,
)
from neurolocal.channels.base import apply_rule
from neurolocal.network import get_transfer


def setup_net(channel, sizes=(5, 4, 3, 2), hidden="tanh", output="logistic", seed=0):
    channel = get_channel(channel) if isinstance(channel, str) else channel
    net = channel_network(list(sizes), channel, hidden=hidden, output=output, eta=1.0)
    rng = np.random.default_rng(seed)
    weights = [(w.astype(np.float64), rng.normal(0, 0.3, w.shape[0]))
               for w, _ in net.init_weights(seed, np.float64)]
    x = rng.normal(size=(7, sizes[0]))
    low = get_transfer(output).low
    labels = rng.integers(0, sizes[-1], 7)
    t = np.full((7, sizes[-1]), low if np.isfinite(low) else 0.0)
    t[np.arange(7), labels] = 1.0
    state = channel.init_state(net, weights, np.random.default_rng(seed + 1))
    return net, channel, weights, state, x, t


def delivered_updates(net, channel, weights, state, x, t, seed=3):
    """ΔW^h the rules make (η = 1) from the channel's variables, on copies of the weights."""
    variables = channel.local_variables(net, weights, state, x, t, np.random.default_rng(seed))
    updates = []
    for projection, (w, b), v in zip(net.projections, weights, variables):
        w2, b2 = w.copy(), b.copy()
        apply_rule(projection.rule.compile(), w2, b2, v)
        updates.append((w2 - w, b2 - b))
    return updates


def finite_difference(loss, weights, eps=1e-6):
    """−∂loss/∂θ for every W and b entry, by central differences (plain loops)."""
    grads = []
    for w, b in weights:
        pair = []
        for array in (w, b):
            g = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                old = array[index]
                array[index] = old + eps
                plus = loss()
                array[index] = old - eps
                minus = loss()
                array[index] = old
                g[index] = -(plus - minus) / (2 * eps)
            pair.append(g)
        grads.append(tuple(pair))
    return grads


@pytest.mark.parametrize("output", ["logistic", "tanh", "linear"])
def test_bp_update_equals_finite_difference_gradient(output):
    net, channel, weights, state, x, t = setup_net("bp", output=output)
    updates = delivered_updates(net, channel, weights, state, x, t)
    grads = finite_difference(
        lambda: output_loss(net, forward_pass(net, weights, x).O[-1], t), weights)
    for (dw, db), (gw, gb) in zip(updates, grads):
        # tolerance: central differences with eps = 1e-6 in float64 are good to ~1e-8
        np.testing.assert_allclose(dw, gw, atol=1e-7)
        np.testing.assert_allclose(db, gb, atol=1e-7)


def test_backprop_signals_match_bp_channel():
    net, channel, weights, state, x, t = setup_net("bp")
    variables = channel.local_variables(net, weights, state, x, t, np.random.default_rng(0))
    deltas = backprop_signals(net, weights, forward_pass(net, weights, x), t)
    for h, v in enumerate(variables, start=1):
        np.testing.assert_allclose(v.feedback, deltas[h], rtol=1e-12)


def loop_signal(b_src, c, s_dest, df):
    """B^dst_i = f'(S_i) Σ_k C_ik B^src_k for each sample, with explicit loops."""
    out = np.zeros((b_src.shape[0], c.shape[0]))
    for n in range(b_src.shape[0]):
        for i in range(c.shape[0]):
            out[n, i] = df(s_dest[n, i]) * sum(c[i, k] * b_src[n, k] for k in range(c.shape[1]))
    return out


@pytest.mark.parametrize("name", ["rbp", "srbp"])
def test_random_feedback_signal_equals_loop(name):
    net, channel, weights, state, x, t = setup_net(name)
    variables = channel.local_variables(net, weights, state, x, t, np.random.default_rng(0))
    forward = forward_pass(net, weights, x)
    dtanh = get_transfer("tanh").df
    e = t - forward.O[-1]
    np.testing.assert_allclose(variables[-1].feedback, e, rtol=1e-12)
    b2 = loop_signal(e, state["C2"], forward.S[2], dtanh)
    np.testing.assert_allclose(variables[1].feedback, b2, rtol=1e-10)
    source = b2 if name == "rbp" else e
    np.testing.assert_allclose(variables[0].feedback,
                               loop_signal(source, state["C1"], forward.S[1], dtanh), rtol=1e-10)


def test_srbp_equals_rbp_with_one_hidden_layer_and_differs_with_two():
    net, rbp, weights, state, x, t = setup_net("rbp", sizes=(5, 4, 2))
    srbp = get_channel("srbp")
    net_s = net.with_channel(srbp)
    a = delivered_updates(net, rbp, weights, state, x, t)
    b = delivered_updates(net_s, srbp, weights, state, x, t)
    for (wa, ba), (wb, bb) in zip(a, b):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ba, bb)
    net, rbp, weights, state, x, t = setup_net("rbp", sizes=(5, 4, 3, 2))
    state["C1"] = np.random.default_rng(5).normal(size=(4, 2))  # SRBP's C1 is n_1 × n_L
    srbp_first = delivered_updates(net.with_channel(srbp), srbp, weights, state, x, t)[0][0]
    state["C1"] = np.random.default_rng(5).normal(size=(4, 3))
    rbp_first = delivered_updates(net, rbp, weights, state, x, t)[0][0]
    assert not np.allclose(srbp_first, rbp_first)


def test_no_derivative_and_backward_nonlinearity():
    net, channel, weights, state, x, t = setup_net(get_channel("rbp", derivative=None,
                                                               nonlinearity="tanh"))
    variables = channel.local_variables(net, weights, state, x, t, np.random.default_rng(0))
    e = t - forward_pass(net, weights, x).O[-1]
    expected = np.tanh(loop_signal(e, state["C2"], np.zeros((7, 3)), lambda s: 1.0))
    np.testing.assert_allclose(variables[1].feedback, expected, rtol=1e-10)


def test_other_function_derivative():
    net, channel, weights, state, x, t = setup_net(get_channel("rbp", derivative="logistic"))
    variables = channel.local_variables(net, weights, state, x, t, np.random.default_rng(0))
    forward = forward_pass(net, weights, x)
    e = t - forward.O[-1]
    sig = lambda s: 1 / (1 + np.exp(-s))  # noqa: E731
    expected = loop_signal(e, state["C2"], forward.S[2], lambda s: sig(s) * (1 - sig(s)))
    np.testing.assert_allclose(variables[1].feedback, expected, rtol=1e-10)


def test_sign_concordant_matrices():
    net, fixed, weights, state, _, _ = setup_net("sign")
    rng = np.random.default_rng(0)
    for name in ("sign", "sign_redrawn", "sign_unit"):
        channel = get_channel(name)
        state = channel.init_state(net, weights, np.random.default_rng(1))
        for p in channel.pathways(net.sizes):
            first = channel.backward_matrix(p, weights, state, rng)
            second = channel.backward_matrix(p, weights, state, rng)
            forward_t = weights[p.source - 1][0].T
            np.testing.assert_array_equal(np.sign(first), np.sign(forward_t))
            if name == "sign":
                np.testing.assert_array_equal(first, second)
            elif name == "sign_redrawn":
                assert not np.allclose(np.abs(first), np.abs(second))
            else:
                np.testing.assert_allclose(np.abs(first), 1 / np.sqrt(forward_t.shape[1]))


def big_net(channel):
    net = channel_network([4, 100, 100, 2], channel)
    weights = net.init_weights(0, np.float64)
    return net, weights, channel.init_state(net, weights, np.random.default_rng(0))


def test_quantized_feedback_levels():
    for bits in (1, 3):
        channel = get_channel("rbp", quantize=bits)
        net, weights, state = big_net(channel)
        p = channel.pathways(net.sizes)[1]  # 2 -> 1: a 100 × 100 matrix
        c = channel.backward_matrix(p, weights, state, np.random.default_rng(0))
        raw = state[p.key]
        if bits == 1:
            np.testing.assert_allclose(np.abs(c), np.abs(raw).mean())
            np.testing.assert_array_equal(np.sign(c), np.sign(raw))
        else:
            # 3 bits: 2³ − 1 = 7 symmetric levels −3..3 steps of max|C|/3 (a 9-level
            # quantizer, steps of max|C|/4, fails both the count and the spacing)
            step = np.abs(raw).max() / 3
            np.testing.assert_allclose(np.unique(c), np.arange(-3, 4) * step, rtol=1e-12)
            assert np.abs(c - raw).max() <= step / 2 + 1e-12


def test_sparse_and_dropped_out_feedback():
    p_sparse, p_drop = 0.3, 0.5
    channel = get_channel("rbp", sparsity=p_sparse)
    net, weights, state = big_net(channel)
    path = channel.pathways(net.sizes)[1]  # 100 × 100 backward matrix
    c = channel.backward_matrix(path, weights, state, np.random.default_rng(0))
    zero = np.mean(c == 0)
    # binomial(10000, 0.3): 4 standard deviations = 4·√(0.3·0.7/10000) ≈ 0.018
    assert abs(zero - p_sparse) < 0.018
    np.testing.assert_array_equal(
        c, channel.backward_matrix(path, weights, state, np.random.default_rng(1)))
    channel = get_channel("rbp", dropout=p_drop)
    net, weights, state = big_net(channel)
    path = channel.pathways(net.sizes)[1]
    rng = np.random.default_rng(0)
    draws = np.stack([channel.backward_matrix(path, weights, state, rng) for _ in range(400)])
    assert abs(np.mean(draws == 0) - p_drop) < 0.005  # 4σ of a 4·10⁶-trial binomial ≈ 0.001
    # inverted dropout: E[mask/(1-p)] C = C; per entry the mean of 400 draws has std |C|·0.05
    error = (draws.mean(axis=0) - state[path.key]) / np.abs(state[path.key])
    assert abs(error.mean()) < 0.01 and error.std() < 0.07


def test_arbp_learns_with_the_forward_rule():
    """Learning-rule symmetry: C^{h+1} gets ΔW^{h+1}ᵀ, so C − Wᵀ is constant."""
    net, channel, weights, state, x, t = setup_net("arbp")
    before = {k: v.copy() for k, v in state.items()}
    variables = channel.local_variables(net, weights, state, x, t, np.random.default_rng(0))
    updates = []
    for projection, (w, b), v in zip(net.projections, weights, variables):
        old = w.copy()
        apply_rule(projection.rule.compile(), w, b, v)
        updates.append(w - old)
    channel.update_state(net, weights, state, variables)
    np.testing.assert_allclose(state["C2"] - before["C2"], updates[2].T, atol=1e-12)
    np.testing.assert_allclose(state["C1"] - before["C1"], updates[1].T, atol=1e-12)


def test_asrbp_learns_from_output_error():
    net, channel, weights, state, x, t = setup_net("asrbp")
    before = state["C1"].copy()
    variables = channel.local_variables(net, weights, state, x, t, np.random.default_rng(0))
    channel.update_state(net, weights, state, variables)
    e, o1 = variables[-1].feedback, variables[0].post
    expected = sum(np.outer(o1[n], e[n]) for n in range(len(x))) / len(x)  # η = 1
    np.testing.assert_allclose(state["C1"] - before, expected, atol=1e-12)


def test_sigprop_update_equals_local_loss_gradient():
    net, channel, weights, state, x, t = setup_net("sigprop", sizes=(5, 4, 3, 3))
    labels = t.argmax(axis=1)

    def layer_loss(h):
        """L_h = −mean log softmax_c(O^h · t_h^c)[y], O and t through the same W^h, with
        O^{h−1}, t_{h−1} held fixed (no gradient between layers)."""
        f = forward_pass(net, weights_fixed, x).O[h - 1]
        g = forward_pass(net, weights_fixed, state["context"]).O[h - 1]
        w, b = weights[h - 1]
        o, tc = np.tanh(f @ w.T + b), np.tanh(g @ w.T + b)
        z = o @ tc.T
        z = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(x)), labels]))

    weights_fixed = [(w.copy(), b.copy()) for w, b in weights]
    updates = delivered_updates(net, channel, weights, state, x, t)
    for h in (1, 2):
        grads = finite_difference(lambda h=h: layer_loss(h), weights[h - 1:h])
        np.testing.assert_allclose(updates[h - 1][0], grads[0][0], atol=1e-7)
        np.testing.assert_allclose(updates[h - 1][1], grads[0][1], atol=1e-7)
    top = finite_difference(
        lambda: output_loss(net, forward_pass(net, weights, x).O[-1], t), weights[2:])
    np.testing.assert_allclose(updates[2][0], top[0][0], atol=1e-7)


def test_local_channel_delivers_nothing_to_hidden_layers():
    net, channel, weights, state, x, t = setup_net("local")
    variables = channel.local_variables(net, weights, state, x, t, np.random.default_rng(0))
    assert all(v.feedback is None and v.target is None for v in variables[:-1])
    np.testing.assert_array_equal(variables[-1].target, t)
    top = channel_network([5, 4, 3, 2], get_channel("top"))
    assert [p.rule is None for p in top.projections] == [True, True, False]


def test_redrawn_random_feedback_statistics():
    """rbp_redrawn: a fresh C ~ N(0, 1/n_src) every minibatch, independent of W."""
    channel = get_channel("rbp_redrawn")
    net, weights, state = big_net(channel)
    path = channel.pathways(net.sizes)[1]  # 100 × 100
    rng = np.random.default_rng(0)
    first, second = (channel.backward_matrix(path, weights, state, rng) for _ in range(2))
    assert abs(np.corrcoef(first.ravel(), second.ravel())[0, 1]) < 0.04  # 4/√10⁴
    # variance 1/100 estimated from 10⁴ entries: relative standard error √(2/10⁴) ≈ 1.4%
    assert abs(first.var() * 100 - 1) < 0.06 and abs(first.mean()) < 0.004
    forward_t = weights[path.source - 1][0].T
    assert abs(np.mean(np.sign(first) == np.sign(forward_t)) - 0.5) < 0.02  # no concordance
