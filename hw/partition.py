"""Place a deployment's graph (`hw.graph.Graph`) on the cores of a chip profile, as the chip
counts its resources, and report them.

Per core holding m neurons of population P (every neuron of P has the same inputs):

- input axons A = Σ n_source over the projections into P: one input axon per presynaptic
  neuron (the host's input stream included), as nengo-loihi counts; limited by
  `max_input_axons` (Loihi 1: 4,096).
- output axons = m · Σ (cores of the target population) over the projections out of P: one
  output axon per neuron and target core; limited by `max_output_axons` (Loihi 1: 4,096).
- synapse memory = A · bits_per_axon(m): the m weights each input axon reaches, in groups of
  `synapses_per_group` weights of `synapse_weight_bits` plus a header, each group rounded up to
  a 64-bit word (nengo-loihi's `bits_per_axon` for dense weights).
- with `shared_memory` (Loihi 2) synapse memory + m · `neuron_state_bits` + A ·
  `input_axon_bits` + output axons · `output_axon_bits` must fit `core_memory_bits`; otherwise
  (Loihi 1) synapse memory alone must, and m ≤ `neurons_per_core` in both.

Each population takes cores of its own, filled with the largest m that fits (found by
bisection: every count grows with m). Output axons depend on how many cores the targets take, so
placement repeats until the core counts stop changing. Cores are numbered population by
population and fill chip after chip. A graph that does not fit raises `MappingError` naming the
limit and the excess (and, for a single chip, a multi-chip profile on which it fits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .errors import MappingError
from .graph import HOST, Graph, inference_graph
from .profiles import PROFILES, ChipProfile, get_profile


def synapse_bits_per_axon(m: int, profile: ChipProfile) -> int:
    """Synapse memory one input axon takes to reach m neurons with dense weights."""
    word, group = profile.memory_word_bits, profile.synapses_per_group
    total = 0
    for start in range(0, m, group):
        n = min(group, m - start)
        total += -word * (-(n * profile.synapse_weight_bits
                            + profile.synapse_group_header_bits) // word)
    return total


@dataclass(frozen=True)
class CoreAllocation:
    core: int
    chip: int
    group: str  # the population it holds
    start: int  # first neuron of the population on this core
    neurons: int
    synapses: int
    input_axons: int
    output_axons: int
    synapse_bits: int
    state_bits: int
    routing_bits: int

    def memory_bits(self, profile: ChipProfile) -> int:
        """What counts against the core's memory: synapses only, or everything if shared."""
        if profile.shared_memory:
            return self.synapse_bits + self.state_bits + self.routing_bits
        return self.synapse_bits


@dataclass(frozen=True)
class ResourceReport:
    """Where every population lives and how full each core (and chip) is."""

    profile: ChipProfile
    graph: Graph
    cores: tuple[CoreAllocation, ...]
    synaptic_ops: float | None = None  # per inference, when measured
    inter_chip_messages: float | None = None  # per inference, when rates are known
    notes: tuple[str, ...] = field(default=())

    @property
    def num_cores(self) -> int:
        return len(self.cores)

    @property
    def chips_used(self) -> int:
        return len({c.chip for c in self.cores})

    @property
    def neurons(self) -> int:
        return sum(c.neurons for c in self.cores)

    @property
    def synapses(self) -> int:
        return sum(c.synapses for c in self.cores)

    @property
    def utilization(self) -> float:
        return self.num_cores / self.profile.cores

    def populations(self) -> dict[str, int]:
        """Neurons placed per population (equals the graph's population sizes)."""
        placed: dict[str, int] = {}
        for c in self.cores:
            placed[c.group] = placed.get(c.group, 0) + c.neurons
        return placed

    def core_rows(self) -> list[dict[str, Any]]:
        p = self.profile
        return [{"core": c.core, "chip": c.chip, "group": c.group, "neurons": c.neurons,
                 "synapses": c.synapses, "input_axons": c.input_axons,
                 "output_axons": c.output_axons, "synapse_bytes": c.synapse_bits // 8,
                 "memory_bytes": c.memory_bits(p) // 8,
                 "neuron_utilization": c.neurons / p.neurons_per_core,
                 "memory_utilization": c.memory_bits(p) / p.core_memory_bits}
                for c in self.cores]

    def with_traffic(self, events: dict[str, np.ndarray]) -> ResourceReport:
        """This report with the messages per inference that cross chip boundaries, from
        `events[name]`: mean events per inference of each neuron of population `name`. A
        neuron's event is one message to every core of each target population (one output
        axon per target core); it crosses when that core is on another chip."""
        return replace(self, inter_chip_messages=self.messages_between_chips(events))

    def messages_between_chips(self, events: dict[str, np.ndarray]) -> float:
        by_group: dict[str, list[CoreAllocation]] = {}
        for c in self.cores:
            by_group.setdefault(c.group, []).append(c)
        total = 0.0
        for proj in self.graph.projections:
            if proj.source == HOST or proj.source not in events:
                continue
            rates = np.broadcast_to(np.asarray(events[proj.source], np.float64),
                                    (proj.shape[1],))
            for src in by_group[proj.source]:
                emitted = float(rates[src.start:src.start + src.neurons].sum())
                crossing = sum(1 for dst in by_group[proj.dest] if dst.chip != src.chip)
                total += emitted * crossing
        return total

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.profile.name, "chips": self.profile.chips,
                "chips_used": self.chips_used, "cores_used": self.num_cores,
                "cores_available": self.profile.cores, "utilization": self.utilization,
                "neurons": self.neurons, "synapses": self.synapses,
                "populations": self.populations(),
                "projections": [p.to_dict() for p in self.graph.projections],
                "synaptic_ops_per_inference": self.synaptic_ops,
                "inter_chip_messages_per_inference": self.inter_chip_messages,
                "cores": self.core_rows(), "notes": list(self.notes)}

    def format(self) -> str:
        p = self.profile
        chips = f" on {self.chips_used} of {p.chips} chips" if p.chips > 1 else ""
        lines = [f"target {p.name}: {self.num_cores} of {p.cores} cores{chips} "
                 f"({100 * self.utilization:.1f}%), {self.neurons} neurons, "
                 f"{self.synapses} synapses"]
        if self.synaptic_ops is not None:
            lines.append(f"synaptic operations per inference: {self.synaptic_ops:.0f}")
        if self.inter_chip_messages is not None and p.chips > 1:
            lines.append(f"messages crossing chips per inference: "
                         f"{self.inter_chip_messages:.0f}")
        memory = "memory (shared)" if p.shared_memory else "synapse memory"
        for row in self.core_rows():
            chip = f"chip {row['chip']} " if p.chips > 1 else ""
            lines.append(f"  {chip}core {row['core']:3d}  {row['group']:<10s}"
                         f"{row['neurons']:5d} neurons ({100 * row['neuron_utilization']:5.1f}%)"
                         f"  axons in {row['input_axons']:5d} out {row['output_axons']:5d}"
                         f"  {row['memory_bytes']:7d} B {memory} "
                         f"({100 * row['memory_utilization']:5.1f}%)")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


class _Core:
    """The resources of one core holding m neurons of one population."""

    def __init__(self, graph: Graph, name: str, profile: ChipProfile, cores_of: dict[str, int]):
        self.profile = profile
        self.inputs = [(p.source, p.shape[1]) for p in graph.into(name)]
        self.input_axons = sum(n for _, n in self.inputs)
        self.targets = sum(cores_of[p.dest] for p in graph.out_of(name))

    def usage(self, m: int) -> dict[str, int]:
        p = self.profile
        synapse = self.input_axons * synapse_bits_per_axon(m, p)
        out = m * self.targets
        state = m * p.neuron_state_bits
        routing = self.input_axons * p.input_axon_bits + out * p.output_axon_bits
        memory = synapse + (state + routing if p.shared_memory else 0)
        return {"neurons": m, "output_axons": out, "synapse_bits": synapse,
                "state_bits": state, "routing_bits": routing, "memory_bits": memory}

    def excess(self, m: int) -> str | None:
        """Which limit m ≤ `neurons_per_core` neurons on one core exceed, and by how much; None
        if they fit."""
        p, use = self.profile, self.usage(m)
        if p.max_output_axons is not None and use["output_axons"] > p.max_output_axons:
            return (f"{use['output_axons']} output axons ({m} neurons x {self.targets} target "
                    f"cores) exceed the {p.max_output_axons} per core by "
                    f"{use['output_axons'] - p.max_output_axons}")
        if use["memory_bits"] > p.core_memory_bits:
            what = ("synapses, neuron state and axon routing" if p.shared_memory
                    else "synapses")
            need = -(-use["memory_bits"] // 8)
            return (f"{need} B of {what} exceed the {p.core_memory_bytes} B of memory per core "
                    f"by {need - p.core_memory_bytes} B")
        return None

    def capacity(self, name: str) -> int:
        """The most neurons of this population one core holds; `MappingError` if not one."""
        p = self.profile
        if p.max_input_axons is not None and self.input_axons > p.max_input_axons:
            sources = " + ".join(f"{n} from {s}" for s, n in self.inputs)
            raise MappingError(f"{name}: {self.input_axons} input axons per core ({sources}) "
                               f"exceed the {p.name} limit of {p.max_input_axons} by "
                               f"{self.input_axons - p.max_input_axons}")
        problem = self.excess(1)
        if problem is not None:
            raise MappingError(f"{name}: one neuron with {self.input_axons} input axons does "
                               f"not fit a {p.name} core: {problem}")
        low, high = 1, p.neurons_per_core
        while low < high:
            mid = (low + high + 1) // 2
            if self.excess(mid) is None:
                low = mid
            else:
                high = mid - 1
        return low


def partition(graph: Graph | list[int], profile: ChipProfile | str,
              suggest: bool = True) -> ResourceReport:
    """Place `graph` (or the inference graph of layer sizes) on `profile`'s cores; raise
    `MappingError` if it does not fit."""
    profile = get_profile(profile)
    if not isinstance(graph, Graph):
        try:
            graph = inference_graph(list(graph))
        except ValueError as error:
            raise MappingError(str(error)) from None
    names = [p.name for p in graph.populations]
    cores_of = {name: 1 for name in names}
    while True:  # the counts only grow and are bounded by the sizes: this terminates
        per_core = {name: _Core(graph, name, profile, cores_of).capacity(name) for name in names}
        needed = {name: math.ceil(graph.sizes[name] / per_core[name]) for name in names}
        if needed == cores_of:
            break
        cores_of = needed
    total = sum(cores_of.values())
    if total > profile.cores:
        message = (f"the network needs {total} cores, exceeding the {profile.cores} cores of "
                   f"{profile.name} by {total - profile.cores}")
        raise MappingError(message + (_suggestion(graph, profile) if suggest else ""))
    cores = []
    for name in names:
        core = _Core(graph, name, profile, cores_of)
        size = graph.sizes[name]
        for start in range(0, size, per_core[name]):
            m = min(per_core[name], size - start)
            use = core.usage(m)
            index = len(cores)
            cores.append(CoreAllocation(index, index // profile.cores_per_chip, name, start, m,
                                        m * core.input_axons, core.input_axons,
                                        use["output_axons"], use["synapse_bits"],
                                        use["state_bits"], use["routing_bits"]))
    return ResourceReport(profile, graph, tuple(cores))


def _suggestion(graph: Graph, profile: ChipProfile) -> str:
    """Where a graph refused by a single chip fits: the smallest multi-chip profile of the same
    chip generation."""
    if profile.chips > 1:
        return ""
    boards = sorted((p for p in PROFILES.values() if p.chip == profile.chip and p.chips > 1),
                    key=lambda p: p.chips)
    for board in boards:
        try:
            report = partition(graph, board, suggest=False)
        except MappingError:
            continue
        return (f"; it fits on {board.name} ({report.chips_used} of {board.chips} chips, "
                f"{report.num_cores} cores): --target {board.name}")
    return ""


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
