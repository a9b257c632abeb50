"""Hopfield networks: storage by a symmetric local rule, asynchronous recall, and the
isometry invariance of simple Hebb (THEORY.md §3).

N ±1 threshold units, symmetric weights, no self-connections, energy E(s) = −½ sᵀ W s
(= −Σ_{i<j} w_ij s_i s_j). Storing memories o^m with a rule F sets w_ij = Σ_m F(o_i^m, o_j^m).
An isometry of the hypercube (a permutation P and sign flips D, g(s) = P D s) applied to all
memories gives weights W_g; the rule is isometry invariant when E_g(g(s)) = E(s) for every s,
i.e. W_g = (P D) W (P D)ᵀ.
"""

from __future__ import annotations

import numpy as np

from ..errors import UserError
from ..rules import LocalRule, get_rule


def store(memories: np.ndarray, rule: LocalRule | str = "hebb") -> np.ndarray:
    """w_ij = Σ_m F(O_i = o_i^m, O_j = o_j^m) with zero diagonal; the rule may read post and
    pre only, and must give symmetric weights."""
    rule = get_rule(rule)
    extra = rule.variables - {"post", "pre"}
    if extra:
        raise UserError(f"a Hopfield storage rule reads O_i and O_j only; {rule.label!r} also "
                         f"reads {', '.join(sorted(extra))}")
    o = np.atleast_2d(np.asarray(memories, dtype=np.float64))
    n = o.shape[1]
    w = o.shape[0] * rule.compile()(np.zeros((n, n)), pre=o, post=o)
    np.fill_diagonal(w, 0.0)
    if not np.allclose(w, w.T):
        raise UserError(f"rule {rule.label!r} is not symmetric in O_i, O_j: the weights it "
                         "stores are not symmetric")
    return w


def energy(w: np.ndarray, states: np.ndarray) -> np.ndarray:
    """E(s) = −½ sᵀ W s for each row of `states`."""
    s = np.atleast_2d(np.asarray(states, dtype=np.float64))
    return -0.5 * np.einsum("bi,ij,bj->b", s, w, s)


def recall(w: np.ndarray, probes: np.ndarray, seed: int = 0, max_sweeps: int = 100
           ) -> tuple[np.ndarray, int]:
    """Asynchronous dynamics s_i ← sign(Σ_j w_ij s_j) (ties keep s_i), units in a random order
    each sweep, all probes at once; stops when a sweep changes nothing. Returns the final
    states and the number of sweeps."""
    s = np.atleast_2d(np.asarray(probes, dtype=np.float64)).copy()
    rng = np.random.default_rng(seed)
    for sweep in range(1, max_sweeps + 1):
        changed = False
        for i in rng.permutation(s.shape[1]):  # asynchronous: one unit at a time, by definition
            field = s @ w[i]
            new = np.where(field > 0, 1.0, np.where(field < 0, -1.0, s[:, i]))
            changed |= bool(np.any(new != s[:, i]))
            s[:, i] = new
        if not changed:
            return s, sweep
    return s, max_sweeps


def random_isometry(n: int, rng: np.random.Generator) -> np.ndarray:
    """The matrix P D of a random hypercube isometry (permutation times sign flips)."""
    return np.eye(n)[rng.permutation(n)] * rng.choice((-1.0, 1.0), size=n)


def all_states(n: int) -> np.ndarray:
    """All 2^n states in {−1, +1}^n."""
    return 2.0 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1) - 1.0


def isometry_defect(rule: LocalRule | str, memories: np.ndarray, g: np.ndarray) -> float:
    """max_s |E_g(g s) − E(s)| over all states s (n ≤ 16): 0 iff storage commutes with g."""
    o = np.atleast_2d(np.asarray(memories, dtype=np.float64))
    states = all_states(o.shape[1])
    before = energy(store(o, rule), states)
    after = energy(store(o @ g.T, rule), states @ g.T)
    return float(np.max(np.abs(after - before)))


def symmetric_quadratic_rule(alpha: float, beta: float, gamma: float) -> LocalRule:
    """α O_i O_j + β (O_i + O_j) + γ, the symmetric quadratic rules of THEORY.md §3."""
    return LocalRule("a*post*pre + b*(post + pre) + g", a=alpha, b=beta, g=gamma,
                     name=f"{alpha:g}·OiOj + {beta:g}·(Oi+Oj) + {gamma:g}")
