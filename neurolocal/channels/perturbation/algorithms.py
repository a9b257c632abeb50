"""Perturbation learning algorithms (THEORY.md section 7) as estimators of −∇E.

Names follow P{W weights | A activities}{L local, one at a time | G global, all at once}
{R real feedback ΔE | B one bit, better or worse}{k trials}:

- PWLR: perturb each w_ij by ε in turn; feed back ΔE (real): Δw_ij = −ΔE_ij/ε (the derivative).
- PWLB: as PWLR but feed back only sign(ΔE_ij), which locates the gradient's orthant; the
  step is a random descent unit vector inside that orthant (the seed: "a random descent unit
  vector generated in the corresponding orthant"): Δw_ij = −sign(ΔE_ij) m_ij/‖m‖ with i.i.d.
  magnitudes m ~ U(0, 1) (`orthant="uniform"`) or |N(0, 1)| (`orthant="sphere"`: uniform on
  the orthant's part of the unit sphere). See `capacity.formulas.pwlb_cos` for its cosine.
- PALR: perturb each unit's S_i by ε in turn, per sample; B_i = −Δℓ/ε ≈ −∂ℓ/∂S_i, then
  Δw_ij = B_i O_j (averaged over the minibatch).
- PWGB: perturb all weights along a random unit u; one bit: Δw = −sign(ΔE) u.
- PWGBk: k random units u_1..u_k; feed back which is best (log₂ k bits): Δw = u_best.
- PWGRk: k orthonormal random directions; feed back each ΔE_m: Δw = −Σ_m (ΔE_m/ε) u_m, the
  projection of −g onto their span.

Binary-feedback algorithms deliver unit-norm steps, real-feedback ones their estimate of −g.
The weight-perturbation algorithms need only E of stacked parameter vectors, so any model with
`num_weights` and `sample_losses(thetas, x, t, counter)` serves (a `FlatMLP`, or the unfolded
recurrent network's `RecurrentObjective`); PALR needs the layers of a `FlatMLP`.
`direction(...)` returns the delivered update Δθ (flat, same layout as `FlatMLP.flatten`); the
counter is charged for every forward pass and update actually computed and for the feedback bits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import UserError
from ..base import ForwardPass
from .counter import OpCounter
from .mlp import FlatMLP

#: name → (perturbs, scope, feedback, uses k)
ALGORITHMS: dict[str, tuple[str, str, str, bool]] = {
    "pwlr": ("weights", "local", "real", False),
    "pwlb": ("weights", "local", "bit", False),
    "palr": ("activities", "local", "real", False),
    "pwgb": ("weights", "global", "bit", False),
    "pwgbk": ("weights", "global", "best of k", True),
    "pwgrk": ("weights", "global", "real", True),
}


def uses_trials(name: str | None) -> bool:
    """Whether algorithm `name` runs k trials (PWGBk, PWGRk; `ALGORITHMS`' last field)."""
    return name in ALGORITHMS and ALGORITHMS[name][3]


#: PWLB's i.i.d. magnitudes m inside the orthant: (rng, W) -> m ≥ 0.
ORTHANT_MAGNITUDES = {
    "uniform": lambda rng, size: rng.uniform(0.0, 1.0, size),
    "sphere": lambda rng, size: np.abs(rng.standard_normal(size)),
}


class PerturbationError(UserError):
    """A bad perturbation algorithm name or parameter."""


def random_unit_vectors(rng: np.random.Generator, k: int, dimension: int,
                        orthonormal: bool = False) -> np.ndarray:
    """k directions uniform on the unit sphere in `dimension` dimensions, shape (k, dimension);
    with `orthonormal`, a uniformly random orthonormal k-frame (k ≤ dimension)."""
    g = rng.standard_normal((k, dimension))
    if orthonormal:
        q, r = np.linalg.qr(g.T)
        return (q * np.sign(np.diag(r))).T  # sign fix makes the frame Haar-distributed
    return g / np.linalg.norm(g, axis=1, keepdims=True)


@dataclass(frozen=True)
class Perturbation:
    """One perturbation algorithm: `name` in ALGORITHMS, `k` trials (PWGBk, PWGRk), step ε."""

    name: str
    k: int = 1
    epsilon: float = 1e-6
    orthant: str = "uniform"  # PWLB's magnitudes inside the orthant: "uniform" or "sphere"

    def __post_init__(self) -> None:
        if self.name not in ALGORITHMS:
            raise PerturbationError(f"unknown perturbation algorithm {self.name!r}; known: "
                                    f"{', '.join(ALGORITHMS)}")
        minimum = 2 if self.name == "pwgbk" else 1
        if not isinstance(self.k, (int, np.integer)) or self.k < minimum:
            raise PerturbationError(f"{self.name}: k must be an integer ≥ {minimum}, "
                                    f"not {self.k!r}")
        if self.orthant not in ORTHANT_MAGNITUDES:
            raise PerturbationError(f"{self.name}: orthant must be one of "
                                    f"{', '.join(ORTHANT_MAGNITUDES)}, not {self.orthant!r}")
        if not self.epsilon > 0:
            raise PerturbationError(f"{self.name}: epsilon must be positive, not "
                                    f"{self.epsilon!r}")

    @property
    def label(self) -> str:
        return f"{self.name}(k={self.k})" if ALGORITHMS[self.name][3] else self.name

    def direction(self, mlp: FlatMLP, theta: np.ndarray, x: np.ndarray, t: np.ndarray,
                  rng: np.random.Generator, counter: OpCounter) -> np.ndarray:
        """The update Δθ this algorithm delivers for the batch (x, t) at θ."""
        x = np.asarray(x, dtype=np.float64)
        t = np.asarray(t, dtype=np.float64)
        if self.name == "palr":
            return _palr(mlp, theta, x, t, self.epsilon, counter)
        base = mlp.sample_losses(theta[None], x, t, counter).mean()
        if self.name in ("pwlr", "pwlb"):
            change = _each_weight(mlp, theta, x, t, self.epsilon, counter) - base
            if self.name == "pwlr":
                counter.add_real_feedback(mlp.num_weights)
                update = -change / self.epsilon
            else:
                counter.add_bits(mlp.num_weights)
                # weights whose ΔE is exactly 0 (inputs at 0) do not move
                step = -np.sign(change) * ORTHANT_MAGNITUDES[self.orthant](rng, mlp.num_weights)
                update = step / np.linalg.norm(step)
            counter.add_ops(len(x) * mlp.num_weights)
            return update
        if self.name == "pwgrk" and self.k > mlp.num_weights:
            raise PerturbationError(f"pwgrk: k = {self.k} orthonormal directions need k ≤ W = "
                                    f"{mlp.num_weights}")
        frames = random_unit_vectors(rng, self.k, mlp.num_weights,
                                     orthonormal=self.name == "pwgrk")
        errors = mlp.sample_losses(theta + self.epsilon * frames, x, t, counter).mean(axis=1)
        counter.add_ops(len(x) * mlp.num_weights * (self.k if self.name == "pwgrk" else 1))
        if self.name == "pwgb":
            counter.add_bits(1)
            return -np.sign(errors[0] - base) * frames[0]
        if self.name == "pwgbk":
            counter.add_bits(math.log2(self.k))
            return frames[int(np.argmin(errors))].copy()
        counter.add_real_feedback(self.k)
        return -((errors - base) / self.epsilon) @ frames

    def to_dict(self) -> dict:
        perturbs, scope, feedback, _ = ALGORITHMS[self.name]
        return {"name": self.name, "k": self.k, "epsilon": self.epsilon,
                **({"orthant": self.orthant} if self.name == "pwlb" else {}), "perturbs": perturbs,
                "scope": scope, "feedback": feedback}


def _each_weight(mlp: FlatMLP, theta: np.ndarray, x: np.ndarray, t: np.ndarray,
                 epsilon: float, counter: OpCounter) -> np.ndarray:
    """E(θ + ε e_m) for every weight m: W forward passes, evaluated in blocks of the identity."""
    size = mlp.num_weights
    block = max(1, min(size, 2_000_000 // size))
    errors = np.empty(size)
    for begin in range(0, size, block):
        end = min(size, begin + block)
        stack = np.repeat(theta[None], end - begin, axis=0)
        stack[np.arange(end - begin), np.arange(begin, end)] += epsilon
        errors[begin:end] = mlp.sample_losses(stack, x, t, counter).mean(axis=1)
    return errors


def _palr(mlp: FlatMLP, theta: np.ndarray, x: np.ndarray, t: np.ndarray, epsilon: float,
          counter: OpCounter) -> np.ndarray:
    """Δw_ij = Σ_b B_i O_j / B from the signals of `activity_signals`."""
    forward, signals = activity_signals(mlp, theta, x, t, epsilon, counter)
    counter.add_real_feedback(mlp.num_weights)
    return mlp.update_from_signals(forward.O, signals, counter)


def activity_signals(mlp: FlatMLP, theta: np.ndarray, x: np.ndarray, t: np.ndarray,
                     epsilon: float, counter: OpCounter
                     ) -> tuple[ForwardPass, list[np.ndarray]]:
    """PALR's delivered signals: per sample and unit, B_i = −(ℓ(S_i + ε) − ℓ(S))/ε ≈ −∂ℓ/∂S_i,
    for layers h = 1..L; returns (the forward pass, [B^1..B^L])."""
    result = mlp.forward(theta, x, counter)
    base = mlp.sample_error(result.S[-1], result.O[-1], t)  # (B,)
    signals = []
    for layer, s in enumerate(result.S[1:], start=1):
        n = s.shape[1]
        stack = np.repeat(s[None], n, axis=0)
        stack[np.arange(n), :, np.arange(n)] += epsilon
        change = mlp.sample_losses_from(theta, layer, stack, t, counter) - base  # (n, B)
        signals.append(-change.T / epsilon)
    return result, signals
