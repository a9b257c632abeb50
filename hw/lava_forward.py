"""Run a `SpikingNetwork` on Lava: the CPU simulator (`Loihi2SimCfg`) or Loihi 2 (`Loihi2HwCfg`,
see `hw.hardware`). Imported only inside an isolated child process
(`hw.runner.run_isolated("hw.lava_forward:run_forward", ...)`).

Graph (`hw.graph.inference_graph`): RingBuffer source → Dense → LIFReset (integrate-and-fire
networks) or `GradedActivation` (graded activation networks, `network.neuron == "graded"`,
24-bit graded Dense messages) → … → Dense → GradedVec (the output layer's neurons, relaying
their summed input as 24-bit graded spikes) → RingBuffer sink; on the chip, a `PyToNxAdapter`
follows the source and an `NxToPyAdapter` precedes the sink. Lava's GradedVec has only a
fixed-point model, so in floating point the last Dense feeds the sink directly (a CPU-only
graph). Samples are streamed back to back, `steps` steps each. A Dense delays its output by one
step, so hidden layer k sees data index d at time step d + 1 + k; its LIFReset therefore resets
at ``time_step % steps == (1 + k) % steps``. The sink column c holds the output layer's input
for data index c − L, so the run lasts N·steps + L steps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from .spiking import SpikingNetwork


@dataclass
class ForwardGraph:
    denses: list  # Dense processes, layer by layer
    neurons: list  # LIFReset processes of the hidden layers
    sink: Any  # RingBuffer receiving the output layer's input every step
    total: int  # steps to run


def build_forward(network: SpikingNetwork, inputs: np.ndarray, fixed: bool = True,
                  hardware: bool = False) -> ForwardGraph:
    """The process graph streaming `inputs` (steps, B, n_in), as encoded by
    `network.encode`, sample after sample. `hardware` adds Lava's embedded-IO adapters (needs
    the proprietary extension)."""
    from lava.magma.core.process.process import LogConfig
    from lava.proc.dense.process import Dense
    from lava.proc.graded.process import GradedVec
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIFReset
    from lava.utils.weightutils import SignMode

    from .hardware import io_adapters

    steps, depth = network.steps, len(network.layers)
    batch = inputs.shape[1]
    total = batch * steps + depth
    stream = np.zeros((inputs.shape[2], total), dtype=np.int32 if fixed else np.float64)
    stream[:, :batch * steps] = inputs.transpose(2, 1, 0).reshape(inputs.shape[2], -1)
    source = Source(data=stream)
    port = source.s_out
    input_bits = 8 if network.encoding == "graded" else 0
    n_out = network.layers[-1].shape[0]
    if hardware:
        to_chip, to_host = io_adapters((inputs.shape[2],), input_bits, (n_out,), 24)
        port.connect(to_chip.inp)
        port = to_chip.out
    denses, hidden = [], []
    graded = network.neuron == "graded"
    for k, layer in enumerate(network.layers, start=1):
        message_bits = input_bits if k == 1 else 24 if graded else 0
        # the process we run logs at INFO: Lava's runtime reports a failing actor's traceback
        # only at that level (see hw._child)
        logging_options = {"log_config": LogConfig(level=logging.INFO)} if k == 1 else {}
        if fixed:
            dense = Dense(weights=layer.fixed_weights.stored.astype(np.int32),
                          weight_exp=layer.weight_exp, num_weight_bits=8,
                          sign_mode=SignMode.MIXED, num_message_bits=message_bits,
                          **logging_options)
        else:
            dense = Dense(weights=layer.weights, num_message_bits=message_bits,
                          **logging_options)
        denses.append(dense)
        port.connect(dense.s_in)
        if layer.is_output:
            break
        if graded:
            neurons = _graded_neurons(layer, fixed)
        elif fixed:
            neurons = LIFReset(shape=(layer.shape[0],), du=layer.du, dv=layer.dv,
                               bias_mant=layer.fixed_bias.mant, bias_exp=layer.fixed_bias.exp,
                               vth=layer.vth, reset_interval=steps,
                               reset_offset=(1 + k) % steps)
        else:
            neurons = LIFReset(shape=(layer.shape[0],), du=1.0, dv=0.0, bias_mant=layer.bias,
                               vth=1.0, reset_interval=steps, reset_offset=(1 + k) % steps)
        dense.a_out.connect(neurons.a_in)
        hidden.append(neurons)
        port = neurons.s_out
    port = denses[-1].a_out
    if fixed:
        output = GradedVec(shape=(n_out,), vth=0)  # sends its input whenever it is non-zero
        port.connect(output.a_in)
        port = output.s_out
    if hardware:
        port.connect(to_host.inp)
        port = to_host.out
    sink = Sink(shape=(n_out,), buffer=total)
    port.connect(sink.a_in)
    return ForwardGraph(denses, hidden, sink, total)


def run_forward(network: SpikingNetwork, x: np.ndarray, fixed: bool = True,
                hardware: bool = False) -> np.ndarray:
    """The output layer's synaptic input summed over each sample's window, (B, n_out).
    `hardware` runs on Loihi 2 through `Loihi2HwCfg` (needs the proprietary extension)."""
    from lava.magma.core.run_conditions import RunSteps

    from .hardware import run_config

    graph = build_forward(network, network.encode(x, fixed), fixed, hardware)
    config = run_config("loihi" if hardware else "lava", fixed)
    graph.denses[0].run(condition=RunSteps(num_steps=graph.total), run_cfg=config)
    try:
        recorded = np.asarray(graph.sink.data.get())
    finally:
        graph.denses[0].stop()
    steps, depth, batch = network.steps, len(network.layers), len(x)
    per_step = recorded[:, depth:depth + batch * steps]  # (n_out, B·steps)
    summed = per_step.reshape(per_step.shape[0], batch, steps).sum(axis=2).T
    return summed.astype(np.int64) if fixed else summed


def _graded_neurons(layer, fixed: bool):
    from .lava_procs.processes import GradedActivation

    bias = layer.fixed_bias.effective.astype(np.int32) if fixed else layer.bias
    return GradedActivation(shape=(layer.shape[0],), bias=bias, table=layer.table)
