"""Capacity prices a channel by what it declares (`Channel.cost_model`), not by its class or
name: a new channel class added to the registry with one line is priced by its declaration."""

import numpy as np
import pytest

import neurolocal.channels.local as local_module
from neurolocal.capacity import capacity_network, measure, theory
from neurolocal.channels import CostModel, get_channel
from neurolocal.channels.local import LocalChannel
from neurolocal.channels.registry import CHANNELS as REGISTRY


class WhisperChannel(LocalChannel):
    """A made-up channel: fixed hidden layers plus 7 multiply-adds per sample of some signal."""

    def cost_model(self, sizes):
        return CostModel(per_sample=7)


@pytest.fixture
def whisper(monkeypatch):
    monkeypatch.setattr(local_module, "WhisperChannel", WhisperChannel, raising=False)
    monkeypatch.setitem(REGISTRY, "whisper", ("neurolocal.channels.local:WhisperChannel",
                                              {"hidden_rule": None}, "test channel"))
    return "whisper"


def test_a_new_channel_class_is_priced_by_its_declaration(whisper):
    sizes = [3, 2, 2]  # W = 14; top layer: delta rule, 2 products on 6 weights
    # per sample: forward 14 + declared 7 + top rule 12 = 33
    assert theory(whisper, sizes).ops_per_weight == pytest.approx(33 / 14)
    assert theory("top", sizes).ops_per_weight == pytest.approx(26 / 14)  # without the 7
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((10, 3)), np.eye(2)[rng.integers(0, 2, 10)]
    m = measure(capacity_network(sizes), whisper, x, t, samples=3)
    assert m.ops_per_weight == pytest.approx(33 / 14, rel=1e-12)
    # its wiring keeps the hidden layer fixed, like `top`: the same closed-form cosine (the
    # top layer's share of ‖g‖, on the same draws), read from the wiring, not from a name
    top = measure(capacity_network(sizes), "top", x, t, samples=3)
    assert m.predicted.cosine is not None
    assert m.predicted.cosine == pytest.approx(top.predicted.cosine, rel=1e-12)
    assert m.cosine == pytest.approx(top.cosine, rel=1e-12)


def test_declarations_of_the_registry_channels():
    sizes = [5, 4, 3, 2]
    bp, srbp = get_channel("bp").cost_model(sizes), get_channel("srbp").cost_model(sizes)
    # populations 5, 4, 3, 2: chained pathways 3→2 (3·2) and 2→1 (4·3); direct 3→2 (3·2) and
    # 3→1 (4·2)
    assert bp.exact_gradient and bp.per_sample == 3 * 2 + 4 * 3
    assert not srbp.exact_gradient and srbp.per_sample == 3 * 2 + 4 * 2
    assert not get_channel("bp", quantize=1).cost_model(sizes).exact_gradient
    assert get_channel("pwgb").cost_model(sizes).perturbation == "pwgb"
    assert get_channel("deep_targets").cost_model(sizes).no_gradient
    assert get_channel("local").cost_model(sizes) == CostModel()
