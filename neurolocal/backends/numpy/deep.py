"""The numpy deep trainer: minibatch training of a layered `Network` through its channel.

Each step runs the channel's reference math (`Channel.local_variables`: forward pass and what
every projection's rule reads), applies every projection's compiled `LocalRule` to W^h and b^h
(a bias is a weight from a unit clamped to 1), then lets the channel update its own state
(learned feedback). Everything is vectorized over the minibatch; the default dtype is float32.

Training loss and accuracy per epoch are running averages over the epoch's minibatches, read
from the outputs the steps computed anyway (each batch scored before its update, as Keras and
PyTorch loops report them); a full pass over the training data runs only with `eval_train`.
Minibatches are gathered into preallocated buffers. Diagnostics per epoch (on a fixed subset of
the training data): the angle between the update each layer receives and the true gradient
step −∂E/∂W^h, and for feedback channels the angle between each backward matrix and the
product of transposed forward weights it stands for.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from tqdm import tqdm

from ...channels import (
    Channel,
    LocalChannel,
    backprop_signals,
    forward_pass,
    score_outputs,
)
from ...channels.base import apply_rule, forward_product
from ...network import Network
from ...network.fixed_point import Quantizer
from ..base import (
    EpochRecord,
    TrainingHistory,
    Weights,
    checked_data,
    checked_schedule,
    checked_weights,
)

DIAGNOSTIC_SAMPLES = 256


class DeepSimulator:
    """A trainable instance of `network`: weights, channel state, random stream (from `seed`)."""

    def __init__(self, network: Network, weights: Weights | None = None, seed: int = 0,
                 dtype: Any = np.float32, quantizer: Quantizer | None = None):
        self.network = network
        # quantization-aware training (`neurolocal.network.fixed_point`): the forward pass runs
        # on the target's grids, updates go to the float weights (straight-through estimator)
        self.quantizer = quantizer
        self._forward_network = network if quantizer is None else quantizer.network(network)
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(seed)
        initial = weights if weights is not None else network.init_weights(self.rng, self.dtype)
        self._weights = checked_weights(network, initial, self.dtype)
        self.channel: Channel = network.channel if network.channel is not None \
            else LocalChannel(hidden_rule=None)
        self.channel_state = self.channel.init_state(network, self._weights, self.rng)
        self.rules = [None if p.rule is None else p.rule.compile() for p in network.projections]
        self.biased = [p.bias for p in network.projections]
        self._diagnostic_seed = int(self.rng.integers(2**31))

    # ----- Simulator protocol --------------------------------------------------------------
    def weights(self) -> Weights:
        """The weights the forward pass uses (on the target's grid when training for one)."""
        return [(w.copy(), b.copy()) for w, b in self._forward_weights()]

    def predict(self, x: np.ndarray) -> np.ndarray:
        x, _ = checked_data(self.network, x, dtype=self.dtype)
        x = x if self.quantizer is None else self.quantizer.inputs(x)
        return forward_pass(self._forward_network, self._forward_weights(), x).O[-1]

    def _forward_weights(self) -> Weights:
        return self._weights if self.quantizer is None else self.quantizer.weights(self._weights)

    def train(self, x: np.ndarray, t: np.ndarray, epochs: int, batch_size: int = 32,
              test: tuple[np.ndarray, np.ndarray] | None = None, progress: bool = False,
              diagnostics: bool = True, eval_train: bool = False) -> TrainingHistory:
        """Minibatch training for `epochs` epochs over a fresh permutation each epoch.

        Records per epoch the running train loss and accuracy (argmax of outputs against argmax
        of targets) over the epoch's minibatches — or, with `eval_train`, those of the weights
        at the end of the epoch on the whole training set —, test loss and accuracy when `test`
        is given, and alignment angles in degrees in `extra` when `diagnostics`.
        """
        x, t = checked_data(self.network, x, t, self.dtype)
        checked_schedule(epochs, batch_size)
        if test is not None:
            test = checked_data(self.network, *test, self.dtype)
        history = TrainingHistory.starting_from(self._weights)
        samples, elapsed = 0, 0.0
        size = min(batch_size, len(x))
        x_batch = np.empty((size, x.shape[1]), self.dtype)
        t_epoch = np.empty_like(t)  # targets in the epoch's order
        outputs = np.empty_like(t)  # each batch's outputs, scored once per epoch
        for epoch in tqdm(range(1, epochs + 1), disable=not progress, leave=False,
                          desc=f"train {self.channel.name}"):
            start = time.perf_counter()
            order = self.rng.permutation(len(x))
            np.take(t, order, axis=0, out=t_epoch)
            with np.errstate(over="ignore", invalid="ignore"):
                for first in range(0, len(x), batch_size):
                    rows = order[first:first + batch_size]
                    batch = slice(first, first + len(rows))
                    outputs[batch] = self.step(np.take(x, rows, axis=0,
                                                       out=x_batch[:len(rows)]), t_epoch[batch])
                elapsed += time.perf_counter() - start
                samples += len(x)
                loss, accuracy = self.score(outputs, t_epoch)
            if history.stop_if_diverged(epoch, self._weights, loss):
                break
            record = EpochRecord(epoch, loss, accuracy)
            with np.errstate(over="ignore", invalid="ignore"):
                self._measure(record, x, t, test, diagnostics, eval_train)
            history.epochs.append(record)
        history.samples_per_second = samples / elapsed if elapsed > 0 else None
        return history

    # ----- one step ------------------------------------------------------------------------
    def step(self, x: np.ndarray, t: np.ndarray) -> np.ndarray:
        """One minibatch update of every projection (and of the channel's state); returns the
        outputs O^L the batch produced before the update."""
        network, forward = self._forward_network, self._forward_weights()
        x = x if self.quantizer is None else self.quantizer.inputs(x)
        direct = self.channel.weight_updates(network, forward, self.channel_state, x, t,
                                             self.rng)
        if direct is not None:  # W += η ΔW, b += η Δb
            output = forward_pass(network, forward, x).O[-1]
            for rule, (w, b), biased, (dw, db) in zip(self.rules, self._weights, self.biased,
                                                      direct):
                if rule is not None:
                    eta = w.dtype.type(rule.rule.parameters.get("eta", 1.0))
                    w += eta * dw
                    if biased:
                        b += eta * db
            return output
        variables = self.channel.local_variables(network, forward, self.channel_state, x, t,
                                                 self.rng)
        for rule, (w, b), biased, v in zip(self.rules, self._weights, self.biased, variables):
            if rule is not None:
                apply_rule(rule, w, b if biased else None, v)
        self.channel.update_state(self.network, self._weights, self.channel_state, variables)
        return variables[-1].post

    # ----- measurement ---------------------------------------------------------------------
    def evaluate(self, x: np.ndarray, t: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) of the current weights on (x, t). Accuracy: argmax of outputs
        against argmax of targets; with one output unit, both thresholded at the middle of
        the output range (0.5 for logistic, 0 for tanh or linear)."""
        return self.score(self.predict(x), np.asarray(t))

    def score(self, out: np.ndarray, t: np.ndarray) -> tuple[float, float]:
        """(loss, accuracy) of outputs `out` against targets `t` (see `evaluate`)."""
        return score_outputs(self.network, out, t)

    def alignment(self, x: np.ndarray, t: np.ndarray) -> dict[str, list[float | None]]:
        """Angles in degrees, per projection h = 1..L: `update_angle` between the update the
        rule makes and the true gradient step −∂E/∂W^h; and per hidden layer h = 1..L−1:
        `feedback_angle` between its backward matrix and (W^{h+1})ᵀ···(W^src)ᵀ (None when the
        channel has no backward matrix)."""
        x, t = checked_data(self.network, x, t, self.dtype)
        rng = np.random.default_rng(self._diagnostic_seed)
        forward = forward_pass(self.network, self._weights, x)
        variables = self.channel.local_variables(self.network, self._weights,
                                                 self.channel_state, x, t, rng, forward=forward)
        deltas = backprop_signals(self.network, self._weights, forward, t)
        direct = self.channel.weight_updates(self.network, self._weights, self.channel_state,
                                             x, t, rng)
        update_angle: list[float | None] = []
        for h, (rule, (w, _), v) in enumerate(zip(self.rules, self._weights, variables), 1):
            if rule is None:
                update_angle.append(None)
                continue
            delivered = rule(w, v.pre, **v.inputs_for(rule)) if direct is None else direct[h - 1][0]
            update_angle.append(angle(delivered, deltas[h].T @ forward.O[h - 1]))
        feedback_angle: list[float | None] = [None] * (self.network.depth - 1)
        matrix = getattr(self.channel, "backward_matrix", None)
        for p in self.channel.pathways(self.network.sizes) if matrix else ():
            product = forward_product(self._weights, p)
            feedback_angle[p.dest - 1] = angle(matrix(p, self._weights, self.channel_state,
                                                      rng), product)
        return {"update_angle": update_angle, "feedback_angle": feedback_angle}

    def _measure(self, record: EpochRecord, x: np.ndarray, t: np.ndarray,
                 test: tuple[np.ndarray, np.ndarray] | None, diagnostics: bool,
                 eval_train: bool) -> None:
        """Fill `record` with what the user asked for beyond the running train metrics."""
        if eval_train:
            record.train_loss, record.train_accuracy = self.evaluate(x, t)
        if test is not None:
            record.test_loss, record.test_accuracy = self.evaluate(*test)
        if diagnostics:
            record.extra.update(self.alignment(x[:DIAGNOSTIC_SAMPLES], t[:DIAGNOSTIC_SAMPLES]))


def angle(a: np.ndarray, b: np.ndarray) -> float | None:
    """Angle in degrees between two arrays seen as vectors (None if either is zero); products
    accumulated in float64 without float64 copies of the arrays."""
    a, b = np.ravel(a), np.ravel(b)

    def dot(u: np.ndarray, v: np.ndarray) -> float:
        return float(np.einsum("i,i", u, v, dtype=np.float64))

    norms = np.sqrt(dot(a, a) * dot(b, b))
    if norms == 0 or not np.isfinite(norms):
        return None
    return float(np.degrees(np.arccos(np.clip(dot(a, b) / norms, -1.0, 1.0))))
