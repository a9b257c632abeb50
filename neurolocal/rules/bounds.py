"""Cost bounds of a rule, computed on its unexpanded expression tree before anything is expanded.

A rule is a polynomial; expanding ``(post+pre+w+target+feedback+dpost)**16`` has 74,613 terms
and takes minutes. `Size` bounds, for any sub-expression, what expanding it would produce: its
degree in the local variables, its degree counting parameters too, an upper bound on the number
of monomials (the smaller of the product of the factors' term counts and the number of
monomials C(s + d, d) in its s symbols of degree ≤ d), and the decimal exponent of its largest
(or smallest) coefficient. The parser checks every sub-expression before building it and
`LocalRule` checks sympy input before expanding it, so an accepted rule has at most
`MAX_TERMS` terms of degree ≤ `MAX_DEGREE` and every rule operation on it stays cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce

import sympy

from .errors import RuleError
from .variables import VARIABLES

#: Largest degree of a rule in the local variables (Σ of a term's powers).
MAX_DEGREE = 16
#: Largest degree counting parameters as well (e.g. eta**4 * post**2 has 6).
MAX_TOTAL_DEGREE = 32
#: Largest number of monomials the expanded rule may have (bounded before expansion).
MAX_TERMS = 128
#: Coefficients stay within 10^±MAX_DIGITS.
MAX_DIGITS = 60

_CAP = MAX_TERMS + 1  # term counts are capped here: only "too many" matters above it


@dataclass(frozen=True)
class Size:
    degree: int  # in the local variables
    total: int  # in local variables and parameters
    terms: int  # upper bound on monomials after expansion (capped at MAX_TERMS + 1)
    symbols: frozenset[str]
    digits: float  # bound on |log10| of the coefficients

    def problem(self) -> str | None:
        """Which limit the expansion would break, or None."""
        if self.degree > MAX_DEGREE:
            return (f"has degree {self.degree} in the local variables; the limit is "
                    f"{MAX_DEGREE}")
        if self.total > MAX_TOTAL_DEGREE:
            return (f"has degree {self.total} counting parameters; the limit is "
                    f"{MAX_TOTAL_DEGREE}")
        if self.terms > MAX_TERMS:
            return f"would expand to more than {MAX_TERMS} terms (the limit)"
        if self.digits > MAX_DIGITS:
            return f"has a coefficient beyond 1e±{MAX_DIGITS} (the limit)"
        return None


def _monomials(symbols: int, degree: int) -> int:
    """Monomials of degree ≤ `degree` in `symbols` symbols: C(symbols + degree, degree)."""
    return math.comb(symbols + degree, degree) if degree < 10_000 else _CAP


def number(value: sympy.Expr) -> Size:
    """A numeric constant; RuleError when it is not a finite real number."""
    if value.is_extended_real is False or not value.is_finite:
        raise RuleError(f"{value} is not a finite real number")
    if value.is_Rational:
        digits = max(_log10(value.p), _log10(value.q))
    else:
        magnitude = abs(float(value))
        digits = abs(math.log10(magnitude)) if magnitude > 0 else 0.0
    return Size(0, 0, 1, frozenset(), digits)


def _log10(n: int) -> float:
    n = abs(int(n))
    return (n.bit_length() - 1) * math.log10(2) if n > 0 else 0.0


def symbol(name: str) -> Size:
    return Size(1 if name in VARIABLES else 0, 1, 1, frozenset({name}), 0.0)


def add(*sizes: Size) -> Size:
    symbols = frozenset().union(*(s.symbols for s in sizes))
    total = max(s.total for s in sizes)
    return Size(max(s.degree for s in sizes), total,
                min(_CAP, sum(s.terms for s in sizes), _monomials(len(symbols), total)), symbols,
                max(s.digits for s in sizes) + math.log10(len(sizes)))


def mul(*sizes: Size) -> Size:
    symbols = frozenset().union(*(s.symbols for s in sizes))
    total = sum(s.total for s in sizes)
    terms = reduce(lambda a, b: min(_CAP, a * b), (s.terms for s in sizes), 1)
    return Size(sum(s.degree for s in sizes), total,
                min(terms, _monomials(len(symbols), total)), symbols,
                sum(s.digits for s in sizes))


def power(base: Size, exponent: int) -> Size:
    """``base ** exponent`` for an integer exponent (a negative one only on a base free of
    local variables: a coefficient, not expanded)."""
    k = abs(exponent)
    total = base.total * k
    terms = 1 if exponent < 0 else min(_CAP, base.terms ** min(k, 64),
                                       _monomials(len(base.symbols), total))
    return Size(base.degree * k, total, terms, base.symbols,
                k * (base.digits + math.log10(max(base.terms, 1))))


def inverse(size: Size) -> Size:
    """1 / x for x free of local variables (a coefficient: not expanded)."""
    return Size(0, size.total, 1, size.symbols, size.digits)


def size_of(expr: sympy.Expr) -> Size:
    """The `Size` of a sympy expression, walking its unexpanded tree (shared sub-trees once);
    RuleError for anything that is not a polynomial in the local variables."""
    memo: dict[sympy.Basic, Size] = {}

    def walk(e: sympy.Basic) -> Size:
        if e in memo:
            return memo[e]
        if e.is_Symbol:
            out = symbol(e.name)
        elif e.is_Number or e.is_NumberSymbol or e is sympy.I:
            out = number(e)
        elif e.is_Add:
            out = add(*(walk(a) for a in e.args))
        elif e.is_Mul:
            out = mul(*(walk(a) for a in e.args))
        elif e.is_Pow:
            base, exponent = e.args
            b = walk(base)
            if not exponent.is_Number:
                raise RuleError(f"{e} has a non-numeric exponent")
            if b.degree and (not exponent.is_Integer or exponent < 0):
                raise RuleError(f"{e} is a negative or fractional power of a local variable")
            if not exponent.is_Integer:  # a root of a coefficient, e.g. eta**0.5
                out = Size(0, b.total, 1, b.symbols, b.digits)
            elif abs(exponent) > 10**6:
                raise RuleError(f"{e} has an exponent beyond any limit")
            else:
                out = power(b, int(exponent))
        else:
            raise RuleError(f"{e} is not a polynomial in the local variables")
        problem = out.problem()
        if problem is not None:
            raise RuleError(f"{_short(e)} {problem}")
        memo[e] = out
        return out

    return walk(expr)


def _short(expr: sympy.Basic) -> str:
    text = str(expr)
    return f"'{text}'" if len(text) <= 60 else f"'{text[:57]}...'"
