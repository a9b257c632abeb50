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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .network import Network, NetworkError
from .rules import RuleError

FORMAT = "neurolocal-model"
VERSION = 1

Weights = list[tuple[np.ndarray, np.ndarray]]


class ModelFileError(ValueError):
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
        raise ValueError(f"{len(weights)} (W, b) pairs for {network.depth} projections")
    description = {"network": network.to_dict(),
                   "metadata": {"neurolocal_version": __version__, **(metadata or {})}}
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT), "version": np.array(VERSION),
        "description": np.array(json.dumps(description, default=_json_default)),
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
    """Read a model written by `save_model`; raise ModelFileError on any problem."""
    from .channels import ChannelError, channel_from_dict

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ModelFileError(f"{path}: not a readable .npz file ({error})") from None
    if "format" not in arrays or str(arrays["format"]) != FORMAT:
        raise ModelFileError(f"{path}: not a neurolocal model file (no format "
                             f"{FORMAT!r})")
    version = int(arrays.get("version", -1))
    if version != VERSION:
        raise ModelFileError(f"{path}: model format version {version}, this neurolocal reads "
                             f"version {VERSION}")
    try:
        description = json.loads(str(arrays["description"]))
        data = description["network"]
        channel = None if data.get("channel") is None else channel_from_dict(data["channel"])
        network = Network.from_dict(data, channel)
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: bad model description ({error})") from None
    except (NetworkError, ChannelError, RuleError) as error:
        raise ModelFileError(f"{path}: incompatible network description: {error}") from None
    weights = []
    for h, (pre, post) in enumerate(zip(network.populations, network.populations[1:]), 1):
        if f"W{h}" not in arrays or f"b{h}" not in arrays:
            raise ModelFileError(f"{path}: weights W{h}/b{h} are missing")
        w, b = arrays[f"W{h}"], arrays[f"b{h}"]
        if w.shape != (post.size, pre.size) or b.shape != (post.size,):
            raise ModelFileError(f"{path}: W{h} has shape {w.shape} and b{h} {b.shape}, the "
                                 f"network needs {(post.size, pre.size)} and {(post.size,)}")
        if not (np.isfinite(w).all() and np.isfinite(b).all()):
            raise ModelFileError(f"{path}: W{h} or b{h} holds NaN or infinite values")
        weights.append((w, b))
    state = {key.removeprefix("channel/"): value for key, value in arrays.items()
             if key.startswith("channel/")}
    return Model(network, weights, state, dict(description.get("metadata") or {}))


def load_nir(path: str | Path, **options: Any) -> Model:
    """A model from a NIR file (see `neurolocal.interchange.read_nir` for `options`: channel,
    rule, hidden_rule); raises `neurolocal.interchange.NIRImportError` (a ValueError)."""
    from .interchange import read_nir

    return read_nir(path, **options)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} into a model's metadata")
