"""Rate mode of the Brian2 backend against independent computations.

Single projections: the weights after streaming N samples through one Brian2 run must equal a
plain per-sample loop of the textbook update (Hebb, Oja, delta; float64 both sides, tolerance
1e-12 absolute). Networks: the Brian2 rate model must match the numpy backend (same seed, same
data order) within 2e-5 absolute, the float32 rounding of the numpy backend over the run.
"""

import brian2
import numpy as np
import pytest

from neurolocal.backends import UnsupportedError, get_backend
from neurolocal.channels import get_channel
from neurolocal.network import Network, Projection
from neurolocal.rules import get_rule

pytestmark = pytest.mark.brian2


def _data(n=120, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) / 2
    t = rng.standard_normal((n, 2))
    return x, t


def _loop(update, w, x, t):
    """The textbook online rule, one sample at a time (no bias), y = W x."""
    w = w.copy()
    for xk, tk in zip(x, t):
        y = w @ xk
        w = w + update(w, xk, y, tk)
    return w


TEXTBOOK = {
    "hebb": lambda w, x, y, t: 0.01 * np.outer(y, x),
    "oja": lambda w, x, y, t: 0.01 * (np.outer(y, x) - (y**2)[:, None] * w),
    "delta": lambda w, x, y, t: 0.01 * np.outer(t - y, x),
}


@pytest.mark.parametrize("name", sorted(TEXTBOOK))
def test_single_projection_matches_the_textbook_loop(name):
    x, t = _data()
    network = Network.layered([5, 2], output="linear", rule=name, bias=False)
    w0 = [(np.random.default_rng(3).standard_normal((2, 5)) * 0.3, np.zeros(2))]
    sim = get_backend("brian2").build(network, weights=w0)
    rng = np.random.default_rng(0)  # the seed-0 stream: one draw (as numpy), then the order
    rng.integers(2**31)
    order = rng.permutation(len(x))
    sim.train(x, t, epochs=1, batch_size=1)
    expected = _loop(TEXTBOOK[name], w0[0][0], x[order], t[order])
    np.testing.assert_allclose(sim.weights()[0][0], expected, rtol=0, atol=1e-12)


def test_predict_is_the_forward_pass():
    x, _ = _data()
    network = Network.layered([5, 3], output="tanh", rule="delta")
    w = [(np.random.default_rng(1).standard_normal((3, 5)), np.array([0.1, -0.2, 0.3]))]
    out = get_backend("brian2").build(network, weights=w).predict(x)
    np.testing.assert_allclose(out, np.tanh(x @ w[0][0].T + w[0][1]), rtol=0, atol=1e-12)


@pytest.mark.parametrize("channel,batch", [("rbp", 1), ("srbp", 1), ("bp", 8),
                                           ("rbp[architecture=twin]", 1), ("arbp", 1),
                                           ("asrbp", 5), ("sign", 1), ("sign_unit", 4),
                                           ("srbp[derivative=none,nonlinearity=tanh]", 5)])
def test_network_matches_the_numpy_backend(channel, batch):
    x, _ = _data(n=67, d=6, seed=2)
    t = (np.random.default_rng(4).random((67, 3)) > 0.5).astype(float)
    network = Network.layered([6, 5, 4, 3], hidden="tanh", output="logistic",
                              channel=get_channel(channel), rule=get_rule("backprop", eta=0.1),
                              hidden_rule=get_rule("backprop", eta=0.1))
    reference = get_backend("numpy").build(network, seed=7)
    ours = get_backend("brian2").build(network, seed=7)
    reference.train(x, t, epochs=2, batch_size=batch)
    history = ours.train(x, t, epochs=2, batch_size=batch)
    moved = max(np.abs(a - b).max() for (a, _), (b, _) in
                zip(network.init_weights(np.random.default_rng(7)), ours.weights()))
    assert moved > 0.01  # learning happened
    for (w_ref, b_ref), (w, b) in zip(reference.weights(), ours.weights()):
        np.testing.assert_allclose(w, w_ref, rtol=0, atol=2e-5)
        np.testing.assert_allclose(b, b_ref, rtol=0, atol=2e-5)
    assert history.samples_per_second > 0


@pytest.mark.parametrize("channel,construct", [
    ("arbp[architecture=twin]", "learned backward synapses"), ("sign[quantize=1]", "quantize"),
    ("rbp_redrawn", "redrawn"), ("rbp[dropout=0.5]", "dropout"),
    ("sigprop[context_eta=0.1]", "learned forward-signal rows")])
def test_unexpressible_channels_name_the_construct(channel, construct):
    network = Network.layered([4, 3, 2], channel=get_channel(channel))
    with pytest.raises(UnsupportedError, match=construct):
        get_backend("brian2").build(network)


def test_equations_and_network_are_exposed():
    network = Network.layered([4, 3, 2], channel=get_channel("srbp"))
    sim = get_backend("brian2").build(network)
    text = sim.equations()
    assert "B_in_post = C*B_pre : 1 (summed)" in text  # the feedback pathway
    assert "dw_acc += learn_gate(t)*(B_post*eta*r_pre)" in text  # generated rule
    assert isinstance(sim.brian2_network, brian2.Network)
    names = {obj.name for obj in sim.brian2_network.objects}
    assert {"inp", "h1", "out", "feedback_out_to_h1"} <= names


@pytest.mark.parametrize("channel", ["bp", "sign"])
def test_alignment_angles_match_the_numpy_backend(channel):
    """The angles the Brian2 model records (its probe update, its synapses' backward
    matrices) equal those of the numpy backend (an independent implementation) after the same
    training; for BP both are 0° (the update is the gradient step, the backward weights are
    the forward ones). Tolerance 0.05° (float32 numpy weights)."""
    x, _ = _data(n=40, d=6, seed=2)
    t = (np.random.default_rng(4).random((40, 3)) > 0.5).astype(float)
    network = Network.layered([6, 5, 4, 3], channel=get_channel(channel),
                              rule=get_rule("backprop", eta=0.1),
                              hidden_rule=get_rule("backprop", eta=0.1))
    reference = get_backend("numpy").build(network, seed=7).train(x, t, epochs=1, batch_size=8)
    ours = get_backend("brian2").build(network, seed=7).train(x, t, epochs=1, batch_size=8)
    expected, got = reference.epochs[-1].extra, ours.epochs[-1].extra
    for key in ("update_angle", "feedback_angle"):
        np.testing.assert_allclose(got[key], expected[key], atol=0.05)
    if channel == "bp":
        np.testing.assert_allclose(got["update_angle"] + got["feedback_angle"], 0, atol=0.05)
    else:
        assert min(got["feedback_angle"]) > 1  # |M| ⊙ sign(W)ᵀ is not Wᵀ


def test_running_train_metrics_are_those_of_the_training_run():
    """With nothing plastic, the running metrics (outputs of the permuted training run against
    the permuted targets) equal a full evaluation; a mismatched permutation would not."""
    x, _ = _data(n=30, d=4, seed=3)
    t = np.eye(3)[np.random.default_rng(5).integers(0, 3, 30)]
    layered = Network.layered([4, 3], output="logistic")
    fixed = Projection(layered.projections[0].pre, layered.projections[0].post, None, True)
    network = Network(layered.populations, (fixed,), None)
    sim = get_backend("brian2").build(network, seed=2)
    record = sim.train(x, t, epochs=1, batch_size=1).epochs[-1]
    loss, accuracy = sim.evaluate(x, t)
    assert record.train_loss == pytest.approx(loss, abs=1e-12)
    assert record.train_accuracy == pytest.approx(accuracy, abs=1e-12)


def test_one_output_unit_accuracy_is_thresholded_at_the_middle_of_its_range():
    """A single logistic output: accuracy counts outputs on the target's side of 0.5 (an
    argmax over one column would call every sample right)."""
    from neurolocal.backends import get_backend
    from neurolocal.channels import channel_network, get_channel

    sim = get_backend("brian2").build(channel_network([3, 1], get_channel("bp")), seed=0)
    out, t = np.array([[0.7], [0.2], [0.6]]), np.array([[1.0], [0.0], [0.0]])
    assert sim.score(out, t)[1] == pytest.approx(2 / 3)


def test_sign_concordant_magnitudes_survive_zero_forward_weights():
    """Sign-concordant feedback is |M| ⊙ sign(Wᵀ) with M the channel's own draw: where W is 0
    now, the Brian2 synapse must still hold |M| (it carries sign(w) live), not |M|·|sign(0)| = 0;
    `sign` feedback has magnitude 1/√n_src everywhere."""
    from neurolocal.backends.brian2.channel import translate_channel

    for name in ("sign", "sign_unit"):
        channel = get_channel(name)
        network = Network.layered([3, 4, 2], channel=channel)
        weights = network.init_weights(0)
        weights[1] = (np.zeros_like(weights[1][0]), weights[1][1])
        state = channel.init_state(network, weights, np.random.default_rng(5))
        (pathway,), _ = translate_channel(channel, network, weights, np.random.default_rng(5))
        expected = np.abs(state["C1"]) if channel.pathways([3, 4, 2])[0].matrix == \
            "sign_concordant" else np.full((4, 2), 1 / np.sqrt(2))
        np.testing.assert_allclose(pathway.magnitude, expected, rtol=1e-6)
