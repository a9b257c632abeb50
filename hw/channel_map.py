"""Map a learning channel onto Loihi-style cores: which error populations and backward
projections it needs, by architecture (THEORY.md section 6, `neurolocal.channels`).

- Bidirectional: refused. A Loihi synapse conducts one way (axon of the presynaptic neuron →
  dendrite of the postsynaptic one); the forward weights cannot carry B back.
- Conjoined: one backward projection paired with each forward one, delivering into the
  third-factor input of the same (forward) neurons; only the output error neurons are extra.
- Distinct: its own error neurons per hidden layer and its own feedback projections, e.g. SRBP's
  direct output → layer connections.
- Twin: like Distinct, with a mirrored error population for every layer (chained pathways).

Every channel that delivers feedback also gets the output error neurons ``err_out`` computing
B^L = T − O^L from the output and the target stream. The mapping is data: `hw.partition` places
its populations, the Lava builder turns its projections into `Dense` processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ChannelMappingError

BIDIRECTIONAL_REASON = ("Loihi synapses conduct one way (presynaptic axon → postsynaptic "
                        "dendrite), so the forward weights cannot carry the error back; "
                        "use a Conjoined (e.g. rbp) or Distinct (e.g. srbp) channel")


@dataclass(frozen=True)
class ErrorPopulation:
    name: str
    layer: int  # the forward layer whose B it holds
    size: int
    fan_in: int  # synapses into one of its neurons


@dataclass(frozen=True)
class BackwardProjection:
    source: str  # population name sending B^source
    dest: str  # error population, or "third_factor:h<k>" for conjoined delivery
    shape: tuple[int, int]  # (n_dest, n_source)
    matrix: str  # the channel pathway's matrix kind
    learned_by: str | None = None


@dataclass(frozen=True)
class ChannelMapping:
    channel: str
    architecture: str
    populations: tuple[ErrorPopulation, ...] = field(default=())
    projections: tuple[BackwardProjection, ...] = field(default=())

    @property
    def extra_neurons(self) -> int:
        return sum(p.size for p in self.populations)

    @property
    def extra_synapses(self) -> int:
        return sum(p.shape[0] * p.shape[1] for p in self.projections)

    def partition_groups(self) -> tuple[tuple[str, int, int], ...]:
        """(name, size, fan-in) of the extra populations, for `hw.partition.partition`."""
        return tuple((p.name, p.size, p.fan_in) for p in self.populations)

    def extra_fan_in(self) -> dict[int, int]:
        """Backward synapses a Conjoined channel adds to forward layer k's neurons."""
        extra: dict[int, int] = {}
        for p in self.projections:
            if p.dest.startswith("third_factor:h"):
                layer = int(p.dest.removeprefix("third_factor:h"))
                extra[layer] = extra.get(layer, 0) + p.shape[1]
        return extra

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "architecture": self.architecture,
                "extra_neurons": self.extra_neurons, "extra_synapses": self.extra_synapses,
                "populations": [vars(p) for p in self.populations],
                "projections": [{**vars(p), "shape": list(p.shape)} for p in self.projections]}

    def format(self) -> str:
        lines = [f"channel {self.channel} ({self.architecture}): {self.extra_neurons} error "
                 f"neurons, {self.extra_synapses} backward synapses"]
        lines += [f"  {p.source} -> {p.dest}  {p.shape[0]}x{p.shape[1]} {p.matrix}"
                  + (f", learned by {p.learned_by}" if p.learned_by else "")
                  for p in self.projections]
        return "\n".join(lines)


def map_channel(channel: Any, sizes: list[int]) -> ChannelMapping | None:
    """The hardware plan of `channel` (a `neurolocal.channels.Channel`) for population sizes
    `sizes`; None when there is no channel. Raises `ChannelMappingError` for what cores cannot
    do."""
    if channel is None or channel.delivers is None:
        return None
    if channel.delivers != "feedback":
        raise ChannelMappingError(f"channel {channel.name!r} delivers {channel.delivers}; the "
                                  "hardware layer maps channels that deliver feedback B_i")
    architecture = getattr(channel, "architecture", None)
    if architecture is None:
        raise ChannelMappingError(f"channel {channel.name!r} has no backward-pathway "
                                  "architecture (its signal is not carried by backward "
                                  "projections); the hardware layer maps feedback channels "
                                  "such as rbp and srbp")
    name = architecture.name
    if name == "bidirectional":
        raise ChannelMappingError(f"channel {channel.name!r} is Bidirectional: "
                                  f"{BIDIRECTIONAL_REASON}")
    top = len(sizes) - 1
    populations = [ErrorPopulation("err_out", top, sizes[top], 2)]  # output and target
    projections = []
    names = {top: "err_out"}
    for pathway in channel.pathways(sizes):
        dest = pathway.dest
        if name == "conjoined":
            target = f"third_factor:h{dest}"
        else:
            target = f"err_h{dest}"
            populations.append(ErrorPopulation(target, dest, sizes[dest],
                                               sizes[pathway.source] + 1))
        names[dest] = target
        projections.append(BackwardProjection(names[pathway.source], target,
                                              pathway.shape(sizes), pathway.matrix,
                                              pathway.learned_by))
    return ChannelMapping(channel.name, name, tuple(populations), tuple(projections))
