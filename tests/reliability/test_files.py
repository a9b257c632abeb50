"""Model files and IDX files, hostile or broken (issue 13, items 3 and 5): validated field by
field before use, one error type each (ModelFileError, IdxError) or ResourceError, never a
traceback; fuzzed with hypothesis."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurolocal.resources as resources
from neurolocal import channel_network, get_channel, load_model, save_model
from neurolocal.data.idx import IdxError, load_idx, read_idx, write_idx
from neurolocal.errors import ResourceError, UserError
from neurolocal.io import ModelFileError


@pytest.fixture(scope="module")
def good_arrays(tmp_path_factory):
    network = channel_network([4, 3, 2], get_channel("arbp"))
    weights = network.init_weights(np.random.default_rng(0), np.float32)
    from neurolocal.backends import get_backend

    state = get_backend("numpy").build(network, weights).channel_state
    path = save_model(tmp_path_factory.mktemp("m") / "good.npz", network, weights, state)
    with np.load(path) as archive:
        return {k: archive[k] for k in archive.files}


def write(path, arrays):
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def changed(good, **changes):
    arrays = dict(good)
    arrays.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        arrays.pop(key, None)
    return arrays


def description_with(good, **network_changes):
    description = json.loads(str(good["description"]))
    description["network"].update(network_changes)
    return np.array(json.dumps(description))


@pytest.mark.parametrize("change, match", [
    (lambda g: {"version": np.array([1, 1])}, "version must be a single integer"),
    (lambda g: {"version": np.array("1")}, "version must be a single integer"),
    (lambda g: {"description": np.array(json.dumps({"network": 3}))}, "no network object"),
    (lambda g: {"description": np.array("[" * 100000 + "]" * 100000)}, "bad model description"),
    (lambda g: {"W1": g["W1"].astype(str)}, "W1 has dtype <U"),
    (lambda g: {"W1": g["W1"].astype(np.complex128)}, "W1 has dtype complex128"),
    (lambda g: {"W2": g["W2"].astype(np.int8)}, "W2 has dtype int8"),
    (lambda g: {"b1": np.full(3, np.inf, np.float32)}, "b1 holds NaN or infinite"),
    (lambda g: {"W1": g["W1"].T.copy()}, "W1 has shape"),
    (lambda g: {"W2": None}, "W2/b2 are missing"),
    (lambda g: {"channel/C1": np.zeros((7, 7))}, "channel/C1 has shape"),
    (lambda g: {"channel/nope": np.zeros(2)}, "channel/nope is not state"),
    (lambda g: {"description": description_with(g, populations=7)}, "network description"),
])
def test_bad_model_fields(tmp_path, good_arrays, change, match):
    path = write(tmp_path / "bad.npz", changed(good_arrays, **change(good_arrays)))
    with pytest.raises(ModelFileError, match=match):
        load_model(path)


def test_rules_in_model_files_are_bounded(tmp_path, good_arrays):
    description = json.loads(str(good_arrays["description"]))
    rule = description["network"]["projections"][0]["rule"]
    rule["expression"] = "(post+pre+w+target+feedback+dpost)**16*feedback"
    hostile = np.array(json.dumps(description))
    path = write(tmp_path / "bad.npz", changed(good_arrays, description=hostile))
    with pytest.raises(ModelFileError, match="more than 128 terms"):
        load_model(path)


def test_model_arrays_beyond_memory_refused_before_reading(tmp_path, good_arrays, monkeypatch):
    """A .npy header claiming a huge array is refused from the header, with the estimate."""
    path = write(tmp_path / "m.npz", good_arrays)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (200000, 100000)})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("channel/huge.npy", header.getvalue())
    monkeypatch.setattr(resources, "available_memory", lambda: 23 * 2**30)
    with pytest.raises(ModelFileError, match=r"needs 298\.0 GiB; 23\.0 GiB available"):
        load_model(path)  # 2 × 200000 × 100000 × 8 bytes = 298.0 GiB


KEYS = ["format", "version", "description", "W1", "b1", "W2", "b2", "channel/C1", "other"]
arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int8, np.int64, np.complex64, np.bool_,
                           np.dtype("U3")]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
descriptions = st.one_of(
    st.text(max_size=30),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                     st.sampled_from(["network", "populations", "projections", "channel",
                                      "name", "size", "rule", "transfer", "pre", "post",
                                      "metadata"]), inner, max_size=4), max_leaves=12)
    .map(json.dumps))


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(KEYS), arrays, max_size=4),
       st.none() | descriptions)
def test_fuzz_model_files(tmp_path_factory, good_arrays, replaced, description):
    """Any mix of good and random fields: the file loads or raises ModelFileError."""
    arrays = {**good_arrays, **replaced}
    if description is not None:
        arrays["description"] = np.array(description)
    path = write(tmp_path_factory.getbasetemp() / "fuzz-model.npz", arrays)
    try:
        model = load_model(path)
    except ModelFileError as error:
        assert str(error)
        return
    for pair in model.weights:
        assert all(np.isfinite(a).all() and a.dtype.kind == "f" for a in pair)


def test_idx_zero_samples_is_a_clear_error(tmp_path):
    images = write_idx(tmp_path / "x.idx", np.zeros((0, 2, 2), np.uint8))
    labels = write_idx(tmp_path / "y.idx", np.zeros(0, np.uint8))
    with pytest.raises(IdxError, match="0 samples"):
        load_idx(images, labels)


def test_idx_header_claiming_2e9_labels_is_refused_without_reading(tmp_path, monkeypatch):
    path = tmp_path / "y.idx"
    path.write_bytes(bytes([0, 0, 0x08, 1]) + np.array([2_000_000_000], ">u4").tobytes()
                     + bytes(10))
    with pytest.raises(IdxError, match=r"header says \(2000000000,\)"):
        read_idx(path)
    monkeypatch.setattr(resources, "available_memory", lambda: 2**30)
    with pytest.raises(ResourceError, match=r"needs 3\.7 GiB; 1\.0 GiB available"):
        read_idx(path)  # 2 × 2e9 bytes


def test_idx_label_value_2e9_refused_with_the_estimate(tmp_path, monkeypatch):
    images = write_idx(tmp_path / "x.idx", np.zeros((10, 2, 2), np.uint8))
    labels = write_idx(tmp_path / "y.idx", np.array([0] * 9 + [2_000_000_000], np.int32))
    monkeypatch.setattr(resources, "available_memory", lambda: 23 * 2**30)
    with pytest.raises(ResourceError, match=r"needs 149\.0 GiB; 23\.0 GiB available"):
        load_idx(images, labels)  # one-hot targets: 10 × (2e9 + 1) × 8 bytes


def test_idx_cli_errors_are_one_line(tmp_path, capsys):
    from neurolocal.cli import main

    images = write_idx(tmp_path / "x.idx", np.zeros((0, 2, 2), np.uint8))
    labels = write_idx(tmp_path / "y.idx", np.zeros(0, np.uint8))
    assert main(["train", "--dataset", f"idx:{images},{labels}", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "0 samples" in err[0]


@settings(max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=64), st.sampled_from([0, 1, 2, 3]), st.booleans())
def test_fuzz_idx_files(tmp_path_factory, tail, ndim, zipped):
    """Random bytes after a (mostly) valid magic number: read or IdxError/ResourceError."""
    data = bytes([0, 0, 0x08 if len(tail) % 2 else 0x0D, ndim]) + tail
    path = tmp_path_factory.getbasetemp() / ("fuzz.idx.gz" if zipped else "fuzz.idx")
    path.write_bytes(gzip.compress(data) if zipped else data)
    try:
        array = read_idx(path)
    except (IdxError, ResourceError) as error:
        assert isinstance(error, UserError) and str(error)
        return
    assert array.ndim == ndim
