"""Deep local learning done fairly (THEORY.md §5): the strongest purely local unsupervised
hidden rules, and where the theory says they must still fall short.

Each hidden layer is a Földiák / Rubner–Tavan network: feed-forward synapses w_ij learn with
Oja's rule, lateral synapses v_ik between the layer's units with anti-Hebbian decorrelation, and
each unit keeps its own gain. Every synapse reads only its own two units and its own weight:

    y = W x + V y  (lateral equilibrium: y = (I − V)⁻¹ W x, V zero on the diagonal)
    Δw_ij = η (y_i x_j − y_i² w_ij)       (Oja)
    Δv_ik = −μ y_i y_k  (i ≠ k)           (anti-Hebb: decorrelates the units)
    O_i = tanh(y_i / s_i), s_i ← running std of y_i   (unit-local gain, keeps |O| < 1)

The layer converges to decorrelated units spanning the input's principal subspace, so the units
are distinct (unlike plain Oja, where every unit finds the same eigenvector) and unsaturated.
The top layer learns with the delta rule on the last hidden code (local, supervised).

The hidden weights still depend on the inputs only. `hidden_direction_task` builds data whose
label depends on directions of *low* input variance (an XOR of two low-variance coordinates
under high-variance nuisance ones): the principal subspace never contains them, so deep local
learning stays at chance there while every channel that sends target information down (BP,
RBP, SRBP) learns it; on digits, where the principal subspace carries the class, it comes
close. `gradient_norms` measures ∂E/∂w of the equivalent feed-forward network at the reached
point: the hidden layers are not at a critical point of the error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backends.numpy.layer import train_layer, with_bias
from ..data import Dataset
from ..data.dataset import split
from ..network import Network
from ..rules import get_rule


@dataclass
class LateralLayer:
    """A trained layer: feed-forward W (n, n_in), lateral V (n, n), input mean, unit gains s."""

    w: np.ndarray
    v: np.ndarray
    mean: np.ndarray
    gain: np.ndarray

    def effective(self) -> tuple[np.ndarray, np.ndarray]:
        """(W_eff, b_eff) with O = tanh(x W_effᵀ + b_eff): the lateral equilibrium, centring
        and gain folded into one feed-forward projection."""
        w = np.linalg.solve(np.eye(len(self.v)) - self.v, self.w) / self.gain[:, None]
        return w, -w @ self.mean

    def __call__(self, x: np.ndarray) -> np.ndarray:
        w, b = self.effective()
        return np.tanh(x @ w.T + b)


def lateral_layer(x: np.ndarray, n_hidden: int, epochs: int = 60, eta: float = 0.01,
                  mu: float = 0.02, batch: int = 32, seed: int = 0) -> LateralLayer:
    """Train one Oja + lateral anti-Hebbian layer on inputs x (N, n_in), minibatch means."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=0)  # a bias unit's local estimate of the input mean
    xc = x - mean
    w = rng.standard_normal((n_hidden, x.shape[1])) / np.sqrt(x.shape[1])
    v = np.zeros((n_hidden, n_hidden))
    eye = np.eye(n_hidden)
    for _ in range(epochs):
        for rows in np.array_split(rng.permutation(len(x)), max(1, len(x) // batch)):
            xb = xc[rows]
            y = np.linalg.solve(eye - v, w @ xb.T).T  # (B, n)
            w += eta * (y.T @ xb - (y * y).sum(axis=0)[:, None] * w) / len(rows)
            dv = -mu * (y.T @ y) / len(rows)
            np.fill_diagonal(dv, 0.0)
            v += dv
    y = np.linalg.solve(eye - v, w @ xc.T).T
    return LateralLayer(w, v, mean, y.std(axis=0) + 1e-12)


@dataclass
class DeepLocalResult:
    """Test accuracy, per-layer unit diversity (mean |cos| between units' effective weight
    vectors, 1 = collapsed), saturation (fraction of |O| > 0.99), the smallest per-unit std of
    O, and the gradient norms of the error per projection at the reached weights."""

    train_accuracy: float
    test_accuracy: float
    diversity: list[float]
    saturation: list[float]
    min_unit_std: list[float]
    gradient_norms: list[float]
    weights: list[tuple[np.ndarray, np.ndarray]]


def mean_abs_cos(w: np.ndarray) -> float:
    """Mean |cos| between the rows of w (distinct pairs)."""
    u = w / np.linalg.norm(w, axis=1, keepdims=True)
    c = np.abs(u @ u.T)
    return float(c[~np.eye(len(c), dtype=bool)].mean())


def train_deep_local(data: Dataset, hidden: tuple[int, ...] = (20, 20), epochs: int = 60,
                     top_epochs: int = 300, top_eta: float = 0.5, seed: int = 0
                     ) -> DeepLocalResult:
    """Stack lateral layers (unsupervised, bottom-up), then a logistic top layer with the delta
    rule on the last code; measure what `DeepLocalResult` lists."""
    codes, weights = [data.x_train.astype(np.float64)], []
    for k, n in enumerate(hidden):
        layer = lateral_layer(codes[-1], n, epochs, seed=seed + k)
        weights.append(layer.effective())
        codes.append(layer(codes[-1]))
    targets = data.targets(data.y_train)
    top = train_layer(get_rule("delta", eta=top_eta), with_bias(codes[-1]), targets,
                      transfer="logistic", epochs=top_epochs, mode="average",
                      w0=np.zeros((targets.shape[1], codes[-1].shape[1] + 1)),
                      record=False).weights
    weights.append((top[:, :-1], top[:, -1]))
    outs = activities(weights, data.x_train)
    test = activities(weights, data.x_test)[-1]
    return DeepLocalResult(
        float((outs[-1].argmax(axis=1) == data.y_train).mean()),
        float((test.argmax(axis=1) == data.y_test).mean()),
        [mean_abs_cos(w) for w, _ in weights[:-1]],
        [float((np.abs(o) > 0.99).mean()) for o in outs[1:-1]],
        [float(o.std(axis=0).min()) for o in outs[1:-1]],
        gradient_norms(weights, data.x_train, targets), weights)


def _network(weights: list[tuple[np.ndarray, np.ndarray]]) -> Network:
    """The tanh chain with logistic outputs that `weights` parametrize."""
    sizes = [weights[0][0].shape[1], *(w.shape[0] for w, _ in weights)]
    return Network.layered(sizes, "tanh", "logistic", hidden_rule="oja")


def activities(weights: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray) -> list[np.ndarray]:
    """O^0..O^L of the tanh network with logistic outputs that `weights` parametrize, for
    inputs x (the channels' forward pass)."""
    from ..channels.base import forward_pass

    return forward_pass(_network(weights), weights, np.asarray(x, dtype=np.float64)).O


def gradient_norms(weights: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray,
                   targets: np.ndarray) -> list[float]:
    """‖∂E/∂(W^h, b^h)‖ per projection of the tanh network with logistic outputs and
    cross-entropy error E (mean over samples), by back-propagation (`FlatMLP.gradient`)."""
    from ..channels.perturbation import FlatMLP

    mlp = FlatMLP(_network(weights))
    g = mlp.gradient(mlp.flatten(weights), x, targets)
    return [float(np.linalg.norm(g[layer.start:layer.start + layer.size]))
            for layer in mlp.layers]


def hidden_direction_task(samples: int = 3000, inputs: int = 12, nuisance_std: float = 1.0,
                          relevant_std: float = 0.5, seed: int = 0) -> Dataset:
    """x ~ N(0, diag(σ²)) with σ = `nuisance_std` on inputs 0..n−3 and `relevant_std` on the
    last two; label = XOR of the signs of the last two coordinates. The label lives in the two
    lowest-variance directions, which no principal-subspace code of fewer than n − 1 units
    contains."""
    rng = np.random.default_rng(seed)
    std = np.full(inputs, nuisance_std)
    std[-2:] = relevant_std
    x = rng.standard_normal((samples, inputs)) * std
    label = ((x[:, -1] > 0) ^ (x[:, -2] > 0)).astype(np.int64)
    return split("hidden-direction XOR", x.astype(np.float32), label, 2, 0.25, seed)
