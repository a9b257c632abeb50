"""The seed's tables of expected updates by effective degree, and the search over rules up to
degree 3 classified by the convergence theorem (THEORY.md §2, §4), generated from
`ExpectedUpdate` and `convergence.classify` rather than typed in.

`expectation_table`: every monomial of apparent degree ≤ 4 over (O_i, O_j, w_ij, T_i) as a rule
η·monomial for a linear unit, its effective degree, E[Δw_ij] in the paper's symbols
(`ExpectedUpdate.describe`) and, for a unit with two inputs, E[Δw_1] as an explicit polynomial
in w with symbolic data moments (`ExpectedUpdate.polynomial(symbolic=True)`).

`rule_search`: rules ±m₁ (± m₂) built from the monomials of degree ≤ 3 over (O_i, O_j, w_ij),
on a linear unit with one input of known moments. Its averaged dynamics are exactly
dw/dt = q(w) (`ExpectedUpdate.along([1])`); Theorem 1 classifies q, `fate` predicts each start.
`simulate_rules` checks the predictions by online simulation on samples, independently of the
theory's moments (all rules and starts at once).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..rules import LocalRule
from ..rules.rule import enumerate_monomials
from .convergence import classify, fate
from .expected import ExpectedUpdate
from .moments import DataMoments

SYMBOLS = {"post": "O_i", "pre": "O_j", "w": "w_ij", "target": "T_i"}


def monomial_rule(powers: dict[str, int], sign: float = 1.0) -> LocalRule:
    """η·Π v^p as a rule (the constant monomial gives Δw = η)."""
    return LocalRule.from_terms([(sign, powers)]) if powers else LocalRule.from_terms(
        [(sign, {})])


def label(powers: dict[str, int]) -> str:
    return " ".join(SYMBOLS[v] + (f"^{p}" if p > 1 else "") for v, p in powers.items()) or "1"


def expectation_table(max_degree: int = 4) -> list[dict]:
    """One row per monomial of apparent degree ≤ max_degree over O_i, O_j, w_ij, T_i."""
    rng = np.random.default_rng(0)
    moments = DataMoments(rng.standard_normal((8, 2)), rng.standard_normal(8))
    rows = []
    for powers in enumerate_monomials(max_degree, ("post", "pre", "w", "target")):
        field = ExpectedUpdate(monomial_rule(powers), moments)
        explicit = field.polynomial(symbolic=True)[0] if field.terms else 0
        rows.append({"monomial": label(powers), "apparent_degree": sum(powers.values()),
                     "effective_degree": field.degree,
                     "expectation": field.describe().split(" = ", 1)[1].split("   ")[0],
                     "two_inputs": str(explicit), "explicit": explicit})
    rows.sort(key=lambda r: (r["effective_degree"], r["apparent_degree"]))
    return rows


def expectation_markdown(rows: list[dict]) -> str:
    """The table as Markdown, one section per effective degree."""
    out = []
    for degree in sorted({r["effective_degree"] for r in rows}):
        out.append(f"\n**Effective degree {degree}**\n")
        out.append("| term (× η) | apparent degree | E[Δw_ij], S_i = Σ_k w_ik O_k | unit with two "
                   "inputs: E[Δw_1] |")
        out.append("|---|---|---|---|")
        out += [f"| {r['monomial']} | {r['apparent_degree']} | {r['expectation']} | "
                f"{r['two_inputs']} |" for r in rows if r["effective_degree"] == degree]
    return "\n".join(out)


@dataclass(frozen=True)
class SearchedRule:
    """A rule, its 1-D averaged polynomial q (ascending), the theorem's verdict and the
    predicted limit from each start (±inf: diverges)."""

    rule: str
    terms: tuple[tuple[float, tuple[int, int, int]], ...]  # (sign, (post, pre, w) powers)
    q: tuple[float, ...]
    converges_everywhere: bool
    predicted: tuple[float, ...]

    def escape_times(self, starts: tuple[float, ...], limit: float, horizon: float
                     ) -> np.ndarray:
        """Time for the averaged flow dw/dt = q(w) to pass |w| = limit from each start (inf
        if it does not within `horizon`), by numerical integration."""
        from scipy.integrate import solve_ivp

        def passed(t, w):
            return abs(w[0]) - limit

        passed.terminal = True
        coefficients = np.asarray(self.q)[::-1]
        times = []
        for w0 in starts:
            run = solve_ivp(lambda t, w: [np.polyval(coefficients, w[0])], (0, horizon), [w0],
                            events=passed, rtol=1e-8)
            times.append(run.t_events[0][0] if len(run.t_events[0]) else np.inf)
        return np.array(times)


def rule_search(x: np.ndarray, starts: tuple[float, ...] = (-2.0, -0.5, 0.5, 2.0),
                max_degree: int = 3, sizes: tuple[int, ...] = (1, 2)) -> list[SearchedRule]:
    """Every rule ±m₁ (size 1) and ±m₁ ± m₂ (size 2) over the monomials of degree 1..max_degree in
    (O_i, O_j, w_ij) whose averaged polynomial q has degree ≥ 2 (Theorem 1's domain), for a
    linear unit with the one input x."""
    moments = DataMoments(np.asarray(x, dtype=np.float64).reshape(-1, 1))
    monomials = [m for m in enumerate_monomials(max_degree) if m]
    found = []
    for size in sizes:
        for chosen in itertools.combinations(monomials, size):
            for signs in itertools.product((1.0, -1.0), repeat=size):
                rule = LocalRule.from_terms(list(zip(signs, chosen)))
                q = ExpectedUpdate(rule, moments).along(np.ones(1))
                verdict = classify(q)
                if verdict.degree < 2:  # the theorem's domain; degree ≤ 1 is solved exactly
                    continue
                found.append(SearchedRule(
                    " ".join(f"{'+' if s > 0 else '−'}{label(m)}" for s, m in zip(signs, chosen)),
                    tuple((s, (m.get("post", 0), m.get("pre", 0), m.get("w", 0)))
                          for s, m in zip(signs, chosen)),
                    tuple(float(c) for c in q), verdict.converges_everywhere,
                    tuple(float(fate(q, w0)) for w0 in starts)))
    return found


def simulate_rules(rules: list[SearchedRule], x: np.ndarray, starts: tuple[float, ...],
                   steps: int = 8000, eta: float = 0.005, seed: int = 0, limit: float = 10.0
                   ) -> np.ndarray:
    """Online simulation Δw = η F(O_i = w x, O_j = x, w) on random samples of x, for every
    rule and start at once, over the time η·steps; the final w (±inf once |w| passed
    `limit`)."""
    rng = np.random.default_rng(seed)
    w = np.tile(np.asarray(starts, dtype=np.float64), (len(rules), 1))
    gone = np.zeros_like(w, dtype=bool)
    coefficients = np.zeros((len(rules), 4, 4, 4))  # [post, pre, w] powers
    for r, rule in enumerate(rules):
        for sign, (a, b, c) in rule.terms:
            coefficients[r, a, b, c] += sign
    used = np.argwhere(coefficients.any(axis=0))
    for xi in rng.choice(np.asarray(x, dtype=np.float64).ravel(), size=steps):
        post = w * xi
        update = np.zeros_like(w)
        for a, b, c in used:
            update += coefficients[:, a, b, c][:, None] * post ** a * xi ** b * w ** c
        with np.errstate(over="ignore", invalid="ignore"):
            w = np.where(gone, w, w + eta * update)
        gone |= ~np.isfinite(w) | (np.abs(w) > limit)
    return np.where(gone, np.sign(np.nan_to_num(w)) * np.inf, w)


def check_search(rules: list[SearchedRule], x: np.ndarray, starts: tuple[float, ...],
                 steps: int = 8000, eta: float = 0.005, limit: float = 10.0, seed: int = 0
                 ) -> dict:
    """Theorem vs simulation. A (rule, start) is decided when the theory predicts a finite
    limit, or an escape past `limit` within half the simulated time η·steps (slower escapes
    are left out: the horizon, not the theory, would decide them). Agreement: the simulation
    stays bounded exactly where a finite limit is predicted."""
    horizon = eta * steps
    simulated = simulate_rules(rules, x, starts, steps, eta, seed, limit)
    predicted = np.array([r.predicted for r in rules])
    escape = np.array([r.escape_times(starts, limit, horizon) if not np.all(np.isfinite(p))
                       else np.full(len(starts), np.inf) for r, p in zip(rules, predicted)])
    decided = np.isfinite(predicted) | (escape < horizon / 2)
    agree = np.isfinite(simulated) == np.isfinite(predicted)
    return {"rules": len(rules), "converge_everywhere": sum(r.converges_everywhere
                                                            for r in rules),
            "decided": int(decided.sum()), "agree": int((agree & decided).sum()),
            "disagree": [(rules[i].rule, starts[j]) for i, j in np.argwhere(decided & ~agree)],
            "all_converge_when_theorem_says": bool(all(
                np.all(np.isfinite(simulated[i])) for i, r in enumerate(rules)
                if r.converges_everywhere))}
