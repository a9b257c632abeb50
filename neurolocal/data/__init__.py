"""Data sets: offline `digits` (scikit-learn), synthetic tasks, MNIST-format IDX files."""

from .dataset import Dataset, load_digits
from .idx import IdxError, load_idx, read_idx, write_idx
from .registry import DATASETS, load_dataset
from .synthetic import parity, teacher

__all__ = ["DATASETS", "Dataset", "IdxError", "load_dataset", "load_digits", "load_idx",
           "parity", "read_idx", "teacher", "write_idx"]
