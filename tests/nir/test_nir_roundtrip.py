"""Export → import round trips: standard nodes only, NIR's own reader and checks, the
/neurolocal extension invisible to NIR and restoring training exactly, identical predictions on
the hw emulator, the hw-converted network as NIR, graphs built with nir's API, and errors."""

from __future__ import annotations

import json
import subprocess
import sys

import h5py
import nir
import numpy as np
import pytest

from hw import emulator
from hw.deploy import deploy, transfers_of
from hw.nir_export import to_nir
from hw.profiles import LOIHI2
from hw.spiking import convert
from neurolocal.backends import get_backend
from neurolocal.channels import get_channel
from neurolocal.cli import main
from neurolocal.data import load_digits
from neurolocal.interchange import (
    NIRImportError,
    chain_from_graph,
    model_from_stages,
    simulate,
    write_nir,
)
from neurolocal.interchange.chain import walk
from neurolocal.io import Model, load_nir, save_model
from neurolocal.network import Network
from neurolocal.rules import get_rule

STANDARD = {"Input", "Output", "Affine", "Linear", "IF", "LIF", "CubaLIF", "LI"}


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def trained(digits, channel: str, hidden: str = "relu", epochs: int = 3) -> Model:
    rule = get_rule("backprop").with_parameters(eta=0.05)
    network = Network.layered([64, 24, 16, 10], hidden=hidden, output="logistic",
                              channel=get_channel(channel), rule=rule, hidden_rule=rule)
    simulator = get_backend("numpy").build(network, seed=3)
    simulator.train(digits.x_train[:600], digits.t_train[:600], epochs=epochs, batch_size=16)
    return Model(network, simulator.weights(), simulator.channel_state, {"seed": 3})


def test_export_is_standard_nir_and_the_extension_is_invisible_to_nir(digits, tmp_path):
    model = trained(digits, "srbp", epochs=1)
    path, warnings = write_nir(tmp_path / "m.nir", model)
    assert warnings == []
    graph = nir.read(path)  # NIR's reader with its type checks
    graph.check_types()
    assert {type(n).__name__ for n in graph.nodes.values()} <= STANDARD
    assert sorted(type(n).__name__ for n in graph.nodes.values()) == \
        ["Affine", "Affine", "Affine", "IF", "IF", "Input", "Output"]
    with h5py.File(path) as f:
        assert set(f) == {"node", "version", "neurolocal"}
        projections = f["neurolocal/projections"]
        assert projections["1"].attrs["rule"] == str(model.network.projections[0].rule.expr)
        assert projections["1"].attrs["projection"] in graph.nodes
        np.testing.assert_array_equal(f["neurolocal/state/C1"][()], model.channel_state["C1"])
    plain, _ = write_nir(tmp_path / "plain.nir", model, extension=False)
    again = nir.read(plain)
    for name, node in graph.nodes.items():
        assert type(again.nodes[name]) is type(node)
    # a tanh network is exported with IF units (rate relu): said, not hidden
    _, warnings = write_nir(tmp_path / "t.nir", trained(digits, "srbp", "tanh", 1))
    assert len(warnings) == 2 and "tanh" in warnings[0]


@pytest.mark.parametrize("channel", ["srbp", "bp", "arbp", "sigprop", "sign"])
def test_round_trip_keeps_training_identical(digits, tmp_path, channel):
    model = trained(digits, channel)
    save_model(tmp_path / "m.npz", model.network, model.weights, model.channel_state)
    write_nir(tmp_path / "m.nir", model)
    back = load_nir(tmp_path / "m.nir")
    assert back.network.to_dict() == model.network.to_dict()
    assert back.channel_state.keys() == model.channel_state.keys()
    runs = []
    for m in (model, back):
        simulator = m.build("numpy", seed=11)
        simulator.train(digits.x_train[:300], digits.t_train[:300], epochs=1, batch_size=16)
        runs.append(simulator.weights())
    for (w1, b1), (w2, b2) in zip(*runs):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
    # training moved the weights, so equality above is not the trivial one
    assert not np.array_equal(runs[0][0][0], model.weights[0][0])
    if model.channel_state:  # without the extension the channel's matrices are drawn anew
        fresh = load_nir(tmp_path / "m.nir", channel=channel).build("numpy", seed=11)
        fresh.train(digits.x_train[:300], digits.t_train[:300], epochs=1, batch_size=16)
        assert not np.array_equal(fresh.weights()[0][0], runs[0][0][0])


def test_round_trip_without_extension_predicts_identically_on_the_emulator(digits, tmp_path):
    model = trained(digits, "srbp")
    path, _ = write_nir(tmp_path / "m.nir", model, extension=False)
    back = load_nir(path)
    assert [p.transfer for p in back.network.populations[1:]] == ["relu", "relu", "linear"]
    x = digits.x_test[:150]
    outputs = []
    for m in (model, back):
        spiking = convert(m.weights, transfers_of(m.network), digits.x_train[:300], LOIHI2)
        outputs.append(emulator.simulate(spiking, x, fixed=True)[0])
    np.testing.assert_array_equal(outputs[0], outputs[1])
    # in NIR's own semantics (a continuous-time graph, here at dt = 0.05) under the constant
    # input signal x, output integrals per time unit follow the rate model
    stages = chain_from_graph(nir.read(path))
    dt = 0.05
    spikes = np.broadcast_to(x * dt, (2000,) + x.shape)
    counts = simulate(stages, spikes, dt).sum(axis=0)
    rate = x
    for (w, b), f in zip(back.weights, ["relu", "relu", "linear"]):
        rate = rate @ w.T + b
        rate = np.maximum(rate, 0) if f == "relu" else rate
    # (approximate: a spike jumps v by W_ij, and the reset to v_reset drops the overshoot;
    # measured correlation 0.95, class agreement 0.83 for this barely trained network)
    assert np.corrcoef(counts.ravel() / (2000 * dt), rate.ravel())[0, 1] > 0.93
    assert np.mean(counts.argmax(1) == rate.argmax(1)) > 0.75


def test_hw_converted_network_as_nir_reproduces_the_float_emulator(digits, tmp_path):
    model = trained(digits, "srbp")
    x = digits.x_test[:100]
    for encoding in ("rate", "graded"):
        spiking = convert(model.weights, transfers_of(model.network), digits.x_train[:300],
                          LOIHI2, encoding=encoding, steps=24)
        nir.write(tmp_path / "hw.nir", to_nir(spiking))
        graph = nir.read(tmp_path / "hw.nir")
        assert {type(n).__name__ for n in graph.nodes.values()} <= STANDARD
        assert graph.metadata["steps"] == 24
        out = simulate(chain_from_graph(graph), spiking.encode(x, fixed=False), dt=1.0)
        expected = emulator.predict(spiking, x, fixed=False)
        np.testing.assert_allclose(out.sum(axis=0) / spiking.steps, expected, atol=1e-9)


@pytest.fixture(scope="module")
def relu_net(digits):
    """A 64-24-10 relu network trained here, to be written in other tools' conventions."""
    rule = get_rule("backprop").with_parameters(eta=0.05)
    small = Network.layered([64, 24, 10], hidden="relu", output="logistic",
                            channel=get_channel("srbp"), rule=rule, hidden_rule=rule)
    simulator = get_backend("numpy").build(small, seed=0)
    simulator.train(digits.x_train, digits.t_train, epochs=6, batch_size=16)
    return simulator.weights()


def snntorch_like_graph(w1, b1, w2, b2, dt=1e-3):
    """As snnTorch writes a Leaky network: τ = dt/(1 − β), R = τ/dt, v_th = 1, then an LI
    readout. With v_leak = (v_th + v_reset)/2 the rate map has gain R/(τ Δv) and no offset, so
    the graph is rate-equivalent to relu(W1 x + b1) for W = W1/g."""
    n, tau = w1.shape[0], dt / (1 - 0.9)
    r = tau / dt
    g = r / tau
    return nir.NIRGraph.from_list(
        nir.Affine(w1 / g, b1 / g), nir.LIF(tau=np.full(n, tau), r=np.full(n, r),
                                           v_leak=np.full(n, 0.5), v_threshold=np.ones(n)),
        nir.Affine(w2, b2), nir.LI(tau=np.full(10, 0.005), r=np.ones(10),
                                   v_leak=np.zeros(10)))


def norse_like_graph(w1, b1, w2, b2):
    """As Norse writes an LIFBox with synaptic current: CubaLIF (τ_syn, τ_mem from the inverse
    time constants, R = 1, w_in = 1), v_leak = 0, v_th = 1, and a plain Affine readout; the
    rate map's offset c = −1/(2 τ_mem) is compensated in the bias."""
    n, tau_syn, tau_mem = w1.shape[0], 1 / 200, 1 / 100
    g, c = 1 / tau_mem, -0.5 / tau_mem
    return nir.NIRGraph.from_list(
        nir.Affine(w1 / g, (b1 - c) / g),
        nir.CubaLIF(tau_syn=np.full(n, tau_syn), tau_mem=np.full(n, tau_mem), r=np.ones(n),
                    v_leak=np.zeros(n), v_threshold=np.ones(n), w_in=np.ones(n)),
        nir.Affine(w2, b2))


@pytest.mark.parametrize("style, kinds", [
    (snntorch_like_graph, ["Affine", "Affine", "Input", "LI", "LIF", "Output"]),
    (norse_like_graph, ["Affine", "Affine", "CubaLIF", "Input", "Output"])])
def test_graph_built_with_nir_api_imports_trains_and_deploys(digits, relu_net, tmp_path,
                                                             style, kinds):
    (w1, b1), (w2, b2) = relu_net
    nir.write(tmp_path / "other.nir", style(w1, b1, w2, b2))
    imported = load_nir(tmp_path / "other.nir", channel="srbp")
    (v1, c1), (v2, c2) = imported.weights
    np.testing.assert_allclose(v1, w1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c1, b1, rtol=1e-5, atol=1e-5)  # float32 b − c, c = −50
    assert [p.transfer for p in imported.network.populations[1:]] == ["relu", "linear"]
    result = deploy(imported.network, imported.weights, digits, LOIHI2, num_test=150)
    assert result.float_accuracy > 0.85 and result.target_accuracy > 0.8
    simulator = imported.build("numpy", seed=0)  # trains further with a local channel
    history = simulator.train(digits.x_train[:400], digits.t_train[:400], epochs=1)
    assert np.isfinite(history.last().train_loss)
    # exporting the imported (and retrained) model writes the same neuron types back
    path, _ = write_nir(tmp_path / "again.nir", Model(imported.network, simulator.weights(),
                                                      imported.channel_state,
                                                      imported.metadata))
    assert sorted(type(n).__name__ for n in nir.read(path).nodes.values()) == kinds


@pytest.mark.slow
def test_imported_graph_runs_on_brian2(digits, relu_net, tmp_path):
    (w1, b1), (w2, b2) = relu_net
    nir.write(tmp_path / "lif.nir", snntorch_like_graph(w1, b1, w2, b2))
    imported = load_nir(tmp_path / "lif.nir", channel="srbp")
    x = digits.x_test[:30]
    np.testing.assert_allclose(imported.build("brian2").predict(x),
                               imported.build("numpy").predict(x), atol=1e-5)


def test_scale_and_delay_fold_into_the_chain(tmp_path):
    w = np.array([[1.0, 2.0], [3.0, -1.0]])
    graph = nir.NIRGraph.from_list(
        nir.Scale(np.array([2.0, 0.5])), nir.Affine(w, np.array([0.1, 0.2])),
        nir.Scale(np.array([3.0, 1.0])), nir.IF(r=np.ones(2), v_threshold=np.ones(2)),
        nir.Delay(np.array([2.0, 0.0])), nir.Linear(np.eye(2)))
    stages = chain_from_graph(graph)
    # diag(3, 1) · W · diag(2, 0.5), bias (0.3, 0.2)
    np.testing.assert_allclose(stages[0].weight, [[6.0, 3.0], [6.0, -0.5]])
    np.testing.assert_allclose(stages[0].bias, [0.3, 0.2])
    inputs = np.zeros((8, 1, 2))
    inputs[0, 0] = [1.0, 0.0]  # v jumps past threshold in step 0 for both units
    out = simulate(stages, inputs, dt=1.0)[:, 0]
    assert out[0].tolist() == [0.0, 1.0] and out[2].tolist() == [1.0, 0.0]
    with pytest.raises(NIRImportError, match="not multiples of dt"):
        simulate(stages, inputs, dt=0.3)
    # the model keeps the delay and the bias-free readout for re-export
    model = model_from_stages(stages, channel="srbp")
    assert [p.bias for p in model.network.projections] == [True, False]
    path, _ = write_nir(tmp_path / "d.nir", model, extension=False)
    again = nir.read(path)
    kinds = [type(n).__name__ for _, n in walk(again)]
    assert kinds == ["Input", "Affine", "IF", "Delay", "Linear", "Output"]
    np.testing.assert_array_equal(again.nodes["delay1"].delay, [2.0, 0.0])
    np.testing.assert_allclose(simulate(chain_from_graph(again), inputs, 1.0)[:, 0], out)


@pytest.mark.parametrize("graph, message", [
    (nir.NIRGraph.from_list(nir.Conv1d(8, np.ones((2, 1, 3)), 1, 0, 1, 1, np.zeros(2))),
     r"node 'conv1d' \(Conv1d\) is not supported"),
    (nir.NIRGraph.from_list(nir.Affine(np.ones((2, 3)), np.zeros(2)),
                            nir.Threshold(np.ones(2))), r"node 'threshold' \(Threshold\)"),
    (nir.NIRGraph.from_list(nir.Affine(np.ones((2, 3)), np.zeros(2)),
                            nir.Affine(np.ones((2, 2)), np.zeros(2))),
     r"node 'affine_1' \(Affine\) follows another projection"),
    (nir.NIRGraph.from_list(nir.Affine(np.ones((2, 3)), np.zeros(2)),
                            nir.LIF(tau=-np.ones(2), r=np.ones(2), v_leak=np.zeros(2),
                                    v_threshold=np.ones(2))),
     r"node 'lif' \(LIF\): tau must be positive"),
])
def test_unsupported_graphs_are_named(graph, message):
    with pytest.raises(NIRImportError, match=message):
        chain_from_graph(graph)


def test_a_neuron_parameter_of_the_wrong_length_is_named():
    from neurolocal.interchange.neurons import Neuron, NeuronError

    node = nir.LIF(tau=np.ones(3), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3))
    with pytest.raises(NeuronError, match=r"node 'lif' \(LIF\): tau has shape \(3,\), the "
                                          r"layer has 2 units"):
        Neuron.from_node("lif", node, 2)


def test_branching_graph_is_refused():
    a = nir.Affine(np.ones((2, 3)), np.zeros(2))
    graph = nir.NIRGraph(
        {"input": nir.Input(np.array([3])), "a": a, "b": nir.Affine(np.ones((2, 3)),
                                                                     np.zeros(2)),
         "output": nir.Output(np.array([2]))},
        [("input", "a"), ("input", "b"), ("a", "output"), ("b", "output")])
    with pytest.raises(NIRImportError, match=r"node 'input' \(Input\) has 0 inputs and 2"):
        chain_from_graph(graph)


def test_cli_export_import_and_errors(digits, tmp_path, capsys):
    model = trained(digits, "srbp", epochs=1)
    save_model(tmp_path / "m.npz", model.network, model.weights, model.channel_state)

    def cli(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, out, err)

    done = cli("export", tmp_path / "m.npz", "--format", "nir", "--out", tmp_path / "m.nir")
    assert done.returncode == 0, done.stderr
    done = cli("import", tmp_path / "m.nir", "--save", tmp_path / "back.npz")
    assert done.returncode == 0 and "channel srbp" in done.stdout
    # deploy reads the imported model (the `neurolocal deploy` entry point of hw)
    done = subprocess.run([sys.executable, "-m", "neurolocal", "deploy", tmp_path / "back.npz",
                           "--num-test", "50", "--json", "--neuron", "if", "--nir",
                           tmp_path / "hw.nir"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["num_test"] == 50
    assert nir.read(tmp_path / "hw.nir").metadata["source"] == "neurolocal hw"
    done = subprocess.run([sys.executable, "-m", "neurolocal", "deploy", tmp_path / "back.npz",
                           "--num-test", "5", "--nir", tmp_path / "graded.nir"],
                          capture_output=True, text=True)  # Loihi 2 default: graded neurons
    assert done.returncode == 2 and "--neuron if" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "graded.nir").exists()
    nir.write(tmp_path / "conv.nir", nir.NIRGraph.from_list(
        nir.Conv1d(8, np.ones((2, 1, 3)), 1, 0, 1, 1, np.zeros(2))))
    for args, says in ((("import", tmp_path / "conv.nir", "--save", tmp_path / "x.npz"),
                        "node 'conv1d' (Conv1d) is not supported"),
                       (("import", tmp_path / "missing.nir", "--save", tmp_path / "x.npz"),
                        "no such NIR file"),
                       (("export", tmp_path / "missing.npz", "--out", tmp_path / "x.nir"),
                        "no such model file")):
        done = cli(*args)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert says in done.stderr
