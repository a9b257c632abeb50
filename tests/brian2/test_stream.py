"""The sample stream: padding to power-of-two capacities and mini-batch gates (checked against
hand-written values)."""

import numpy as np
import pytest

from neurolocal.backends.brian2.stream import SampleStream, capacity


def test_capacity_is_the_next_power_of_two_from_256():
    assert [capacity(n) for n in (1, 255, 256, 257, 1347, 2048, 2049)] == \
        [256, 256, 256, 512, 2048, 2048, 4096]


def test_batch_gate_averages_each_batch_including_the_last_partial_one():
    x = np.arange(20.0).reshape(10, 2)
    stream = SampleStream.build(x, None, n_out=3, learn=True, batch_size=4)
    assert stream.samples == 10 and stream.inputs.shape == (256, 2)
    np.testing.assert_array_equal(stream.inputs[:10], x)
    assert not stream.inputs[10:].any() and not stream.targets.any()
    np.testing.assert_allclose(stream.learn[:10], [0.25] * 8 + [0.5] * 2)
    assert not stream.learn[10:].any()  # padding never learns
    assert np.flatnonzero(stream.batch_end).tolist() == [3, 7, 9]


def test_prediction_streams_never_learn():
    stream = SampleStream.build(np.ones((5, 2)), None, 1, learn=False)
    assert not stream.learn.any()


def test_bad_batch_size_and_short_length_are_errors():
    with pytest.raises(ValueError, match="batch_size"):
        SampleStream.build(np.ones((5, 2)), None, 1, learn=True, batch_size=0)
    with pytest.raises(ValueError, match="does not fit"):
        SampleStream.build(np.ones((5, 2)), None, 1, learn=True, length=3)
