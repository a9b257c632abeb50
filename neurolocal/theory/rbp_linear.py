"""Convergence of random back-propagation in a linear chain (Baldi, Sadowski & Lu, Artificial
Intelligence 2018; THEORY.md §4 and §6).

Network I → a₁ → H → a₂ → O, linear units, no biases; RBP sends the output error back through a
fixed random weight c instead of a₂. With α = E[I T] and β = E[I²], the averaged learning
equations (η → 0, time t = η·steps) are

    da₂/dt = E[(T − O) H] = a₁ (α − β a₁ a₂)          (top layer: the gradient)
    da₁/dt = E[c (T − O) I] = c (α − β a₁ a₂)          (RBP: c instead of a₂)

Dividing, da₂/da₁ = a₁/c, so a₂ − a₁²/(2c) = K is conserved, and a₁ alone follows

    da₁/dt = Q(a₁) = c α − β K c a₁ − (β/2) a₁³,

a cubic with negative leading coefficient: by Theorem 1 it converges from every start, for any
c ≠ 0 and any sign of the initial weights, to a real root a₁* of Q, with a₂* = a₁*²/(2c) + K and
a₁* a₂* = α/β — the least-squares solution (BP's optimum). `RBPChain` gives Q, the verdict and
the limit; `simulate_chain` trains the same chain with the library's RBP channel and trainer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from .convergence import Verdict, classify, fate


@dataclass(frozen=True)
class RBPChain:
    """α = E[I T], β = E[I²], c the fixed random feedback weight (≠ 0)."""

    alpha: float
    beta: float
    c: float

    def __post_init__(self) -> None:
        if self.c == 0 or not self.beta > 0:
            raise UserError("RBP needs a feedback weight c ≠ 0 and data with E[I²] > 0")

    def invariant(self, a1: float, a2: float) -> float:
        """K = a₂ − a₁²/(2c), constant along the averaged flow."""
        return a2 - a1 * a1 / (2 * self.c)

    def cubic(self, a1: float, a2: float) -> np.ndarray:
        """Q's coefficients (ascending) for the start (a₁, a₂)."""
        k = self.invariant(a1, a2)
        return np.array([self.c * self.alpha, -self.beta * k * self.c, 0.0, -self.beta / 2])

    def verdict(self, a1: float, a2: float) -> Verdict:
        return classify(self.cubic(a1, a2))

    def flow(self, a1: float, a2: float, times: np.ndarray) -> np.ndarray:
        """a₁(t) of the averaged flow at `times` (numerical integration of Q)."""
        from scipy.integrate import solve_ivp

        q = self.cubic(a1, a2)[::-1]
        run = solve_ivp(lambda _, y: [np.polyval(q, y[0])], (0, float(times[-1])), [a1],
                        t_eval=times, rtol=1e-10, atol=1e-12)
        return run.y[0]

    def limit(self, a1: float, a2: float) -> tuple[float, float]:
        """(a₁*, a₂*) reached from (a₁, a₂)."""
        a1_star = fate(self.cubic(a1, a2), a1)
        return a1_star, a1_star ** 2 / (2 * self.c) + self.invariant(a1, a2)


def simulate_chain(x: np.ndarray, t: np.ndarray, c: float, a1: float, a2: float,
                   eta: float = 0.01, epochs: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Train I → H → O (linear, no biases) with the `rbp` channel of the numpy trainer, full
    batches (one averaged step per epoch), the backward weight set to c. Returns the
    trajectories of a₁ and a₂ (epochs + 1 values each)."""
    from ..backends import get_backend
    from ..channels import channel_network, get_channel
    from ..network import Network, Projection

    channel = get_channel("rbp")
    wired = channel_network([1, 1, 1], channel, hidden="linear", output="linear", eta=eta)
    network = Network(wired.populations, tuple(Projection(p.pre, p.post, p.rule, False)
                                               for p in wired.projections), channel)
    simulator = get_backend("numpy").build(
        network, weights=[(np.array([[a1]]), np.zeros(1)), (np.array([[a2]]), np.zeros(1))])
    simulator.channel_state["C1"][...] = c
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    t = np.asarray(t, dtype=np.float64).reshape(-1, 1)
    path = [(a1, a2)]
    for _ in range(epochs):
        simulator.train(x, t, 1, batch_size=len(x), diagnostics=False)
        (w1, _), (w2, _) = simulator.weights()
        path.append((float(w1[0, 0]), float(w2[0, 0])))
    trajectory = np.array(path)
    return trajectory[:, 0], trajectory[:, 1]
