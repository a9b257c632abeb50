"""Deploy a trained model on a Loihi-style target: partition, quantize, run on the emulator,
on Lava's CPU simulator or on Loihi hardware, and compare accuracy with the float model.

Order matters: the resource check (`partition`) and the channel mapping run first, so a network
that does not fit fails before anything is built or simulated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from neurolocal.data import Dataset
from neurolocal.errors import UserError
from neurolocal.network import Network, get_transfer
from neurolocal.network.fixed_point import TARGET_FORMATS

from . import emulator
from .channel_map import ChannelMapping, map_channel
from .errors import ChannelMappingError, MappingError
from .graded import GradedNetwork, convert_graded
from .graph import inference_graph, layer_name
from .hardware import require_hardware
from .partition import ResourceReport, partition, synaptic_ops
from .profiles import ChipProfile, get_profile
from .runner import run_isolated
from .spiking import SpikingNetwork, convert, float_activations

Weights = list[tuple[np.ndarray, np.ndarray]]
SIMULATORS = ("emulator", "lava", "loihi")
NEURONS = ("graded", "if")  # graded activation neurons (hw.graded), integrate-and-fire (spiking)
PREDICTION_FORMATS = (".npz", ".csv")


@dataclass
class DeployResult:
    """What `deploy` measured: resources, quantization error, float and on-target accuracy,
    and per test sample the on-target class (`predictions`), the decoded output S^L
    (`outputs`, shape (B, n_out)), the label and the float model's class."""

    target: str
    sim: str
    fixed: bool
    neuron: str
    encoding: str
    steps: int
    resources: ResourceReport
    channel: ChannelMapping | None
    quantization: list[dict[str, Any]]
    num_test: int
    float_accuracy: float
    target_accuracy: float
    agreement: float  # fraction of samples whose on-target class equals the float model's
    seconds: float
    warnings: list[str] = field(default_factory=list)
    predictions: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    outputs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    float_predictions: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def save_predictions(self, path: str | Path) -> Path:
        """Write per-sample predictions: ``.npz`` with arrays `prediction`, `label`,
        `float_prediction` (B,) and `outputs` (B, n_out); or ``.csv`` with columns sample,
        label, prediction, float_prediction, out0 … out{n−1}."""
        path = predictions_path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".npz":
            np.savez(path, prediction=self.predictions, label=self.labels,
                     float_prediction=self.float_predictions, outputs=self.outputs)
            return path
        columns = np.column_stack([np.arange(len(self.labels)), self.labels, self.predictions,
                                   self.float_predictions])
        header = ",".join(["sample", "label", "prediction", "float_prediction"]
                          + [f"out{k}" for k in range(self.outputs.shape[1])])
        with open(path, "w") as handle:
            handle.write(header + "\n")
            for row, out in zip(columns, self.outputs):
                handle.write(",".join([*map(str, row), *(repr(float(v)) for v in out)]) + "\n")
        return path

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "sim": self.sim,
                "precision": "fixed" if self.fixed else "float", "neuron": self.neuron,
                "encoding": self.encoding,
                "steps": self.steps, "resources": self.resources.to_dict(),
                "channel": None if self.channel is None else self.channel.to_dict(),
                "quantization": self.quantization, "num_test": self.num_test,
                "float_accuracy": self.float_accuracy, "target_accuracy": self.target_accuracy,
                "agreement": self.agreement, "seconds": self.seconds,
                "warnings": self.warnings}

    def format(self) -> str:
        lines = [self.resources.format()]
        if self.channel is not None:
            lines.append(self.channel.format())
        for q in self.quantization:
            unit = f"vth {q['vth']}" if "vth" in q else \
                f"activation {q['activation'] or 'none (output)'}"
            lines.append(f"projection {q['projection']}: weight_exp {q['weight_exp']}, {unit}"
                         f", weight error {100 * q['weight_relative_error']:.2f}% "
                         f"(max {q['weight_max_abs_error']:.3g}), bias error "
                         f"{100 * q['bias_relative_error']:.2f}%")
        precision = "fixed point" if self.fixed else "floating point"
        lines.append(f"float model accuracy:      {100 * self.float_accuracy:.2f}% "
                     f"({self.num_test} test samples)")
        lines.append(f"on-target accuracy:        {100 * self.target_accuracy:.2f}% "
                     f"({self.sim}, {precision}, {self.neuron} neurons, {self.encoding} input, "
                     f"{self.steps} step{'s' if self.steps != 1 else ''})")
        lines.append(f"agreement with float model: {100 * self.agreement:.2f}%")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def predictions_path(path: str | Path) -> Path:
    """`path` as a predictions file; `UserError` unless it ends in a `PREDICTION_FORMATS` suffix
    (checked by the CLI before the run, and again when writing)."""
    path = Path(path)
    if path.suffix not in PREDICTION_FORMATS:
        raise UserError(f"predictions file {path} must end in {' or '.join(PREDICTION_FORMATS)}")
    return path


def default_neuron(profile: ChipProfile) -> str:
    """Graded activation neurons where the chip sends graded spikes (Loihi 2), else
    integrate-and-fire."""
    return "graded" if profile.graded_spike_bits > 0 else "if"


def transfers_of(network: Network) -> list[str]:
    """The transfer function of every layer h = 1..L, by canonical name (aliases resolved)."""
    return [get_transfer(p.transfer).name for p in network.populations[1:]]


def plan(network: Network, profile: ChipProfile | str, channel: bool = True
         ) -> tuple[ResourceReport, ChannelMapping | None]:
    """Check that the graph to be built fits `profile`: the forward network and, if `channel`,
    its learning channel (the learning graph); raise `MappingError` otherwise
    (`ChannelMappingError` when only the channel cannot be built)."""
    profile = get_profile(profile)
    mapping = map_channel(network.channel, network.sizes) if channel else None
    graph = mapping.graph(network.sizes) if mapping is not None else \
        inference_graph(network.sizes)
    return partition(graph, profile), mapping


def run_spiking(network: SpikingNetwork | GradedNetwork, x: np.ndarray, sim: str, fixed: bool,
                batch_size: int = 200, timeout: float = 600.0,
                progress: bool = False) -> np.ndarray:
    """The output layer's summed input for inputs x on `sim`, in batches (one isolated Lava
    run per batch)."""
    if sim not in SIMULATORS:
        raise MappingError(f"unknown simulator {sim!r}; choose from {', '.join(SIMULATORS)}")
    if sim == "loihi":
        require_hardware(fixed)
    if sim == "emulator":
        return emulator.simulate(network, x, fixed)[0]
    chunks = range(0, len(x), batch_size)
    outputs = []
    label = f"{sim} ({'fixed' if fixed else 'float'})"
    for start in tqdm(chunks, desc=label, unit="batch", disable=not progress):
        outputs.append(run_isolated("hw.lava_forward:run_forward",
                                    {"network": network, "x": x[start:start + batch_size],
                                     "fixed": fixed, "hardware": sim == "loihi"},
                                    timeout=timeout))
    return np.concatenate(outputs)


def convert_for(network: Network, weights: Weights, calibration: np.ndarray,
                profile: ChipProfile, neuron: str | None = None, encoding: str | None = None,
                steps: int | None = None, trained_for: str | None = None
                ) -> tuple[SpikingNetwork | GradedNetwork, list[str]]:
    """The converted network and notes. `neuron` None: graded activation neurons when the
    target has graded spikes, rate-coded integrate-and-fire otherwise. A model trained for a
    target (`trained_for`, from its metadata) is converted with that target's format and no
    rescaling, as it was trained."""
    if neuron is None:
        neuron = default_neuron(profile)
    if neuron not in NEURONS:
        raise MappingError(f"unknown neuron model {neuron!r}; choose from {', '.join(NEURONS)}")
    notes = []
    if trained_for is not None and trained_for != profile.name:
        notes.append(f"the model was trained for {trained_for}, deployed on {profile.name}")
    if neuron == "if":
        return convert(weights, transfers_of(network), calibration, profile,
                       encoding=encoding or "rate", steps=32 if steps is None else steps), notes
    if encoding not in (None, "graded"):
        raise MappingError("graded activation neurons take graded input, not "
                           f"{encoding} input (use --neuron if for rate-coded input)")
    fmt = TARGET_FORMATS.get(trained_for)
    return convert_graded(weights, transfers_of(network), None if fmt else calibration,
                          profile, fmt, steps=1 if steps is None else steps), notes


def deploy(network: Network, weights: Weights, data: Dataset, target: ChipProfile | str =
           "loihi2", sim: str = "emulator", fixed: bool = True, encoding: str | None = None,
           steps: int | None = None, num_test: int | None = None, calibration: int = 500,
           timeout: float = 600.0, progress: bool = False, neuron: str | None = None,
           trained_for: str | None = None) -> DeployResult:
    """Deploy a trained `network` with `weights` on `target` and measure test accuracy on
    `data` (the first `num_test` test samples; all by default). Conversion: `convert_for`."""
    start = time.perf_counter()
    profile = get_profile(target)
    notes = []
    try:
        mapping = map_channel(network.channel, network.sizes)
    except ChannelMappingError as error:  # inference needs no channel
        mapping = None
        notes.append(f"inference only, the channel is not mapped: {error}")
    resources, _ = plan(network, profile, channel=False)  # the inference graph that is built
    x_test = data.x_test if num_test is None else data.x_test[:num_test]
    y_test = data.y_test[:len(x_test)]
    spiking, conversion_notes = convert_for(network, weights, data.x_train[:calibration],
                                            profile, neuron, encoding, steps, trained_for)
    notes += conversion_notes
    float_class = float_activations(weights, transfers_of(network), x_test)[-1].argmax(axis=1)
    summed = run_spiking(spiking, x_test, sim, fixed, timeout=timeout, progress=progress)
    outputs = spiking.decode(summed, fixed)
    target_class = outputs.argmax(axis=1)
    _, counts = emulator.simulate(spiking, x_test[:100], fixed, record_spikes=True)
    input_events = spiking.encode(x_test[:100], fixed).astype(bool).sum(axis=0)
    resources = replace(resources, synaptic_ops=synaptic_ops(network.sizes, input_events,
                                                             counts)).with_traffic(
        {layer_name(k): c.mean(axis=0) for k, c in enumerate(counts, start=1)})
    return DeployResult(profile.name, sim, fixed, spiking.neuron, spiking.encoding, spiking.steps,
                        resources, mapping,
                        spiking.quantization_report(), len(x_test),
                        float(np.mean(float_class == y_test)),
                        float(np.mean(target_class == y_test)),
                        float(np.mean(target_class == float_class)),
                        time.perf_counter() - start, notes,
                        target_class, outputs, np.asarray(y_test), float_class)
