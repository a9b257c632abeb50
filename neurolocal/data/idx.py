"""MNIST-format IDX files (optionally gzipped): read, write, and load as a `Dataset`.

An IDX file is: two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), a byte with the number of dimensions d, d big-endian uint32 sizes,
then the data in big-endian C order.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..resources import require_memory
from .dataset import Dataset, split

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}


class IdxError(UserError):
    """A file that is not a valid IDX file, or images and labels that do not match."""


def _open(path: Path, mode: str):
    return gzip.open(path, mode) if path.suffix == ".gz" else open(path, mode)


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an IDX file, in native byte order. The header is checked against
    the data before the data is read, so a header claiming billions of items costs nothing."""
    path = Path(path)
    if not path.is_file():
        raise IdxError(f"{path}: no such IDX file")
    try:
        with _open(path, "rb") as handle:
            head = handle.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in IDX_TYPES:
                raise IdxError(f"{path}: not an IDX file (bad magic number)")
            dtype, ndim = IDX_TYPES[head[2]], head[3]
            sizes = handle.read(4 * ndim)
            if ndim == 0 or len(sizes) < 4 * ndim:
                raise IdxError(f"{path}: truncated IDX header")
            shape = tuple(int(n) for n in np.frombuffer(sizes, ">u4"))
            expected = math.prod(shape) * dtype.itemsize
            require_memory(2 * expected, f"{path}: an IDX array of shape {shape}")
            raw = handle.read(expected + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise IdxError(f"{path}: cannot read ({error})") from None
    if len(raw) != expected:
        raise IdxError(f"{path}: header says {shape} ({expected} bytes of data), the file has "
                       f"{len(raw) if len(raw) <= expected else 'more'}")
    return np.frombuffer(raw, dtype).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write `array` (uint8, int8, int16, int32, float32 or float64) as an IDX file."""
    path = Path(path)
    array = np.asarray(array)
    codes = {dtype.newbyteorder("=").str: code for code, dtype in IDX_TYPES.items()}
    key = array.dtype.newbyteorder("=").str
    if key not in codes or array.ndim == 0:
        raise IdxError(f"IDX cannot store a {array.ndim}-d {array.dtype} array")
    header = bytes([0, 0, codes[key], array.ndim]) + np.array(array.shape, ">u4").tobytes()
    with _open(path, "wb") as handle:
        handle.write(header + array.astype(IDX_TYPES[codes[key]]).tobytes())
    return path


def load_idx(images: str | Path, labels: str | Path, test_fraction: float = 0.25,
             seed: int = 0, limit: int | None = None) -> Dataset:
    """Images (N, ...) and labels (N,) from IDX files as a `Dataset`: images flattened, uint8
    pixels scaled to [0, 1]; `limit` keeps the first N samples; split with `seed`."""
    x, y = read_idx(images), read_idx(labels)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise IdxError(f"{labels}: labels must be a 1-d integer IDX array, got {y.ndim}-d "
                       f"{y.dtype}")
    if len(x) != len(y):
        raise IdxError(f"{len(x)} images but {len(y)} labels")
    if limit is not None:
        x, y = x[:limit], y[:limit]
    if len(y) < 2:
        raise IdxError(f"{labels}: {len(y)} samples; a data set needs at least 2 (one to train, "
                       "one to test)")
    if x[0].size == 0:
        raise IdxError(f"{images}: images of shape {x.shape[1:]} hold no pixels")
    if y.min() < 0:
        raise IdxError(f"{labels}: labels must be non-negative")
    if not np.isfinite(x).all():
        raise IdxError(f"{images}: images hold NaN or infinite values")
    require_memory(8 * len(y) * (int(y.max()) + 1),
                   f"one-hot targets for {len(y)} labels up to {int(y.max())}")
    pixels = x.dtype == np.uint8
    x = x.reshape(len(x), -1).astype(np.float32)
    if pixels:
        x /= 255.0
    return split(f"idx:{Path(images).name}", x, y.astype(np.int64), int(y.max()) + 1,
                 test_fraction, seed)

