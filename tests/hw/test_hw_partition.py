"""Chip profiles (every number sourced), the resource model (memory, axons, cores, chips)
against hand calculations, the refusals the chips impose, the multi-chip plan and its traffic,
and the report against the process graph Lava actually builds."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from hw.channel_map import map_channel
from hw.deploy import deploy, plan
from hw.errors import HardwareError, HardwareUnavailableError, MappingError
from hw.graded import convert_graded
from hw.graph import HOST
from hw.hardware import hardware_available, require_hardware
from hw.learning import initial_weights, make_plan
from hw.partition import partition, synapse_bits_per_axon
from hw.profiles import KAPOHO_POINT, LOIHI1, LOIHI2, PROFILES, ChipProfile, get_profile
from hw.runner import run_isolated
from hw.spiking import convert
from neurolocal.channels import get_channel
from neurolocal.data import load_digits
from neurolocal.network import Network
from neurolocal.rules import get_rule

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


# ----- profiles -----------------------------------------------------------------------------
@pytest.mark.parametrize("profile", list(PROFILES.values()), ids=list(PROFILES))
def test_every_number_has_a_source(profile):
    numbers = {f.name for f in fields(ChipProfile)} - {"name", "chip", "sources", "chips"}
    assert numbers <= set(profile.sources), numbers - set(profile.sources)
    assert all(profile.sources[k].strip() for k in numbers)
    if profile.chips > 1:
        assert "chips" in profile.sources


def test_published_numbers():
    # Davies et al. 2018: 128 cores x 1,024 compartments; 128 KB synaptic memory per core
    # (nengo-loihi: MAX_SYNAPSE_BITS = 16384 words of 64 bits); 4,096 input/output axons.
    assert LOIHI1.cores * LOIHI1.neurons_per_core == 131_072
    assert LOIHI1.core_memory_bytes == 128 * 1024 and not LOIHI1.shared_memory
    assert (LOIHI1.max_input_axons, LOIHI1.max_output_axons) == (4096, 4096)
    # Loihi 2 brief: 1 M neurons per chip = 128 x 8,192; 128 KB per core, shared.
    assert LOIHI2.cores * LOIHI2.neurons_per_core == 2 ** 20
    assert LOIHI2.core_memory_bytes == 128 * 1024 and LOIHI2.shared_memory
    assert KAPOHO_POINT.cores == 8 * 128 and KAPOHO_POINT.chip == "loihi2"


def test_user_profile_from_json(tmp_path):
    path = tmp_path / "mini.json"
    path.write_text(json.dumps({"base": "loihi2", "name": "mini", "cores_per_chip": 2,
                                "neurons_per_core": 16}))
    mini = get_profile(str(path))
    assert (mini.name, mini.cores, mini.neurons_per_core) == ("mini", 2, 16)
    assert mini.weight_bits == LOIHI2.weight_bits
    assert "cores_per_chip" not in mini.sources  # the user's number is not Intel's
    path.write_text(json.dumps({"name": "x", "cores_per_chip": 2, "bogus": 1}))
    with pytest.raises(HardwareError, match="unknown field.*bogus"):
        get_profile(str(path))
    full = {k: v for k, v in LOIHI2.to_dict().items() if k not in ("sources", "chips")}
    del full["core_memory_bits"]
    path.write_text(json.dumps({**full, "name": "x"}))
    with pytest.raises(HardwareError, match=r"^profile 'x': missing field\(s\) "
                                            r"core_memory_bits$"):
        get_profile(str(path))
    path.write_text("[1, 2]")
    with pytest.raises(HardwareError, match="JSON object"):
        get_profile(str(path))
    with pytest.raises(HardwareError, match="unknown target"):
        get_profile("loihi9")


def test_cli_profile_with_a_missing_number_exits_2(tmp_path):
    path = tmp_path / "p.json"
    full = {k: v for k, v in LOIHI1.to_dict().items() if k not in ("sources", "chips")}
    del full["max_input_axons"]
    path.write_text(json.dumps({**full, "name": "partial"}))
    done = _cli("model.npz", "--target", str(path))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith(
        "profile 'partial': missing field(s) max_input_axons")
    assert len(done.stderr.strip().splitlines()) == 1


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neurolocal", "deploy", *args],
                          capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_cli_plan_refuses_one_chip_and_plans_the_board():
    refused = _cli("--plan", "784,4096,4096,10", "--target", "loihi2")
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "exceeding the 128 cores of loihi2" in refused.stderr
    assert "--target kapoho-point" in refused.stderr
    planned = _cli("--plan", "784,4096,4096,10", "--target", "kapoho-point", "--json")
    assert planned.returncode == 0, planned.stderr
    report = json.loads(planned.stdout)
    assert report["chips_used"] == 2 and report["cores_used"] > 128
    assert report["inter_chip_messages_per_inference"] > 0


# ----- the resource model by hand -------------------------------------------------------------
def test_synapse_memory_per_input_axon():
    # groups of up to 64 weights x 8 bits + a 10-bit header, each rounded up to 64-bit words
    assert [synapse_bits_per_axon(m, LOIHI1) for m in (0, 1, 54, 55, 64, 65, 128)] == \
        [0, 64, 448, 512, 576, 640, 1152]


def test_loihi1_partition_by_hand():
    report = partition([784, 2000, 10], LOIHI1)
    # layer 1: 784 input axons share 1,048,576 bits: at most 1,337 bits each; 142 neurons take
    # 576 + 576 + ceil64(14·8 + 10) = 1,280 bits, 143 take 1,344. 2000 / 142 -> 15 cores.
    per_core = [c.neurons for c in report.cores if c.group == "layer 1"]
    assert per_core == [142] * 14 + [2000 - 14 * 142]
    first = report.cores[0]
    assert (first.input_axons, first.output_axons) == (784, 142)  # layer 2 sits on one core
    assert first.memory_bits(LOIHI1) == 784 * 1280
    assert [c.neurons for c in report.cores if c.group == "layer 2"] == [10]
    assert report.neurons == 2010 and report.synapses == 784 * 2000 + 2000 * 10
    assert report.to_dict()["cores_used"] == 16


def test_loihi1_output_axons_split_the_sending_layer():
    """Layer 2 (5000 neurons, 1024 input axons: at most 1,024 bits each, 118 neurons = 576 +
    ceil64(54·8 + 10) = 1,024) takes ceil(5000/118) = 43 cores; a layer-1 neuron needs an
    output axon for each of them, so a core holds at most ⌊4096/43⌋ = 95 of them."""
    report = partition([10, 1024, 5000], LOIHI1)
    layer1 = [c for c in report.cores if c.group == "layer 1"]
    layer2 = [c for c in report.cores if c.group == "layer 2"]
    assert len(layer2) == 43 and layer2[0].neurons == 118
    assert len(layer1) == 11 and layer1[0].neurons == 95
    assert layer1[0].output_axons == 95 * 43


def test_loihi2_counts_synapses_state_and_routing_in_one_memory():
    report = partition([100, 50, 10], LOIHI2)
    layer1, layer2 = report.cores
    # synapses 100·ceil64(50·8 + 10) = 44,800; state 50·64 = 3,200; routing 100·32 in + 50·32
    # out = 4,800 bits
    assert layer1.memory_bits(LOIHI2) == 44_800 + 3_200 + 4_800
    assert report.core_rows()[0]["memory_bytes"] == 6_600
    # 50 input axons x ceil64(10·8 + 10) = 6,400; state 640; routing 50·32 in, no out
    assert layer2.memory_bits(LOIHI2) == 6_400 + 640 + 1_600


def test_one_neuron_that_does_not_fit_names_the_excess():
    small = ChipProfile.from_dict({"base": "loihi2", "name": "small",
                                   "core_memory_bits": 8 * 1000})
    # one neuron: 100·64 synapse + 64 state + 100·32 routing bits = 9,664 bits = 1,208 B
    with pytest.raises(MappingError, match=r"layer 1: one neuron with 100 input axons does not "
                                           r"fit a small core: 1208 B .* exceed the 1000 B of "
                                           r"memory per core by 208 B"):
        partition([100, 3], small)


# ----- what the chips refuse -----------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[784, 4096, 4096, 10], [64, 4096, 4096, 10]])
def test_big_networks_do_not_fit_one_loihi2(sizes):
    """Lower bound by hand: layer 2 alone has 4096² one-byte weights = 16 MiB, all of the
    128 x 128 KiB of the chip before any header, neuron state or routing."""
    with pytest.raises(MappingError, match=r"needs \d+ cores, exceeding the 128 cores of "
                                           r"loihi2 by \d+; it fits on kapoho-point .* "
                                           r"--target kapoho-point"):
        partition(sizes, LOIHI2)


def test_loihi1_refuses_more_than_4096_input_axons():
    with pytest.raises(MappingError, match=r"^layer 1: 8000 input axons per core \(8000 from "
                                           r"host\) exceed the loihi1 limit of 4096 by 3904$"):
        partition([8000, 10], LOIHI1)
    assert partition([4096, 10], LOIHI1).num_cores == 1  # the limit itself fits


# ----- multi-chip ----------------------------------------------------------------------------
def test_inter_chip_messages_by_hand():
    """4-4-3 on chips of 3 cores holding 2 neurons each: layer 1 on cores 0, 1 (chip 0), layer 2
    on core 2 (chip 0) and core 3 (chip 1). Each layer-1 event is one message per target core;
    only the one to core 3 crosses: (1 + 2) + (3 + 4) = 10 per inference."""
    board = ChipProfile.from_dict({"base": "kapoho-point", "name": "board", "cores_per_chip": 3,
                                   "chips": 2, "neurons_per_core": 2})
    report = partition([4, 4, 3], board)
    assert [(c.group, c.chip) for c in report.cores] == [
        ("layer 1", 0), ("layer 1", 0), ("layer 2", 0), ("layer 2", 1)]
    events = {"layer 1": np.array([1.0, 2.0, 3.0, 4.0]), "layer 2": np.ones(3)}
    assert report.with_traffic(events).inter_chip_messages == pytest.approx(10.0)
    one_chip = ChipProfile.from_dict({"base": "loihi2", "name": "one", "cores_per_chip": 4,
                                      "neurons_per_core": 2})
    assert partition([4, 4, 3], one_chip).messages_between_chips(events) == 0.0


def test_what_one_chip_refuses_is_planned_across_the_board():
    report = partition([784, 4096, 4096, 10], KAPOHO_POINT)
    assert report.chips_used >= 2 and report.num_cores > LOIHI2.cores
    assert report.populations() == {"layer 1": 4096, "layer 2": 4096, "layer 3": 10}
    # every layer-2 neuron fires once per inference: each event reaches every layer-3 core
    # (one) and crosses iff that core is on another chip
    traffic = report.messages_between_chips({"layer 2": np.ones(4096)})
    out_chip = {c.chip for c in report.cores if c.group == "layer 3"}
    expected = sum(c.neurons for c in report.cores
                   if c.group == "layer 2" and c.chip not in out_chip)
    assert traffic == expected > 0


# ----- the report is the graph that is built -------------------------------------------------
def test_channel_graph_counts_what_lava_learning_builds():
    """SRBP (Distinct) on 64-24-10: the output neurons are the error neurons (no err_out); the
    relay err_h1 receives C (24x10) and delivers one-to-one through a 24x24 Dense."""
    network = Network.layered([64, 24, 10], hidden="relu", channel=get_channel("srbp"))
    report, mapping = plan(network, LOIHI2)
    assert report.populations() == {"layer 1": 24, "layer 2": 10, "err_h1": 24}
    assert report.synapses == 64 * 24 + 24 * 10 + 24 * 10 + 24 * 24
    assert mapping.extra_synapses == 24 * 10 + 24 * 24
    inference, _ = plan(network, LOIHI2, channel=False)
    assert inference.populations() == {"layer 1": 24, "layer 2": 10}


@pytest.mark.parametrize("channel,sizes", [("srbp", [64, 20, 12, 10]), ("rbp", [64, 16, 10]),
                                           ("rbp", [64, 20, 12, 10])])
def test_the_learning_plan_describes_the_same_graph(channel, sizes):
    """`LearningPlan.graph()` (what hw.learning says it builds) and the report's graph agree on
    every population size and projection shape."""
    rule = get_rule("backprop").with_parameters(eta=2.0 ** -4)
    network = Network.layered(sizes, hidden="relu", channel=get_channel(channel), rule=rule,
                              hidden_rule=rule)
    weights = network.init_weights(0, dtype=np.float64)
    state = network.channel.init_state(network, weights, np.random.default_rng(0))
    learner = make_plan(network, weights, state, np.random.default_rng(0).random((20, sizes[0])),
                        LOIHI2)
    described = learner.graph()
    report, _ = plan(network, LOIHI2)
    assert sorted(p["size"] for p in described["populations"] if p["name"] != "in") == \
        sorted(report.graph.sizes.values())
    assert sorted(tuple(p["shape"]) for p in described["projections"]) == \
        sorted(p.shape for p in report.graph.projections)


def _expected(graph) -> dict:
    sizes = graph.sizes
    projections = [(HOST if p.source == HOST else sizes[p.source], sizes[p.dest], p.port,
                    p.shape) for p in graph.projections]
    return {"populations": sorted(sizes.values()), "projections": sorted(projections, key=str)}


@pytest.mark.lava
def test_report_equals_the_lava_graphs_and_the_hardware_path_stops_cleanly(monkeypatch):
    """One child: describe the process graphs `build_forward` and `run_learning` construct
    (without running them) and compare with the reports; check the run configurations and the
    one-line error when the hardware graph needs the missing extension."""
    data = load_digits()
    rule = get_rule("backprop").with_parameters(eta=2.0 ** -4)
    forward_net = Network.layered([64, 24, 16, 10], hidden="relu", channel=get_channel("srbp"))
    weights = forward_net.init_weights(0, dtype=np.float64)
    spiking = convert(weights, ["relu", "relu", "linear"], data.x_train[:50], LOIHI2, steps=8)
    graded = convert_graded(weights, ["tanh", "tanh", "linear"], data.x_train[:50], LOIHI2)
    learners = []  # SRBP (Distinct: relays) and RBP chained through two hidden layers
    for channel, sizes in (("srbp", [64, 24, 10]), ("rbp", [64, 20, 12, 10])):
        net = Network.layered(sizes, hidden="relu", channel=get_channel(channel), rule=rule,
                              hidden_rule=rule)
        state = net.channel.init_state(net, net.init_weights(1), np.random.default_rng(1))
        learners.append((net, make_plan(net, net.init_weights(1, dtype=np.float64), state,
                                        data.x_train[:50], LOIHI2)))
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    built = run_isolated("lava_probe:graphs",
                         {"networks": [spiking, graded], "x": data.x_test[:3],
                          "plans": [(p, initial_weights(p)) for _, p in learners],
                          "targets": data.t_train[:3]}, timeout=180)
    expected = _expected(plan(forward_net, LOIHI2, channel=False)[0].graph)
    assert expected["populations"] == [10, 16, 24]
    for forward, hidden in zip(built["forward"], ("LIFReset", "GradedActivation")):
        assert {name for name, _ in forward["populations"]} == {hidden, "GradedVec"}
        assert sorted(size for _, size in forward["populations"]) == expected["populations"]
        assert sorted(forward["projections"], key=str) == expected["projections"]
    for (net, _), described in zip(learners, built["learning"], strict=True):
        expected = _expected(plan(net, LOIHI2)[0].graph)
        assert sorted(size for _, size in described["populations"]) == expected["populations"]
        assert sorted(described["projections"], key=str) == expected["projections"]
    assert built["configs"] == {"lava fixed": ("Loihi2SimCfg", "fixed_pt"),
                                "lava float": ("Loihi2SimCfg", "floating_pt"),
                                "loihi fixed": ("Loihi2HwCfg", None)}
    assert "proprietary Lava extension" in built["hardware_build"]


# ----- the hardware path without the extension -----------------------------------------------
def test_hardware_is_refused_in_one_line_before_anything_is_built():
    assert not hardware_available()  # lava-loihi is not installed here
    with pytest.raises(HardwareUnavailableError) as error:
        require_hardware()
    assert "\n" not in str(error.value) and "lava-loihi" in str(error.value)
    with pytest.raises(MappingError, match="fixed point; drop --float"):
        require_hardware(fixed=False)
    network = Network.layered([64, 8, 10], hidden="relu", channel=get_channel("srbp"))
    with pytest.raises(HardwareUnavailableError):
        deploy(network, network.init_weights(0), load_digits(), sim="loihi", num_test=5)


def test_channel_mapping_names_only_built_populations():
    for name, architecture in (("srbp", None), ("rbp", None), ("rbp", "twin")):
        channel = get_channel(name) if architecture is None else \
            get_channel(name, architecture=architecture)
        mapping = map_channel(channel, [64, 20, 12, 10])
        graph = mapping.graph([64, 20, 12, 10])
        assert "err_out" not in graph.sizes
        assert all(p.source in graph.sizes for p in mapping.projections)
