"""Graded activation neurons (Loihi 2): integer f/f' tables against the float functions with
tolerances derived from the grids, conversion error bounded by propagating the quantization
steps, emulator vs Lava bit-exact, default-trained tanh models within 1.5 points, training for
the target (quantization-aware) within 0.5 point, predictions files, one-line refusals."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hw import emulator
from hw.activation import LOIHI2_FORMAT, activation_table
from hw.deploy import deploy
from hw.errors import MappingError
from hw.graded import convert_graded, format_for
from hw.profiles import LOIHI1, LOIHI2
from hw.runner import run_isolated
from hw.spiking import activity_percentile, float_activations
from neurolocal.backends import get_backend
from neurolocal.channels import forward_pass, get_channel
from neurolocal.data import load_digits
from neurolocal.io import load_model, save_model
from neurolocal.network import Network, get_transfer
from neurolocal.network.fixed_point import TARGET_FORMATS, Quantizer
from neurolocal.rules import get_rule

ROOT = Path(__file__).resolve().parents[2]
FMT = LOIHI2_FORMAT
F, S, G = FMT.activity_frac, FMT.state_frac, FMT.table_frac
TRANSFERS = ("tanh", "logistic", "clip", "relu", "linear")
# max |f'| and max |f''| of each transfer function (calculus, not code)
SLOPE = {"tanh": 1.0, "logistic": 0.25, "clip": 1.0, "relu": 1.0, "linear": 1.0}
CURVATURE = {"tanh": 4 / (3 * np.sqrt(3)), "logistic": np.sqrt(3) / 18}


def table_errors(values: np.ndarray, name: str) -> np.ndarray:
    """A[k(Σ)]/2^F − f(Σ/2^s) for every state Σ with |S| < R − 2^−g on the state grid."""
    table = activation_table(name)
    sigma = np.arange(-(FMT.table_range * 2 ** S) + 2 ** (S - G), FMT.table_range * 2 ** S
                      - 2 ** (S - G))
    return values[table.index(sigma) - table.low] / 2 ** F - get_transfer(name)(sigma / 2 ** S)


@pytest.mark.parametrize("name", TRANSFERS)
def test_table_is_within_half_a_grid_step_and_unbiased(name):
    """|A − f(S)| ≤ ½·2^−g·max|f'| (S read at its bin's midpoint) + ½·2^−F (rounding); the
    mean error over |S| < 2 is below 2^−10 (midpoints make it unbiased). The same table
    shifted by one grid step (f read at the bin's edge + 1) must fail one of the two."""
    tolerance = 0.5 * 2 ** -G * SLOPE[name] + 0.5 * 2 ** -F + 1e-12
    table = activation_table(name)

    def passes(values: np.ndarray) -> bool:
        errors = table_errors(values, name)
        middle = errors[errors.size // 2 - 2 * 2 ** S: errors.size // 2 + 2 * 2 ** S]
        return np.abs(errors).max() <= tolerance and abs(middle.mean()) < 2 ** -10

    assert passes(table.values)
    assert not passes(np.roll(table.values, -1))
    assert not passes(np.roll(table.values, 1))


@pytest.mark.parametrize("name", ["tanh", "logistic"])
def test_derivative_table_is_within_half_a_grid_step(name):
    """|D − f'(S)| ≤ ½·2^−g·max|f''| + ½·2^−F; shifted by one step it fails."""
    tolerance = 0.5 * 2 ** -G * CURVATURE[name] + 0.5 * 2 ** -F + 1e-12
    table = activation_table(name)
    sigma = np.arange(-4 * 2 ** S, 4 * 2 ** S)
    exact = get_transfer(name).df(sigma / 2 ** S)
    assert np.abs(table.df(sigma) / 2 ** F - exact).max() <= tolerance
    shifted = np.roll(table.derivatives, 1)[table.index(sigma) - table.low] / 2 ** F
    assert np.abs(shifted - exact).max() > tolerance


def test_tables_saturate_and_refuse_what_they_cannot_represent():
    tanh = activation_table("tanh")
    assert tanh.f(np.array([2 ** 30, -2 ** 30])).tolist() == [2 ** F, -2 ** F]
    assert activation_table("clip").f(np.array([5 * 2 ** S, -5 * 2 ** S])).tolist() == \
        [2 ** F, -2 ** F]
    with pytest.raises(MappingError, match="nearest supported: tanh"):
        activation_table("sign")
    with pytest.raises(MappingError, match="nearest supported: logistic"):
        activation_table("step01")


def test_calibration_percentile_by_hand():
    """The one calibration scale of every conversion (rate-coded, graded, on-chip learning):
    relu-like layers take the percentile of their positive activities, signed layers of |a|
    over the non-zero ones. a = (−4, 0, 1, 2, 3): medians 2 of (1, 2, 3) and 2.5 of
    (1, 2, 3, 4); no activity at all: None (the caller keeps its default)."""
    a = np.array([[-4.0, 0.0, 1.0], [2.0, 3.0, 0.0]])
    assert activity_percentile(a, 50) == 2.0
    assert activity_percentile(a, 50, signed=True) == 2.5
    assert activity_percentile(np.zeros((2, 3)), 50, signed=True) is None
    assert activity_percentile(-a[:1], 50) == 4.0  # only −(−4) = 4 is positive


def test_the_trained_format_is_the_chips():
    """The plain-data format neurolocal trains with equals the one hw derives from Loihi 2."""
    assert format_for(LOIHI2) == dataclasses.replace(TARGET_FORMATS["loihi2"], name="loihi2")


def random_weights(seed: int, sizes: list[int], gain: float = 2.0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(b, a)) * gain / np.sqrt(a), rng.normal(size=b) * 0.5)
            for a, b in zip(sizes, sizes[1:])]


@pytest.mark.parametrize("name", TRANSFERS)
def test_conversion_error_is_bounded_by_the_quantization_steps(name):
    """One hidden layer: |ΔS^L_i| ≤ Σ_j |ΔW2_ij||a_j| + Σ_j |W2'_ij| Δa_j + |Δb2_i| + 2^−s,
    Δa_j = max|f'|·ΔS1_j + table error, ΔS1_j = Σ_k |ΔW1_jk| x_k + Σ_k |W1'_jk| 2^−(F+1)
    + |Δb1_j| + 2^−s (the ΔW, Δb the conversion reports; 2^−s: the Dense shift's floor).
    Worst case (about 10× the measured error here); a table off by one step fails the table
    test above, a wrong exponent, bias scale or normalization fails this one."""
    rng = np.random.default_rng(7)
    weights = random_weights(3, [12, 20, 5])
    x = rng.uniform(size=(50, 12))
    net = convert_graded(weights, [name, "logistic"], x, LOIHI2)
    ours = net.decode(emulator.simulate(net, x)[0], fixed=True)
    hidden, out = net.layers
    lam = hidden.normalization
    s1 = x @ hidden.weights.T + hidden.bias
    a1 = get_transfer(name)(s1)  # normalized activity
    exact = a1 @ out.weights.T + out.bias
    np.testing.assert_allclose(exact, float_activations(weights, [name, "logistic"], x)[-1],
                               atol=1e-9)  # normalization does not change the function
    dw1 = np.abs(hidden.fixed_weights.stored * 2.0 ** hidden.weight_exp / 2 ** (S - F)
                 - hidden.weights)
    dw2 = np.abs(out.fixed_weights.stored * 2.0 ** out.weight_exp / 2 ** (S - F) - out.weights)
    db1 = np.abs(hidden.fixed_bias.effective / 2 ** S - hidden.bias)
    db2 = np.abs(out.fixed_bias.effective / 2 ** S - out.bias)
    ds1 = x @ dw1.T + (np.abs(hidden.weights) + dw1).sum(1) * 2.0 ** -(F + 1) + db1 + 2.0 ** -S
    da1 = SLOPE[name] * ds1 + 0.5 * 2 ** -G * SLOPE[name] + 0.5 * 2 ** -F
    bound = np.abs(a1) @ dw2.T + da1 @ (np.abs(out.weights) + dw2).T + db2 + 2.0 ** -S
    inside = np.abs(s1) < FMT.table_range - ds1  # no clipping at the table's range
    assert inside.all(), f"λ = {lam}: the test network should stay inside the table"
    assert (np.abs(ours - exact) <= bound + 1e-9).all()


CASES = [(11, [6, 9, 7, 4], ["tanh", "logistic", "linear"]),
         (12, [5, 8, 7, 6, 3], ["clip", "relu", "linear", "logistic"])]


@pytest.mark.lava
@pytest.mark.parametrize("seed,sizes,transfers", CASES)
def test_emulator_is_bit_exact_with_lava_fixed_point(seed, sizes, transfers):
    """Random networks (weights large enough to saturate, negative activities), 64 steps per
    sample: identical integers; float mode equal to 1e-9."""
    x = np.random.default_rng(seed).uniform(size=(5, sizes[0]))
    net = convert_graded(random_weights(seed, sizes, gain=3.0), transfers, x, LOIHI2, steps=64)
    ours, counts = emulator.simulate(net, x, fixed=True)
    lava = run_isolated("hw.lava_forward:run_forward", {"network": net, "x": x, "fixed": True},
                        timeout=120)
    np.testing.assert_array_equal(ours, lava)
    assert all(c.any() for c in counts)
    first = emulator.graded_layer_fixed(net.encode(x, True)[0], net.layers[0])
    assert np.abs(first).max() == 2 ** F and first.min() < 0  # saturated and signed units
    if seed == CASES[0][0]:
        floating = run_isolated("hw.lava_forward:run_forward",
                                {"network": net, "x": x, "fixed": False}, timeout=120)
        np.testing.assert_allclose(emulator.simulate(net, x, fixed=False)[0], floating,
                                   rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def trained(digits, hidden, channel, epochs, target=None, transfer="tanh"):
    rule = get_rule("backprop").with_parameters(eta=0.1)
    network = Network.layered([64, *hidden, 10], hidden=transfer, output="logistic",
                              channel=get_channel(channel), rule=rule, hidden_rule=rule)
    options = {"quantizer": Quantizer(target)} if target else {}
    simulator = get_backend("numpy").build(network, seed=0, **options)
    simulator.train(digits.x_train, digits.t_train, epochs=epochs, batch_size=16,
                    diagnostics=False)
    return network, simulator


@pytest.mark.parametrize("hidden,channel", [((32,), "bp"), ((16, 16), "srbp")])
def test_default_tanh_models_deploy_within_one_and_a_half_points(digits, hidden, channel):
    network, simulator = trained(digits, hidden, channel, epochs=15)
    result = deploy(network, simulator.weights(), digits)
    assert result.neuron == "graded" and result.float_accuracy > 0.85
    assert result.target_accuracy >= result.float_accuracy - 0.015
    assert result.agreement >= 0.97


def test_training_for_the_target_deploys_within_half_a_point(digits, tmp_path):
    """The quantization-aware forward pass is the chip's arithmetic (up to the Dense shift's
    floor, < 2^−s): predictions agree on ≥ 99% of samples and accuracy within 0.5 point."""
    network, simulator = trained(digits, (16, 16), "srbp", epochs=10, target="loihi2")
    path = save_model(tmp_path / "q.npz", network, simulator.weights(),
                      simulator.channel_state, {"target": "loihi2"})
    model = load_model(path)
    result = deploy(model.network, model.weights, digits,
                    trained_for=model.metadata["target"])
    qat = simulator.predict(digits.x_test)
    qat_accuracy = np.mean(qat.argmax(1) == digits.y_test)
    assert np.mean(qat.argmax(1) == result.predictions) >= 0.99
    assert abs(qat_accuracy - result.target_accuracy) <= 0.005
    # S^L of the quantization-aware forward pass in float64 against the chip's decoded Σ^L
    quantizer = Quantizer("loihi2")
    weights = quantizer.weights([(w.astype(np.float64), b.astype(np.float64))
                                 for w, b in model.weights])
    s_out = forward_pass(quantizer.network(model.network), weights,
                         quantizer.inputs(digits.x_test.astype(np.float64))).S[-1]
    differences = np.abs(s_out - result.outputs)
    assert np.median(differences) <= 2.0 ** -S * 8 and np.mean(differences > 0.05) < 0.02


def test_quantizer_forward_is_on_the_grids():
    quantizer = Quantizer("loihi2")
    w, b = quantizer.weights([(np.array([[0.3, -1.7]]), np.array([0.1]))])[0]
    # 1.7·2^(s−F) = 54.4 fits the mantissa with e = −2 (54.4/2^(e+1) = 108.8 ≤ 127): 2m·2^e
    mantissa = w * 2 ** (S - F) / 2.0 ** (-2 + 1)
    np.testing.assert_array_equal(mantissa, [[19, -109]])  # round(9.6/0.5), round(−108.8)
    assert np.all(b * 2 ** S % 1 == 0)
    a = quantizer.transfer("tanh")(np.linspace(-3, 3, 101))
    assert np.all(a * 2 ** F % 1 == 0) and np.abs(a - np.tanh(np.linspace(-3, 3, 101))).max() \
        <= 0.5 * 2 ** -G + 0.5 * 2 ** -F
    # straight-through backward: f' of the float function, 0 where the table clips (|S| ≥ 8)
    np.testing.assert_array_equal(quantizer.transfer("linear").df(np.array([-9.0, -0.5, 7.9,
                                                                            8.0])), [0, 1, 1, 0])
    with pytest.raises(ValueError, match="nearest supported: tanh"):
        quantizer.network(Network.layered([4, 3, 2], hidden="sign", channel=get_channel("bp")))


def test_loihi1_refuses_signed_units_naming_relu(digits):
    network, simulator = trained(digits, (8,), "bp", epochs=1)
    with pytest.raises(MappingError, match="uses tanh.*nearest supported: relu"):
        deploy(network, simulator.weights(), digits, LOIHI1, num_test=10)


# ----- the command line -----------------------------------------------------------------------
def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neurolocal", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def test_cli_predictions_files_hold_the_emulator_outputs(digits, tmp_path):
    network, simulator = trained(digits, (16,), "srbp", epochs=3)
    model = save_model(tmp_path / "m.npz", network, simulator.weights(), simulator.channel_state)
    done = cli("deploy", str(model), "--num-test", "60", "--predictions",
               str(tmp_path / "p.csv"))
    assert done.returncode == 0, done.stderr
    net = convert_graded(simulator.weights(), ["tanh", "logistic"], digits.x_train[:500], LOIHI2)
    outputs = net.decode(emulator.simulate(net, digits.x_test[:60])[0], fixed=True)
    rows = np.loadtxt(tmp_path / "p.csv", delimiter=",", skiprows=1)
    np.testing.assert_array_equal(rows[:, 1], digits.y_test[:60])
    np.testing.assert_array_equal(rows[:, 2], outputs.argmax(1))
    np.testing.assert_allclose(rows[:, 4:], outputs)
    result = deploy(network, simulator.weights(), digits, num_test=60)
    with np.load(result.save_predictions(tmp_path / "p.npz")) as saved:
        np.testing.assert_array_equal(saved["prediction"], outputs.argmax(1))
        np.testing.assert_allclose(saved["outputs"], outputs)
    bad = cli("deploy", str(model), "--target", "loihi1")
    assert bad.returncode == 2 and "nearest supported: relu" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    suffix = cli("deploy", str(model), "--predictions", str(tmp_path / "p.txt"))
    assert suffix.returncode == 2 and "must end in .npz or .csv" in suffix.stderr
    assert len(suffix.stderr.strip().splitlines()) == 1 and not (tmp_path / "p.txt").exists()


@pytest.mark.parametrize("args,message", [
    (("--target", "loihi9"), "unknown training target 'loihi9'"),
    (("--target", "loihi2", "--hidden-transfer", "sign"), "nearest supported: tanh"),
])
def test_cli_train_target_errors_are_one_line(args, message):
    done = cli("train", "--epochs", "1", *args)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
