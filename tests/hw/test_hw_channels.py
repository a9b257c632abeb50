"""Learning channels on cores: populations and projections per architecture (counted by
hand), refusals, and the Conjoined path of on-chip learning run on Lava."""

from __future__ import annotations

import pytest

from hw.channel_map import map_channel
from hw.errors import ChannelMappingError
from neurolocal.channels import get_channel

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
    # chained: layer 2's neurons compute B^2 = f'(S^2)·(their delivered input) and send it on
    assert [(p.source, p.dest) for p in m.projections] == [
        ("layer 3", "err_h2"), ("err_h2", "layer 2"), ("layer 2", "err_h1"), ("err_h1", "layer 1")]


def test_refusals():
    with pytest.raises(ChannelMappingError, match="Bidirectional: Loihi synapses conduct one "
                                                  "way"):
        map_channel(get_channel("bp"), SIZES)
    with pytest.raises(ChannelMappingError, match="no backward-pathway architecture"):
        map_channel(get_channel("sigprop"), SIZES)  # targets travel forward, not backward
    assert map_channel(None, SIZES) is None
