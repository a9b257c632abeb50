"""`LocalRule`: a learning rule Δw_ij = F(O_i, O_j, w_ij, T_i, B_i, f'(S_i)) as a polynomial.

THEORY.md section 2: F = Σ α · O_i^{n_i} O_j^{n_j} w_ij^{n_w} T_i^{n_T} B_i^{n_B} f'(S_i)^{n_D};
the apparent degree of a term is the sum of its powers, its effective degree in w is n_i + n_w.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy
from sympy.polys.rings import sring

from . import bounds
from .errors import RuleError
from .parse import SYMBOLS, parameter_symbol, parse_rule
from .variables import DEFAULT_PARAMETERS, ORDER, VARIABLES, canonical

BINARY = tuple(n for n, v in VARIABLES.items() if v.binary)


@dataclass(frozen=True)
class Term:
    """One monomial α · Π x^n of a rule. `powers` holds only non-zero powers, in ORDER."""

    coefficient: sympy.Expr
    powers: tuple[tuple[str, int], ...]

    @property
    def power(self) -> dict[str, int]:
        return dict(self.powers)

    def power_of(self, variable: str) -> int:
        return self.power.get(variable, 0)

    @property
    def apparent_degree(self) -> int:
        return sum(n for _, n in self.powers)

    @property
    def effective_degree(self) -> int:
        """Degree in w once O_i is seen as (about) linear in w: n_i + n_w."""
        return self.power_of("post") + self.power_of("w")

    @property
    def monomial(self) -> sympy.Expr:
        return sympy.Mul(*(SYMBOLS[v] ** n for v, n in self.powers))

    def __str__(self) -> str:
        return str(self.coefficient * self.monomial)


@dataclass(frozen=True)
class LocalityContext:
    """Where a rule runs: a hidden or output layer, and what a learning channel delivers there.

    channel: None (no channel), "feedback" (a channel delivers B_i) or "targets" (a channel
    delivers deep targets T_i to hidden layers).
    """

    layer: str = "output"
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.layer not in ("hidden", "output"):
            raise RuleError(f"layer must be 'hidden' or 'output', not {self.layer!r}")
        if self.channel not in (None, "feedback", "targets"):
            raise RuleError(f"channel must be None, 'feedback' or 'targets', not {self.channel!r}")


class LocalRule:
    """A polynomial local learning rule.

    >>> oja = LocalRule("eta*(post*pre - post**2*w)", name="oja")
    >>> oja.apparent_degree, oja.effective_degree
    (3, 3)

    Names other than the local variables (and their paper aliases O_i, O_j, w_ij, T_i, B_i, D_i)
    are parameters; `eta`, `c`, `alpha`, `beta`, `gamma`, `theta` have defaults, any other needs a
    value passed as a keyword.
    """

    def __init__(self, expression: str | sympy.Expr, name: str | None = None,
                 **parameters: float):
        values = {**DEFAULT_PARAMETERS, **_check_parameters(parameters)}
        if isinstance(expression, str):
            text = expression
            expr, used = parse_rule(expression, set(values))
        elif isinstance(expression, sympy.Expr):
            expr = _normalize_symbols(expression)
            bounds.size_of(expr)  # refuses a rule too large to expand, before expanding it
            text = str(expression)
            used = _parameters_of(expr, values)
        else:
            raise RuleError("a rule is built from a string or a sympy expression, not "
                            f"{type(expression).__name__}")
        self.text = text
        self.name = name
        self.expr = sympy.expand(expr)
        self.parameters: dict[str, float] = {p: float(values[p]) for p in sorted(used)}
        if self.expr == 0:
            raise RuleError(f"rule {text!r} is identically zero: it never changes a weight")
        self.numeric_terms()  # every coefficient a finite real number at the parameter values

    @classmethod
    def from_terms(cls, terms: Iterable[tuple[Any, Mapping[str, int]]], name: str | None = None,
                   **parameters: float) -> LocalRule:
        """Build a rule from (coefficient, {variable: power}) pairs; coefficients may be numbers
        or strings naming parameters (``("eta", {"post": 1, "pre": 1})``)."""
        values = {**DEFAULT_PARAMETERS, **_check_parameters(parameters)}
        total = []
        for k, (coefficient, powers) in enumerate(terms):
            if k >= bounds.MAX_TERMS:
                raise RuleError(f"more than {bounds.MAX_TERMS} terms (the limit)")
            if isinstance(coefficient, str):
                coefficient, _ = parse_rule(coefficient, set(values))
                if any(s.name in VARIABLES for s in coefficient.free_symbols):
                    raise RuleError(f"coefficient {coefficient} contains a local variable")
            elif isinstance(coefficient, bool) or not isinstance(coefficient, (int, float)):
                raise RuleError(f"coefficient {coefficient!r} is not a number or a parameter "
                                "expression")
            elif not math.isfinite(coefficient):
                raise RuleError(f"coefficient {coefficient!r} is not finite")
            else:
                coefficient = sympy.nsimplify(coefficient, rational=True) \
                    if isinstance(coefficient, float) else sympy.Integer(coefficient)
            if not isinstance(powers, Mapping):
                raise RuleError(f"the powers of a term are a {{variable: power}} mapping, not "
                                f"{type(powers).__name__}")
            monomial = []
            for variable, power in powers.items():
                code = canonical(variable) if isinstance(variable, str) else None
                if code is None:
                    raise RuleError(f"unknown local variable {variable!r} in a term")
                if isinstance(power, bool) or not isinstance(power, int) \
                        or not 0 <= power <= bounds.MAX_DEGREE:
                    raise RuleError(f"power of {variable!r} must be an integer in 0.."
                                    f"{bounds.MAX_DEGREE}, not {power!r}")
                monomial.append(SYMBOLS[code] ** power)
            total.append(sympy.Mul(coefficient, *monomial))
        return cls(sympy.Add(*total), name=name, **parameters)

    # ----- structure -----------------------------------------------------------------------
    @cached_property
    def terms(self) -> tuple[Term, ...]:
        poly = sympy.Poly(self.expr, *[SYMBOLS[v] for v in ORDER])
        terms = []
        for exponents, coefficient in poly.terms():
            powers = tuple((v, n) for v, n in zip(ORDER, exponents) if n)
            terms.append(Term(sympy.sympify(coefficient), powers))
        return tuple(sorted(terms, key=lambda t: (-t.apparent_degree, t.powers)))

    @property
    def apparent_degree(self) -> int:
        return max(t.apparent_degree for t in self.terms)

    @property
    def effective_degree(self) -> int:
        return max(t.effective_degree for t in self.terms)

    @property
    def variables(self) -> frozenset[str]:
        """The local variables the rule reads."""
        return frozenset(v for t in self.terms for v, _ in t.powers)

    @property
    def is_supervised(self) -> bool:
        return "target" in self.variables

    @property
    def uses_feedback(self) -> bool:
        return "feedback" in self.variables

    # ----- locality ------------------------------------------------------------------------
    def check_locality(self, context: LocalityContext) -> None:
        """Raise RuleError naming the variable that is not local in `context`."""
        if "target" in self.variables and context.layer == "hidden" \
                and context.channel != "targets":
            raise RuleError(f"rule {self.label!r} reads 'target' (T_i), which is not local on a "
                            "hidden layer: targets exist only at the output unless a channel "
                            "delivers deep targets")
        if "feedback" in self.variables and context.channel != "feedback":
            where = "no learning channel" if context.channel is None else \
                "a channel that delivers targets, not feedback"
            raise RuleError(f"rule {self.label!r} reads 'feedback' (B_i), which is not local "
                            f"on this {context.layer} layer: there is {where} to deliver it")

    def is_local(self, context: LocalityContext) -> bool:
        try:
            self.check_locality(context)
        except RuleError:
            return False
        return True

    # ----- transforms ----------------------------------------------------------------------
    def _substitute(self, mapping: dict[str, sympy.Expr], suffix: str) -> LocalRule:
        # in sympy's sparse polynomial ring (coefficients: the field of the parameters), tens of
        # times faster than substituting and expanding expressions
        ring, poly = sring(self.expr, *(SYMBOLS[v] for v in ORDER), field=True)
        gens = dict(zip(ORDER, ring.gens))
        expr = poly.compose([(gens[v], ring.from_expr(e)) for v, e in mapping.items()]).as_expr()
        name = f"{self.name}{suffix}" if self.name else None
        return LocalRule(expr, name=name, **self.parameters)

    def to_pm1(self, variables: Iterable[str] | None = None) -> LocalRule:
        """The same rule for units coded in {−1,+1}: substitute x = (x' + 1)/2 (x' = 2x − 1)
        for the binary variables (post, pre, target by default). Degree is preserved."""
        chosen = self._binary(variables)
        return self._substitute({v: (SYMBOLS[v] + 1) / 2 for v in chosen}, "[±1]")

    def to_01(self, variables: Iterable[str] | None = None) -> LocalRule:
        """The inverse of `to_pm1`: substitute x' = 2x − 1."""
        chosen = self._binary(variables)
        return self._substitute({v: 2 * SYMBOLS[v] - 1 for v in chosen}, "[01]")

    def _binary(self, variables: Iterable[str] | None) -> list[str]:
        if variables is None:
            return [v for v in BINARY if v in self.variables]
        chosen = []
        for v in variables:
            code = canonical(v)
            if code is None:
                raise RuleError(f"unknown local variable {v!r}")
            chosen.append(code)
        return chosen

    def clamped(self) -> LocalRule:
        """Supervised version: O_i replaced by the target T_i (THEORY.md section 2)."""
        return self._substitute({"post": SYMBOLS["target"]}, "/clamped")

    def gradient(self) -> LocalRule:
        """Gradient version: O_i replaced by (T_i − O_i)."""
        return self._substitute({"post": SYMBOLS["target"] - SYMBOLS["post"]}, "/gradient")

    def with_parameters(self, **parameters: float) -> LocalRule:
        return LocalRule(self.expr, name=self.name, **{**self.parameters,
                                                       **_check_parameters(parameters)})

    def numeric_terms(self) -> list[tuple[float, dict[str, int]]]:
        """Terms with their coefficients evaluated at the rule's parameter values."""
        values = {parameter_symbol(p): v for p, v in self.parameters.items()}
        out = []
        for term in self.terms:
            value = term.coefficient.xreplace(values)
            try:
                coefficient = float(value)
            except TypeError:  # complex, e.g. eta**0.5 with eta < 0
                raise RuleError(f"rule {self.label!r}: coefficient {term.coefficient} is "
                                f"{value} at the parameter values, not a real number") from None
            if not math.isfinite(coefficient):
                raise RuleError(f"rule {self.label!r}: coefficient {term.coefficient} is not "
                                "finite at the parameter values")
            if coefficient != 0.0:
                out.append((coefficient, term.power))
        return out

    def compile(self):
        """A vectorized numpy update over a whole weight matrix; see `CompiledRule`."""
        from .numpy_rule import CompiledRule

        return CompiledRule(self)

    # ----- printing ------------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.name or self.text

    def pretty(self) -> str:
        """The rule in the paper's symbols: Δw_ij = η O_i O_j."""
        names = {SYMBOLS[v]: sympy.Symbol(VARIABLES[v].symbol) for v in VARIABLES}
        params = {parameter_symbol("eta"): sympy.Symbol("η")}
        return "Δw_ij = " + str(sympy.factor_terms(self.expr.xreplace({**names, **params})))

    def latex(self) -> str:
        names = {SYMBOLS[v]: sympy.Symbol(VARIABLES[v].latex) for v in VARIABLES}
        params = {parameter_symbol("eta"): sympy.Symbol(r"\eta")}
        return r"\Delta w_{ij} = " + sympy.latex(sympy.factor_terms(self.expr.xreplace({**names,
                                                                                     **params})))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expression": str(self.expr),
            "pretty": self.pretty(),
            "latex": self.latex(),
            "parameters": self.parameters,
            "terms": [{"coefficient": str(t.coefficient), "powers": t.power,
                       "apparent_degree": t.apparent_degree,
                       "effective_degree": t.effective_degree} for t in self.terms],
            "apparent_degree": self.apparent_degree,
            "effective_degree": self.effective_degree,
            "variables": sorted(self.variables, key=ORDER.index),
            "supervised": self.is_supervised,
            "uses_feedback": self.uses_feedback,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LocalRule):
            return NotImplemented
        return sympy.expand(self.expr - other.expr) == 0 and self.parameters == other.parameters

    def __hash__(self) -> int:
        return hash(self.expr)

    def __repr__(self) -> str:
        name = f"{self.name}: " if self.name else ""
        return f"LocalRule({name}{self.expr})"


def enumerate_monomials(max_degree: int, variables: Iterable[str] = ("post", "pre", "w")
                        ) -> list[dict[str, int]]:
    """All monomials of apparent degree 0..max_degree over `variables`, as power dicts.

    They form a basis: a rule of degree ≤ d is a coefficient vector on it (C(n+d, d) entries).
    """
    names = []
    for v in variables:
        code = canonical(v)
        if code is None:
            raise RuleError(f"unknown local variable {v!r}")
        names.append(code)
    if max_degree < 0:
        raise RuleError("max_degree must be non-negative")
    monomials = []
    for degree in range(max_degree + 1):
        for combo in itertools.combinations_with_replacement(names, degree):
            powers: dict[str, int] = {}
            for v in combo:
                powers[v] = powers.get(v, 0) + 1
            monomials.append(powers)
    return monomials


def _check_parameters(parameters: Mapping[str, Any]) -> dict[str, float]:
    checked = {}
    for name, value in parameters.items():
        if canonical(name) is not None:
            raise RuleError(f"{name!r} is a local variable, not a parameter")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise RuleError(f"parameter {name}={value!r} is not a number") from None
        if number != number or abs(number) == float("inf"):
            raise RuleError(f"parameter {name}={value!r} is not finite")
        checked[name] = number
    return checked


def _normalize_symbols(expr: sympy.Expr) -> sympy.Expr:
    """Map any symbol named like a variable or alias onto the library's own symbols."""
    mapping = {}
    for symbol in expr.free_symbols:
        code = canonical(symbol.name)
        mapping[symbol] = SYMBOLS[code] if code is not None else parameter_symbol(symbol.name)
    return expr.xreplace(mapping)


def _parameters_of(expr: sympy.Expr, values: Mapping[str, float]) -> set[str]:
    used = set()
    for symbol in expr.free_symbols:
        if canonical(symbol.name) is not None:
            continue
        if symbol.name not in values:
            raise RuleError(f"parameter {symbol.name!r} has no value; pass {symbol.name}=VALUE")
        used.add(symbol.name)
    return used
