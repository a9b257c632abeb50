"""The graph a deployment builds, as data: neuron populations and the dense projections between
them. `hw.partition` places exactly this graph on cores, and the Lava builders
(`hw.lava_forward`, `hw.lava_learning`) build exactly this graph, so the resource report and
the simulated (or hardware) network cannot drift apart (a test compares them).

The source ``HOST`` is the host (the input stream enters the chip through an input adapter);
it takes no core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HOST = "host"


@dataclass(frozen=True)
class Population:
    """`size` neurons (compartments) that live on cores."""

    name: str
    size: int


@dataclass(frozen=True)
class Projection:
    """A dense projection: every neuron of `source` (or the host) sends to every neuron of `dest`
    through `shape` = (n_dest, n_source) synapses. `port` is the dendritic input it drives
    (``a_in``, or ``third_factor`` for a learning channel's delivery)."""

    source: str
    dest: str
    shape: tuple[int, int]
    role: str = "forward"  # forward, feedback, delivery
    port: str = "a_in"
    matrix: str = "W"
    learned_by: str | None = None

    @property
    def synapses(self) -> int:
        return self.shape[0] * self.shape[1]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "dest": self.dest, "shape": list(self.shape),
                "role": self.role, "port": self.port, "matrix": self.matrix,
                "learned_by": self.learned_by}


@dataclass(frozen=True)
class Graph:
    populations: tuple[Population, ...]
    projections: tuple[Projection, ...] = field(default=())

    def __post_init__(self) -> None:
        names = {p.name for p in self.populations}
        for proj in self.projections:
            if proj.source not in names | {HOST} or proj.dest not in names:
                raise ValueError(f"projection {proj.source} -> {proj.dest} names an unknown "
                                 "population")

    @property
    def sizes(self) -> dict[str, int]:
        return {p.name: p.size for p in self.populations}

    @property
    def neurons(self) -> int:
        return sum(p.size for p in self.populations)

    @property
    def synapses(self) -> int:
        return sum(p.synapses for p in self.projections)

    def into(self, name: str) -> list[Projection]:
        return [p for p in self.projections if p.dest == name]

    def out_of(self, name: str) -> list[Projection]:
        return [p for p in self.projections if p.source == name]

    def extended(self, populations: tuple[Population, ...],
                 projections: tuple[Projection, ...]) -> Graph:
        return Graph(self.populations + populations, self.projections + projections)


def layer_name(k: int) -> str:
    return f"layer {k}"


def inference_graph(sizes: list[int]) -> Graph:
    """The forward network: layer k (k = 1..L) has sizes[k] neurons fed by a dense projection
    from layer k−1 (the host for k = 1). The output layer's neurons relay their summed input
    to the host as graded spikes."""
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        raise ValueError(f"layer sizes must be at least two positive integers, not {sizes}")
    populations = tuple(Population(layer_name(k), int(n)) for k, n in enumerate(sizes[1:], 1))
    projections = tuple(Projection(HOST if k == 1 else layer_name(k - 1), layer_name(k),
                                   (int(sizes[k]), int(sizes[k - 1])), matrix=f"W{k}")
                        for k in range(1, len(sizes)))
    return Graph(populations, projections)
