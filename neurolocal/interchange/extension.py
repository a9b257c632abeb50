"""The learning channel and local rules as a namespaced extension of a NIR file.

`nir.write` puts the graph under the HDF5 groups ``/node`` and ``/version``; `nir.read` reads
only ``/node``. neurolocal adds a top-level group ``/neurolocal`` (schema in docs/nir.md) that
standard readers never open:

- attributes ``schema = "neurolocal.learning"``, ``version = 1``;
- ``description``: JSON ``{"network": Network.to_dict(), "metadata": {...}}`` (the same text as
  the ``.npz`` model format: populations with transfer functions, projections with rules, the
  channel's name, options and architecture);
- ``channel``: JSON ``Channel.to_dict(sizes)``: what the channel delivers, its architecture, its
  backward pathways (source, destination, matrix kind, learning, derivative), symmetries, cost;
- ``projections/<h>``: one group per projection h = 1..L with attributes ``projection`` and
  ``neuron`` (the NIR node names), ``pre``, ``post``, ``rule`` (the polynomial Δw_ij, "" when
  fixed), ``rule_name``, ``parameters`` (JSON);
- ``state/<key>``: the channel's training state (e.g. ``state/C1``, the backward matrix into
  hidden layer 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from ..io import Model, json_default
from ..network import Network
from .chain import NIRImportError, Stage

GROUP = "neurolocal"
SCHEMA = "neurolocal.learning"
VERSION = 1


def write_extension(path: str | Path, model: Model, stages: list[Stage]) -> None:
    """Append the ``/neurolocal`` group for `model` to the NIR file at `path`."""
    network = model.network
    description = {"network": network.to_dict(), "metadata": model.metadata}
    channel = None if network.channel is None else network.channel.to_dict(network.sizes)
    with h5py.File(path, "a") as f:
        if GROUP in f:
            del f[GROUP]
        group = f.create_group(GROUP)
        group.attrs["schema"], group.attrs["version"] = SCHEMA, VERSION
        group.create_dataset("description", data=json.dumps(description,
                                                            default=json_default))
        group.create_dataset("channel", data=json.dumps(channel, default=json_default))
        projections = group.create_group("projections")
        for h, (projection, stage) in enumerate(zip(network.projections, stages), start=1):
            entry = projections.create_group(str(h))
            rule = projection.rule
            entry.attrs.update({
                "projection": stage.names.get("projection", ""),
                "neuron": stage.names.get("neuron", ""), "pre": projection.pre,
                "post": projection.post, "rule": "" if rule is None else str(rule.expr),
                "rule_name": "" if rule is None or rule.name is None else rule.name,
                "parameters": json.dumps({} if rule is None else rule.parameters,
                                         default=json_default)})
        state = group.create_group("state")
        for key, value in model.channel_state.items():
            state.create_dataset(key, data=np.asarray(value))


def read_extension(path: str | Path) -> tuple[Network, dict[str, np.ndarray], dict[str, Any]
                                             ] | None:
    """(network, channel state, metadata) from the ``/neurolocal`` group, or None without one."""
    from ..channels import ChannelError, channel_from_dict
    from ..network import NetworkError
    from ..rules import RuleError

    with h5py.File(path, "r") as f:
        if GROUP not in f:
            return None
        group = f[GROUP]
        if group.attrs.get("schema") != SCHEMA or int(group.attrs.get("version", -1)) != VERSION:
            raise NIRImportError(f"{path}: /{GROUP} has schema {group.attrs.get('schema')!r} "
                                 f"version {group.attrs.get('version')}, this neurolocal reads "
                                 f"{SCHEMA!r} version {VERSION}")
        text = group["description"][()]
        state = {key: value[()] for key, value in group["state"].items()}
    try:
        description = json.loads(text.decode() if isinstance(text, bytes) else text)
        data = description["network"]
        channel = None if data.get("channel") is None else channel_from_dict(data["channel"])
        network = Network.from_dict(data, channel)
    except (KeyError, TypeError, json.JSONDecodeError, NetworkError, ChannelError,
            RuleError) as error:
        raise NIRImportError(f"{path}: bad /{GROUP}/description ({error})") from None
    return network, state, dict(description.get("metadata") or {})
