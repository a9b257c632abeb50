"""Data sets: offline `digits` (scikit-learn), synthetic tasks, MNIST-format IDX files."""

from .dataset import Dataset, load_digits

__all__ = ["Dataset", "load_digits"]
