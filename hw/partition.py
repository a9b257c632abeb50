"""Partition a layered network onto the cores of a chip profile and report the resources used.

Model: every non-input unit is one neuron (compartment); a neuron's incoming synapses live in
the synaptic memory of its core, `weight_bits` bits each (dense projections, plus nothing for
the bias, which is a neuron parameter). Layers are placed in order, each on cores of its own,
filling a core up to whichever limit (neurons or synaptic memory) binds first. The input layer
is driven from the host and takes no core. A network that does not fit raises `MappingError`
naming the limit and by how much it is exceeded; nothing is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import MappingError
from .profiles import ChipProfile


@dataclass(frozen=True)
class CoreAllocation:
    core: int
    group: str  # "layer 1".."layer L", or a channel population such as "err_out"
    neurons: int
    synapses: int

    def memory_bits(self, profile: ChipProfile) -> int:
        return self.synapses * profile.weight_bits


@dataclass(frozen=True)
class ResourceReport:
    """Where every layer lives and how full each core is."""

    profile: ChipProfile
    sizes: tuple[int, ...]
    cores: tuple[CoreAllocation, ...]
    synaptic_ops: float | None = None  # per inference, when measured
    notes: tuple[str, ...] = field(default=())

    @property
    def num_cores(self) -> int:
        return len(self.cores)

    @property
    def neurons(self) -> int:
        return sum(c.neurons for c in self.cores)

    @property
    def synapses(self) -> int:
        return sum(c.synapses for c in self.cores)

    @property
    def chip_utilization(self) -> float:
        return self.num_cores / self.profile.cores

    def core_rows(self) -> list[dict[str, Any]]:
        p = self.profile
        return [{"core": c.core, "group": c.group, "neurons": c.neurons,
                 "synapses": c.synapses, "memory_bytes": c.memory_bits(p) // 8,
                 "neuron_utilization": c.neurons / p.neurons_per_core,
                 "memory_utilization": c.memory_bits(p) / p.synaptic_memory_bits_per_core}
                for c in self.cores]

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.profile.name, "sizes": list(self.sizes),
                "cores_used": self.num_cores, "cores_available": self.profile.cores,
                "chip_utilization": self.chip_utilization, "neurons": self.neurons,
                "synapses": self.synapses, "synaptic_ops_per_inference": self.synaptic_ops,
                "cores": self.core_rows(), "notes": list(self.notes)}

    def format(self) -> str:
        lines = [f"target {self.profile.name}: {self.num_cores} of {self.profile.cores} cores "
                 f"({100 * self.chip_utilization:.1f}%), {self.neurons} neurons, "
                 f"{self.synapses} synapses"]
        if self.synaptic_ops is not None:
            lines.append(f"synaptic operations per inference: {self.synaptic_ops:.0f}")
        for row in self.core_rows():
            lines.append(f"  core {row['core']:3d}  {row['group']:<12s}"
                         f"{row['neurons']:5d} neurons ({100 * row['neuron_utilization']:5.1f}%)"
                         f"  {row['memory_bytes']:7d} B synapses "
                         f"({100 * row['memory_utilization']:5.1f}%)")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def partition(sizes: list[int], profile: ChipProfile,
              extra: tuple[tuple[str, int, int], ...] = (),
              extra_fan_in: dict[int, int] | None = None) -> ResourceReport:
    """Place layers sizes[1:] (fan-in sizes[k−1], plus `extra_fan_in[k]` backward synapses a
    Conjoined channel adds to layer k) and the `extra` populations (name, size, fan-in), e.g. a
    learning channel's error neurons, onto cores; raise `MappingError` if they do not fit."""
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        raise MappingError(f"layer sizes must be at least two positive integers, not {sizes}")
    extra_fan_in = extra_fan_in or {}
    groups = [(f"layer {k}", int(size), int(fan_in) + extra_fan_in.get(k, 0))
              for k, (fan_in, size) in enumerate(zip(sizes, sizes[1:]), start=1)]
    for k in range(1, len(sizes) - 1):
        if profile.max_fan_out is not None and sizes[k + 1] > profile.max_fan_out:
            raise MappingError(f"layer {k}: fan-out {sizes[k + 1]} exceeds the {profile.name} "
                               f"limit of {profile.max_fan_out} by "
                               f"{sizes[k + 1] - profile.max_fan_out}")
    memory = profile.synaptic_memory_bits_per_core
    cores: list[CoreAllocation] = []
    for name, size, fan_in in [*groups, *extra]:
        if profile.max_fan_in is not None and fan_in > profile.max_fan_in:
            raise MappingError(f"{name}: fan-in {fan_in} exceeds the {profile.name} limit of "
                               f"{profile.max_fan_in} by {fan_in - profile.max_fan_in}")
        bits_per_neuron = fan_in * profile.weight_bits
        if bits_per_neuron > memory:
            raise MappingError(f"{name}: one neuron's {fan_in} input synapses need "
                               f"{bits_per_neuron // 8} B, exceeding the synaptic memory per "
                               f"core ({memory // 8} B) by {(bits_per_neuron - memory) // 8} B")
        per_core = min(profile.neurons_per_core, memory // max(bits_per_neuron, 1))
        for start in range(0, size, per_core):
            neurons = min(per_core, size - start)
            cores.append(CoreAllocation(len(cores), name, neurons, neurons * fan_in))
    if len(cores) > profile.cores:
        raise MappingError(f"the network needs {len(cores)} cores, exceeding the "
                           f"{profile.cores} cores of {profile.name} by "
                           f"{len(cores) - profile.cores}")
    return ResourceReport(profile, tuple(int(s) for s in sizes), tuple(cores))


def synaptic_ops(sizes: list[int], input_events: np.ndarray,
                 hidden_spikes: list[np.ndarray]) -> float:
    """Mean synaptic operations per inference: every event (input spike or graded message,
    hidden spike) of a layer is delivered to all units of the next layer.

    input_events: events per input unit per sample (B, n_in); hidden_spikes[k]: spike counts of
    hidden layer k+1 per sample (B, n_{k+1}).
    """
    events = [np.asarray(input_events)] + [np.asarray(s) for s in hidden_spikes]
    total = sum(e.sum(axis=1).mean() * fan_out for e, fan_out in zip(events, sizes[1:]))
    return float(total)
