"""Spiking minibatches: B copies of the network side by side in one Brian2 network.

The reference is independent of the batch code: single-copy (online, batch 1) runs of each
sample from the same weights, whose changes a batch must average. With inputs at max_rate = 1/dt
and x ∈ {0, 1} every input spikes on every step (or never), so both runs are deterministic and
must agree to float rounding (tolerance 1e-12 on changes of ~1e-7, with η tiny so that the
online run's own weight changes during a sample, O(η²), are below it). A copy reading another
copy's state, a stream column offset, a missing 1/B, refractoriness that differs from Brian2's
or a batch applied at the wrong time all break the equality.
"""

import numpy as np
import pytest

from neurolocal.backends import get_backend
from neurolocal.backends.brian2.targets import code_target
from neurolocal.channels import channel_network, get_channel
from neurolocal.errors import UserError
from neurolocal.network import Network
from neurolocal.rules import get_rule

pytestmark = pytest.mark.brian2

DETERMINISTIC = dict(dt=1e-3, sample_time=0.03, settle_time=0.005, max_rate=1000.0)
TOLERANCE = 1e-12


def _problem(channel: str, sizes: list[int], eta: float = 1e-6):
    rule = get_rule("backprop", eta=eta)
    network = Network.layered(sizes, channel=get_channel(channel), rule=rule, hidden_rule=rule)
    rng = np.random.default_rng(0)
    x = (rng.random((3, sizes[0])) < 0.5).astype(float)
    t = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 3)]
    w0 = [(3 * w, b + 1.2) for w, b in network.init_weights(np.random.default_rng(1))]
    return network, x, t, w0  # strong weights, tonic biases: every layer fires


def _state(sim):
    """Weights, biases and backward matrices (learned ones for ARBP) as flat arrays."""
    arrays = [a for w, b in sim.weights() for a in (w, b)]
    return arrays + [m for _, m in sorted(sim.model.backward_matrices().items())]


def _single_change(network, weights, x, t, options):
    sim = get_backend("brian2").build(network, weights=weights, seed=0, spiking=True, **options)
    before = _state(sim)
    with code_target("numpy"):
        sim.model.run(x[None], t[None], learn=True)
    return [a - b for a, b in zip(_state(sim), before)], sim


def _batched(network, weights, copies, options):
    sim = get_backend("brian2").build(network, weights=weights, seed=0, spiking=True, **options)
    sim.train(np.zeros((copies, network.input.size)), np.zeros((copies, network.output.size)),
              epochs=0, batch_size=copies)  # builds the model with `copies` copies
    assert sim.model.copies.count == copies
    return sim


@pytest.mark.parametrize("channel, sizes, neuron", [("srbp", [6, 5, 4, 3], "lif"),
                                                    ("bp", [6, 5, 4, 3], "alif"),
                                                    ("arbp", [6, 5, 3], "cubalif"),
                                                    ("rbp[architecture=twin]", [6, 5, 4, 3],
                                                     "lif")])
def test_a_batch_applies_the_mean_of_the_single_sample_changes(channel, sizes, neuron):
    network, x, t, w0 = _problem(channel, sizes)
    options = dict(DETERMINISTIC, neuron=neuron)
    singles = [_single_change(network, w0, x[s], t[s], options)[0] for s in range(3)]
    sim = _batched(network, w0, 3, options)
    before = _state(sim)
    with code_target("numpy"):
        sim.model.run(x, t, learn=True, batch_size=3)
    for k, (after, start) in enumerate(zip(_state(sim), before)):
        expected = np.mean([single[k] for single in singles], axis=0)
        assert np.abs(expected).max() > 1e-9 or k >= 2 * network.depth  # something learned
        np.testing.assert_allclose(after - start, expected, rtol=0, atol=TOLERANCE)


def test_a_partial_last_batch_and_predictions_match_single_copies():
    """3 samples in batches of 2: the first batch's mean applies before the second slot, the
    last (partial) batch is its one sample's change at the updated weights; predictions of
    the 2-copy model (an odd count: the last slot half empty) equal the 1-copy model's."""
    network, x, t, w0 = _problem("srbp", [6, 5, 4, 3])
    first = [_single_change(network, w0, x[s], t[s], DETERMINISTIC)[0] for s in range(2)]
    w1 = [(w + (a + c) / 2, b + (d + e) / 2) for (w, b), a, d, c, e in
          zip(w0, first[0][0::2], first[0][1::2], first[1][0::2], first[1][1::2])]
    last, single = _single_change(network, w1, x[2], t[2], DETERMINISTIC)
    sim = _batched(network, w0, 2, DETERMINISTIC)
    with code_target("numpy"):
        sim.model.run(x, t, learn=True, batch_size=2)
    for (w, b), (w_1, b_1), dw, db in zip(sim.weights(), w1, last[0::2], last[1::2]):
        np.testing.assert_allclose(w, w_1 + dw, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(b, b_1 + db, rtol=0, atol=TOLERANCE)
    probe = np.vstack([x, 1 - x[:2]])  # 5 samples: 3 slots
    np.testing.assert_array_equal(sim.predict(probe), single.predict(probe))


def test_a_new_batch_size_continues_from_the_learned_state():
    """Another batch size rebuilds the model with that many copies; weights, biases and learned
    backward weights carry over (ARBP: the backward weights learn)."""
    network, x, t, w0 = _problem("arbp", [6, 5, 3], eta=0.01)
    sim = get_backend("brian2").build(network, weights=w0, seed=0, spiking=True, **DETERMINISTIC)
    initial = _state(sim)
    sim.train(x, t, epochs=1, batch_size=1, diagnostics=False)
    learned = _state(sim)
    assert all(np.abs(a - b).max() > 0 for a, b in zip(learned[::2], initial[::2]))
    sim.train(x, t, epochs=0, batch_size=2)
    assert sim.model.copies.count == 2
    for a, b in zip(_state(sim), learned):
        np.testing.assert_array_equal(a, b)


def test_batch_sizes_that_make_no_sense_are_refused():
    network, x, t, _ = _problem("srbp", [6, 5, 3])
    sim = get_backend("brian2").build(network, seed=0, spiking=True, **DETERMINISTIC)
    with pytest.raises(UserError, match="batch_size 4 is larger than the 3 training samples"):
        sim.train(x, t, epochs=1, batch_size=4)
    with pytest.raises(UserError, match="batch_size 65 is above 64"):
        sim.train(np.zeros((100, 6)), np.zeros((100, 3)), epochs=1, batch_size=65)


def test_the_cli_trains_spiking_models_online_unless_asked():
    """--batch-size defaults to 16 for rate models and to 1 (online) for spiking ones."""
    import argparse

    from neurolocal.cli.train import add_training_args, setup_from_args

    parser = argparse.ArgumentParser()
    add_training_args(parser)
    assert setup_from_args(parser.parse_args([])).batch_size == 16
    assert setup_from_args(parser.parse_args(["--spiking"])).batch_size == 1
    assert setup_from_args(parser.parse_args(["--spiking", "--batch-size", "8"])).batch_size == 8


@pytest.mark.slow
def test_standalone_batches_equal_the_numpy_target():
    """cpp_standalone (compiled once, ~30 s) with 2 copies: two epochs of 7 samples (a half
    empty last slot, the last batch applied after the run) and the angle probe give the numpy
    target's weights, biases and predictions exactly (f' = 1, so no learning code reads a
    membrane potential that simultaneous input spikes change in target-dependent order)."""
    network, _, _, w0 = _problem("srbp", [6, 5, 4, 3], eta=0.01)
    rng = np.random.default_rng(2)
    x = (rng.random((7, 6)) < 0.5).astype(float)
    t = np.eye(3)[rng.integers(0, 3, 7)]
    options = dict(DETERMINISTIC, surrogate_low=None)
    runs = {}
    for target in ("numpy", "cpp_standalone"):
        sim = get_backend("brian2").build(network, weights=w0, seed=0, spiking=True,
                                          target=target, **options)
        try:
            history = sim.train(x, t, epochs=2, batch_size=2)
            runs[target] = (sim.weights(), sim.predict(x), history.epochs[-1].extra)
        finally:
            sim.close()
    (weights, out, extra), (weights_s, out_s, extra_s) = runs["numpy"], runs["cpp_standalone"]
    for (w, b), (w_s, b_s) in zip(weights, weights_s):
        np.testing.assert_allclose(w_s, w, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(b_s, b, rtol=0, atol=TOLERANCE)
    assert np.abs(weights[0][0] - w0[0][0]).max() > 1e-3  # it learned
    np.testing.assert_array_equal(out_s, out)
    np.testing.assert_allclose(extra_s["update_angle"], extra["update_angle"], atol=1e-6)


def test_a_frozen_projection_stays_put_in_batches():
    """`top` (hidden weights fixed, no rule): with two copies the frozen projection has no
    batch accumulator to apply, its weights stay exactly as they were, and the learning top
    layer moves by the mean of the single-copy changes."""
    network = channel_network([6, 5, 3], get_channel("top"), eta=1e-6)
    _, x, t, w0 = _problem("srbp", [6, 5, 3])
    assert network.projections[0].rule is None
    singles = [_single_change(network, w0, x[n], t[n], DETERMINISTIC)[0] for n in range(2)]
    sim = _batched(network, w0, 2, DETERMINISTIC)
    before = _state(sim)
    with code_target("numpy"):
        sim.model.run(x[:2], t[:2], learn=True, batch_size=2)
    change = [a - b for a, b in zip(_state(sim), before)]
    assert not np.any(change[0]) and not np.any(change[1])
    for got, one, two in zip(change[2:4], *[s[2:4] for s in singles]):
        np.testing.assert_allclose(got, (one + two) / 2, rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("copies", [1, 2])
def test_a_spike_on_a_slots_first_step_counts_for_that_slots_sample(copies):
    """Identical samples give identical outputs. An output unit with bias 1 and threshold
    0.05 crosses it on the first step of every sample (v = 1 − e^{−dt/τ_m} ≈ 0.095) and again
    every second step (2 ms refractory): 50 spikes per 100-step sample, activity
    50 · τ_O / sample_time = 10. Slots read as ⌊t/sample_time⌋ moved the first spike of
    samples 3, 6, 7 (0.3 s / 0.1 s = 2.9999…) to the sample before: 51 and 49."""
    network = Network.layered([2, 1], rule="delta")
    sim = get_backend("brian2").build(network, weights=[(np.zeros((1, 2)), np.ones(1))],
                                      seed=0, spiking=True)
    if copies > 1:
        sim.train(np.zeros((2, 2)), np.zeros((2, 1)), epochs=0, batch_size=copies)
    sim.model.groups[-1].v_threshold = 0.05
    with code_target("numpy"):
        out = sim.predict(np.zeros((9, 2)))  # 2 copies: a half-empty last slot
    np.testing.assert_allclose(out, np.full((9, 1), 10.0), rtol=0, atol=1e-12)
