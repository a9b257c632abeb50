"""Nothing non-finite is ever written (issue 13, item 2): divergence detected with epoch and
cause in every trainer, valid JSON always, --save refuses a diverged model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neurolocal import channel_network, get_backend, get_channel, load_model, save_model
from neurolocal.backends.base import TrainingHistory
from neurolocal.cli import main
from neurolocal.divergence import DIVERGENCE_LIMIT, divergence_cause

RELU_LINEAR = ["train", "--lr", "1e9", "--hidden-transfer", "relu", "--output-transfer",
               "linear", "--hidden", "10", "--epochs", "3", "--quiet"]


def test_divergence_cause_names_the_array_and_the_bound():
    w, b = np.zeros((2, 3)), np.zeros(2)
    assert divergence_cause([(w, b)]) is None
    assert divergence_cause([(w, b)], loss=0.3) is None
    big = w.copy()
    big[1, 2] = -2 * DIVERGENCE_LIMIT
    assert "max |W2| = 2e+06 is beyond the bound 1e+06" in divergence_cause([(w, b), (big, b)])
    at_bound = w.copy()
    at_bound[0, 0] = DIVERGENCE_LIMIT  # the bound itself is still healthy
    assert divergence_cause([(at_bound, b)]) is None
    nan_bias = b.copy()
    nan_bias[0] = np.nan
    assert divergence_cause([(w, b), (w, nan_bias)]) == "b2 holds NaN or infinite values"
    assert "loss is not finite" in divergence_cause([(w, b)], loss=float("inf"))


def test_history_keeps_the_last_finite_weights():
    w = np.ones((1, 1))
    history = TrainingHistory.starting_from([(w, np.zeros(1))])
    w[0, 0] = 5.0  # the trainer updates in place; the checkpoint is a copy
    assert not history.stop_if_diverged(1, [(w, np.zeros(1))])
    w[0, 0] = np.inf
    assert history.stop_if_diverged(2, [(w, np.zeros(1))])
    assert history.diverged_at == 2 and "W1" in history.divergence
    assert history.last_finite[0][0][0, 0] == 5.0


def test_save_refuses_a_diverged_model(tmp_path, capsys):
    path = tmp_path / "m.npz"
    assert main(RELU_LINEAR + ["--save", str(path)]) == 1
    out, err = capsys.readouterr()
    assert not path.exists()
    assert "diverged at epoch 1" in out
    line, = err.strip().splitlines()
    assert line.startswith("neurolocal train: not saving") and "diverged at epoch 1" in line


def test_diverged_json_is_complete_and_says_why(tmp_path, capsys):
    path = tmp_path / "m.npz"
    assert main(RELU_LINEAR + ["--save", str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)  # one complete document
    assert data["diverged"] == [0] and data["diverged_at"] == 1
    assert "NaN or infinite" in data["divergence"] or "beyond the bound" in data["divergence"]
    assert data["saved"] is None and not path.exists()


def test_save_last_finite_writes_the_weights_before_divergence(tmp_path, capsys):
    path = tmp_path / "m.npz"
    assert main(RELU_LINEAR + ["--save", str(path), "--save-last-finite"]) == 0
    model = load_model(path)
    assert model.metadata["diverged_at"] == 1 and model.metadata["epochs"] == 0
    # diverged in epoch 1: the last finite weights are the initial ones of seed 0
    from neurolocal.data import load_digits

    data = load_digits()
    network = channel_network([data.num_inputs, 10, 10], get_channel("bp"), "relu", "linear",
                              1e9)
    initial = get_backend("numpy").build(network, seed=0).weights()
    for (w, b), (w0, b0) in zip(model.weights, initial):
        np.testing.assert_array_equal(w, w0)
        np.testing.assert_array_equal(b, b0)


def test_tanh_with_huge_rate_is_reported_as_diverged(capsys):
    """Weights of ~1e9 at chance accuracy used to be reported as "diverged": []."""
    assert main(["train", "--lr", "1e9", "--hidden", "10", "--epochs", "2", "--json",
                 "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["diverged"] == [0] and data["diverged_at"] == 1
    assert "beyond the bound 1e+06" in data["divergence"]


def test_save_model_never_writes_non_finite_values(tmp_path):
    network = channel_network([3, 2], get_channel("bp"))
    weights = network.init_weights(np.random.default_rng(0), np.float32)
    weights[0][0][0, 0] = np.nan
    with pytest.raises(ValueError, match="not finite"):
        save_model(tmp_path / "m.npz", network, weights)
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.slow
def test_brian2_trainer_reports_divergence():
    pytest.importorskip("brian2")
    network = channel_network([3, 4, 2], get_channel("bp"), "relu", "linear", 1e9)
    simulator = get_backend("brian2").build(network, seed=0)
    rng = np.random.default_rng(0)
    x = rng.random((8, 3))
    history = simulator.train(x, np.eye(2)[rng.integers(0, 2, 8)], epochs=3, batch_size=4)
    assert history.diverged_at == 1 and history.divergence
    assert all(np.isfinite(w).all() for w, _ in history.last_finite)


def test_recurrent_trainer_reports_divergence(capsys):
    assert main(["sequence", "--lr", "1e6", "--epochs", "3", "--seeds", "1", "--sequences",
                 "32", "--channels", "bptt", "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    diverged, = data["channels"][0]["diverged"]
    assert "beyond the bound" in diverged["cause"]
    # training stopped at the diverging epoch: losses of epochs 0..that one, not 0..3
    assert 1 <= diverged["epoch"] <= 3
    assert len(data["channels"][0]["losses"][0]) == diverged["epoch"] + 1


def test_sequence_plot_with_seeds_diverging_at_different_epochs(tmp_path, capsys):
    """Seeds that stop at different epochs leave loss curves of different lengths: the plot
    averages over the epochs every seed reached (it used to end in an internal error)."""
    path = tmp_path / "curves.png"
    assert main(["sequence", "--lr", "1e6", "--epochs", "6", "--seeds", "3", "--sequences",
                 "32", "--channels", "bptt", "--json", "--quiet", "--plot", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len({d["epoch"] for d in data["channels"][0]["diverged"]}) > 1
    assert path.stat().st_size > 0


def test_deep_targets_trainer_reports_divergence():
    """A perceptron step on XOR (one gate always errs) moves a weight by η × (mean of the
    error × input over the 4 patterns) = η/4 in epoch 1: with η = 1e7 that is 2.5e6, beyond
    the bound 1e6."""
    from neurolocal.channels.deep_targets import threshold_network, train_deep_targets

    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    t = np.array([[0], [1], [1], [0]], float)  # XOR: one gate always errs
    run = train_deep_targets(threshold_network([2, 1], eta=1e7), x, t, epochs=5, batch_size=4)
    assert run.diverged_at == 1 and "beyond the bound" in run.divergence
    assert len(run.errors) == 2  # epoch 0 and the diverging epoch 1, then it stopped
