"""The converted spiking network (`hw.spiking.SpikingNetwork`) as a NIR graph of standard nodes.

One NIR time unit is one chip step. Hidden layer k is Affine(W'_k, b'_k) + IF(R = 1, v_th = 1,
v_reset = 0): per step v ← v + W'_k s + b'_k, a spike when v > 1, then v = 0, which is the
float emulator's neuron (du = 4095: u is this step's input; dv = 0: no leak). The output
projection goes straight into the Output node with weights and bias scaled by the output
normalization λ_L, so the Output signal summed over the window and divided by the number of
steps is `SpikingNetwork.decode` (float). Inputs are the encoded spikes (rate encoding) or graded
values of `SpikingNetwork.encode`, one impulse per step. Fixed-point rounding is not exported:
the graph is the float conversion (its weights before quantization).
"""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np

from neurolocal.data import Dataset
from neurolocal.interchange import Neuron, Stage, graph_from_chain
from neurolocal.io import Model

from .deploy import transfers_of
from .profiles import ChipProfile
from .spiking import SpikingNetwork, convert


def to_nir(network: SpikingNetwork) -> nir.NIRGraph:
    """The float conversion as Input → (Affine, IF)… → Affine → Output; metadata: encoding,
    steps per sample, dt = 1 (one chip step)."""
    stages = []
    for layer in network.layers:
        n = layer.shape[0]
        if layer.is_output:
            scale = layer.normalization
            stages.append(Stage(layer.weights * scale, layer.bias * scale))
        else:
            neuron = Neuron("IF", {"r": np.ones(n), "v_threshold": np.ones(n),
                                   "v_reset": np.zeros(n)})
            stages.append(Stage(layer.weights, layer.bias, neuron))
    return graph_from_chain(stages, {"source": "neurolocal hw", "encoding": network.encoding,
                                     "steps": network.steps, "dt": 1.0})


def write_converted(path: str | Path, model: Model, data: Dataset, profile: ChipProfile,
                    encoding: str = "rate", steps: int = 32, calibration: int = 500) -> Path:
    """Convert `model` as `hw.deploy` does (normalized on the first `calibration` training
    samples) and write the spiking network to `path` as NIR."""
    spiking = convert(model.weights, transfers_of(model.network),
                      data.x_train[:calibration], profile, encoding=encoding, steps=steps)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nir.write(path, to_nir(spiking))
    return path
