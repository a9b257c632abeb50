"""Physical architectures of the learning channel (THEORY.md section 6): Bidirectional,
Conjoined, Twin, Distinct.

An architecture says how the backward pathways of a channel are built in hardware or tissue:
which pathways it can carry, which symmetries that needs on top of the algorithm's own, and what
it costs in extra synapses and neurons for a given network (population sizes n_0..n_L).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import Channel, ChannelError, Pathway


@dataclass(frozen=True)
class Architecture:
    """Base: `name`, a one-line `description`, and the counting and checking rules."""

    name: str = ""
    description: str = ""

    def can_carry(self, pathway: Pathway) -> bool:
        raise NotImplementedError

    def requires(self) -> frozenset[str]:
        """Symmetries (keys of `SYMMETRIES`) the architecture itself imposes."""
        return frozenset()

    def extra_neurons(self, sizes: list[int], pathways: tuple[Pathway, ...]) -> int:
        return 0

    def extra_synapses(self, sizes: list[int], pathways: tuple[Pathway, ...]) -> int:
        """Backward synapses beyond the forward ones: one per backward matrix entry."""
        return sum(sizes[p.dest] * sizes[p.source] for p in pathways)

    def carries(self, channel: Channel, sizes: tuple[int, ...] = (4, 3, 3, 3, 2)) -> bool:
        """Whether this architecture can carry every backward pathway of `channel` (on a
        network with `sizes`; the default has three hidden layers). Channels without backward
        pathways (local learning, SigProp) need no architecture: False."""
        pathways = channel.pathways(list(sizes))
        return bool(pathways) and all(self.can_carry(p) for p in pathways)

    def check(self, pathways: tuple[Pathway, ...]) -> None:
        for pathway in pathways:
            if not self.can_carry(pathway):
                raise ChannelError(f"the {self.name} architecture cannot carry the pathway "
                                   f"{pathway.source} -> {pathway.dest} ({pathway.matrix}"
                                   f"{', skip' if not pathway.chained else ''}); "
                                   f"{self.description}")

    def cost(self, sizes: list[int], pathways: tuple[Pathway, ...]) -> dict[str, Any]:
        return {"extra_synapses": self.extra_synapses(sizes, pathways),
                "extra_neurons": self.extra_neurons(sizes, pathways),
                "requires": sorted(self.requires())}


@dataclass(frozen=True)
class Bidirectional(Architecture):
    name: str = "bidirectional"
    description: str = ("the forward synapses conduct in reverse: chained pathways through the "
                        "transposed forward weights only, no extra synapses or neurons")

    def can_carry(self, pathway: Pathway) -> bool:
        return pathway.chained and pathway.matrix == "transpose"

    def requires(self) -> frozenset[str]:
        return frozenset({"architecture", "weights", "neurons"})

    def extra_synapses(self, sizes: list[int], pathways: tuple[Pathway, ...]) -> int:
        return 0


@dataclass(frozen=True)
class Conjoined(Architecture):
    name: str = "conjoined"
    description: str = ("a separate backward synapse paired with each forward one, on the same "
                        "neurons: chained pathways of any matrix kind")

    def can_carry(self, pathway: Pathway) -> bool:
        return pathway.chained

    def requires(self) -> frozenset[str]:
        return frozenset({"architecture"})


@dataclass(frozen=True)
class Twin(Architecture):
    name: str = "twin"
    description: str = ("a mirror-image backward network with its own neurons (one twin per "
                        "unit of layers 1..L, one delivery synapse per hidden unit): chained "
                        "pathways of any matrix kind")

    def can_carry(self, pathway: Pathway) -> bool:
        return pathway.chained

    def requires(self) -> frozenset[str]:
        return frozenset({"architecture"})

    def extra_neurons(self, sizes: list[int], pathways: tuple[Pathway, ...]) -> int:
        return sum(sizes[1:])

    def extra_synapses(self, sizes: list[int], pathways: tuple[Pathway, ...]) -> int:
        return super().extra_synapses(sizes, pathways) + sum(sizes[1:-1])


@dataclass(frozen=True)
class Distinct(Architecture):
    name: str = "distinct"
    description: str = ("a backward network of a different architecture, e.g. direct "
                        "output-to-layer connections (SRBP): any non-transposed pathway")

    def can_carry(self, pathway: Pathway) -> bool:
        return not pathway.follows_forward


ARCHITECTURES: dict[str, Architecture] = {
    a.name: a for a in (Bidirectional(), Conjoined(), Twin(), Distinct())
}


def get_architecture(name: str | Architecture) -> Architecture:
    if isinstance(name, Architecture):
        return name
    if name not in ARCHITECTURES:
        raise ChannelError(f"unknown channel architecture {name!r}; known: "
                           f"{', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]
