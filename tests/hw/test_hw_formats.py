"""Chip profiles, fixed-point quantization, partitioning and the resource report, checked
against hand computations and the formats' definitions."""

from __future__ import annotations

import json
from dataclasses import fields

import numpy as np
import pytest

from hw.errors import HardwareError, MappingError
from hw.partition import partition, synaptic_ops
from hw.profiles import LOIHI1, LOIHI2, PROFILES, ChipProfile, get_profile
from hw.quantize import quantize_bias, quantize_decay, quantize_weights, threshold_for


# ----- profiles -----------------------------------------------------------------------------
@pytest.mark.parametrize("profile", list(PROFILES.values()))
def test_every_resource_number_has_a_source(profile):
    sourced = {"cores_per_chip", "neurons_per_core", "synaptic_memory_bits_per_core",
               "weight_bits", "decay_bits", "state_bits", "trace_bits", "threshold_bits",
               "bias_mantissa_bits", "graded_spike_bits", "learning_factors"}
    assert sourced <= set(profile.sources)
    assert all(profile.sources[k].strip() for k in sourced)


def test_published_numbers():
    # Davies et al. 2018: 128 cores x 1,024 compartments = 131,072 neurons; 128 KB per core.
    assert LOIHI1.cores * LOIHI1.neurons_per_core == 131_072
    assert LOIHI1.synaptic_memory_bytes_per_core == 128 * 1024
    # Loihi 2 brief: up to 1 M neurons per chip (128 x 8,192 = 1,048,576).
    assert LOIHI2.cores * LOIHI2.neurons_per_core == 2 ** 20


def test_user_profile_from_json(tmp_path):
    path = tmp_path / "mini.json"
    path.write_text(json.dumps({"base": "loihi2", "name": "mini", "cores_per_chip": 2,
                                "neurons_per_core": 16}))
    mini = get_profile(str(path))
    assert (mini.name, mini.cores, mini.neurons_per_core) == ("mini", 2, 16)
    assert mini.weight_bits == LOIHI2.weight_bits
    path.write_text(json.dumps({"name": "x", "cores_per_chip": 2, "bogus": 1}))
    with pytest.raises(HardwareError, match="unknown field.*bogus"):
        get_profile(str(path))
    path.write_text(json.dumps({"name": "x", "cores_per_chip": 2}))
    with pytest.raises(HardwareError, match="missing field"):
        get_profile(str(path))
    with pytest.raises(HardwareError, match="unknown target"):
        get_profile("loihi9")
    assert {f.name for f in fields(ChipProfile)} >= {"sources", "chips"}


# ----- quantization -------------------------------------------------------------------------
def test_weights_use_the_smallest_exponent_and_err_by_at_most_half_a_step():
    rng = np.random.default_rng(0)
    for scale in (3.0, 250.0, 4000.0):
        w = rng.normal(size=(20, 30))
        q = quantize_weights(w, scale, LOIHI2)
        assert q.stored.dtype == np.int32 and np.all(q.stored % 2 == 0)
        assert q.stored.min() >= -256 and q.stored.max() <= 254
        peak = np.abs(w).max() * scale
        assert peak / 2.0 ** (q.exp + 1) <= 127.5  # the mantissa holds the largest weight
        if q.exp > LOIHI2.weight_exp_range[0]:
            assert peak / 2.0 ** q.exp > 127.5  # a smaller exponent would not
        step = 2.0 ** (q.exp + 1) / scale  # one mantissa unit
        approx = q.stored * 2.0 ** q.exp / scale
        assert np.abs(approx - w).max() <= step / 2 + 1e-12
        assert q.relative_error == pytest.approx(np.linalg.norm(approx - w) / np.linalg.norm(w))
        assert q.clipped == 0


def test_bias_mantissa_and_exponent():
    b = np.array([0.0, 1.0, -4096.0, 4095.4, 5000.0, -1e6, 2e6])
    q = quantize_bias(b, 1.0, LOIHI2)
    assert np.all(np.abs(q.mant) <= 4096) and np.all((0 <= q.exp) & (q.exp <= 7))
    # hand-derived: 5000 needs exponent 1 (2500 fits 13 bits), -1e6 needs 8 > 7: clipped
    assert list(q.exp[:5]) == [0, 0, 0, 0, 1]
    assert q.effective[4] == 5000 and q.effective[3] == 4095
    assert q.clipped == 2  # -1e6 and 2e6 exceed 4095·2^7 = 524,160
    assert q.effective[6] == 4095 * 128


def test_decay_constants_are_12_bit():
    assert quantize_decay(0.0) == 0 and quantize_decay(1.0) == 4095
    assert quantize_decay(1.0, offset=1) == 4095  # Lava's du offset: 4095 + 1 = 4096
    assert quantize_decay(0.25) == 1024
    with pytest.raises(MappingError):
        quantize_decay(1.5)


def test_threshold_keeps_the_worst_case_drive_in_24_bits():
    w = np.array([[0.5, -0.25], [1.0, 1.0]])
    b = np.array([0.0, 0.5])
    vth = threshold_for(w, b, LOIHI2)
    # worst row: |1| + |1| + |0.5| = 2.5 thresholds (+1 margin) per step
    assert vth == min(2 ** 17 - 1, (2 ** 23 - 1) // int(3.5 * 64))
    with pytest.raises(MappingError, match="exceeds the state range"):
        threshold_for(np.full((1, 10), 1e5), np.zeros(1), LOIHI2)


# ----- partitioning -------------------------------------------------------------------------
def test_partition_by_hand():
    # Loihi 1: 1,024 neurons per core, 128 KB = 1,048,576 bits; 9 bits per synapse.
    report = partition([784, 2000, 10], LOIHI1)
    # layer 1: fan-in 784 -> 7,056 bits per neuron -> 148 neurons per core -> 14 cores
    assert 1_048_576 // (784 * 9) == 148
    per_layer = [sum(1 for c in report.cores if c.group == "layer 1"),
                 sum(1 for c in report.cores if c.group == "layer 2")]
    assert per_layer == [int(np.ceil(2000 / 148)), 1]
    assert report.neurons == 2010 and report.synapses == 784 * 2000 + 2000 * 10
    assert report.to_dict()["cores_used"] == 15


def test_mapping_errors_name_the_limit_and_excess():
    small = ChipProfile.from_dict({**LOIHI2.to_dict(), "name": "small", "cores_per_chip": 2,
                                   "neurons_per_core": 10})
    with pytest.raises(MappingError, match="needs 4 cores, exceeding the 2 cores of small by 2"):
        partition([5, 25, 10], small)  # 3 cores + 1 core
    tiny = ChipProfile.from_dict({**LOIHI2.to_dict(), "name": "tiny",
                                  "synaptic_memory_bits_per_core": 8 * 100})
    with pytest.raises(MappingError, match="need 112 B, exceeding .*\\(100 B\\) by 12 B"):
        partition([100, 3], tiny)  # 100 synapses x 9 bits = 900 bits = 112 B
    capped = ChipProfile.from_dict({**LOIHI2.to_dict(), "name": "c", "max_fan_in": 50})
    with pytest.raises(MappingError, match="fan-in 64 exceeds the c limit of 50 by 14"):
        partition([64, 10], capped)


def test_synaptic_ops_count_events_times_fan_out():
    inputs = np.array([[3, 0, 1], [1, 1, 1]])  # 4 and 3 input events
    hidden = [np.array([[2, 2], [0, 1]])]  # 4 and 1 hidden spikes
    # per sample: events x next-layer size; sizes [3, 2, 5]
    assert synaptic_ops([3, 2, 5], inputs, hidden) == pytest.approx(((4 + 3) / 2) * 2
                                                                    + ((4 + 1) / 2) * 5)
