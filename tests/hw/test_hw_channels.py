"""Learning channels on cores: populations and projections per architecture (counted by
hand), refusals, and the Conjoined path of on-chip learning run on Lava."""

from __future__ import annotations

import pytest

from hw.channel_map import map_channel
from hw.errors import ChannelMappingError
from neurolocal.channels import get_channel

SIZES = [64, 100, 50, 10]


def test_distinct_srbp_has_its_own_error_neurons():
    m = map_channel(get_channel("srbp"), SIZES)
    assert m.architecture == "distinct"
    assert [(p.name, p.size) for p in m.populations] == [("err_out", 10), ("err_h2", 50),
                                                         ("err_h1", 100)]
    assert [(p.source, p.dest, p.shape) for p in m.projections] == [
        ("err_out", "err_h2", (50, 10)), ("err_out", "err_h1", (100, 10))]
    assert m.extra_synapses == 50 * 10 + 100 * 10 and m.extra_neurons == 160


def test_conjoined_rbp_delivers_into_the_forward_neurons():
    m = map_channel(get_channel("rbp"), SIZES)
    assert m.architecture == "conjoined"
    assert [p.name for p in m.populations] == ["err_out"]  # no extra hidden populations
    assert [(p.source, p.dest) for p in m.projections] == [
        ("err_out", "third_factor:h2"), ("third_factor:h2", "third_factor:h1")]
    assert m.extra_fan_in() == {2: 10, 1: 50}


def test_twin_mirrors_every_layer():
    m = map_channel(get_channel("rbp", architecture="twin"), SIZES)
    assert [(p.name, p.size) for p in m.populations] == [("err_out", 10), ("err_h2", 50),
                                                         ("err_h1", 100)]
    assert [(p.source, p.dest) for p in m.projections] == [("err_out", "err_h2"),
                                                           ("err_h2", "err_h1")]


def test_refusals():
    with pytest.raises(ChannelMappingError, match="Bidirectional: Loihi synapses conduct one "
                                                  "way"):
        map_channel(get_channel("bp"), SIZES)
    with pytest.raises(ChannelMappingError, match="no backward-pathway architecture"):
        map_channel(get_channel("sigprop"), SIZES)  # targets travel forward, not backward
    assert map_channel(None, SIZES) is None
