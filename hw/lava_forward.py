"""Run a `SpikingNetwork` on Lava's CPU simulator (`Loihi2SimCfg`). Imported only inside an
isolated child process (`hw.runner.run_isolated("hw.lava_forward:run_forward", ...)`).

Graph: RingBuffer source → Dense → LIFReset → … → Dense → RingBuffer sink (graded activation
networks, `network.neuron == "graded"`: `GradedActivation` neurons and graded Dense messages).
Samples are streamed back to back, `steps` steps each. A Dense delays its output by one step, so
hidden layer k sees data index d at time step d + 1 + k; its LIFReset therefore resets at
``time_step % steps == (1 + k) % steps``. The sink column c holds the output layer's input for
data index c − L, so the run lasts N·steps + L steps.
"""

from __future__ import annotations

import logging

import numpy as np

from .graded import GradedLayer, GradedNetwork
from .spiking import SpikingNetwork


def run_forward(network: SpikingNetwork | GradedNetwork, x: np.ndarray, fixed: bool = True,
                hardware: bool = False) -> np.ndarray:
    """The output layer's synaptic input summed over each sample's window, (B, n_out).
    `hardware` runs on Loihi 2 through `Loihi2HwCfg` (needs the proprietary extension)."""
    from lava.magma.core.process.process import LogConfig
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2HwCfg, Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIFReset
    from lava.utils.weightutils import SignMode

    steps, depth = network.steps, len(network.layers)
    inputs = network.encode(x, fixed)  # (steps, B, n_in)
    batch = inputs.shape[1]
    total = batch * steps + depth
    stream = np.zeros((inputs.shape[2], total), dtype=np.int32 if fixed else np.float64)
    stream[:, :batch * steps] = inputs.transpose(2, 1, 0).reshape(inputs.shape[2], -1)
    source = Source(data=stream)
    port = source.s_out
    denses = []
    graded = network.neuron == "graded"
    for k, layer in enumerate(network.layers, start=1):
        message_bits = 24 if graded and k > 1 else \
            8 if (k == 1 and network.encoding == "graded") else 0
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
            sink = Sink(shape=(layer.shape[0],), buffer=total)
            dense.a_out.connect(sink.a_in)
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
        port = neurons.s_out
    config = Loihi2HwCfg() if hardware else \
        Loihi2SimCfg(select_tag="fixed_pt" if fixed else "floating_pt")
    denses[0].run(condition=RunSteps(num_steps=total), run_cfg=config)
    try:
        recorded = np.asarray(sink.data.get())
    finally:
        denses[0].stop()
    per_step = recorded[:, depth:depth + batch * steps]  # (n_out, B·steps)
    summed = per_step.reshape(per_step.shape[0], batch, steps).sum(axis=2).T
    return summed.astype(np.int64) if fixed else summed


def _graded_neurons(layer: GradedLayer, fixed: bool):
    from .lava_procs.processes import GradedActivation

    bias = layer.fixed_bias.effective.astype(np.int32) if fixed else layer.bias
    return GradedActivation(shape=(layer.shape[0],), bias=bias, table=layer.table)
