"""A sweep specification: a YAML grid of trainings, validated before anything runs.

Every key but ``name`` is an axis that takes one value or a list; the grid is their product::

    name: channels-digits
    dataset: digits              # digits, teacher, parity:N, idx:IMAGES,LABELS
    data_seed: 0                 # fixes the train/test split
    channels: [bp, rbp, "rbp[quantize=1]", {name: srbp, options: {dropout: 0.5}}]
    seeds: 3                     # N means seeds 0..N-1; or a list [0, 5, 9]
    hidden: [[10, 10], [30]]     # one architecture [10, 10], or a list of them
    hidden_transfer: tanh
    output_transfer: logistic
    lr: [0.1, 0.03]
    epochs: 30
    batch_size: 16
    backend: [numpy, {name: brian2, spiking: true}]
    deploy: {target: loihi2, sim: emulator}   # optional: on-target accuracy through `hw`

A run's configuration is a plain dict with one value per axis; its key is the SHA-256 of its
canonical JSON, so the same training always has the same key whatever spec it came from.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..channels.registry import get_channel
from ..data.registry import DATASETS

#: axis -> default value (None: required).
AXES: dict[str, Any] = {
    "dataset": "digits",
    "data_seed": 0,
    "channels": None,
    "seeds": 1,
    "hidden": [10, 10],
    "hidden_transfer": "tanh",
    "output_transfer": "logistic",
    "lr": 0.1,
    "epochs": 60,
    "batch_size": 16,
    "backend": "numpy",
    "deploy": None,
}

#: Options of a deployment (``hw.deploy``), with their defaults; `target` is required.
DEPLOY_OPTIONS: dict[str, Any] = {"target": None, "sim": "emulator", "fixed": True,
                                  "encoding": "rate", "steps": 32, "num_test": None}


class SpecError(ValueError):
    """The spec is not a valid grid; the message names the key."""


@dataclass(frozen=True)
class Sweep:
    """A validated grid: its name and one configuration dict per run."""

    name: str
    runs: tuple[dict[str, Any], ...]

    def keys(self) -> list[str]:
        return [run_key(c) for c in self.runs]


def run_key(config: dict[str, Any]) -> str:
    """SHA-256 of the configuration's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def run_config(dataset: str, channel: Any, seed: int, hidden: Any, *, data_seed: int = 0,
               hidden_transfer: str = "tanh", output_transfer: str = "logistic",
               lr: float = 0.1, epochs: int = 60, batch_size: int = 16,
               backend: Any = "numpy", deploy: Any = None) -> dict[str, Any]:
    """One run's canonical configuration, validated (a channel by name, spec string, mapping
    or object; a backend by name or ``{name, spiking}``; a deployment None or
    ``{target, sim, …}``)."""
    from ..backends import available_backends
    from ..experiment import Setup
    from ..network import get_transfer

    if not isinstance(dataset, str):
        raise SpecError(f"dataset: a data set name, not {dataset!r}")
    backend_name, spiking = _backend(backend)
    if backend_name not in available_backends():
        raise SpecError(f"backend: unknown backend {backend_name!r}; available: "
                        f"{', '.join(available_backends())}")
    hidden = _sizes(hidden)
    for key, value in (("data_seed", data_seed), ("seeds", seed), ("epochs", epochs),
                       ("batch_size", batch_size)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise SpecError(f"{key}: expected an integer, not {value!r}")
    if not isinstance(lr, (int, float)) or isinstance(lr, bool):
        raise SpecError(f"lr: expected a number, not {lr!r}")
    for key, name in (("hidden_transfer", hidden_transfer),
                      ("output_transfer", output_transfer)):
        try:
            get_transfer(name)
        except (ValueError, TypeError) as error:
            raise SpecError(f"{key}: {error}") from None
    Setup(tuple(hidden), epochs, float(lr), batch_size)  # the same checks as `train`
    channel = _channel(channel)
    return {"dataset": dataset, "data_seed": data_seed,
            "channel": {"name": channel.name, "options": dict(channel.options)},
            "seed": seed, "hidden": hidden,
            "hidden_transfer": hidden_transfer, "output_transfer": output_transfer,
            "lr": float(lr), "epochs": epochs, "batch_size": batch_size,
            "backend": backend_name, "spiking": spiking, "deploy": _deploy(deploy)}


def parse_spec(data: Any, name: str = "sweep") -> Sweep:
    """A Sweep from the parsed YAML mapping; unknown keys, empty axes and bad values raise
    SpecError."""
    if not isinstance(data, dict):
        raise SpecError("a sweep spec is a mapping of axis: value(s)")
    unknown = sorted(set(data) - set(AXES) - {"name"})
    if unknown:
        raise SpecError(f"unknown key{'s' * (len(unknown) > 1)} {', '.join(unknown)}; "
                        f"known: name, {', '.join(AXES)}")
    if data.get("channels") is None:
        raise SpecError("channels: at least one channel is required")
    axes = {}
    for key, default in AXES.items():
        values = _axis(key, data.get(key, default))
        if not values:
            raise SpecError(f"{key}: empty list, the grid has no runs")
        axes[key] = values
    for dataset in axes["dataset"]:
        if not isinstance(dataset, str) or dataset.partition(":")[0] not in DATASETS:
            raise SpecError(f"dataset: unknown data set {dataset!r}; available: "
                            f"{', '.join(DATASETS)}")
    runs = []
    for combination in itertools.product(*axes.values()):
        values = dict(zip(axes, combination))
        runs.append(run_config(values.pop("dataset"), values.pop("channels"),
                               values.pop("seeds"), **values))
    if len({run_key(c) for c in runs}) != len(runs):
        raise SpecError("the grid lists the same run twice (a value repeated in an axis)")
    return Sweep(str(data.get("name", name)), tuple(runs))


def load_spec(path: str | Path) -> Sweep:
    """Read and validate a YAML sweep spec."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise SpecError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    return parse_spec(data, name=path.stem)


def _axis(key: str, value: Any) -> list[Any]:
    """The values of one axis: a scalar is a one-value axis."""
    if key == "seeds" and isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise SpecError(f"seeds: {value} seeds, the grid has no runs")
        return list(range(value))
    if key == "hidden" and isinstance(value, (int, list)) and \
            all(isinstance(n, int) for n in ([value] if isinstance(value, int) else value)) \
            and value != []:
        return [value]
    return value if isinstance(value, list) else [value]


def _sizes(hidden: Any) -> list[int]:
    sizes = [hidden] if isinstance(hidden, int) else hidden
    if not isinstance(sizes, list) or not sizes or \
            not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes):
        raise SpecError(f"hidden: a hidden architecture is a list of positive sizes, "
                        f"not {hidden!r}")
    return list(sizes)


def _backend(value: Any) -> tuple[str, bool]:
    if isinstance(value, str):
        return value, False
    if isinstance(value, dict) and set(value) <= {"name", "spiking"} and "name" in value \
            and isinstance(value.get("spiking", False), bool):
        return str(value["name"]), bool(value.get("spiking", False))
    raise SpecError(f"backend: a name or {{name: ..., spiking: true|false}}, not {value!r}")


def _deploy(value: Any) -> dict[str, Any] | None:
    """None, or every option of the deployment; the target must be one the registered deployer
    (`neurolocal.plugins.deployer`, provided by hw) knows."""
    if value is None:
        return None
    if not isinstance(value, dict) or "target" not in value or \
            set(value) - set(DEPLOY_OPTIONS):
        raise SpecError(f"deploy: a mapping with 'target' and any of "
                        f"{', '.join(k for k in DEPLOY_OPTIONS if k != 'target')}, "
                        f"not {value!r}")
    from ..backends import UnsupportedError
    from ..plugins import deployer

    try:
        deployer().check(value)
    except UnsupportedError as error:
        raise SpecError(str(error)) from None
    except (ValueError, KeyError, TypeError) as error:
        raise SpecError(f"deploy: {str(error).splitlines()[0]}") from None
    return {**DEPLOY_OPTIONS, **value}


def _channel(value: Any):
    from ..channels import Channel

    if isinstance(value, dict):
        if set(value) - {"name", "options"} or "name" not in value:
            raise SpecError(f"channels: a channel mapping has 'name' and 'options', "
                            f"not {sorted(value)}")
        return get_channel(value["name"], **dict(value.get("options") or {}))
    if isinstance(value, (str, Channel)):
        return get_channel(value)
    raise SpecError(f"channels: a name, name[key=value] or a mapping, not {value!r}")
