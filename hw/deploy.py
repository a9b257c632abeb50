"""Deploy a trained model on a Loihi-style target: partition, quantize, run on the emulator,
on Lava's CPU simulator or on Loihi hardware, and compare accuracy with the float model.

Order matters: the resource check (`partition`) and the channel mapping run first, so a network
that does not fit fails before anything is built or simulated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from tqdm import tqdm

from neurolocal.data import Dataset
from neurolocal.network import Network

from . import emulator
from .channel_map import ChannelMapping, map_channel
from .errors import ChannelMappingError, MappingError
from .graph import inference_graph, layer_name
from .hardware import require_hardware
from .partition import ResourceReport, partition, synaptic_ops
from .profiles import ChipProfile, get_profile
from .runner import run_isolated
from .spiking import SpikingNetwork, convert, float_activations

Weights = list[tuple[np.ndarray, np.ndarray]]
SIMULATORS = ("emulator", "lava", "loihi")


@dataclass
class DeployResult:
    """What `deploy` measured: resources, quantization error, float and on-target accuracy."""

    target: str
    sim: str
    fixed: bool
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

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "sim": self.sim,
                "precision": "fixed" if self.fixed else "float", "encoding": self.encoding,
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
            lines.append(f"projection {q['projection']}: weight_exp {q['weight_exp']}, vth "
                         f"{q['vth']}, weight error {100 * q['weight_relative_error']:.2f}% "
                         f"(max {q['weight_max_abs_error']:.3g}), bias error "
                         f"{100 * q['bias_relative_error']:.2f}%")
        precision = "fixed point" if self.fixed else "floating point"
        lines.append(f"float model accuracy:      {100 * self.float_accuracy:.2f}% "
                     f"({self.num_test} test samples)")
        lines.append(f"on-target accuracy:        {100 * self.target_accuracy:.2f}% "
                     f"({self.sim}, {precision}, {self.encoding} input, {self.steps} steps)")
        lines.append(f"agreement with float model: {100 * self.agreement:.2f}%")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def transfers_of(network: Network) -> list[str]:
    return [p.transfer for p in network.populations[1:]]


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


def run_spiking(network: SpikingNetwork, x: np.ndarray, sim: str, fixed: bool,
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


def deploy(network: Network, weights: Weights, data: Dataset, target: ChipProfile | str =
           "loihi2", sim: str = "emulator", fixed: bool = True, encoding: str = "rate",
           steps: int = 32, num_test: int | None = None, calibration: int = 500,
           timeout: float = 600.0, progress: bool = False) -> DeployResult:
    """Deploy a trained `network` with `weights` on `target` and measure test accuracy on
    `data` (the first `num_test` test samples; all by default)."""
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
    spiking = convert(weights, transfers_of(network), data.x_train[:calibration], profile,
                      encoding=encoding, steps=steps)
    float_class = float_activations(weights, transfers_of(network), x_test)[-1].argmax(axis=1)
    summed = run_spiking(spiking, x_test, sim, fixed, timeout=timeout, progress=progress)
    target_class = summed.argmax(axis=1)
    _, counts = emulator.simulate(spiking, x_test[:100], fixed, record_spikes=True)
    input_events = spiking.encode(x_test[:100], fixed).astype(bool).sum(axis=0)
    resources = replace(resources, synaptic_ops=synaptic_ops(network.sizes, input_events,
                                                             counts)).with_traffic(
        {layer_name(k): c.mean(axis=0) for k, c in enumerate(counts, start=1)})
    return DeployResult(profile.name, sim, fixed, encoding, steps, resources, mapping,
                        spiking.quantization_report(), len(x_test),
                        float(np.mean(float_class == y_test)),
                        float(np.mean(target_class == y_test)),
                        float(np.mean(target_class == float_class)),
                        time.perf_counter() - start, notes + list(spiking.warnings))
