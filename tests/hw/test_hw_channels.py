"""Learning channels on cores: populations and projections per architecture (counted by
hand), refusals, and the Conjoined path of on-chip learning run on Lava."""

from __future__ import annotations

import numpy as np
import pytest

from hw.channel_map import map_channel
from hw.errors import ChannelMappingError, MappingError
from hw.learning import emulate_learning, initial_weights, make_plan
from hw.profiles import LOIHI2
from hw.runner import run_isolated
from neurolocal.channels import get_channel
from neurolocal.data import load_digits
from neurolocal.network import Network
from neurolocal.rules import get_rule

SIZES = [64, 100, 50, 10]


def test_distinct_srbp_has_its_own_error_neurons():
    """The output neurons send B^L; each hidden layer k gets a relay err_h<k> fed by C^k and a
    one-to-one delivery into its third-factor input (a dense n_k x n_k identity)."""
    m = map_channel(get_channel("srbp"), SIZES)
    assert m.architecture == "distinct"
    assert [(p.name, p.size) for p in m.populations] == [("err_h2", 50), ("err_h1", 100)]
    assert [(p.source, p.dest, p.port, p.shape) for p in m.projections] == [
        ("layer 3", "err_h2", "a_in", (50, 10)), ("err_h2", "layer 2", "third_factor", (50, 50)),
        ("layer 3", "err_h1", "a_in", (100, 10)),
        ("err_h1", "layer 1", "third_factor", (100, 100))]
    assert m.extra_synapses == 50 * 10 + 50 * 50 + 100 * 10 + 100 * 100
    assert m.extra_neurons == 150


def test_conjoined_rbp_delivers_into_the_forward_neurons():
    m = map_channel(get_channel("rbp"), SIZES)
    assert m.architecture == "conjoined"
    assert m.populations == ()  # no extra populations
    assert [(p.source, p.dest, p.port, p.shape) for p in m.projections] == [
        ("layer 3", "layer 2", "third_factor", (50, 10)),
        ("layer 2", "layer 1", "third_factor", (100, 50))]


def test_twin_mirrors_every_layer():
    m = map_channel(get_channel("rbp", architecture="twin"), SIZES)
    assert [(p.name, p.size) for p in m.populations] == [("err_h2", 50), ("err_h1", 100)]
    assert [(p.source, p.dest) for p in m.projections] == [
        ("layer 3", "err_h2"), ("err_h2", "layer 2"), ("err_h2", "err_h1"), ("err_h1", "layer 1")]


def test_refusals():
    with pytest.raises(ChannelMappingError, match="Bidirectional: Loihi synapses conduct one "
                                                  "way"):
        map_channel(get_channel("bp"), SIZES)
    with pytest.raises(ChannelMappingError, match="no backward-pathway architecture"):
        map_channel(get_channel("sigprop"), SIZES)  # targets travel forward, not backward
    assert map_channel(None, SIZES) is None


def test_learning_refuses_chained_feedback_through_hidden_layers():
    rule = get_rule("backprop").with_parameters(eta=2.0 ** -4)
    network = Network.layered([8, 6, 5, 3], hidden="relu", channel=get_channel("rbp"),
                              rule=rule, hidden_rule=rule)
    state = network.channel.init_state(network, network.init_weights(0),
                                       np.random.default_rng(0))
    with pytest.raises(MappingError, match="pathways from the output error"):
        make_plan(network, network.init_weights(0), state, np.random.rand(20, 8), LOIHI2)


@pytest.mark.lava
def test_conjoined_learning_on_lava_equals_the_emulator_in_float():
    """RBP with one hidden layer maps to a Conjoined channel (feedback straight into the
    hidden neurons' third factor, no relay); float learning must match to 1e-9."""
    data = load_digits()
    rule = get_rule("backprop").with_parameters(eta=2.0 ** -4)
    network = Network.layered([64, 16, 10], hidden="relu", channel=get_channel("rbp"),
                              rule=rule, hidden_rule=rule)
    weights = network.init_weights(2, dtype=np.float64)
    state = network.channel.init_state(network, weights, np.random.default_rng(2))
    learner = make_plan(network, weights, state, data.x_train[:200], LOIHI2)
    assert not learner.relay
    x, t = data.x_train[:25], data.t_train[:25]
    start = initial_weights(learner, False)
    ours, our_online = emulate_learning(learner, x, t, False, start)
    lava, lava_online = run_isolated("hw.lava_learning:run_learning",
                                     {"plan": learner, "x": x, "targets": t, "fixed": False,
                                      "weights": start}, timeout=180)
    for a, b, w0 in zip(ours, lava, start):
        assert np.abs(a - w0).max() > 1e-3  # it learned something
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(our_online, lava_online, rtol=1e-9, atol=1e-9)
