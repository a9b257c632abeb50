"""Named local rules (THEORY.md section 2) and lookup by name or expression.

``get_rule("oja")``, ``get_rule("clamped:oja")`` (O_i → T_i), ``get_rule("gradient:hebb")``
(O_i → T_i − O_i), or any expression: ``get_rule("eta*post*pre - c*w")``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import RuleError
from .rule import LocalRule


@dataclass(frozen=True)
class NamedRule:
    name: str
    expression: str
    description: str


NAMED_RULES: dict[str, NamedRule] = {
    r.name: r
    for r in (
        NamedRule("hebb", "eta*post*pre", "simple Hebb Δw = η O_i O_j"),
        NamedRule("anti_hebb", "-eta*post*pre", "anti-Hebb Δw = −η O_i O_j"),
        NamedRule("hebb_decay", "eta*post*pre - c*w", "Hebb with decay Δw = η O_i O_j − c w_ij"),
        NamedRule("oja", "eta*(post*pre - post**2*w)", "Oja Δw = η (O_i O_j − O_i² w_ij)"),
        NamedRule("clamped_hebb", "eta*target*pre", "clamped (supervised) Hebb Δw = η T_i O_j"),
        NamedRule("delta", "eta*(target - post)*pre",
                  "gradient descent / delta / LMS Δw = η (T_i − O_i) O_j"),
        NamedRule("perceptron", "eta*(target - post)*pre",
                  "perceptron Δw = η (T_i − O_i) O_j on threshold gates"),
        NamedRule("backprop", "eta*feedback*pre",
                  "back-propagation form Δw = η B_i O_j (B_i delivered by a channel)"),
    )
}

ALIASES = {"lms": "delta", "gradient_descent": "delta", "bp": "backprop",
           "simple_hebb": "hebb", "antihebb": "anti_hebb"}

VERSIONS = {"clamped": LocalRule.clamped, "gradient": LocalRule.gradient}


def get_rule(spec: str | LocalRule, **parameters: float) -> LocalRule:
    """A rule from a library name, ``clamped:NAME`` / ``gradient:NAME``, or an expression."""
    if isinstance(spec, LocalRule):
        return spec.with_parameters(**parameters) if parameters else spec
    if not isinstance(spec, str):
        raise RuleError(f"a rule is a name or an expression, not {type(spec).__name__}")
    text = spec.strip()
    version, sep, rest = text.partition(":")
    if sep and version in VERSIONS:
        return VERSIONS[version](get_rule(rest, **parameters))
    if sep:
        raise RuleError(f"unknown rule version {version!r}: use one of {', '.join(VERSIONS)}")
    key = ALIASES.get(text, text)
    if key in NAMED_RULES:
        return LocalRule(NAMED_RULES[key].expression, name=key, **parameters)
    return LocalRule(text, **parameters)
