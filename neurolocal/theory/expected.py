"""The expected update E[Δw] of a rule for a linear unit, derived from its terms (THEORY.md §4).

For a linear unit O_i = S_i = Σ_k w_ik I_k, every term α O_i^a O_j^b w_ij^c T_i^d of a rule
averages to α w_ij^c E[S_i^a I_j^b T_i^d]: a polynomial in w whose coefficients are data moments
(f'(S) = 1 for a linear unit, so powers of `dpost` drop out). `ExpectedUpdate` keeps these
averaged terms; it evaluates the field E[Δw](w) and its Jacobian by contracting with the data
(the same polynomial without expanding it), expands it symbolically into an explicit
polynomial for small n (`polynomial`), reduces it to one dimension along a direction
(`along`), and extracts the exact affine part when the effective degree is ≤ 1 (`affine`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from ..errors import UserError
from ..rules import LocalRule, get_rule
from .moments import DataMoments


@dataclass(frozen=True)
class AveragedTerm:
    """α w_ij^c E[S_i^a I_j^b T_i^d] (a = post power, b = pre, c = w, d = target)."""

    coefficient: float
    post: int
    pre: int
    w: int
    target: int

    @property
    def degree_in_w(self) -> int:
        return self.post + self.w


class ExpectedUpdate:
    """E[Δw](w) of `rule` for one linear unit on the data of `moments`.

    >>> from neurolocal.theory import DataMoments
    >>> field = ExpectedUpdate("hebb", DataMoments(np.eye(2)))
    >>> field(np.array([1.0, 2.0]))          # η Σ w with Σ = I/2, η = 0.01 by default
    array([0.005, 0.01 ])
    """

    def __init__(self, rule: LocalRule | str, moments: DataMoments):
        self.rule = get_rule(rule)
        self.moments = moments
        if "feedback" in self.rule.variables:
            raise UserError(f"rule {self.rule.label!r} reads feedback B_i: the averaged theory "
                             "of a single unit covers O_i, O_j, w_ij, T_i and f'(S_i) only")
        if "target" in self.rule.variables and moments.target is None:
            raise UserError(f"rule {self.rule.label!r} reads the target T_i: give the data a "
                             "target")
        self.terms = tuple(AveragedTerm(coefficient, p.get("post", 0), p.get("pre", 0),
                                        p.get("w", 0), p.get("target", 0))
                           for coefficient, p in self.rule.numeric_terms())

    @property
    def degree(self) -> int:
        """The effective degree d in w (THEORY.md §2)."""
        return max(t.degree_in_w for t in self.terms)

    def _average(self, s: np.ndarray, term: AveragedTerm, post_power: int) -> np.ndarray:
        """E[S^post_power I_j^b T^d] for rows of S (N, n_post) → (n_post, n)."""
        x = self.moments.x
        weights = s ** post_power if post_power else np.ones_like(s)
        if term.target:
            weights = weights * self.moments.target[:, None] ** term.target
        xb = x ** term.pre if term.pre else np.ones_like(x)
        return weights.T @ xb / x.shape[0]

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """E[Δw] at w of shape (n,) (one unit) or (n_post, n) (units sharing the data)."""
        w = np.asarray(w, dtype=np.float64)
        w2 = np.atleast_2d(w)
        s = self.moments.x @ w2.T
        field = np.zeros_like(w2)
        for term in self.terms:
            part = self._average(s, term, term.post)
            field += term.coefficient * (w2 ** term.w * part if term.w else part)
        return field.reshape(w.shape)

    def jacobian(self, w: np.ndarray) -> np.ndarray:
        """∂E[Δw_j]/∂w_k at w (n,): α [diag(c w^(c−1) g) + diag(w^c) a E[S^(a−1) I_j^b T^d I_k]]."""
        w = np.asarray(w, dtype=np.float64)
        x = self.moments.x
        s = x @ w
        jac = np.zeros((w.size, w.size))
        for term in self.terms:
            g = self._average(s[:, None], term, term.post)[0]
            if term.w:
                jac += term.coefficient * np.diag(term.w * w ** (term.w - 1) * g)
            if term.post:
                weights = term.post * s ** (term.post - 1)
                if term.target:
                    weights = weights * self.moments.target ** term.target
                xb = x ** term.pre if term.pre else np.ones_like(x)
                dg = (xb * weights[:, None]).T @ x / x.shape[0]  # [j, k]
                jac += term.coefficient * (w ** term.w)[:, None] * dg
        return jac

    def affine(self) -> tuple[np.ndarray, np.ndarray]:
        """(M, c) with E[Δw] = M w + c exactly; only for effective degree ≤ 1."""
        if self.degree > 1:
            raise UserError(f"rule {self.rule.label!r} has effective degree {self.degree}: its "
                             "averaged dynamics are not linear in w")
        n = self.moments.n_inputs
        return self.jacobian(np.zeros(n)), self(np.zeros(n))

    def along(self, u: np.ndarray) -> np.ndarray:
        """Coefficients q_0..q_d (ascending) of q(r) = uᵀ E[Δw](r u) for a unit direction u.

        Term by term: α r^(a+c) Σ_j u_j^(c+1) E[(u·I)^a I_j^b T^d]. When the line through u is
        invariant (e.g. u an eigenvector of Σ for Hebb or Oja), q is the exact 1-D dynamics.
        """
        u = np.asarray(u, dtype=np.float64)
        s = self.moments.x @ u
        q = np.zeros(self.degree + 1)
        for term in self.terms:
            part = self._average(s[:, None], term, term.post)[0]
            q[term.degree_in_w] += term.coefficient * float(np.sum(u ** (term.w + 1) * part))
        return q

    def off_line(self, u: np.ndarray, r: float = 0.5) -> float:
        """‖(I − u uᵀ) E[Δw](r u)‖ / ‖E[Δw](r u)‖: 0 when the line through u is invariant."""
        u = np.asarray(u, dtype=np.float64)
        field = self(r * u)
        norm = float(np.linalg.norm(field))
        return 0.0 if norm == 0 else float(np.linalg.norm(field - u * (u @ field)) / norm)

    def per_synapse(self) -> np.ndarray:
        """Rules that never read O_i decouple: E[Δw_j] = Σ_m q_jm w_j^m. Returns q (n, d+1)."""
        if any(t.post for t in self.terms):
            raise UserError(f"rule {self.rule.label!r} reads O_i, which couples the synapses of "
                             "a unit: use `along` or the full field")
        n = self.moments.n_inputs
        q = np.zeros((n, self.degree + 1))
        zero = np.zeros((self.moments.x.shape[0], 1))
        for term in self.terms:
            q[:, term.w] += term.coefficient * self._average(zero, term, 0)[0]
        return q

    def polynomial(self, symbolic: bool = False) -> list[sympy.Expr]:
        """E[Δw_j] as explicit polynomials in symbols w_1..w_n, derived symbolically.

        S = Σ_k w_k I_k is substituted into each term and expanded; every monomial
        Π I_k^{m_k} T^d is then replaced by its data moment (with `symbolic`, by a symbol
        E[I1**2*T] standing for that moment, and coefficients kept exact). Meant for small n.
        """
        n = self.moments.n_inputs
        if n > 8:
            raise UserError(f"symbolic expansion is for small units (n ≤ 8), not n = {n}")
        w = sympy.symbols(f"w1:{n + 1}", real=True)
        inputs = sympy.symbols(f"I1:{n + 1}", real=True)
        t = sympy.Symbol("T", real=True)
        s = sum(wk * ik for wk, ik in zip(w, inputs))
        cache: dict[tuple[int, ...], float] = {}
        result = []
        for j in range(n):
            expr = sum(sympy.nsimplify(term.coefficient) * w[j] ** term.w * s ** term.post
                       * inputs[j] ** term.pre * t ** term.target for term in self.terms)
            poly = sympy.Poly(sympy.expand(expr), *inputs, t)
            total = sympy.Integer(0)
            for powers, coefficient in poly.terms():
                if symbolic:
                    monomial = sympy.Mul(*(v ** p for v, p in zip((*inputs, t), powers)))
                    total += coefficient * sympy.Symbol(f"E[{monomial}]")
                    continue
                if powers not in cache:
                    cache[powers] = self.moments.moment(np.array(powers[:-1]), powers[-1])
                total += coefficient * sympy.Float(cache[powers])
            result.append(sympy.expand(total))
        return result

    def describe(self) -> str:
        """The averaged terms in the paper's symbols, e.g. 'E[Δw_ij] = 0.1·E[S_i O_j]'."""
        parts = []
        for term in self.terms:
            factors = [f"S_i^{term.post}" if term.post > 1 else "S_i" if term.post else "",
                       f"O_j^{term.pre}" if term.pre > 1 else "O_j" if term.pre else "",
                       f"T_i^{term.target}" if term.target > 1 else "T_i" if term.target else ""]
            inside = " ".join(f for f in factors if f) or "1"
            w = f"w_ij^{term.w}·" if term.w > 1 else "w_ij·" if term.w else ""
            parts.append(f"{term.coefficient:+g}·{w}E[{inside}]")
        return "E[Δw_ij] = " + " ".join(parts) + "   with S_i = Σ_k w_ik O_k"
