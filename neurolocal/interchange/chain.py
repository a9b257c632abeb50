"""A NIR graph as a layered chain: Input → (Affine | Linear, neuron) … → Output.

Each `Stage` is one projection: a weight matrix W (n_post, n_pre), a bias b (zeros for Linear),
the neuron layer it drives (None: the projection feeds the Output node directly) and a per-unit
output delay. Scale nodes fold into the adjacent weights (before an Affine: W·diag(s); between an
Affine and its neuron: diag(s)·W, s⊙b); Delay nodes after a projection or its neuron become the
stage's output delay (the same thing for a time-invariant layer starting from rest). Anything
else (convolutions, branches, recurrence, subgraphs) is refused with a one-line error naming the
node and its type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import nir
import numpy as np

from ..errors import UserError
from .neurons import NEURON_TYPES, Neuron, NeuronError, node_vector

SUPPORTED = ("Input", "Output", "Affine", "Linear", "Scale", "Delay", *NEURON_TYPES)


class NIRImportError(UserError):
    """A NIR graph neurolocal cannot import; the message names the node and its type."""


@dataclass
class Stage:
    """One projection of the chain and the neurons it drives."""

    weight: np.ndarray  # (n_post, n_pre)
    bias: np.ndarray  # (n_post,)
    neuron: Neuron | None = None
    delay: np.ndarray | None = None  # output delay per unit, in NIR time units
    names: dict[str, str] = field(default_factory=dict)  # role → node name in the graph
    has_bias: bool = True

    @property
    def size(self) -> int:
        return self.weight.shape[0]


def _describe(name: str, node: Any) -> str:
    return f"node {name!r} ({type(node).__name__})"


def walk(graph: nir.NIRGraph) -> list[tuple[str, nir.NIRNode]]:
    """The nodes of a single path from the Input to the Output node, in order."""
    for name, node in graph.nodes.items():
        if type(node).__name__ not in SUPPORTED:
            raise NIRImportError(f"{_describe(name, node)} is not supported: neurolocal imports "
                                 f"feed-forward chains of {', '.join(SUPPORTED)}")
    inputs = [n for n, node in graph.nodes.items() if isinstance(node, nir.Input)]
    outputs = [n for n, node in graph.nodes.items() if isinstance(node, nir.Output)]
    if len(inputs) != 1 or len(outputs) != 1:
        raise NIRImportError(f"the graph has {len(inputs)} Input and {len(outputs)} Output "
                             "nodes; neurolocal imports chains with one of each")
    successors: dict[str, list[str]] = {name: [] for name in graph.nodes}
    indegree = dict.fromkeys(graph.nodes, 0)
    for pre, post in graph.edges:
        successors[pre].append(post)
        indegree[post] += 1
    for name, node in graph.nodes.items():
        if len(successors[name]) > 1 or indegree[name] > 1:
            raise NIRImportError(f"{_describe(name, node)} has {indegree[name]} inputs and "
                                 f"{len(successors[name])} outputs: only chains are supported")
    path, name = [], inputs[0]
    while True:
        path.append((name, graph.nodes[name]))
        if name == outputs[0]:
            break
        if not successors[name]:
            raise NIRImportError(f"{_describe(name, graph.nodes[name])} does not lead to the "
                                 "Output node")
        name = successors[name][0]
        if any(name == seen for seen, _ in path):
            raise NIRImportError(f"{_describe(name, graph.nodes[name])} closes a loop: "
                                 "recurrent graphs are not supported")
    if len(path) != len(graph.nodes):
        stray = next(n for n in graph.nodes if n not in dict(path))
        raise NIRImportError(f"{_describe(stray, graph.nodes[stray])} is not on the path from "
                             "Input to Output")
    return path


def _vector(name: str, node: nir.NIRNode, key: str, size: int) -> np.ndarray:
    try:
        return node_vector(name, node, key, size)
    except NeuronError as error:
        raise NIRImportError(str(error)) from None


def chain_from_graph(graph: nir.NIRGraph) -> list[Stage]:
    """The stages of `graph`; raise NIRImportError naming the first node that does not fit."""
    path = walk(graph)
    name, node = path[0]
    shape = np.atleast_1d(np.asarray(node.input_type["input"]))
    if shape.size > 1 and (shape > 1).sum() <= 1:  # e.g. (1, n), as some writers record it
        shape = np.array([shape.prod()])
    if shape.size != 1:
        raise NIRImportError(f"{_describe(name, node)} has shape {shape.tolist()}; neurolocal "
                             "imports flat (1-D) inputs")
    width = int(shape[0])
    stages: list[Stage] = []
    pending_scale = np.ones(width)
    for name, node in path[1:-1]:
        kind = type(node).__name__
        current = stages[-1] if stages else None
        if kind in ("Affine", "Linear"):
            if current is not None and current.neuron is None:
                raise NIRImportError(f"{_describe(name, node)} follows another projection "
                                     "without neurons in between")
            w = np.asarray(node.weight)
            if w.ndim != 2 or w.shape[1] != width:
                raise NIRImportError(f"{_describe(name, node)}: weight of shape {w.shape}, "
                                     f"expected (n, {width})")
            b = np.asarray(node.bias) if kind == "Affine" else np.zeros(w.shape[0], w.dtype)
            if b.shape != (w.shape[0],):
                raise NIRImportError(f"{_describe(name, node)}: bias of shape {b.shape}")
            if not np.all(pending_scale == 1):
                w = (w * pending_scale[None, :]).astype(w.dtype)
            stages.append(Stage(w, b, names={"projection": name}, has_bias=kind == "Affine"))
            width, pending_scale = w.shape[0], np.ones(w.shape[0])
        elif current is None and kind != "Scale":
            raise NIRImportError(f"{_describe(name, node)} comes before the first projection")
        elif kind == "Scale":
            s = _vector(name, node, "scale", width)
            if current is None or current.neuron is not None:
                pending_scale = pending_scale * s
            else:
                current.weight = (s[:, None] * current.weight).astype(current.weight.dtype)
                current.bias = (s * current.bias).astype(current.bias.dtype)
        elif kind == "Delay":
            d = _vector(name, node, "delay", width)
            if (d < 0).any():
                raise NIRImportError(f"{_describe(name, node)}: negative delay")
            current.delay = d if current.delay is None else current.delay + d
        else:
            if current.neuron is not None:
                raise NIRImportError(f"{_describe(name, node)} follows another neuron layer "
                                     "without a projection in between")
            try:
                current.neuron = Neuron.from_node(name, node, width)
            except NeuronError as error:
                raise NIRImportError(str(error)) from None
            current.names["neuron"] = name
    if not stages:
        raise NIRImportError("the graph has no Affine or Linear projection")
    if not np.all(pending_scale == 1):
        raise NIRImportError(f"a Scale node after the last neuron layer "
                             f"{stages[-1].names.get('neuron')!r} cannot be folded")
    return stages


def graph_from_chain(stages: list[Stage], metadata: dict[str, Any] | None = None
                     ) -> nir.NIRGraph:
    """A NIR graph of standard nodes: input, fc1, if1 (lif1, …), fc2, …, output (delays as
    Delay nodes); records each stage's node names in `Stage.names`."""
    nodes: dict[str, nir.NIRNode] = {"input": nir.Input(input_type={
        "input": np.array([stages[0].weight.shape[1]])})}
    for h, stage in enumerate(stages, start=1):
        names = {"projection": f"fc{h}"}
        nodes[names["projection"]] = nir.Affine(stage.weight, stage.bias) if stage.has_bias \
            else nir.Linear(stage.weight)
        if stage.neuron is not None:
            names["neuron"] = f"{stage.neuron.kind.lower()}{h}"
            nodes[names["neuron"]] = stage.neuron.to_node()
        if stage.delay is not None and np.any(stage.delay):
            nodes[f"delay{h}"] = nir.Delay(np.asarray(stage.delay, np.float64))
        stage.names = names
    nodes["output"] = nir.Output(output_type={"output": np.array([stages[-1].size])})
    keys = list(nodes)
    return nir.NIRGraph(nodes, list(zip(keys, keys[1:])), metadata=dict(metadata or {}))
