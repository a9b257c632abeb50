"""A recurrent network unfolded in time, with the same weights at every step (THEORY.md §7).

    S_t = W_in x_t + W_rec O_{t−1} + b,   O_t = f(S_t)    (O_0 = 0; hidden units)
    Y_t = g(W_out O_t + c)                                 (outputs)

Targets T_t may exist at every step or only at some (`mask`, shape (B, T) of 0/1). The error
is the matched loss of `neurolocal.channels.base.output_loss` (cross-entropy for logistic
outputs, ½‖Y − T‖² for linear ones) summed over the steps that have targets, averaged over
sequences; so the output error at step t is e_t = mask_t (Y_t − T_t) / B.

Learning channels through time deliver δ_t (the stand-in for ∂E/∂S_t) to every copy of the
hidden layer, and every shared weight sums its local updates over the copies:
- BPTT: δ_t = f'(S_t) ⊙ (W_outᵀ e_t + W_recᵀ δ_{t+1}) — the gradient;
- RBP through time: the same with fixed random C_out, C_rec in place of W_outᵀ, W_recᵀ;
- SRBP through time: δ_t = f'(S_t) ⊙ C_out (Σ_{τ≥t} e_τ) — every later output error reaches
  the copy at step t directly through one fixed random matrix, nothing is relayed.
The output weights always follow their gradient: ΔW_out = −Σ_t e_t O_tᵀ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from ..channels.perturbation import OpCounter
from ..divergence import named_divergence
from ..errors import UserError
from ..network import NetworkError, get_transfer
from ..resources import require_memory

CHANNELS = ("bptt", "rbptt", "srbptt")
PARAMETERS = ("w_in", "w_rec", "b", "w_out", "c")


@dataclass
class RecurrentNetwork:
    """Sizes, transfer functions and weights; `init(seed)` draws W ~ N(0, 1/fan_in)."""

    n_in: int
    n_hidden: int
    n_out: int
    hidden: str = "tanh"
    output: str = "logistic"
    weights: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("n_in", "n_hidden", "n_out"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise NetworkError(f"{name} must be a positive integer, not {value!r}")
        if not get_transfer(self.hidden).differentiable:
            raise NetworkError(f"hidden transfer {self.hidden!r} is not differentiable")
        if self.output not in ("logistic", "linear"):
            raise NetworkError(f"output transfer must be logistic or linear, not "
                               f"{self.output!r}")
        if not self.weights:
            self.init(0)

    def init(self, seed: int | np.random.Generator = 0) -> RecurrentNetwork:
        rng = np.random.default_rng(seed)
        n_in, n_h, n_out = self.n_in, self.n_hidden, self.n_out
        self.weights = {
            "w_in": rng.standard_normal((n_h, n_in)) / np.sqrt(n_in),
            "w_rec": rng.standard_normal((n_h, n_h)) / np.sqrt(n_h),
            "b": np.zeros(n_h),
            "w_out": rng.standard_normal((n_out, n_h)) / np.sqrt(n_h),
            "c": np.zeros(n_out),
        }
        return self

    @property
    def num_weights(self) -> int:
        return sum(w.size for w in self.weights.values())

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """S (B, T, n_hidden), O (B, T, n_hidden), Y (B, T, n_out) for inputs x (B, T, n_in)."""
        s, o, s_out = self._unfold({k: v[None] for k, v in self.weights.items()},
                                   self._check_inputs(x))
        return s[0], o[0], get_transfer(self.output)(s_out[0])

    def _unfold(self, w: dict[str, np.ndarray], x: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The unfolded network for a stack of P weight sets (leading axis of every w[...]):
        S, O (P, B, T, n_hidden) and the output sums (P, B, T, n_out)."""
        f = get_transfer(self.hidden)
        batch, steps, _ = x.shape
        drive = np.einsum("phi,bti->pbth", w["w_in"], x) + w["b"][:, None, None, :]
        s = np.empty(drive.shape)
        o = np.empty(drive.shape)
        previous = np.zeros((len(drive), batch, self.n_hidden))
        w_rec_t = w["w_rec"].transpose(0, 2, 1)
        for step in range(steps):  # the recurrence itself is sequential
            s[:, :, step] = drive[:, :, step] + previous @ w_rec_t
            o[:, :, step] = previous = f(s[:, :, step])
        s_out = np.einsum("poh,pbth->pbto", w["w_out"], o) + w["c"][:, None, None, :]
        return s, o, s_out

    def _errors(self, s_out: np.ndarray, t: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Per-sequence error Σ_{t with target} ℓ(Y_t, T_t), leading shape of s_out[..., 0, 0]."""
        if self.output == "logistic":
            per_step = np.sum(np.logaddexp(0.0, s_out) - t * s_out, axis=-1)
        else:
            per_step = 0.5 * np.sum((s_out - t) ** 2, axis=-1)
        return np.sum(per_step * mask, axis=-1)

    def loss(self, x: np.ndarray, t: np.ndarray, mask: np.ndarray | None = None) -> float:
        """E = (1/B) Σ_b Σ_{t with target} ℓ(Y_t, T_t)."""
        return float(self.sample_losses(self.flatten()[None], x, t, mask).mean())

    # ----- flat parameters (for perturbation learning) -------------------------------------
    def flatten(self) -> np.ndarray:
        return np.concatenate([self.weights[name].ravel() for name in PARAMETERS])

    def unflatten(self, thetas: np.ndarray) -> dict[str, np.ndarray]:
        """Stacked weights (P, ...) from flat parameter vectors thetas (P, W)."""
        out, start = {}, 0
        for name in PARAMETERS:
            shape = self.weights[name].shape
            size = int(np.prod(shape))
            out[name] = thetas[:, start:start + size].reshape(len(thetas), *shape)
            start += size
        return out

    def sample_losses(self, thetas: np.ndarray, x: np.ndarray, t: np.ndarray,
                      mask: np.ndarray | None = None, counter: OpCounter | None = None
                      ) -> np.ndarray:
        """Per-sequence errors of P flat parameter vectors, (P, B); a forward pass costs
        W multiply-adds per time step and sequence."""
        x = self._check_inputs(x)
        _, _, s_out = self._unfold(self.unflatten(np.atleast_2d(thetas)), x)
        if counter is not None:
            counter.add_ops(len(thetas) * x.shape[0] * x.shape[1] * self.num_weights)
            counter.forward_passes += len(thetas)
        return self._errors(s_out, t, _mask(mask, t))

    def deltas(self, channel: str, x: np.ndarray, t: np.ndarray, mask: np.ndarray | None,
               feedback: dict[str, np.ndarray] | None = None, counter: OpCounter | None = None
               ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """(updates, signals): the update every shared weight receives (summed over time
        copies; the negative gradient for BPTT) and the delivered δ_t (B, T, n_hidden).
        `counter` is charged T·W multiply-adds per sequence for the forward pass, and the
        backward products and the update sums from the shapes of the arrays they run on."""
        if channel not in CHANNELS:
            raise UserError(f"unknown recurrent channel {channel!r}; known: "
                             f"{', '.join(CHANNELS)}")
        if channel != "bptt" and feedback is None:
            raise UserError(f"{channel} needs its fixed random feedback matrices "
                             "(random_feedback)")
        x = self._check_inputs(x)
        s, o, y = self.forward(x)
        w = self.weights
        e = (y - t) * _mask(mask, t)[..., None] / len(x)  # (B, T, n_out)
        df = get_transfer(self.hidden).df(s)
        back_out = w["w_out"] if channel == "bptt" else feedback["c_out"].T
        back_rec = w["w_rec"] if channel == "bptt" else feedback["c_rec"].T
        delta = np.zeros_like(s)
        backward = 0  # multiply-adds of the backward matrix products, counted as they run
        if channel == "srbptt":
            later = np.cumsum(e[:, ::-1], axis=1)[:, ::-1]  # Σ_{τ ≥ t} e_τ
            delta = df * (later @ back_out)
            backward += later.size * back_out.shape[1]
        else:
            carried = np.zeros((len(x), self.n_hidden))
            for step in range(x.shape[1] - 1, -1, -1):
                carried = df[:, step] * (e[:, step] @ back_out + carried @ back_rec)
                delta[:, step] = carried
                backward += e[:, step].size * back_out.shape[1] + carried.size * \
                    back_rec.shape[1]
        previous = np.concatenate([np.zeros_like(o[:, :1]), o[:, :-1]], axis=1)
        updates = {
            "w_in": -np.einsum("bti,btj->ij", delta, x),
            "w_rec": -np.einsum("bti,btj->ij", delta, previous),
            "b": -delta.sum(axis=(0, 1)),
            "w_out": -np.einsum("bti,btj->ij", e, o),
            "c": -e.sum(axis=(0, 1)),
        }
        if counter is not None:  # forward T·W per sequence, the backward products as run,
            # and one multiply-add per update term summed (einsum operands, bias sums)
            update_ops = (delta.size * (x.shape[2] + previous.shape[2] + 1)
                          + e.size * (o.shape[2] + 1))
            counter.add_ops(x.shape[0] * x.shape[1] * self.num_weights + backward + update_ops)
            counter.forward_passes += 1
        return updates, {"delta": delta, "error": e}

    def gradient(self, x: np.ndarray, t: np.ndarray, mask: np.ndarray | None = None
                 ) -> dict[str, np.ndarray]:
        """∂E/∂w for every shared weight, by back-propagation through time."""
        updates, _ = self.deltas("bptt", x, t, mask)
        return {k: -v for k, v in updates.items()}

    def random_feedback(self, seed: int | np.random.Generator = 0) -> dict[str, np.ndarray]:
        """Fixed random backward matrices C_out (n_hidden, n_out) and C_rec (n_hidden,
        n_hidden), standing for W_outᵀ and W_recᵀ, scaled like the forward weights."""
        rng = np.random.default_rng(seed)
        return {"c_out": rng.standard_normal((self.n_hidden, self.n_out)) / np.sqrt(self.n_hidden),
                "c_rec": rng.standard_normal((self.n_hidden, self.n_hidden))
                / np.sqrt(self.n_hidden)}

    def _check_inputs(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.n_in:
            raise NetworkError(f"inputs must have shape (sequences, steps, {self.n_in}), got "
                               f"{x.shape}")
        return x


def _mask(mask: np.ndarray | None, t: np.ndarray) -> np.ndarray:
    if mask is None:
        return np.ones(t.shape[:2])
    mask = np.asarray(mask, dtype=np.float64)
    return np.broadcast_to(mask, t.shape[:2])


@dataclass
class RecurrentRun:
    """Losses (epoch 0 = before training), the final accuracy on the target steps, and the
    cosine between the channel's first update and the gradient."""

    channel: str
    losses: list[float]
    accuracy: float
    initial_cosine: float
    diverged_at: int | None = None  # the epoch whose updates broke the weights or the loss
    divergence: str | None = None  # why (neurolocal.divergence.named_divergence)


def accuracy(net: RecurrentNetwork, x: np.ndarray, t: np.ndarray,
             mask: np.ndarray | None = None) -> float:
    """Fraction of target bits right (outputs thresholded at the middle of their range)."""
    _, _, y = net.forward(x)
    middle = 0.5 if net.output == "logistic" else 0.0
    right = ((y > middle) == (t > middle)).mean(axis=-1)
    mask = _mask(mask, t)
    return float(np.sum(right * mask) / np.sum(mask))


def check_memory(sequences: int, steps: int, hidden: int) -> None:
    """Refuse up front a training run that cannot fit: a full-data pass holds about six
    (sequences, steps, hidden) float64 arrays."""
    require_memory(6 * 8 * sequences * steps * (hidden + 1),
                   f"training a recurrent network of {hidden} units on {sequences} sequences "
                   f"of {steps} steps")


def train_recurrent(net: RecurrentNetwork, x: np.ndarray, t: np.ndarray,
                    mask: np.ndarray | None = None, channel: str = "bptt", epochs: int = 50,
                    lr: float = 0.5, batch_size: int = 32, seed: int = 0,
                    progress: bool = False) -> RecurrentRun:
    """Minibatch training of `net` in place through `channel`; bit-reproducible for a seed."""
    if channel not in CHANNELS:
        raise UserError(f"unknown recurrent channel {channel!r}; known: {', '.join(CHANNELS)}")
    if not lr > 0 or epochs < 0 or batch_size < 1:
        raise UserError("lr and batch_size must be positive and epochs non-negative")
    check_memory(x.shape[0], x.shape[1], net.n_hidden)
    rng = np.random.default_rng(seed)
    feedback = net.random_feedback(rng) if channel != "bptt" else None
    full_mask = np.array(_mask(mask, t))
    losses = [net.loss(x, t, full_mask)]
    cosine = update_cosine(net, channel, x, t, full_mask, feedback)
    for _ in tqdm(range(epochs), disable=not progress, desc=f"train {channel}", leave=False):
        order = rng.permutation(len(x))
        for first in range(0, len(x), batch_size):
            rows = order[first:first + batch_size]
            updates, _ = net.deltas(channel, x[rows], t[rows], full_mask[rows], feedback)
            for name, change in updates.items():
                net.weights[name] += lr * change
        losses.append(net.loss(x, t, full_mask))
        cause = named_divergence(net.weights.items(), losses[-1])
        if cause is not None:
            return RecurrentRun(channel, losses, accuracy(net, x, t, full_mask), cosine,
                                len(losses) - 1, cause)
    return RecurrentRun(channel, losses, accuracy(net, x, t, full_mask), cosine)


def update_cosine(net: RecurrentNetwork, channel: str, x: np.ndarray, t: np.ndarray,
                  mask: np.ndarray | None, feedback: dict[str, np.ndarray] | None) -> float:
    """cos between the update `channel` delivers (all shared weights) and −∂E/∂w."""
    a = flat(net.deltas(channel, x, t, mask, feedback)[0])
    b = flat(net.deltas("bptt", x, t, mask)[0])
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def flat(updates: dict[str, np.ndarray]) -> np.ndarray:
    """Per-weight updates as one vector, in the order of `RecurrentNetwork.flatten`."""
    return np.concatenate([updates[name].ravel() for name in PARAMETERS])
