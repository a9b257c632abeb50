"""Perturbation channels in the numpy trainer and the `neurolocal capacity` / `train` CLI.

PWLR and PALR deliver the gradient by finite differences, so one training epoch with them must
give the weights BP gives (up to the finite-difference error on float32 weights); the
weight-perturbation channels go through the trainer's `weight_updates` path."""

import json

import numpy as np
import pytest

from neurolocal.backends import get_backend
from neurolocal.channels import channel_network, get_channel
from neurolocal.cli import main
from neurolocal.network import NetworkError


def trained(channel, epochs=1, seed=0):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 6)).astype(np.float32)
    t = (rng.random((32, 3)) < 0.5).astype(np.float32)
    net = channel_network([6, 5, 3], get_channel(channel), eta=0.5)
    simulator = get_backend("numpy").build(net, seed=seed)
    history = simulator.train(x, t, epochs, batch_size=8)
    return simulator, history


@pytest.mark.parametrize("channel", ["pwlr", "palr"])
def test_finite_difference_channels_train_like_bp(channel):
    bp, _ = trained("bp")
    other, history = trained(channel)
    for (w1, b1), (w2, b2) in zip(bp.weights(), other.weights()):
        np.testing.assert_allclose(w2, w1, atol=2e-4)  # ε = 1e-6 differences on float32
        np.testing.assert_allclose(b2, b1, atol=2e-4)
    assert history.last().extra["update_angle"][0] < 1.0  # degrees


@pytest.mark.parametrize("channel", ["pwgb", "pwgbk", "pwgrk", "pwlb"])
def test_global_perturbation_lowers_the_loss(channel):
    simulator, history = trained(channel, epochs=30)
    losses = history.series("train_loss")
    assert losses[-1] < losses[0]
    assert simulator.network.channel.counter.multiply_adds > 0


def test_threshold_units_are_rejected():
    channel = get_channel("pwgb")
    net = channel_network([3, 2, 1], channel, hidden="step01", output="logistic")
    with pytest.raises(NetworkError, match="differentiable"):
        channel.check(net)


def test_capacity_cli_json_and_plot(tmp_path, capsys):
    plot = tmp_path / "capacity.png"
    code = main(["capacity", "--hidden", "6", "--samples", "20", "--json", "--channels",
                 "bp,pwlr,pwgb,pwgrk", "--plot", str(plot), "--widths", "3,6"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["channel"]: r for r in data["channels"]}
    assert data["num_weights"] == 64 * 6 + 6 + 6 * 10 + 10
    assert rows["pwlr"]["ops_per_weight"] == data["num_weights"] + 2
    assert rows["bp"]["cosine"] == pytest.approx(1.0)
    assert data["bp_is_maximal"]["improvement"] is True
    assert plot.stat().st_size > 10_000 and plot.read_bytes()[:4] == b"\x89PNG"
    assert set(data["sweep"]["channels"]) == {"bp", "pwlr", "pwgb", "pwgrk"}


def test_capacity_cli_is_reproducible(capsys):
    outputs = []
    for _ in range(2):
        main(["capacity", "--hidden", "4", "--samples", "10", "--json", "--seed", "3",
              "--channels", "pwgb,rbp"])
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("argv,message", [
    (["capacity", "--hidden", "a"], "--hidden"),
    (["capacity", "--channels", "bp,zzz"], "unknown channel zzz"),
    (["capacity", "--samples", "1"], "--samples"),
])
def test_capacity_cli_errors(argv, message, capsys):
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error and len(error.splitlines()) == 1


def test_train_cli_with_a_perturbation_channel(capsys):
    code = main(["train", "--channel", "pwgrk[k=4]", "--hidden", "5", "--epochs", "1",
                 "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["channel"]["name"] == "pwgrk" and data["channel"]["options"]["k"] == 4
