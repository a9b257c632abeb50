"""`Brian2Simulator`: the backend's `Simulator` (weights / predict / train) over a rate or
spiking Brian2 model, on the numpy, cython or cpp_standalone code-generation target."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from tqdm import tqdm

from ...channels import output_loss
from ...network import Network
from ..base import (
    EpochRecord,
    TrainingHistory,
    UnsupportedError,
    Weights,
    checked_data,
    checked_weights,
)
from .channel import translate_channel
from .standalone import StandaloneProgram, activate_standalone, release_standalone
from .targets import TARGETS, code_target

DIVERGENCE_LIMIT = 1e6


class Brian2Simulator:
    """A trainable Brian2 instance of `network`.

    The random stream from `seed` is used as the numpy backend uses it (initial weights, then
    the channel's backward matrices, then one permutation per epoch), so the same seed gives the
    same data order and the rate model the same weights within float32 rounding.
    `model.brian2_network` is the underlying `brian2.Network`; `equations()` prints the code.
    """

    def __init__(self, network: Network, weights: Weights | None = None, seed: int = 0,
                 spiking: bool = False, target: str = "numpy", **options: Any):
        if target not in TARGETS:
            raise ValueError(f"unknown Brian2 code-generation target {target!r}; use one of "
                             f"{', '.join(TARGETS)}")
        self.network = network
        self.spiking = spiking
        self.target = target
        self.rng = np.random.default_rng(seed)
        initial = weights if weights is not None else network.init_weights(self.rng, np.float32)
        initial = checked_weights(network, initial)
        as_float32 = [(w.astype(np.float32), b.astype(np.float32)) for w, b in initial]
        pathways = translate_channel(network.channel, network, as_float32, self.rng)
        self.rng.integers(2**31)  # the numpy backend's diagnostic seed: same stream after it
        initial = [(w.astype(np.float64), b.astype(np.float64)) for w, b in initial]
        self._initial = initial
        _quiet_brian2()
        if target == "cpp_standalone":
            activate_standalone()
        with code_target(target):
            if spiking:
                from .spiking import SpikingModel

                self.model = SpikingModel(network, initial, pathways, seed=seed, **options)
            else:
                if options:
                    raise UnsupportedError(f"rate Brian2 models take no options "
                                           f"{', '.join(sorted(options))}")
                from .rate import RateModel

                self.model = RateModel(network, initial, pathways,
                                       standalone=target == "cpp_standalone")
        self._runner = StandaloneProgram(self.model) if target == "cpp_standalone" \
            else self.model

    def close(self) -> None:
        """Release Brian2's process-wide standalone device (cpp_standalone only)."""
        if self.target == "cpp_standalone":
            release_standalone()

    # ----- Simulator protocol --------------------------------------------------------------
    def weights(self) -> Weights:
        if self.target == "cpp_standalone" and not self._runner.values:
            return [(w.copy(), b.copy()) for w, b in self._initial]  # nothing has run yet
        return self.model.weights()

    def predict(self, x: np.ndarray) -> np.ndarray:
        with code_target(self.target):
            x, _ = checked_data(self.network, x)
            return self._runner.run(x, learn=False)

    def train(self, x: np.ndarray, t: np.ndarray, epochs: int, batch_size: int = 1,
              test: tuple[np.ndarray, np.ndarray] | None = None,
              progress: bool = False) -> TrainingHistory:
        """Present a fresh permutation of (x, t) each epoch inside one Brian2 run, learning in
        mini-batches (rate) or online, spike by spike (spiking models ignore `batch_size`);
        records loss and accuracy per epoch."""
        x, t = checked_data(self.network, x, t, np.float64)
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, not {epochs!r}")
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
        if self.spiking:
            batch_size = 1
        if test is not None:
            test = checked_data(self.network, *test, np.float64)
        history = TrainingHistory()
        elapsed = 0.0
        for epoch in tqdm(range(1, epochs + 1), disable=not progress, leave=False,
                          desc="train brian2"):
            order = self.rng.permutation(len(x))
            start = time.perf_counter()
            with code_target(self.target):
                self._runner.run(x[order], t[order], learn=True, batch_size=batch_size)
            elapsed += time.perf_counter() - start
            if not all(np.isfinite(w).all() and np.abs(w).max(initial=0) < DIVERGENCE_LIMIT
                       for w, _ in self.weights()):
                history.diverged_at = epoch
                break
            record = EpochRecord(epoch, *self.evaluate(x, t))
            if test is not None:
                record.test_loss, record.test_accuracy = self.evaluate(*test)
            history.epochs.append(record)
        history.samples_per_second = len(x) * len(history.epochs) / elapsed if elapsed else None
        return history

    # ----- measurement ---------------------------------------------------------------------
    def evaluate(self, x: np.ndarray, t: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) of the current weights on (x, t); accuracy compares argmaxes."""
        out = self.predict(x)
        accuracy = float(np.mean(out.argmax(axis=1) == np.asarray(t).argmax(axis=1)))
        return output_loss(self.network, out, np.asarray(t)), accuracy

    def equations(self) -> str:
        """The generated Brian2 model, synapse and learning code."""
        return self.model.equations()

    @property
    def brian2_network(self):
        """The underlying `brian2.Network`, to inspect or extend."""
        return self.model.brian2_network




def _quiet_brian2() -> None:
    """Silence Brian2's warning about objects never run (simulators that only got built)."""
    from brian2.utils.logger import BrianLogger

    BrianLogger.suppress_name("unused_brian_object")

