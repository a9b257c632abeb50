"""Runs in an isolated child (see test_hw_emulator.py, test_hw_partition.py): records Lava's
per-step state, and describes the process graphs the Lava builders construct. Not a test
module."""

from __future__ import annotations

import numpy as np


def trace(cases: list) -> list[dict]:
    """For each (network, inputs (steps, 1, n_in)): run `hw.lava_forward`'s fixed-point graph
    one step at a time and record every hidden layer's u, v (total, n_k) and spikes
    (total, n_k) after each Lava time step, and what the output neurons sent (total, n_out)."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.proc.io.sink import RingBuffer as Sink

    from hw.hardware import run_config
    from hw.lava_forward import build_forward

    out = []
    for network, inputs in cases:
        graph = build_forward(network, inputs, fixed=True)
        sinks = []
        for neurons in graph.neurons:
            sink = Sink(shape=neurons.s_out.shape, buffer=graph.total)
            neurons.s_out.connect(sink.a_in)
            sinks.append(sink)
        u = [[] for _ in graph.neurons]
        v = [[] for _ in graph.neurons]
        config = run_config("lava", fixed=True)
        try:
            for _ in range(graph.total):
                graph.denses[0].run(condition=RunSteps(num_steps=1), run_cfg=config)
                for k, neurons in enumerate(graph.neurons):
                    u[k].append(np.asarray(neurons.u.get()).astype(np.int64))
                    v[k].append(np.asarray(neurons.v.get()).astype(np.int64))
            spikes = [np.asarray(s.data.get()).T.astype(bool) for s in sinks]
            output = np.asarray(graph.sink.data.get()).T.astype(np.int64)
        finally:
            graph.denses[0].stop()
        out.append({"u": [np.array(x) for x in u], "v": [np.array(x) for x in v],
                    "spikes": spikes, "output": output})
    return out


class _Captured(Exception):
    pass


def _describe(start) -> dict:
    """Neuron populations (class, size) and dense projections (source size or 'host', dest
    size, dest port, weight shape) of the graph connected to `start`."""
    from lava.magma.compiler.compiler_graphs import find_processes
    from lava.proc.dense.process import Dense, LearningDense
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    processes = find_processes(start)
    host = (Source, Sink)
    populations = sorted((type(p).__name__, int(np.prod(p.proc_params["shape"])))
                         for p in processes if not isinstance(p, (Dense, LearningDense, *host)))
    projections = []
    for p in processes:
        if not isinstance(p, (Dense, LearningDense)):
            continue
        (src,) = [c.process for c in p.s_in.in_connections]
        source = "host" if isinstance(src, host) else int(np.prod(src.proc_params["shape"]))
        for dest in p.a_out.out_connections:
            port = "third_factor" if dest.name == "a_third_factor_in" else dest.name
            size = "host" if isinstance(dest.process, host) else \
                int(np.prod(dest.process.proc_params["shape"]))
            projections.append((source, size, port, tuple(p.weights.shape)))
    return {"populations": populations, "projections": sorted(projections, key=str)}


def graphs(networks, x, plans, targets) -> dict:
    """The graphs `hw.lava_forward.build_forward` (fixed point, for each network) and
    `hw.lava_learning.run_learning` (for each (plan, weights)) build, described without running
    them; the run configurations `hw.hardware.run_config` selects; what building the hardware
    graph says without the Loihi extension."""
    from lava.magma.core.process.process import AbstractProcess

    from hw import hardware
    from hw.errors import HardwareUnavailableError
    from hw.lava_forward import build_forward
    from hw.lava_learning import run_learning

    described = {"forward": [_describe(build_forward(n, n.encode(x, True), fixed=True).denses[0])
                             for n in networks]}
    try:
        build_forward(networks[0], networks[0].encode(x, True), fixed=True, hardware=True)
    except HardwareUnavailableError as error:
        described["hardware_build"] = str(error)
    configs = {"lava fixed": hardware.run_config("lava", True),
               "lava float": hardware.run_config("lava", False)}
    hardware.hardware_available = lambda: True  # as if lava-loihi were installed
    configs["loihi fixed"] = hardware.run_config("loihi", True)
    described["configs"] = {key: (type(c).__name__, c.select_tag)
                            for key, c in configs.items()}

    def capture(self, *args, **kwargs):
        raise _Captured(self)

    AbstractProcess.run = capture
    described["learning"] = []
    for plan, weights in plans:
        try:
            run_learning(plan, x, targets, weights)
        except _Captured as captured:
            described["learning"].append(_describe(captured.args[0]))
    return described
