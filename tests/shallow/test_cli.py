"""`neurolocal analyze` and `neurolocal boolean`, run as a user would."""

import json
import subprocess
import sys

import numpy as np

CLI = [sys.executable, "-m", "neurolocal"]


def run(*args):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=300)


def test_analyze_oja_json_and_plot(tmp_path):
    figure = tmp_path / "oja.png"
    result = run("analyze", "--rule", "oja", "--dataset", "digits", "--epochs", "8", "--json",
                 "--plot", str(figure))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"]["converges_everywhere"] is True and data["effective_degree"] == 3
    assert data["simulation"]["final_cos_principal"] > 0.999
    assert abs(data["simulation"]["final_norm"] - 1) < 0.01
    assert data["prediction"]["max_relative_norm_error"] < 0.01
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_analyze_hebb_diverges_when_predicted_and_is_reproducible():
    args = ("analyze", "--rule", "eta*post*pre", "--epochs", "30", "--json", "--seed", "3")
    first, second = run(*args), run(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # bit-reproducible
    data = json.loads(first.stdout)
    sim, pred = data["simulation"], data["prediction"]
    assert sim["diverged_at"] is not None and abs(sim["diverged_at"] - pred["diverged_at"]) <= 1
    assert np.all(np.isfinite(sim["norm"])) and data["verdict"]["converges_everywhere"] is False


def test_analyze_supervised_tanh_reports_the_approximation_errors():
    result = run("analyze", "--rule", "delta", "--unit", "tanh", "--epochs", "2", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "prediction" not in data and data["verdict"]["for_unit"] == "linear"
    errors = data["approximations"]
    # the second-order Taylor correction beats f(E[S]) by more than the Monte Carlo noise
    assert errors["taylor_mean"] + 3 * errors["reference_standard_error"] < errors["dropout_mean"]


def test_boolean_counts_and_table():
    result = run("boolean", "--inputs", "2", "--monotone", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["counts"] == {"all": 16, "separable": 14, "monotone": 6,
                              "monotone_separable": 6}
    perceptron = next(r for r in data["rules"] if r["rule"] == "perceptron")
    assert perceptron["learned"] == 14 and perceptron["learned_not_separable"] == 0
    # all but XOR (truth table 0110 read from row 3 down: number 6) and XNOR (1001: 9)
    assert perceptron["learned_functions"] == sorted(set(range(16)) - {6, 9})
    text = run("boolean", "--inputs", "2", "--layers", "2", "--rule", "oja")
    assert text.returncode == 0 and "oja → perceptron" in text.stdout


def test_user_errors_are_one_line_exit_2():
    for args in (["analyze", "--rule", "eta*post*"],
                 ["analyze", "--rule", "oja", "--dataset", "nope"],
                 ["analyze", "--rule", "backprop"],
                 ["boolean", "--inputs", "5"],
                 ["boolean", "--inputs", "2", "--layers", "2", "--rule", "clamped_hebb"]):
        result = run(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, args


def test_analyze_average_mode_on_another_data_set_is_exact():
    # a linear unit in average mode runs exactly the averaged recurrence the theory iterates
    result = run("analyze", "--rule", "hebb_decay", "--dataset", "teacher", "--mode", "average",
                 "--epochs", "50", "--eta", "0.05", "--decay", "0.6", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["prediction"]["max_relative_norm_error"] < 1e-10
    assert data["verdict"]["converges_everywhere"] is True
