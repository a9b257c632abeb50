"""Compile a `LocalRule` into a Loihi learning-rule string (Lava's `Loihi2FLearningRule` /
`Loihi3FLearningRule` `dw`).

Each term α·Π x^n of Δw_ij becomes one product ``m*2^e*u0*f1*f2*…``: the dependency `u0` fires
once per learning epoch; the local variables map onto the traces and state the learning engine
reads (O_j → x1, the presynaptic trace; O_i → y1, the postsynaptic trace; B_i → y2, the graded
third factor a channel writes; T_i → y3; w_ij → w), a power n repeats the factor n times. The
coefficient α must be a mantissa m in −8..7 times 2^e with e in −7..8 (the profile's ranges).
When α is not exactly representable, compilation fails naming the term and the nearest
representable rule, unless `approximate=True` opts in to that nearest rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neurolocal.rules import LocalRule

from .errors import RuleCompileError
from .profiles import LOIHI2, ChipProfile

#: Local variable → learning-engine factor.
FACTORS: dict[str, str] = {"pre": "x1", "post": "y1", "feedback": "y2", "target": "y3",
                           "w": "w"}
DEPENDENCIES = ("u0", "x0", "y0")


@dataclass(frozen=True)
class CompiledTerm:
    coefficient: float  # α of the LocalRule term
    mantissa: int
    exponent: int
    factors: tuple[str, ...]
    dependency: str

    @property
    def value(self) -> float:
        """The representable coefficient m·2^e."""
        return self.mantissa * 2.0 ** self.exponent

    @property
    def exact(self) -> bool:
        return self.value == self.coefficient

    def text(self) -> str:
        scale = f"2^{self.exponent}" if abs(self.mantissa) == 1 else \
            f"{abs(self.mantissa)}*2^{self.exponent}"
        return "*".join([scale, self.dependency, *self.factors])


@dataclass(frozen=True)
class LoihiRule:
    """The compiled rule: `dw` is the string to pass to Lava's learning-rule classes."""

    rule: LocalRule
    terms: tuple[CompiledTerm, ...]
    t_epoch: int

    @property
    def dw(self) -> str:
        text = ""
        for k, term in enumerate(self.terms):
            sign = "-" if term.mantissa < 0 else "+"
            text += (("-" if sign == "-" else "") if k == 0 else f" {sign} ") + term.text()
        return text

    @property
    def exact(self) -> bool:
        return all(t.exact for t in self.terms)

    def inexact_terms(self) -> list[CompiledTerm]:
        return [t for t in self.terms if not t.exact]

    @property
    def uses_third_factor(self) -> bool:
        return any(f in ("y2", "y3") for t in self.terms for f in t.factors)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.label, "dw": self.dw, "t_epoch": self.t_epoch,
                "exact": self.exact,
                "terms": [{"coefficient": t.coefficient, "mantissa": t.mantissa,
                           "exponent": t.exponent, "value": t.value, "factors": list(t.factors),
                           "exact": t.exact} for t in self.terms]}


def nearest_scale(alpha: float, profile: ChipProfile = LOIHI2) -> tuple[int, int]:
    """The (m, e) with m in the mantissa range (m ≠ 0) and e in the exponent range that
    minimizes |m·2^e − α| (ties: the smaller |m|, then the smaller e)."""
    m_low, m_high = profile.learning_mantissa_range
    e_low, e_high = profile.learning_exp_range
    best: tuple[float, int, int, int] | None = None
    for e in range(e_low, e_high + 1):
        for m in range(m_low, m_high + 1):
            if m == 0:
                continue
            key = (abs(m * 2.0 ** e - alpha), abs(m), e, m)
            if best is None or key < best:
                best = key
    return best[3], best[2]


def compile_rule(rule: LocalRule, profile: ChipProfile = LOIHI2, approximate: bool = False,
                 dependency: str = "u0", t_epoch: int = 1) -> LoihiRule:
    """Compile `rule`; see the module docstring. Raises `RuleCompileError` for a variable the
    learning engine cannot read, a product with too many factors, or (without `approximate`)
    a coefficient that is not m·2^e."""
    if dependency not in DEPENDENCIES:
        raise RuleCompileError(f"dependency must be one of {DEPENDENCIES}, not {dependency!r}")
    terms = []
    for alpha, powers in rule.numeric_terms():
        unknown = [v for v in powers if v not in FACTORS]
        if unknown:
            raise RuleCompileError(
                f"rule {rule.label!r}: variable {unknown[0]!r} has no trace in the Loihi "
                "learning engine (it reads x1, y1, y2, y3, w); fold f'(S_i) into the feedback "
                "B_i the channel delivers" if unknown[0] == "dpost" else
                f"rule {rule.label!r}: variable {unknown[0]!r} has no Loihi equivalent")
        factors = tuple(FACTORS[v] for v, n in sorted(powers.items(),
                                                      key=lambda item: FACTORS[item[0]])
                        for _ in range(n))
        if len(factors) > profile.learning_factors:
            raise RuleCompileError(f"rule {rule.label!r}: term {alpha:g}·{'·'.join(factors)} "
                                   f"has {len(factors)} factors; the {profile.name} learning "
                                   f"engine multiplies at most {profile.learning_factors}")
        m, e = nearest_scale(alpha, profile)
        terms.append(CompiledTerm(alpha, m, e, factors, dependency))
    compiled = LoihiRule(rule, tuple(terms), int(t_epoch))
    if not compiled.exact and not approximate:
        bad = compiled.inexact_terms()[0]
        raise RuleCompileError(
            f"rule {rule.label!r}: coefficient {bad.coefficient:g} of {'*'.join(bad.factors)} "
            f"is not m*2^e (m in {profile.learning_mantissa_range}, e in "
            f"{profile.learning_exp_range}); nearest representable rule: dw = {compiled.dw} "
            "(pass approximate=True / --approximate to use it)")
    return compiled
