"""Signal Propagation on Brian2: the class signals as C more copies of the input and hidden
groups, and a similarity unit per hidden layer (`backends/brian2/forward_signals.py`).

Rate mode is checked against the numpy channel (`channels/sigprop.py`, the reference math on
stacked [O; t] rows, itself checked against finite differences in tests/channels): the two
share no code, so a softmax without its maximum, a sign of Y − P, a dropped f' or signal-copy
term, a context row read by the wrong copy or a batch gate off by a factor all show up as a
difference far above float32 rounding (1e-5 on changes of ~1e-2). Spiking mode is checked
for the batch bookkeeping, against single-sample runs from the same weights (deterministic
spikes, as in test_spiking_batches): each sample's change includes the change its own
similarity feedback causes through the signal copies, so a batch must apply their mean; and
for its own wiring (trace scale, context columns, copy indices), step by step against numpy on
recorded traces.
"""

import numpy as np
import pytest

from neurolocal.backends import UnsupportedError, get_backend
from neurolocal.backends.brian2.targets import code_target
from neurolocal.channels import SigPropChannel, get_channel
from neurolocal.network import Network
from neurolocal.rules import get_rule

pytestmark = pytest.mark.brian2


def _data(n=12, d=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), np.eye(classes)[rng.integers(0, classes, n)]


@pytest.mark.parametrize("sizes, batch", [([5, 4, 3], 1), ([5, 4, 3], 4), ([5, 4, 4, 3], 4)])
def test_rate_sigprop_equals_the_numpy_channel(sizes, batch):
    x, t = _data(d=sizes[0], classes=sizes[-1])
    network = Network.layered(sizes, channel=get_channel("sigprop"))
    start = get_backend("numpy").build(network, seed=3).weights()
    ref = get_backend("numpy").build(network, seed=3)
    ref.train(x, t, epochs=2, batch_size=batch)
    sim = get_backend("brian2").build(network, seed=3)  # same seed: same weights and context E
    sim.train(x, t, epochs=2, batch_size=batch, diagnostics=False)
    for (w, b), (w_ref, b_ref), (w0, _) in zip(sim.weights(), ref.weights(), start):
        assert np.abs(w_ref - w0).max() > 5e-3  # every layer learned
        np.testing.assert_allclose(w, w_ref, rtol=0, atol=1e-5)
        np.testing.assert_allclose(b, b_ref, rtol=0, atol=1e-5)


@pytest.mark.parametrize("options, what", [({"context_eta": 0.1}, "learned forward-signal"),
                                           ({"targets": "samples"}, "one forward-signal row")])
def test_sigprop_variants_brian2_cannot_express_are_refused(options, what):
    network = Network.layered([5, 4, 3], channel=SigPropChannel(**options))
    with pytest.raises(UnsupportedError, match=what):
        get_backend("brian2").build(network)


class BinaryContext(SigPropChannel):
    """SigProp with a 0/1 context, so signal inputs at max_rate = 1/dt spike deterministically."""

    def init_state(self, network, weights, rng):
        shape = (network.output.size, network.input.size)
        return {"context": (rng.random(shape) < 0.5).astype(weights[0][0].dtype)}


DETERMINISTIC = dict(dt=1e-3, sample_time=0.03, settle_time=0.005, max_rate=1000.0)


def _state(sim):
    return [a for w, b in sim.weights() for a in (w, b)]


def _problem():
    """A 6-5-4-3 SigProp network with a 0/1 context, η tiny, 3 binary samples, and strong
    weights with tonic biases (every layer fires)."""
    rule = get_rule("backprop", eta=1e-6)
    network = Network.layered([6, 5, 4, 3], channel=BinaryContext(), rule=rule, hidden_rule=rule)
    rng = np.random.default_rng(0)
    x = (rng.random((3, 6)) < 0.5).astype(float)
    t = np.eye(3)[[0, 2, 1]]
    w0 = [(3 * w, b + 1.2) for w, b in network.init_weights(np.random.default_rng(1))]
    return network, x, t, w0


def _single_change(network, weights, x, t):
    """The change of every weight and bias from one online sample (one sample copy and the
    class signals) from `weights`."""
    sim = get_backend("brian2").build(network, weights=weights, seed=0, spiking=True,
                                      **DETERMINISTIC)
    assert sim.model.copies.total == 1 + network.output.size  # the sample and C class signals
    before = _state(sim)
    with code_target("numpy"):
        sim.model.run(x[None], t[None], learn=True)
    return [a - b for a, b in zip(_state(sim), before)]


@pytest.mark.slow
def test_a_spiking_sigprop_batch_applies_the_mean_of_single_sample_changes():
    network, x, t, w0 = _problem()
    singles = [_single_change(network, w0, x[s], t[s]) for s in range(3)]
    sim = get_backend("brian2").build(network, weights=w0, seed=0, spiking=True,
                                      **DETERMINISTIC)
    sim.train(np.zeros((3, 6)), np.zeros((3, 3)), epochs=0, batch_size=3)
    assert (sim.model.copies.count, sim.model.copies.total) == (3, 6)
    before = _state(sim)
    with code_target("numpy"):
        sim.model.run(x, t, learn=True, batch_size=3)
    for k, (after, start) in enumerate(zip(_state(sim), before)):
        expected = np.mean([single[k] for single in singles], axis=0)
        assert np.abs(expected).max() > 100 * 1e-12  # every weight and bias learned
        np.testing.assert_allclose(after - start, expected, rtol=0, atol=1e-12)


@pytest.mark.slow
def test_a_partial_spiking_sigprop_batch_ignores_its_padded_copy():
    """3 samples in batches of 2: the last slot holds sample 2 and a padded copy (no input, a
    zero target read as class 0). Its gate g = 0 must keep it out of the similarity: the last
    batch's change is sample 2's single change at the weights after the first batch, although
    the padded copy's hidden units fire (tonic biases) and would add R O to the signal copies."""
    network, x, t, w0 = _problem()
    mean = [(a + b) / 2 for a, b in zip(_single_change(network, w0, x[0], t[0]),
                                        _single_change(network, w0, x[1], t[1]))]  # batch 1
    w1 = [(w + mean[2 * h], b + mean[2 * h + 1]) for h, (w, b) in enumerate(w0)]
    last = _single_change(network, w1, x[2], t[2])
    sim = get_backend("brian2").build(network, weights=w0, seed=0, spiking=True, **DETERMINISTIC)
    sim.train(np.zeros((2, 6)), np.zeros((2, 3)), epochs=0, batch_size=2)
    with code_target("numpy"):
        sim.model.run(x, t, learn=True, batch_size=2)
    w1_flat = [a for w, b in w1 for a in (w, b)]
    for got, start, change in zip(_state(sim), w1_flat, last):
        assert np.abs(change).max() > 100 * 1e-12
        np.testing.assert_allclose(got, start + change, rtol=0, atol=1e-12)


def test_spiking_similarity_and_feedback_follow_the_traces_in_input_units():
    """Spiking-specific wiring, checked step by step against numpy on recorded traces (one
    sample, 3 class signals, both hidden layers): signal copy c of the input fires exactly where
    context row c is 1 and the sample copy where x is 1; with O = r/(max_rate τ_O) (0.05 r here),
    the similarity unit holds z_c = Σ_i O_i t_{c,i} and R_c = Y_c − softmax_c z, and the layer
    receives B_in = Σ_c R_c t_c in the sample copy and R_c O in signal copy c. A dropped or
    doubled trace scale, a context row in the wrong copy's columns or a similarity read from the
    wrong copy all break it (the batch test above compares the spiking code with itself)."""
    import brian2 as b2

    from neurolocal.backends.brian2.forward_signals import SIMILARITY_ORDER

    rule = get_rule("backprop", eta=1e-6)
    network = Network.layered([6, 5, 4, 3], channel=BinaryContext(), rule=rule, hidden_rule=rule)
    x = np.array([[1.0, 0.0, 1.0, 1.0, 0.0, 1.0]])
    t = np.eye(3)[[2]]
    w0 = [(3 * w, b + 1.2) for w, b in network.init_weights(np.random.default_rng(1))]
    sim = get_backend("brian2").build(network, weights=w0, seed=0, spiking=True, **DETERMINISTIC)
    model, classes = sim.model, 3
    copies = range(1 + classes)
    at = dict(when="groups", order=SIMILARITY_ORDER + 3)  # after the feedback's summed B_in
    monitors = [b2.StateMonitor(model.groups[0], [f"r_{k}" for k in copies], record=True,
                                name="probe_input", **at)]
    for group in model.groups[1:-1]:
        unit = next(o for o in model.feedback if o.name == f"similarity_{group.name}")
        monitors += [b2.StateMonitor(group, [f"{v}_{k}" for v in ("r", "B_in") for k in copies],
                                     record=True, name=f"probe_{group.name}", **at),
                     b2.StateMonitor(unit, [f"{v}_0_{c}" for v in ("z", "R")
                                            for c in range(classes)], record=0,
                                     name=f"probe_{unit.name}", **at)]
    model.brian2_network.add(*monitors)
    with code_target("numpy"):
        model.run(x, t, learn=True)
    context = model.signals.context
    inputs = monitors[0]
    assert ((inputs.r_0[:, -1] > 0) == (x[0] == 1)).all()
    for c in range(classes):
        assert ((getattr(inputs, f"r_{1 + c}")[:, -1] > 0) == (context[c] == 1)).all()
    scale = 1 / (DETERMINISTIC["max_rate"] * 0.02)  # 1/(max_rate τ_O), the default τ_O
    for layer, similarity in zip(monitors[1::2], monitors[2::2]):
        o = layer.r_0.T * scale  # (steps, units)
        signals = np.stack([getattr(layer, f"r_{1 + c}").T * scale for c in range(classes)], 1)
        z = np.einsum("si,sci->sc", o, signals)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        residual = t - p  # (steps, classes): Y − P, the gate open throughout
        got_z = np.stack([getattr(similarity, f"z_0_{c}")[0] for c in range(classes)], 1)
        got_r = np.stack([getattr(similarity, f"R_0_{c}")[0] for c in range(classes)], 1)
        np.testing.assert_allclose(got_z, z, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got_r, residual, rtol=0, atol=1e-12)
        assert z.max() > 5e-3 and np.ptp(z[-1]) > 1e-3  # signals overlap, classes differ
        np.testing.assert_allclose(layer.B_in_0.T, np.einsum("sc,sci->si", residual, signals),
                                   rtol=0, atol=1e-12)
        for c in range(classes):
            np.testing.assert_allclose(getattr(layer, f"B_in_{1 + c}").T,
                                       residual[:, c:c + 1] * o, rtol=0, atol=1e-12)
        assert np.abs(layer.B_in_0).max() > 1e-2


def test_spiking_stream_columns_of_sample_and_signal_copies():
    """3 samples in batches of 2, 3 classes (written out by hand): one row per slot; copy k's
    inputs, targets and class in the k-th block of columns, the 3 context rows after the
    samples' inputs; the learning gate 1/|batch| per sample copy (0 for the padded copy of
    the last slot) and the slot's 1/|batch| for each signal copy, so the signal rows learn
    once per batch (a signal gate of 0, or of the padded copy, passes the batch tests)."""
    from neurolocal.backends.brian2.stream import SampleStream

    network = Network.layered([6, 5, 4, 3], channel=BinaryContext())
    sim = get_backend("brian2").build(network, seed=0, spiking=True, **DETERMINISTIC)
    sim.train(np.zeros((2, 6)), np.zeros((2, 3)), epochs=0, batch_size=2)
    x, t = np.arange(18.0).reshape(3, 6), np.eye(3)[[2, 0, 1]]
    arrays = sim.model.stream_arrays(SampleStream.build(x, t, 3, learn=True, batch_size=2))
    context = sim.model.signals.context.ravel()
    np.testing.assert_array_equal(arrays["stimulus"][:2], [[*x[0], *x[1], *context],
                                                           [*x[2], *np.zeros(6), *context]])
    np.testing.assert_array_equal(arrays["learn_gate"][:2], [[0.5, 0.5, 0.5, 0.5, 0.5],
                                                             [1.0, 0.0, 1.0, 1.0, 1.0]])
    assert not arrays["learn_gate"][2:].any()
    np.testing.assert_array_equal(arrays["targets"][:2], [[0, 0, 1, 1, 0, 0], [0, 1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(arrays["classes"][:2, :3], [[0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(arrays["classes"][0, 3:], [1, 0, 0])
