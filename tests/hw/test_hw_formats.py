"""Fixed-point quantization and synaptic operations, checked against hand computations and the
formats' definitions (profiles and partitioning: test_hw_partition.py)."""

from __future__ import annotations

import numpy as np
import pytest

from hw.errors import MappingError
from hw.partition import synaptic_ops
from hw.profiles import LOIHI2
from hw.quantize import quantize_bias, quantize_decay, quantize_weights, threshold_for


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


# ----- synaptic operations ------------------------------------------------------------------
def test_synaptic_ops_count_events_times_fan_out():
    inputs = np.array([[3, 0, 1], [1, 1, 1]])  # 4 and 3 input events
    hidden = [np.array([[2, 2], [0, 1]])]  # 4 and 1 hidden spikes
    # per sample: events x next-layer size; sizes [3, 2, 5]
    assert synaptic_ops([3, 2, 5], inputs, hidden) == pytest.approx(((4 + 3) / 2) * 2
                                                                    + ((4 + 1) / 2) * 5)
