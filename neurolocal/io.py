"""Save and load a trained model as a versioned ``.npz`` file.

Format ``neurolocal-model`` version 1 (a plain numpy ``.npz`` archive, loaded without pickle):

- ``format``: the string ``"neurolocal-model"``; ``version``: the integer 1;
- ``description``: a JSON string ``{"network": Network.to_dict(), "metadata": {...}}``; the
  network dict includes its channel (``Channel.to_dict()``: name and options), so
  `channel_from_dict` rebuilds it; metadata is free-form JSON (dataset, epochs, seed,
  accuracies, library version, ...);
- ``W1``, ``b1``, …, ``WL``, ``bL``: forward weights (n_post, n_pre) and biases (n_post,) of
  projection h = 1..L;
- ``channel/KEY``: the channel's training state, e.g. ``channel/C1`` the backward matrix
  delivering to hidden layer 1 (shape (n_1, n_source)), ``channel/context`` for SigProp.

A missing, corrupted or incompatible file raises `ModelFileError` with a one-line reason.
"""

from __future__ import annotations

import json
import math
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ResourceError, UserError
from .network import Network, NetworkError
from .resources import require_memory
from .rules import RuleError

FORMAT = "neurolocal-model"
VERSION = 1

Weights = list[tuple[np.ndarray, np.ndarray]]


class ModelFileError(UserError):
    """A model file that is missing, corrupted, or of an unknown format or version."""


@dataclass
class Model:
    """A network description with trained weights, channel state and metadata."""

    network: Network
    weights: Weights
    channel_state: dict[str, np.ndarray] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def build(self, backend: str = "numpy", **options: Any):
        """A simulator of `backend` starting from the saved weights and channel state."""
        from .backends import get_backend

        simulator = get_backend(backend).build(self.network, self.weights, **options)
        state = getattr(simulator, "channel_state", None)
        if state is not None:
            state.update({k: v.copy() for k, v in self.channel_state.items()})
        return simulator


def save_model(path: str | Path, network: Network, weights: Weights,
               channel_state: dict[str, np.ndarray] | None = None,
               metadata: dict[str, Any] | None = None) -> Path:
    """Write the model to `path` (``.npz`` is appended if missing) and return the path."""
    from . import __version__

    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if len(weights) != network.depth:
        raise UserError(f"{len(weights)} (W, b) pairs for {network.depth} projections")
    for name, array in [*((f"W{h}/b{h}", np.asarray(a)) for h, pair in enumerate(weights, 1)
                          for a in pair),
                        *((f"channel/{k}", np.asarray(v)) for k, v in
                          (channel_state or {}).items())]:
        if array.dtype.kind not in "fiu" or not np.isfinite(array).all():
            raise UserError(f"refusing to write {path}: {name} is not finite real numbers")
    description = {"network": network.to_dict(),
                   "metadata": {"neurolocal_version": __version__, **(metadata or {})}}
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT), "version": np.array(VERSION),
        "description": np.array(json.dumps(description, default=json_default)),
    }
    for h, (w, b) in enumerate(weights, start=1):
        arrays[f"W{h}"], arrays[f"b{h}"] = np.asarray(w), np.asarray(b)
    for key, value in (channel_state or {}).items():
        arrays[f"channel/{key}"] = np.asarray(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    return path


def load_model(path: str | Path) -> Model:
    """Read a model written by `save_model`; raise ModelFileError on any problem.

    Validated field by field before use: the archive's array headers (dtype, shape, total size
    against the available memory) before any array is read; ``format``/``version``/
    ``description`` as one string, one integer, one JSON string; the network description (its
    rules through the bounded rule parser); W, b and channel state as finite real arrays of
    the shapes the network and channel need."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    headers = _array_headers(path)
    total = sum(math.prod(shape) * dtype.itemsize for shape, dtype in headers.values())
    try:
        require_memory(2 * total, f"{path}: arrays of the model file")
    except ResourceError as error:
        raise ModelFileError(str(error)) from None
    for key, (_, dtype) in headers.items():
        if dtype.hasobject:
            raise ModelFileError(f"{path}: {key} holds Python objects")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error) as error:
        raise ModelFileError(f"{path}: not a readable .npz file ({error})") from None
    fmt = _scalar(arrays, "format", "U", path, required=False)
    if fmt != FORMAT:
        raise ModelFileError(f"{path}: not a neurolocal model file (no format "
                             f"{FORMAT!r})")
    version = _scalar(arrays, "version", "iu", path)
    if version != VERSION:
        raise ModelFileError(f"{path}: model format version {version}, this neurolocal reads "
                             f"version {VERSION}")
    description = _description(_scalar(arrays, "description", "U", path), path)
    network = _network(description["network"], path)
    weights = []
    for h, (pre, post) in enumerate(zip(network.populations, network.populations[1:]), 1):
        if f"W{h}" not in arrays or f"b{h}" not in arrays:
            raise ModelFileError(f"{path}: weights W{h}/b{h} are missing")
        w = _real(arrays[f"W{h}"], f"W{h}", (post.size, pre.size), path)
        b = _real(arrays[f"b{h}"], f"b{h}", (post.size,), path)
        weights.append((w, b))
    state = {key.removeprefix("channel/"): value for key, value in arrays.items()
             if key.startswith("channel/")}
    if state:
        expected = network.channel.init_state(network, weights, np.random.default_rng(0)) \
            if network.channel is not None else {}
        for key, value in state.items():
            if key not in expected:
                raise ModelFileError(f"{path}: channel/{key} is not state of channel "
                                     f"{getattr(network.channel, 'name', None)!r}")
            state[key] = _real(value, f"channel/{key}", np.shape(expected[key]), path,
                               kinds="fiub")
    return Model(network, weights, state, description["metadata"])


def _array_headers(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Shape and dtype of every array of an .npz archive, read from the .npy headers only."""
    headers = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not name.endswith(".npy"):
                    continue
                with archive.open(name) as member:
                    major, _ = np.lib.format.read_magic(member)
                    read = np.lib.format.read_array_header_1_0 if major == 1 else \
                        np.lib.format.read_array_header_2_0
                    shape, _, dtype = read(member)
                headers[name.removesuffix(".npy")] = (tuple(shape), dtype)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error, KeyError,
            SyntaxError, TypeError) as error:
        raise ModelFileError(f"{path}: not a readable .npz file ({error})") from None
    return headers


def _scalar(arrays: dict[str, np.ndarray], key: str, kinds: str, path: Path,
            required: bool = True) -> Any:
    """The single value of a 0-d array of one of `kinds` (numpy dtype kinds)."""
    if key not in arrays:
        if required:
            raise ModelFileError(f"{path}: the field {key!r} is missing")
        return None
    value = arrays[key]
    if value.shape != () or value.dtype.kind not in kinds:
        raise ModelFileError(f"{path}: {key} must be a single "
                             f"{'string' if kinds == 'U' else 'integer'}, not a "
                             f"{value.dtype} array of shape {value.shape}")
    return value.item()


def _description(text: str, path: Path) -> dict[str, Any]:
    try:
        description = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise ModelFileError(f"{path}: bad model description ({error})") from None
    if not isinstance(description, dict) or not isinstance(description.get("network"), dict):
        raise ModelFileError(f"{path}: bad model description (no network object)")
    metadata = description.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: bad model description (metadata is not an object)")
    return {"network": description["network"], "metadata": metadata}


def _network(data: dict[str, Any], path: Path) -> Network:
    from .channels import ChannelError, channel_from_dict

    try:
        channel = None if data.get("channel") is None else channel_from_dict(data["channel"])
        network = Network.from_dict(data, channel)
    except (NetworkError, ChannelError, RuleError) as error:
        raise ModelFileError(f"{path}: incompatible network description: {error}") from None
    except (KeyError, TypeError, AttributeError, ValueError, OverflowError,
            RecursionError) as error:
        raise ModelFileError(f"{path}: bad network description ({type(error).__name__}: "
                             f"{error})") from None
    return network


def _real(array: np.ndarray, name: str, shape: tuple[int, ...], path: Path,
          kinds: str = "f") -> np.ndarray:
    """`array` checked to be finite, of `shape`, of a real dtype kind in `kinds`."""
    if array.dtype.kind not in kinds:
        raise ModelFileError(f"{path}: {name} has dtype {array.dtype}; it must be a real "
                             "floating-point array")
    if array.shape != tuple(shape):
        raise ModelFileError(f"{path}: {name} has shape {array.shape}, the network needs "
                             f"{tuple(shape)}")
    if not np.isfinite(array).all():
        raise ModelFileError(f"{path}: {name} holds NaN or infinite values")
    return array


def load_nir(path: str | Path, **options: Any) -> Model:
    """A model from a NIR file (see `neurolocal.interchange.read_nir` for `options`: channel,
    rule, hidden_rule); raises `neurolocal.interchange.NIRImportError` (a ValueError)."""
    from .interchange import read_nir

    return read_nir(path, **options)


def json_ready(value: Any) -> Any:
    """JSON-ready data: numpy scalars and arrays as Python values, NaN and ±inf as null."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(json_ready(v) for v in value)
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, np.generic):
        return json_ready(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_default(value: Any) -> Any:
    """`json.dumps`' `default` for a model file's metadata: numpy scalars and arrays as Python
    values, anything else refused (unlike `json_ready`, which also maps NaN to null)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} into a model's metadata")
