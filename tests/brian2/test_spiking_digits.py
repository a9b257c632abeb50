"""Spiking SRBP on digits with the defaults (the rate model's η = 0.1, scaled per spike) learns
nearly as well as the rate model (slow: a few minutes with the cython target once compiled;
examples/brian2_spiking_digits.py plots the same).

Measured (64-30-10, 3 epochs, cython): SRBP test accuracy after epoch 3 for seeds 0, 1, 2:
0.878, 0.895, 0.911 (mean 0.895; rate model, same command without --spiking: 0.886); top layer
only (hidden layer frozen: its LIF units are nearly silent at the initial weights), seed 0:
0.125, 0.089, 0.094. One seed varies by about ±2 points, so the test asserts the issue's goal,
SRBP ≥ 0.88 after 3 epochs, on the mean of three seeds; no seed below 0.85; and SRBP at least
0.1 above top-only."""

import importlib.util
from pathlib import Path

import pytest

pytestmark = [pytest.mark.brian2, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "brian2_spiking_digits.py"


def test_spiking_srbp_with_defaults_learns_digits():
    spec = importlib.util.spec_from_file_location("brian2_spiking_digits", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    srbp = [example.train(30, True, epochs=3, seed=seed, target="cython")[0][-1]
            for seed in (0, 1, 2)]
    top, _ = example.train(30, False, epochs=3, seed=0, target="cython")
    assert sum(srbp) / len(srbp) >= 0.88
    assert min(srbp) >= 0.85
    assert srbp[0] - top[-1] >= 0.1
