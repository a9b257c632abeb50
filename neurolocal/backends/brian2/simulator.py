"""`Brian2Simulator`: the backend's `Simulator` (weights / predict / train) over a rate or
spiking Brian2 model, on the numpy, cython or cpp_standalone code-generation target."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from tqdm import tqdm

from ...channels import backprop_signals, forward_pass, score_outputs
from ...channels.base import forward_product
from ...errors import UserError
from ...network import Network
from ..base import (
    EpochRecord,
    TrainingHistory,
    UnsupportedError,
    Weights,
    checked_data,
    checked_schedule,
    checked_weights,
)
from ..numpy.deep import DIAGNOSTIC_SAMPLES, angle
from .channel import translate_channel
from .standalone import StandaloneProgram, activate_standalone, release_standalone
from .targets import TARGETS, code_target

#: Most batch copies a spiking model takes (each adds events and pathways to compile).
MAX_COPIES = 64


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
            raise UserError(f"unknown Brian2 code-generation target {target!r}; use one of "
                            f"{', '.join(TARGETS)}")
        self.network = network
        self.spiking = spiking
        self.target = target
        self.rng = np.random.default_rng(seed)
        initial = weights if weights is not None else network.init_weights(self.rng, np.float32)
        initial = checked_weights(network, initial)
        as_float32 = [(w.astype(np.float32), b.astype(np.float32)) for w, b in initial]
        pathways, signals = translate_channel(network.channel, network, as_float32, self.rng)
        self.rng.integers(2**31)  # the numpy backend's diagnostic seed: same stream after it
        initial = [(w.astype(np.float64), b.astype(np.float64)) for w, b in initial]
        self._initial = initial
        self._build_args = (pathways, signals, seed, options)
        _quiet_brian2()
        self._build_model()

    def _build_model(self, copies: int = 1) -> None:
        """The Brian2 model (and, for cpp_standalone, its program) from the initial weights;
        spiking: with `copies` samples side by side (the training batch size)."""
        pathways, signals, seed, options = self._build_args
        if self.target == "cpp_standalone":
            activate_standalone()
        with code_target(self.target):
            if self.spiking:
                from .spiking import SpikingModel

                self.model = SpikingModel(self.network, self._initial, pathways, seed=seed,
                                          copies=copies, signals=signals, **options)
            else:
                if options:
                    raise UnsupportedError(f"rate Brian2 models take no options "
                                           f"{', '.join(sorted(options))}")
                from .rate import RateModel

                self.model = RateModel(self.network, self._initial, pathways,
                                       standalone=self.target == "cpp_standalone",
                                       signals=signals)
        self._runner = StandaloneProgram(self.model) if self.target == "cpp_standalone" \
            else self.model

    def _live(self):
        """The runner, rebuilt first when a newer cpp_standalone model took Brian2's
        process-wide device: same code, so the compiled program is reused; the learned state
        carries over."""
        if self.target == "cpp_standalone" and not self._runner.is_live():
            old = self._runner
            self._build_model(self.model.copies.count)
            self._runner.resume(old)
        return self._runner

    def _batch_copies(self, batch_size: int, samples: int) -> None:
        """Spiking: rebuild the model with `batch_size` copies (one per sample of a batch)
        when it has another number, continuing from the learned state."""
        if batch_size == self.model.copies.count:
            return
        if batch_size > MAX_COPIES:
            raise UserError(f"spiking batch_size {batch_size} is above {MAX_COPIES} (each "
                            "sample of a batch is a copy of the network's state and events)")
        if batch_size > samples:
            raise UserError(f"spiking batch_size {batch_size} is larger than the {samples} "
                            "training samples")
        state = self._live().snapshot()
        self._build_model(batch_size)
        if state:
            self._runner.restore(state)

    def close(self) -> None:
        """Release Brian2's process-wide standalone device (cpp_standalone only; one
        standalone model is live per process, a newer one releases the older)."""
        if self.target == "cpp_standalone" and self._runner.is_live():
            release_standalone()

    # ----- Simulator protocol --------------------------------------------------------------
    def weights(self) -> Weights:
        if self.target == "cpp_standalone":
            if not self._runner.values:
                return [(w.copy(), b.copy()) for w, b in self._initial]  # nothing has run yet
            return self.model.weights(self._runner.values)
        return self.model.weights()

    def predict(self, x: np.ndarray) -> np.ndarray:
        with code_target(self.target):
            x, _ = checked_data(self.network, x)
            return self._live().run(x, learn=False)

    def train(self, x: np.ndarray, t: np.ndarray, epochs: int, batch_size: int = 1,
              test: tuple[np.ndarray, np.ndarray] | None = None,
              progress: bool = False, diagnostics: bool | None = None,
              eval_train: bool = False) -> TrainingHistory:
        """Present a fresh permutation of (x, t) each epoch inside one Brian2 run, learning in
        mini-batches (spiking: `batch_size` copies of the network side by side, their summed
        changes applied as the batch mean at each batch end; batch 1 learns online, spike by
        spike);
        records loss and accuracy per epoch, and alignment angles in `extra` when
        `diagnostics` (default: when the channel delivers feedback; one extra run per epoch).
        `progress`: bars over epochs and over simulated time (off when not a terminal).
        Train loss and accuracy are running metrics (the outputs of the training run itself,
        as the numpy backend reports them), or with `eval_train` a full pass with the epoch's
        final weights."""
        x, t = checked_data(self.network, x, t, np.float64)
        checked_schedule(epochs, batch_size)
        if self.spiking:
            self._batch_copies(int(batch_size), len(x))
        if test is not None:
            test = checked_data(self.network, *test, np.float64)
        if diagnostics is None:
            channel = self.network.channel
            diagnostics = channel is not None and channel.delivers == "feedback"
        history = TrainingHistory.starting_from(self.weights())
        elapsed = 0.0
        bars = None if progress else True  # tqdm: None = on for terminals only
        for epoch in tqdm(range(1, epochs + 1), disable=bars, leave=False,
                          desc="train brian2"):
            order = self.rng.permutation(len(x))
            start = time.perf_counter()
            with code_target(self.target), simulated_time_bar(self.model, bars,
                                                              f"epoch {epoch}"):
                seen = self._live().run(x[order], t[order], learn=True,
                                        batch_size=batch_size)
            elapsed += time.perf_counter() - start
            with np.errstate(over="ignore", invalid="ignore"):
                loss, accuracy = self.score(seen, t[order])
            if history.stop_if_diverged(epoch, self.weights(), loss):
                break
            with np.errstate(over="ignore", invalid="ignore"):
                record = EpochRecord(epoch, *(self.evaluate(x, t) if eval_train
                                              else (loss, accuracy)))
                if test is not None:
                    record.test_loss, record.test_accuracy = self.evaluate(*test)
            if diagnostics:
                record.extra.update(self.alignment(x[:DIAGNOSTIC_SAMPLES],
                                                   t[:DIAGNOSTIC_SAMPLES]))
            history.epochs.append(record)
        history.samples_per_second = len(x) * len(history.epochs) / elapsed if elapsed else None
        return history

    # ----- measurement ---------------------------------------------------------------------
    def evaluate(self, x: np.ndarray, t: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) of the current weights on (x, t), as `channels.score_outputs`."""
        return self.score(self.predict(x), t)

    def score(self, out: np.ndarray, t: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) of outputs `out` against targets t (`channels.score_outputs`)."""
        return score_outputs(self.network, out, t)

    def alignment(self, x: np.ndarray, t: np.ndarray) -> dict[str, list[float | None]]:
        """Angles in degrees, as the numpy backend records them. `update_angle` per
        projection: between the change the Brian2 model makes on (x, t) in one batch
        (spiking: over the samples at η/|x|, in slots of the training batch's copies),
        measured and then undone, and the rate network's gradient step −∂E/∂W at the same
        weights; `feedback_angle` per hidden layer: between the
        backward matrix in the Brian2 synapses and (W^{h+1})ᵀ···(W^src)ᵀ."""
        weights = self.weights()
        self._live()
        backward = self.model.backward_matrices()
        feedback_angle: list[float | None] = [None] * (self.network.depth - 1)
        channel = self.network.channel
        pathways = channel.pathways(self.network.sizes) if backward else ()
        for p in pathways:
            if p.dest in backward:
                feedback_angle[p.dest - 1] = angle(backward[p.dest], forward_product(weights, p))
        state = self._runner.snapshot()
        with code_target(self.target):
            self._runner.run(x, t, learn=True, batch_size=len(x))
        after = self.weights()
        self._runner.restore(state)
        forward = forward_pass(self.network, weights, x)
        deltas = backprop_signals(self.network, weights, forward, t)
        update_angle = [None if p.rule is None else
                        angle(a[0] - w[0], deltas[h].T @ forward.O[h - 1])
                        for h, (p, w, a) in enumerate(zip(self.network.projections, weights,
                                                          after), start=1)]
        return {"update_angle": update_angle, "feedback_angle": feedback_angle}

    def equations(self) -> str:
        """The generated Brian2 model, synapse and learning code."""
        return self.model.equations()

    @property
    def brian2_network(self):
        """The underlying `brian2.Network`, to inspect or extend."""
        return self.model.brian2_network




@contextmanager
def simulated_time_bar(model, disable: bool | None, description: str) -> Iterator[None]:
    """A tqdm bar over the simulated time of the model's next run (Brian2's `report`
    callback; runtime targets only, the standalone program reports nothing)."""
    if disable:
        yield
        return
    bar = tqdm(total=100, disable=disable, leave=False, desc=description, unit="%")

    def report(elapsed, completed, start, duration) -> None:
        bar.update(round(100 * completed) - bar.n)

    model.report = report
    try:
        yield
    finally:
        model.report = None
        bar.close()


def _quiet_brian2() -> None:
    """Silence Brian2's warning about objects never run (simulators that only got built)."""
    from brian2.utils.logger import BrianLogger

    BrianLogger.suppress_name("unused_brian_object")
