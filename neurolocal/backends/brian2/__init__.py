"""The Brian2 backend: local rules as Brian2 plasticity code, on rate and spiking neurons, with
the learning channel as real Brian2 synapses (see docs/brian2.md).

``get_backend("brian2").build(network, spiking=False, target="numpy")`` returns a
`Brian2Simulator`; `compile_rule(rule)` shows the code generated for one rule.
"""

from __future__ import annotations

import os
from typing import Any

from ...network import Network
from ..base import UnsupportedError, Weights
from .codegen import Brian2Rule, compile_rule
from .simulator import Brian2Simulator
from .targets import TARGETS


class Brian2Backend:
    """Builds a `Brian2Simulator`; options: ``spiking`` (LIF, ALIF or CubaLIF units with
    traces), ``target``
    (one of TARGETS; default from the environment variable NEUROLOCAL_BRIAN2_TARGET, else
    numpy) and, for spiking models, the `SpikingParameters` fields."""

    name = "brian2"
    unsupported: frozenset[str] = frozenset({
        "redrawn_feedback",  # matrices redrawn every minibatch, feedback dropout
        "deep_targets",  # channels that deliver targets to hidden layers
        "quantization_aware",  # training for a chip's fixed-point formats
    })
    bytes_per_weight = 96  # a synapse's indices, w, accumulators and Brian2's bookkeeping

    def build(self, network: Network, weights: Weights | None = None, seed: int = 0,
              spiking: bool = False, target: str | None = None,
              **options: Any) -> Brian2Simulator:
        if options.pop("quantizer", None) is not None:
            raise UnsupportedError("the Brian2 backend cannot train for a chip's fixed-point "
                                   "formats (quantization-aware); use --backend numpy")
        target = target or os.environ.get("NEUROLOCAL_BRIAN2_TARGET", "numpy")
        return Brian2Simulator(network, weights, seed=seed, spiking=spiking, target=target,
                               **options)


backend = Brian2Backend()

__all__ = ["TARGETS", "Brian2Backend", "Brian2Rule", "Brian2Simulator", "backend",
           "compile_rule"]
