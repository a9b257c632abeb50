"""Compile a `LocalRule` into a Loihi learning-rule string (Lava's `Loihi2FLearningRule` /
`Loihi3FLearningRule` `dw`).

Each term α·Π x^n of Δw_ij becomes one product ``m*2^e*u0*f1*f2*…``: the dependency `u0` fires
once per learning epoch; the local variables map onto the traces and state the learning engine
reads (O_j → x1, the presynaptic trace; O_i → y1, the postsynaptic trace; B_i → y2, the graded
third factor a channel writes; T_i → y3; w_ij → w), a power n repeats the factor n times. The
coefficient α must be a mantissa m in −8..7 times 2^e with e in −7..8 (the profile's ranges).
When α is not exactly representable, compilation fails naming the term and the nearest
representable rule, unless `approximate=True` opts in to that nearest rule (a term smaller than
half the smallest m·2^e is then dropped: its nearest coefficient is 0).

With `units` (integers per 1.0 of each variable on the chip, `hw.fixed_point`) and
`weight_unit`, α is first converted to the chip's integer domain: a term α·Π v^n of Δw becomes
α·Wu^(1−n_w)/Π_{v≠w} units_v^n times 2^shift, the bits the engine drops after the product
(`hw.fixed_point.product_shift`), so that the integer update equals α·Π v^n in float units.
`constants` adds an integer to a variable's factor, ``(x1-64)``: a signed activity travels as
x1 = x + 64 (`hw.fixed_point`), and the engine computes (x1 − 64) = x.

Coefficients below the engine's resolution (`decimate=True`): the engine's u_k dependency
applies a product only every 2^k-th learning epoch (one k per rule), so a term α·w^n (no
trace: the same in every epoch) that no m·2^e represents well is applied as m·2^e ≈ 2^k·α
every 2^k-th epoch: the same change on average.
k (0..9: Lava parses u0 … u9) minimizes the largest relative error of the inexact terms; the other
terms then use the x0 dependency, which equals u0 when every presynaptic neuron spikes once per
epoch at its end (the trace step of `hw.fixed_point`; on-chip learning guarantees it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from neurolocal.rules import LocalRule

from .errors import RuleCompileError
from .fixed_point import product_shift
from .profiles import LOIHI2, ChipProfile

#: Local variable → learning-engine factor.
FACTORS: dict[str, str] = {"pre": "x1", "post": "y1", "feedback": "y2", "target": "y3",
                           "w": "w"}
DEPENDENCIES = ("u0", "x0", "y0")
MAX_DECIMATION = 9  # Lava parses u_k with one digit


@dataclass(frozen=True)
class CompiledTerm:
    coefficient: float  # α of the LocalRule term
    mantissa: int
    exponent: int
    factors: tuple[str, ...]
    dependency: str
    constants: tuple[int, ...] = ()  # per factor, added before the product (0: none)
    decimation: int = 0  # k: applied every 2^k-th epoch (dependency u_k)

    @property
    def value(self) -> float:
        """The coefficient per learning epoch on average, m·2^e/2^k (0: the term is
        dropped)."""
        return self.mantissa * 2.0 ** (self.exponent - self.decimation)

    @property
    def exact(self) -> bool:
        return math.isclose(self.value, self.coefficient, rel_tol=1e-9)

    @property
    def dropped(self) -> bool:
        return self.mantissa == 0

    @property
    def relative_error(self) -> float:
        """|m·2^e − α| / |α|."""
        return abs(self.value - self.coefficient) / abs(self.coefficient)

    def report(self) -> str:
        """One line: the term, the coefficient it needs, the nearest representable one."""
        needed = "*".join([f"{self.coefficient:.6g}", *self._factor_texts()])
        every = f" every 2^{self.decimation}-th epoch, {self.value:.6g} per epoch on average" \
            if self.decimation else ""
        if self.exact:
            return f"{needed}: exact ({self.text()}{every})"
        got = "dropped (nearest representable coefficient is 0)" if self.dropped else \
            f"nearest {self.text()}{every}" + ("" if every else f" = {self.value:.6g}")
        return f"{needed}: {got}, error {100 * self.relative_error:.3g}%"

    def _factor_texts(self) -> list[str]:
        constants = self.constants or (0,) * len(self.factors)
        return [f"({f}{c:+d})" if c else f for f, c in zip(self.factors, constants)]

    def text(self) -> str:
        scale = f"2^{self.exponent}" if abs(self.mantissa) == 1 else \
            f"{abs(self.mantissa)}*2^{self.exponent}"
        return "*".join([scale, self.dependency, *self._factor_texts()])


@dataclass(frozen=True)
class LoihiRule:
    """The compiled rule: `dw` is the string to pass to Lava's learning-rule classes."""

    rule: LocalRule
    terms: tuple[CompiledTerm, ...]
    t_epoch: int

    @property
    def dw(self) -> str:
        text = ""
        for k, term in enumerate(t for t in self.terms if not t.dropped):
            sign = "-" if term.mantissa < 0 else "+"
            text += (("-" if sign == "-" else "") if k == 0 else f" {sign} ") + term.text()
        return text or "0"

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
                           "constants": list(t.constants), "decimation": t.decimation,
                           "exact": t.exact, "relative_error": t.relative_error,
                           "report": t.report()} for t in self.terms]}


def nearest_scale(alpha: float, profile: ChipProfile = LOIHI2,
                  allow_zero: bool = False) -> tuple[int, int]:
    """The (m, e) with m in the mantissa range (m ≠ 0) and e in the exponent range that
    minimizes |m·2^e − α| (ties: the smaller |m|, then the smaller e); with `allow_zero`,
    (0, 0) when 0 is nearer."""
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
    if allow_zero and abs(alpha) < best[0]:
        return 0, 0
    return best[3], best[2]


def _decimate(terms: list[CompiledTerm], profile: ChipProfile) -> list[CompiledTerm]:
    """Apply the inexact terms that read no trace (w, e.g. a weight decay: the same value in
    every epoch) every 2^k-th epoch with 2^k times their coefficient, for the k that minimizes
    their largest relative error (unchanged when k = 0 is best). A term with traces would
    sample one epoch in 2^k instead of averaging them (measured: it breaks ARBP's C)."""
    inexact = [t for t in terms if not t.exact and set(t.factors) <= {"w"}]
    if not inexact:
        return terms

    def error(k: int) -> float:
        return max(abs(m * 2.0 ** (e - k) - t.coefficient) / abs(t.coefficient)
                   for t in inexact
                   for m, e in [nearest_scale(t.coefficient * 2 ** k, profile, True)])

    best = min(range(MAX_DECIMATION + 1), key=lambda k: (error(k), k))
    if best == 0:
        return terms
    result = []
    for t in terms:
        if t not in inexact:
            result.append(replace(t, dependency="x0"))
        else:
            m, e = nearest_scale(t.coefficient * 2 ** best, profile, allow_zero=True)
            result.append(replace(t, mantissa=m, exponent=e, dependency=f"u{best}",
                                  decimation=best))
    return result


def compile_rule(rule: LocalRule, profile: ChipProfile = LOIHI2, approximate: bool = False,
                 dependency: str = "u0", t_epoch: int = 1, units: dict[str, float] | None = None,
                 weight_unit: float = 1.0, where: str = "",
                 constants: dict[str, int] | None = None,
                 factor_map: dict[str, str] | None = None,
                 decimate: bool = False) -> LoihiRule:
    """Compile `rule`; see the module docstring. `factor_map` replaces `FACTORS` (a backward
    projection reads its variables from other traces). Raises `RuleCompileError` for a
    variable the learning engine cannot read (or, with `units`, one the chip does not deliver
    to this projection), a product with too many factors, or (without `approximate`) a
    coefficient that is not m·2^e (on average, with `decimate`)."""
    if dependency not in DEPENDENCIES:
        raise RuleCompileError(f"dependency must be one of {DEPENDENCIES}, not {dependency!r}")
    mapping = FACTORS if factor_map is None else factor_map
    constants = constants or {}
    terms = []
    for alpha, powers in rule.numeric_terms():
        unknown = [v for v in powers if v not in mapping]
        if unknown:
            raise RuleCompileError(
                f"rule {rule.label!r}: variable {unknown[0]!r} has no trace in the Loihi "
                "learning engine (it reads x1, y1, y2, y3, w); fold f'(S_i) into the feedback "
                "B_i the channel delivers" if unknown[0] == "dpost" else
                f"rule {rule.label!r}{where}: variable {unknown[0]!r} is not local to this "
                "projection on the chip" if unknown[0] in FACTORS else
                f"rule {rule.label!r}: variable {unknown[0]!r} has no Loihi equivalent")
        ordered = [v for v, n in sorted(powers.items(), key=lambda item: mapping[item[0]])
                   for _ in range(n)]
        factors = tuple(mapping[v] for v in ordered)
        offsets = tuple(constants.get(v, 0) for v in ordered)
        if len(factors) > profile.learning_factors:
            raise RuleCompileError(f"rule {rule.label!r}: term {alpha:g}·{'·'.join(factors)} "
                                   f"has {len(factors)} factors; the {profile.name} learning "
                                   f"engine multiplies at most {profile.learning_factors}")
        if units is not None:
            missing = [v for v in powers if v != "w" and v not in units]
            if missing:
                raise RuleCompileError(f"rule {rule.label!r}{where}: variable {missing[0]!r} is "
                                       "not local to this projection on the chip")
            alpha = alpha * weight_unit ** (1 - powers.get("w", 0)) * 2.0 ** product_shift(
                factors)
            for v, n in powers.items():
                if v != "w":
                    alpha /= units[v] ** n
        m, e = nearest_scale(alpha, profile, allow_zero=True)
        terms.append(CompiledTerm(alpha, m, e, factors, dependency,
                                  offsets if any(offsets) else ()))
    if decimate:
        terms = _decimate(terms, profile)
    compiled = LoihiRule(rule, tuple(terms), int(t_epoch))
    if not compiled.exact and not approximate:
        bad = compiled.inexact_terms()[0]
        raise RuleCompileError(
            f"rule {rule.label!r}{where}: term {bad.report()} (m in "
            f"{profile.learning_mantissa_range}, e in {profile.learning_exp_range}); nearest "
            f"representable rule: dw = {compiled.dw} (pass approximate=True / --approximate "
            "to use it)")
    return compiled
