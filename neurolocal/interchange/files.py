"""NIR files: write a model (standard graph + the ``/neurolocal`` extension), read one back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nir

from ..io import Model
from ..rules import LocalRule
from .chain import NIRImportError, chain_from_graph, graph_from_chain
from .convert import model_from_stages, rate_weights, stages_from_model
from .extension import read_extension, write_extension


def write_nir(path: str | Path, model: Model, extension: bool = True
              ) -> tuple[Path, list[str]]:
    """Write `model` as a NIR graph of standard nodes to `path` (plus, if `extension`, its
    channel and rules under ``/neurolocal``); return the path and approximation warnings."""
    path = Path(path)
    stages, warnings = stages_from_model(model)
    graph = graph_from_chain(stages, {"source": "neurolocal"})
    path.parent.mkdir(parents=True, exist_ok=True)
    nir.write(path, graph)
    if extension:
        write_extension(path, model, stages)
    return path, warnings


def read_graph(path: str | Path) -> nir.NIRGraph:
    """`nir.read` with NIR's type checks; any failure is a one-line NIRImportError."""
    path = Path(path)
    if not path.is_file():
        raise NIRImportError(f"{path}: no such NIR file")
    try:
        return nir.read(path)
    except Exception as error:  # noqa: BLE001 - h5py/nir raise many types on a bad file
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NIRImportError(f"{path}: not a readable NIR file ({message})") from None


def read_nir(path: str | Path, channel: Any = None, rule: str | LocalRule | None = None,
             hidden_rule: str | LocalRule | None = None, use_extension: bool = True) -> Model:
    """A trainable, deployable model from a NIR file.

    With a ``/neurolocal`` extension (and no `channel` given) the network description, channel
    and its state come from it; otherwise the rate model of the chain gets `channel` (default
    BP), `rule` and `hidden_rule` as in `Network.layered`.
    """
    graph = read_graph(path)
    stages = chain_from_graph(graph)
    extension = read_extension(path) if use_extension and channel is None else None
    source = {"source": str(path)}
    if extension is None:
        return model_from_stages(stages, channel or "bp", rule, hidden_rule, source)
    network, state, metadata = extension
    sizes = [stages[0].weight.shape[1]] + [s.size for s in stages]
    if sizes != network.sizes:
        raise NIRImportError(f"{path}: the /neurolocal extension describes sizes "
                             f"{network.sizes}, the graph {sizes}")
    weights, _, info = rate_weights(stages)
    return Model(network, weights, state, {**metadata, **source, "nir": info})
