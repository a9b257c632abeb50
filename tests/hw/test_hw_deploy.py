"""Deployment end to end: resource report, accuracy on target vs the float model, channel
refusals, on-chip learning (emulator vs Lava), and the `neurolocal deploy` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hw.deploy import deploy, plan
from hw.errors import ChannelMappingError, MappingError
from hw.learning import learn_on_chip
from hw.profiles import LOIHI2
from neurolocal.backends import get_backend
from neurolocal.channels import get_channel
from neurolocal.data import load_digits
from neurolocal.io import Model, load_model, save_model
from neurolocal.network import Network
from neurolocal.rules import get_rule

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def digits():
    return load_digits()


@pytest.fixture(scope="module")
def model_file(digits, tmp_path_factory):
    rule = get_rule("backprop").with_parameters(eta=0.05)
    network = Network.layered([64, 32, 10], hidden="relu", output="logistic",
                              channel=get_channel("srbp"), rule=rule, hidden_rule=rule)
    simulator = get_backend("numpy").build(network, seed=0)
    simulator.train(digits.x_train, digits.t_train, epochs=15, batch_size=32)
    path = tmp_path_factory.mktemp("model") / "srbp.npz"
    return save_model(path, network, simulator.weights(), simulator.channel_state)


def test_resource_report_by_hand(model_file):
    model = load_model(model_file)
    report, mapping = plan(model.network, LOIHI2)
    # learning graph: forward layers 32 + 10 (the output neurons compute the error), SRBP
    # (Distinct): relay err_h1 (32) fed by C (32x10), delivery into layer 1 (32x32)
    assert report.neurons == 32 + 10 + 32
    assert report.synapses == 64 * 32 + 32 * 10 + 32 * 10 + 32 * 32
    assert mapping.extra_synapses == 32 * 10 + 32 * 32 and mapping.architecture == "distinct"


def test_emulator_accuracy_tracks_the_float_model(model_file, digits):
    """Tolerance: rate-coded fixed point with 32 steps agrees with the float model's class on
    ≥ 90% of the test set and loses at most 5 points of accuracy."""
    model = load_model(model_file)
    for fixed in (True, False):
        result = deploy(model.network, model.weights, digits, sim="emulator", fixed=fixed,
                        neuron="if")
        assert result.num_test == len(digits.x_test)
        assert result.agreement >= 0.90
        assert result.target_accuracy >= result.float_accuracy - 0.05
        assert result.resources.synaptic_ops > 0


def test_bidirectional_channel_is_refused_with_the_physical_reason(digits):
    network = Network.layered([64, 8, 10], hidden="relu", channel=get_channel("bp"))
    with pytest.raises(ChannelMappingError, match="conduct one way"):
        plan(network, LOIHI2)
    model = Model(network, network.init_weights(0), {})
    with pytest.raises(ChannelMappingError, match="conduct one way"):
        learn_on_chip(model, digits, num_train=10, num_test=10, approximate=True)
    # inference of the forward network needs no channel: deployed with a note
    result = deploy(network, network.init_weights(0), digits, num_test=20)
    assert result.channel is None
    assert any("conduct one way" in w for w in result.warnings)
    assert result.resources.neurons == 8 + 10


def test_a_network_that_does_not_fit_fails_before_anything_runs(digits):
    network = Network.layered([64, 5_000, 10], hidden="relu", channel=get_channel("srbp"))
    small = LOIHI2.from_dict({**LOIHI2.to_dict(), "name": "one-chip", "cores_per_chip": 2})
    with pytest.raises(MappingError, match="exceeding the 2 cores of one-chip by"):
        deploy(network, [(np.zeros((5_000, 64)), np.zeros(5_000)),
                         (np.zeros((10, 5_000)), np.zeros(10))], digits, small)


# ----- the command line -----------------------------------------------------------------------
def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neurolocal", "deploy", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_deploy_json(model_file):
    done = cli(str(model_file), "--num-test", "100", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["target"] == "loihi2" and data["precision"] == "fixed"
    assert data["num_test"] == 100 and 0.0 <= data["target_accuracy"] <= 1.0
    assert data["resources"]["cores_used"] == len(data["resources"]["cores"])


@pytest.mark.parametrize("content,message", [
    (b"not a zip", "not a readable .npz file"),
    (None, "no such model file"),
])
def test_cli_bad_model_file_is_one_line(tmp_path, content, message):
    path = tmp_path / "model.npz"
    if content is not None:
        path.write_bytes(content)
    done = cli(str(path))
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_cli_incompatible_version(tmp_path, model_file):
    with np.load(model_file) as archive:
        arrays = {k: archive[k] for k in archive.files}
    arrays["version"] = np.array(99)
    path = tmp_path / "future.npz"
    np.savez(path, **arrays)
    done = cli(str(path))
    assert done.returncode == 2 and "version 99" in done.stderr


def test_cli_hardware_path_explains_what_is_missing(model_file):
    done = cli(str(model_file), "--sim", "loihi")
    assert done.returncode == 2
    assert "proprietary Lava extension" in done.stderr and "Traceback" not in done.stderr


def test_cli_learn_on_the_emulator_is_reproducible(model_file):
    args = (str(model_file), "--learn", "--epochs", "1", "--num-train", "200", "--num-test",
            "100", "--approximate", "--json", "--seed", "3")
    first, second = cli(*args), cli(*args)
    assert first.returncode == 0, first.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["learned_accuracy"] == b["learned_accuracy"]
    assert a["online_accuracy"] == b["online_accuracy"]
    assert all(s.endswith("*u0*x1*y2") for s in a["rule_strings"])
    refused = cli(str(model_file), "--learn", "--num-train", "10", "--rule",
                  "eta*feedback*pre - 0.001*eta*w")
    assert refused.returncode == 2 and "--approximate" in refused.stderr
    assert "w: nearest 2^-7*u9*w every 2^9-th epoch" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.mark.lava
def test_cli_deploy_on_lava_fixed_point(model_file):
    done = cli(str(model_file), "--sim", "lava", "--num-test", "40", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["sim"] == "lava" and data["agreement"] >= 0.85
