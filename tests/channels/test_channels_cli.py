"""`neurolocal train` and `neurolocal compare`, run as a user would (subprocesses)."""

import json
import subprocess
import sys

import numpy as np

from neurolocal.data import write_idx
from neurolocal.io import load_model

CLI = [sys.executable, "-m", "neurolocal"]


def run(*args):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=300)


def test_train_json_save_and_reload(tmp_path):
    model = tmp_path / "model.npz"
    result = run("train", "--dataset", "digits", "--channel", "srbp", "--hidden", "10,10",
                 "--epochs", "8", "--save", str(model), "--json", "--seed", "1")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "srbp" and data["sizes"] == [64, 10, 10, 10]
    assert len(data["history"]) == 8 and data["extra_synapses"] == 10 * 10 + 10 * 10
    loaded = load_model(model)
    assert loaded.network.channel.name == "srbp" and loaded.metadata["seed"] == 1
    # the saved model reproduces the reported test accuracy on the same split
    from neurolocal.data import load_digits

    digits = load_digits(seed=1)
    out = loaded.build().predict(digits.x_test)
    accuracy = float(np.mean(out.argmax(axis=1) == digits.y_test))
    assert accuracy == data["test_accuracy"] == loaded.metadata["test_accuracy"]
    again = run("train", "--channel", "srbp", "--epochs", "8", "--json", "--seed", "1")
    assert json.loads(again.stdout)["history"] == data["history"]  # bit-reproducible


def test_compare_json_plot_and_table(tmp_path):
    plot = tmp_path / "curves.png"
    result = run("compare", "--channels", "bp,rbp[quantize=1],sigprop", "--epochs", "3",
                 "--seeds", "2", "--plot", str(plot), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rows = {row["name"]: row for row in data["channels"]}
    assert set(rows) == {"bp", "rbp[quantize=1]", "sigprop"}
    for row in rows.values():
        assert 0.0 <= row["test_accuracy"] <= 1.0 and len(row["test_accuracy_per_seed"]) == 2
        assert row["test_accuracy"] == np.mean(row["test_accuracy_per_seed"])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = run("compare", "--channels", "bp,top", "--epochs", "2", "--seeds", "1")
    assert table.returncode == 0 and "test acc (mean ± std)" in table.stdout


def test_idx_dataset_from_the_cli(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 120).astype(np.uint8)
    images = (np.eye(3)[labels][:, :, None] * 200 + rng.random((120, 3, 4)) * 50).astype(np.uint8)
    write_idx(tmp_path / "img.idx", images)
    write_idx(tmp_path / "lab.idx", labels)
    result = run("train", "--dataset", f"idx:{tmp_path / 'img.idx'},{tmp_path / 'lab.idx'}",
                 "--hidden", "8", "--epochs", "30", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sizes"] == [12, 8, 3]
    assert data["test_accuracy"] > 0.9  # the class is written into the pixels


def test_user_errors_are_one_line():
    for args in (["train", "--channel", "nope"], ["compare", "--channels", "bp,rbp[x]"],
                 ["train", "--hidden", "0"], ["train", "--spiking"],
                 ["train", "--dataset", "idx:/no/such,/file"], ["train", "--backend", "nope"]):
        result = run(*args, "--epochs", "1")
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
