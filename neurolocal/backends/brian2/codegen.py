"""A `LocalRule` written as Brian2 code, generated from the rule's terms.

Every local variable becomes a Brian2 variable of the synapse or of the unit on its side:

| rule variable | symbol  | Brian2 name (in `Synapses` code) |
|---------------|---------|----------------------------------|
| post          | O_i     | ``r_post``                       |
| pre           | O_j     | ``r_pre``                        |
| w             | w_ij    | ``w``                            |
| target        | T_i     | ``T_post``                       |
| feedback      | B_i     | ``B_post``                       |
| dpost         | f'(S_i) | ``fp_post``                      |

Rule parameters (η, c, ...) become ``(shared, constant)`` synaptic variables of the same name, so a
`cpp_standalone` build can rerun with new values without recompiling.

Rate models apply the whole polynomial once per sample (``w += F``). Spiking models split it by
which spike carries each term (THEORY.md section 1: traces stand for O_i and O_j): a term with
O_i^a (a ≥ 1) runs on each postsynaptic spike as α O_i^(a−1) ... (the spike is the missing O_i
factor), a term with O_j^b but no O_i on each presynaptic spike, and a term with neither runs on
the learning clock. With traces that jump by 1 and decay with τ, every part then changes w at the
averaged rate (α/τ) · E[term] (O = ντ for a unit firing at rate ν).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ...rules import LocalRule
from ...rules.parse import SYMBOLS, parameter_symbol

#: Brian2 variable standing for each local variable, seen from a synapse.
SYNAPSE_NAMES: dict[str, str] = {
    "post": "r_post",
    "pre": "r_pre",
    "w": "w",
    "target": "T_post",
    "feedback": "B_post",
    "dpost": "fp_post",
}

#: A learned backward synapse of a pathway source → dest (Brian2 pre = source unit, post = dest
#: unit) learns like the forward rule with O_i = O^source, O_j = O^dest, B_i = B^source
#: (symmetry of learning rules, ARBP/ASRBP), and its weight is C.
BACKWARD_NAMES: dict[str, str] = {
    "post": "r_pre",
    "pre": "r_post",
    "w": "C",
    "target": "T_pre",
    "feedback": "B_pre",
    "dpost": "fp_pre",
}

#: The same variables seen from the postsynaptic unit itself (a bias is a weight from a unit
#: clamped to 1, so it lives on the unit, with O_j = 1).
UNIT_NAMES: dict[str, str] = {
    "post": "r",
    "w": "b",
    "target": "T",
    "feedback": "B",
    "dpost": "fp",
}


def brian2_identifier(name: str) -> str:
    """`name` if Brian2 accepts it as a variable name (not a unit, function or constant such as
    ``e``), else ``name_rule``."""
    from brian2.equations.equations import Equations

    try:
        for check in Equations.identifier_checks:
            check(name)
    except SyntaxError:
        return f"{name}_rule"
    return name


@dataclass(frozen=True)
class Brian2Rule:
    """The Brian2 code of one rule.

    `update` is the per-sample weight change F as a Brian2 expression (rate models);
    `on_pre` / `on_post` / `on_clock` are the three event parts of the spiking form (each an
    expression added to w, "0" when empty); `bias_update` is F for the bias (O_j = 1, w = b) in
    the unit's own namespace, its parameters suffixed ``_bias`` (Brian2 forbids a unit and its
    synapses sharing a name); `parameters` maps Brian2 parameter names to values.
    """

    rule: LocalRule
    update: str
    on_pre: str
    on_post: str
    on_clock: str
    bias_update: str
    parameters: dict[str, float] = field(default_factory=dict)

    @property
    def parameter_declarations(self) -> str:
        """Model lines declaring the parameters, changeable between standalone runs."""
        return "\n".join(f"{name} : 1 (shared, constant)" for name in self.parameters)

    @property
    def bias_parameters(self) -> dict[str, float]:
        return {f"{name}_bias": value for name, value in self.parameters.items()}

    @property
    def bias_parameter_declarations(self) -> str:
        return "\n".join(f"{name} : 1 (shared, constant)" for name in self.bias_parameters)

    def __str__(self) -> str:
        lines = [f"# {self.rule.pretty()}",
                 f"rate, per sample:   w += {self.update}",
                 f"spiking, on_pre:    w += eta_scale * ({self.on_pre})",
                 f"spiking, on_post:   w += eta_scale * ({self.on_post})",
                 f"spiking, per tick:  w += eta_scale * dt_learn/tau_O * ({self.on_clock})",
                 f"bias, per sample:   b += {self.bias_update}"]
        lines += [f"{name} = {value!r}" for name, value in self.parameters.items()]
        return "\n".join(lines)


def compile_rule(rule: LocalRule, names: dict[str, str] = SYNAPSE_NAMES) -> Brian2Rule:
    """Generate the Brian2 code of `rule` from its terms (no per-rule template); `names` maps
    the rule's variables to Brian2 names (BACKWARD_NAMES for learned backward synapses, whose
    spiking parts are then not meaningful)."""
    parameter_names = {p: brian2_identifier(p) for p in rule.parameters}
    rename_parameters = {parameter_symbol(p): sympy.Symbol(n) for p, n in parameter_names.items()}
    synapse = {SYMBOLS[v]: sympy.Symbol(n) for v, n in names.items()}
    parts: dict[str, sympy.Expr] = {"pre": sympy.Integer(0), "post": sympy.Integer(0),
                                    "clock": sympy.Integer(0)}
    for term in rule.terms:
        power = term.power
        coefficient = term.coefficient.subs(rename_parameters)
        if power.get("post"):
            carrier, removed = "post", "post"
        elif power.get("pre"):
            carrier, removed = "pre", "pre"
        else:
            carrier, removed = "clock", None
        reduced = {v: n - (v == removed) for v, n in power.items()}
        parts[carrier] += coefficient * sympy.Mul(*(SYMBOLS[v] ** n for v, n in reduced.items()))
    full = rule.expr.subs(rename_parameters)
    unit = {SYMBOLS[v]: sympy.Symbol(n) for v, n in UNIT_NAMES.items()}
    unit[SYMBOLS["pre"]] = sympy.Integer(1)
    unit.update({parameter_symbol(p): sympy.Symbol(f"{n}_bias")
                 for p, n in parameter_names.items()})
    return Brian2Rule(
        rule=rule,
        update=_code(full.subs(synapse, simultaneous=True)),
        on_pre=_code(parts["pre"].subs(synapse, simultaneous=True)),
        on_post=_code(parts["post"].subs(synapse, simultaneous=True)),
        on_clock=_code(parts["clock"].subs(synapse, simultaneous=True)),
        bias_update=_code(rule.expr.subs(unit, simultaneous=True)),
        parameters={parameter_names[p]: v for p, v in rule.parameters.items()},
    )


def _code(expr: sympy.Expr) -> str:
    """A Brian2 expression string (Brian2 parses sympy's Python syntax)."""
    return str(sympy.factor_terms(sympy.expand(expr)))
