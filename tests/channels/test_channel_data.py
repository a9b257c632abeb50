"""Data: IDX files (written here, read back), the teacher and parity tasks, load_dataset."""

import gzip

import numpy as np
import pytest

from neurolocal.data import IdxError, load_dataset, load_idx, parity, read_idx, teacher, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
def test_idx_round_trip(tmp_path, dtype):
    array = (np.random.default_rng(0).normal(size=(3, 4, 5)) * 50).astype(dtype)
    for name in ("a.idx", "a.idx.gz"):
        write_idx(tmp_path / name, array)
        back = read_idx(tmp_path / name)
        assert back.dtype == array.dtype
        np.testing.assert_array_equal(back, array)


def test_idx_header_written_by_hand(tmp_path):
    """Bytes laid out as the MNIST format specifies, independently of write_idx."""
    pixels = np.arange(2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 3)
    images = tmp_path / "images-idx3-ubyte.gz"
    with gzip.open(images, "wb") as handle:
        handle.write(bytes([0, 0, 0x08, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big")
                     + (3).to_bytes(4, "big") + pixels.tobytes())
    labels = tmp_path / "labels-idx1-ubyte"
    labels.write_bytes(bytes([0, 0, 0x08, 1]) + (2).to_bytes(4, "big") + bytes([1, 2]))
    np.testing.assert_array_equal(read_idx(images), pixels)
    data = load_idx(images, labels, test_fraction=0.5, seed=0)
    assert data.num_classes == 3 and data.num_inputs == 6
    both = np.concatenate([data.x_train, data.x_test])
    np.testing.assert_allclose(np.sort(both, axis=0), pixels.reshape(2, 6) / 255.0, rtol=1e-6)
    spec = load_dataset(f"idx:{images},{labels}")
    assert spec.num_inputs == 6


def test_idx_errors(tmp_path):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(IdxError, match="bad magic"):
        read_idx(bad)
    short = tmp_path / "short.idx"
    short.write_bytes(bytes([0, 0, 0x08, 1]) + (10).to_bytes(4, "big") + bytes(3))
    with pytest.raises(IdxError, match="header says"):
        read_idx(short)
    write_idx(tmp_path / "x.idx", np.zeros((4, 2), np.uint8))
    write_idx(tmp_path / "y.idx", np.zeros(3, np.uint8))
    with pytest.raises(IdxError, match="4 images but 3 labels"):
        load_idx(tmp_path / "x.idx", tmp_path / "y.idx")
    with pytest.raises(IdxError, match="no such IDX file"):
        read_idx(tmp_path / "none.idx")
    with pytest.raises(ValueError, match="idx:IMAGES,LABELS"):
        load_dataset("idx:only-one-file")
    with pytest.raises(ValueError, match="unknown data set"):
        load_dataset("imagenet")


def test_parity_labels_and_teacher_reproducible():
    data = parity(5)
    assert data.x_train.shape == (32, 5)
    for x, y in zip(data.x_train, data.y_train):
        assert y == sum(1 for v in x if v > 0) % 2
    a, b, c = teacher(seed=1), teacher(seed=1), teacher(seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.y_train, c.y_train)
    assert min(np.bincount(a.y_train, minlength=4)) > 0.1 * len(a.y_train)
