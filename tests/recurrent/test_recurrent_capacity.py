"""Capacity through time: operation and bit counts of BPTT, RBPTT, SRBPTT and the
weight-perturbation algorithms on an unfolded network equal the closed forms (counted where
the code runs), and the random algorithms' mean cosines with the BPTT gradient are within 4
standard errors of E cos in W dimensions (W = the shared weights)."""

import json

import numpy as np
import pytest

from neurolocal.cli import main
from neurolocal.recurrent import RecurrentNetwork, sequence_task
from neurolocal.recurrent.capacity import RECURRENT_CAPACITY, measure_recurrent


@pytest.fixture(scope="module")
def setup():
    x, t, mask = sequence_task("delay", sequences=64, steps=6, delay=2, seed=0)
    return RecurrentNetwork(1, 5, 1).init(1), x, t, mask  # W = 5 + 25 + 5 + 5 + 1 = 41


@pytest.mark.parametrize("channel", RECURRENT_CAPACITY)
def test_counts_equal_closed_forms(setup, channel):
    net, x, t, mask = setup
    m = measure_recurrent(net, channel, x, t, mask, samples=3, batch_size=2, k=4,
                          precision_bits=16)
    assert m.num_weights == 41
    assert m.ops_per_weight == pytest.approx(m.predicted.ops_per_weight, rel=1e-12)
    assert m.message_bits == pytest.approx(m.predicted.message_bits, rel=1e-12)
    # by hand, T = 6, n_h = 5, n_out = 1: BPTT T(2 + 6·5/41); PWGB 2T + 1
    # (the trainer counts its backward products from the array shapes as they run)
    by_hand = {"bptt": 6 * (2 + 30 / 41), "rbptt": 6 * (2 + 30 / 41),
               "srbptt": 6 * (2 + 5 / 41), "pwgb": 13,
               "pwlr": 42 * 6 + 1, "pwgrk": 5 * 6 + 4}
    if channel in by_hand:
        assert m.ops_per_weight == pytest.approx(by_hand[channel], rel=1e-12)


@pytest.mark.parametrize("channel", ["bptt", "pwlr"])
def test_exact_channels(setup, channel):
    net, x, t, mask = setup
    assert measure_recurrent(net, channel, x, t, mask, samples=10).cosine > 1 - 1e-6


@pytest.mark.parametrize("channel,k", [("pwgb", 1), ("pwgbk", 4), ("pwgrk", 4)])
def test_random_channels_within_4_se(setup, channel, k):
    net, x, t, mask = setup
    m = measure_recurrent(net, channel, x, t, mask, samples=2000, k=k, seed=3)
    assert abs(m.cosine - m.predicted.cosine) < 4 * m.cosine_se


def test_capacity_cli_recurrent(capsys):
    code = main(["capacity", "--recurrent", "recall", "--hidden", "4", "--steps", "5",
                 "--samples", "5", "--json", "--channels", "bptt,srbptt,pwgb"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["channel"] for r in data["channels"]] == ["bptt", "srbptt", "pwgb"]
    assert data["num_weights"] == 4 + 16 + 4 + 4 + 1
    assert main(["capacity", "--recurrent", "delay", "--channels", "bp"]) == 2
    assert "unknown recurrent channel bp" in capsys.readouterr().err


def test_flat_parameters_round_trip(setup):
    net = setup[0]
    theta = net.flatten()
    back = net.unflatten(theta[None])
    for name, w in net.weights.items():
        np.testing.assert_array_equal(back[name][0], w)
