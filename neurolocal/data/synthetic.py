"""Synthetic classification tasks: a random deep teacher network, and n-bit parity."""

from __future__ import annotations

import itertools

import numpy as np

from ..errors import UserError
from .dataset import Dataset, split


def teacher(samples: int = 2000, inputs: int = 20, hidden: tuple[int, ...] = (30, 30),
            classes: int = 4, test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """Inputs x ~ N(0, I); label = argmax of a random tanh teacher network
    inputs → hidden… → classes with weights N(0, 1/fan_in). A deep net can fit it exactly."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, inputs)).astype(np.float32)
    activity = x.astype(np.float64)
    sizes = [inputs, *hidden, classes]
    for n_in, n_out in zip(sizes, sizes[1:]):
        w = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        activity = activity @ w.T
        if n_out != classes:
            activity = np.tanh(activity)
    return split("teacher", x, activity.argmax(axis=1), classes, test_fraction, seed)


def parity(bits: int = 6) -> Dataset:
    """All 2^bits patterns coded in {−1,+1}^bits (centered inputs), label = number of +1s
    mod 2. Parity is a memorization task: the test set is the training set."""
    if not 1 <= bits <= 16:
        raise UserError(f"parity bits must be in 1..16, not {bits}")
    x = np.array(list(itertools.product((-1.0, 1.0), repeat=bits)), dtype=np.float32)
    y = (x > 0).sum(axis=1).astype(np.int64) % 2
    return Dataset(f"parity{bits}", x, y, x, y, 2)
