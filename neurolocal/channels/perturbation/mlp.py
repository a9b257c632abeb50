"""A differentiable `Network` evaluated on flat parameter vectors θ (all w_ij and biases).

Perturbation algorithms need the error E(θ) of many perturbed copies of the network at once:
`sample_losses` evaluates a stack of P parameter vectors with one batched matrix product per
layer. The single forward pass and BP signals are the channels' own (`neurolocal.channels.base`);
every evaluation charges its multiply-adds to an `OpCounter` (a forward pass costs W per sample).

Error: the channels' matched loss (`output_loss`): cross-entropy for logistic outputs and for
tanh outputs (on (O + 1)/2), ½‖O − T‖² for linear ones, summed over output units and averaged
over the batch; its gradient at the output is ∂E/∂S^L = (O − T)/B.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...network import Network, NetworkError, get_transfer
from ..base import ForwardPass, backprop_signals, forward_pass
from .counter import OpCounter

#: Floats a batched evaluation may hold at once (bounds memory when P·B·n is large).
_CHUNK_FLOATS = 4_000_000
MATCHED_OUTPUTS = ("logistic", "tanh", "linear")


@dataclass(frozen=True)
class _Layer:
    n_pre: int
    n_post: int
    bias: bool
    start: int  # offset of W (row-major (n_post, n_pre)) in θ; biases follow

    @property
    def size(self) -> int:
        return self.n_post * self.n_pre + (self.n_post if self.bias else 0)


class FlatMLP:
    """Forward pass, error and gradient of a differentiable layered `Network` on flat θ."""

    def __init__(self, network: Network):
        self.network = network
        self.transfers = [get_transfer(p.transfer) for p in network.populations[1:]]
        for population, transfer in zip(network.populations[1:], self.transfers):
            if not transfer.differentiable:
                raise NetworkError(f"population {population.name!r} uses the threshold "
                                   f"transfer {transfer.name!r}: perturbation and gradient "
                                   "channels need differentiable units (use deep targets)")
        self.output_kind = self.transfers[-1].name
        if self.output_kind not in MATCHED_OUTPUTS:
            raise NetworkError(f"output transfer {self.output_kind!r} has no matched loss; "
                               f"use one of {', '.join(MATCHED_OUTPUTS)}")
        self.layers: list[_Layer] = []
        start = 0
        for pre, post, projection in zip(network.populations, network.populations[1:],
                                         network.projections):
            layer = _Layer(pre.size, post.size, projection.bias, start)
            self.layers.append(layer)
            start += layer.size
        self.num_weights = start

    # ----- parameters ----------------------------------------------------------------------
    def flatten(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        parts = []
        for layer, (w, b) in zip(self.layers, weights):
            parts.append(np.asarray(w, dtype=np.float64).ravel())
            if layer.bias:
                parts.append(np.asarray(b, dtype=np.float64).ravel())
        return np.concatenate(parts)

    def unflatten(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(w[0], b[0]) for w, b in self._stacked(theta[None, :])]

    def _stacked(self, thetas: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per layer, W of shape (P, n_post, n_pre) and b of shape (P, n_post) (views)."""
        out = []
        for layer in self.layers:
            end = layer.start + layer.n_post * layer.n_pre
            w = thetas[:, layer.start:end].reshape(-1, layer.n_post, layer.n_pre)
            b = thetas[:, end:end + layer.n_post] if layer.bias \
                else np.zeros((thetas.shape[0], layer.n_post))
            out.append((w, b))
        return out

    def weights_above(self, layer: int) -> int:
        """Weights of the projections after layer `layer` (1..L): the cost of propagating a
        change of S^layer to the output, per sample."""
        return sum(lay.size for lay in self.layers[layer:])

    # ----- forward, error ------------------------------------------------------------------
    def forward(self, theta: np.ndarray, x: np.ndarray, counter: OpCounter | None = None
                ) -> ForwardPass:
        """S^h and O^h (h = 0..L) of one parameter vector, by the channels' forward pass."""
        result = forward_pass(self.network, self.unflatten(theta), np.asarray(x, np.float64))
        if counter is not None:
            counter.add_ops(len(x) * self.num_weights)
            counter.forward_passes += 1
        return result

    def sample_error(self, s: np.ndarray, o: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Per-sample matched error ℓ (summed over output units), any leading shape; written
        on S^L, stable for large |S|, and vectorized over stacks of networks."""
        if self.output_kind == "logistic":  # −T log σ(S) − (1 − T) log(1 − σ(S))
            return np.sum(np.logaddexp(0.0, s) - t * s, axis=-1)
        if self.output_kind == "tanh":  # the same on (O + 1)/2 = σ(2S) and (T + 1)/2
            return np.sum(np.logaddexp(0.0, 2 * s) - (t + 1) * s, axis=-1)
        return 0.5 * np.sum((o - t) ** 2, axis=-1)

    def loss(self, theta: np.ndarray, x: np.ndarray, t: np.ndarray,
             counter: OpCounter | None = None) -> float:
        result = self.forward(theta, x, counter)
        return float(np.mean(self.sample_error(result.S[-1], result.O[-1], t)))

    def sample_losses(self, thetas: np.ndarray, x: np.ndarray, t: np.ndarray,
                      counter: OpCounter | None = None) -> np.ndarray:
        """Per-sample errors ℓ of P parameter vectors: thetas (P, W) → (P, B)."""
        x = np.asarray(x, dtype=np.float64)
        width = max(lay.n_post for lay in self.layers)
        chunk = max(1, _CHUNK_FLOATS // (len(x) * width + self.num_weights))
        parts = []
        for begin in range(0, len(thetas), chunk):
            a = s = x[None]
            for transfer, (w, b) in zip(self.transfers, self._stacked(thetas[begin:begin + chunk])):
                s = a @ w.transpose(0, 2, 1) + b[:, None, :]
                a = transfer.f(s)
            parts.append(self.sample_error(s, a, t))
        if counter is not None:
            counter.add_ops(len(thetas) * len(x) * self.num_weights)
            counter.forward_passes += len(thetas)
        return np.concatenate(parts)

    def sample_losses_from(self, theta: np.ndarray, layer: int, sums: np.ndarray,
                           t: np.ndarray, counter: OpCounter | None = None) -> np.ndarray:
        """Per-sample errors when S^layer (1..L) is replaced by each of P stacked versions
        `sums` (P, B, n_layer), propagating through the fixed layers above: → (P, B)."""
        s = sums
        a = self.transfers[layer - 1].f(s)
        for transfer, (w, b) in zip(self.transfers[layer:], self.unflatten(theta)[layer:]):
            s = a @ w.T + b
            a = transfer.f(s)
        if counter is not None:
            counter.add_ops(sums.shape[0] * sums.shape[1] * self.weights_above(layer))
            counter.forward_passes += sums.shape[0]
        return self.sample_error(s, a, t)

    # ----- gradient ------------------------------------------------------------------------
    def update_from_signals(self, outputs: list[np.ndarray], signals: list[np.ndarray],
                            counter: OpCounter | None = None) -> np.ndarray:
        """Flat Δθ = Σ_b B_i^h O_j^{h−1} / B (and Σ_b B_i^h / B for biases): every layer's
        local update from its delivered signal B^h (h = 1..L; B^h = −∂ℓ/∂S^h for BP)."""
        parts = []
        batch = len(outputs[0])
        for layer, o_pre, signal in zip(self.layers, outputs, signals):
            parts.append((signal.T @ o_pre).ravel() / batch)
            if layer.bias:
                parts.append(signal.sum(axis=0) / batch)
        if counter is not None:
            counter.add_ops(batch * self.num_weights)
        return np.concatenate(parts)

    def gradient(self, theta: np.ndarray, x: np.ndarray, t: np.ndarray,
                 counter: OpCounter | None = None) -> np.ndarray:
        """∂E/∂θ by back-propagation: one forward pass, one backward pass
        (Σ_{h≥2} n_h n_{h−1} multiply-adds per sample), one update."""
        t = np.asarray(t, dtype=np.float64)
        result = self.forward(theta, x, counter)
        signals = backprop_signals(self.network, self.unflatten(theta), result, t)[1:]
        if counter is not None:
            counter.add_ops(len(t) * sum(lay.n_pre * lay.n_post for lay in self.layers[1:]))
        return -self.update_from_signals(result.O, signals, counter)
