"""Map a learning channel onto Loihi-style cores: the populations and projections it adds to
the forward network, by architecture (THEORY.md section 6, `neurolocal.channels`), in the
vocabulary of `hw.graph` -- exactly what `hw.lava_learning` builds.

- Bidirectional: refused. A Loihi synapse conducts one way (axon of the presynaptic neuron →
  dendrite of the postsynaptic one); the forward weights cannot carry B back.
- The output layer's neurons are the output error neurons: they compute B^L = T − f(S^L) from
  their input and the target stream and send it; no separate population. A hidden layer's
  neurons compute B^k = f'(S^k)·(their third-factor input) and send it on for a chained
  pathway, so every backward projection starts at the forward neurons of its source layer.
- Conjoined: each backward projection delivers straight into the third-factor input of the
  forward neurons of its destination layer.
- Distinct (e.g. SRBP's direct output → layer k connections): the channel's own error neurons
  ``err_h<k>`` receive the feedback projection C^k and relay B^k one-to-one into layer k's
  third-factor input (a delivery projection, built as a dense n_k × n_k identity).
- Twin: like Distinct (a mirrored relay population per layer), with chained pathways.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ChannelMappingError
from .graph import Graph, Population, Projection, inference_graph, layer_name

BIDIRECTIONAL_REASON = ("Loihi synapses conduct one way (presynaptic axon → postsynaptic "
                        "dendrite), so the forward weights cannot carry the error back; "
                        "use a Conjoined (e.g. rbp) or Distinct (e.g. srbp) channel")


@dataclass(frozen=True)
class ChannelMapping:
    channel: str
    architecture: str
    populations: tuple[Population, ...] = field(default=())
    projections: tuple[Projection, ...] = field(default=())

    @property
    def extra_neurons(self) -> int:
        return sum(p.size for p in self.populations)

    @property
    def extra_synapses(self) -> int:
        return sum(p.synapses for p in self.projections)

    def graph(self, sizes: list[int]) -> Graph:
        """The learning graph: the forward network plus this channel."""
        return inference_graph(sizes).extended(self.populations, self.projections)

    def to_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "architecture": self.architecture,
                "extra_neurons": self.extra_neurons, "extra_synapses": self.extra_synapses,
                "populations": [vars(p) for p in self.populations],
                "projections": [p.to_dict() for p in self.projections]}

    def format(self) -> str:
        lines = [f"channel {self.channel} ({self.architecture}): {self.extra_neurons} error "
                 f"neurons, {self.extra_synapses} backward synapses"]
        lines += [f"  {p.source} -> {p.dest}" + (f" ({p.port})" if p.port != "a_in" else "")
                  + f"  {p.shape[0]}x{p.shape[1]} {p.matrix}"
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
    populations, projections = [], []
    for pathway in channel.pathways(sizes):
        dest, shape = pathway.dest, pathway.shape(sizes)
        source = layer_name(pathway.source)  # layer k's neurons send B^k (the output: B^L)
        if name == "conjoined":
            projections.append(Projection(source, layer_name(dest), shape, "feedback",
                                          "third_factor", pathway.matrix, pathway.learned_by))
            continue
        relay = f"err_h{dest}"
        populations.append(Population(relay, sizes[dest]))
        projections.append(Projection(source, relay, shape, "feedback", "a_in",
                                      pathway.matrix, pathway.learned_by))
        projections.append(Projection(relay, layer_name(dest), (sizes[dest], sizes[dest]),
                                      "delivery", "third_factor", "I"))
    return ChannelMapping(channel.name, name, tuple(populations), tuple(projections))
