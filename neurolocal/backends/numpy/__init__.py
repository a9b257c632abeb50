"""The numpy rate simulator, the reference backend (single layers: `layer`; layered networks
trained through a learning channel: `deep`)."""

from __future__ import annotations

from typing import Any

from ...network import Network
from ..base import UnsupportedError, Weights
from .deep import DeepSimulator


class NumpyBackend:
    """Builds a `DeepSimulator` (rate units, float32 by default) for any layered network."""

    name = "numpy"
    unsupported: frozenset[str] = frozenset({"spiking"})
    bytes_per_weight = 16  # W, ΔW, a backward matrix, the last finite checkpoint (float32)

    def build(self, network: Network, weights: Weights | None = None, seed: int = 0,
              spiking: bool = False, **options: Any) -> DeepSimulator:
        if spiking:
            raise UnsupportedError("the numpy backend simulates rate units only; use "
                                   "--backend brian2 for spiking networks")
        return DeepSimulator(network, weights, seed=seed, **options)


backend = NumpyBackend()

__all__ = ["DeepSimulator", "NumpyBackend", "backend"]
