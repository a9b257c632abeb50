"""The Brian2 code generated from a rule's terms: each part re-evaluated independently.

The rate update must equal the rule evaluated by sympy at random points; the spiking parts must
satisfy on_post * O_i + on_pre * O_j + on_clock = F (each term keeps its carrying factor), checked
numerically at random points (tolerance 1e-12 relative)."""

import numpy as np
import pytest
import sympy

from neurolocal.backends.brian2.codegen import brian2_identifier, compile_rule
from neurolocal.rules import LocalRule, get_rule

pytestmark = pytest.mark.brian2

RULES = ["hebb", "oja", "hebb_decay", "delta", "backprop", "clamped:oja",
         "eta*post**2*pre*w*dpost - c*w*target + 0.5*feedback*pre**2 - 0.1"]


def _evaluate(code: str, values: dict[str, float]) -> float:
    return float(sympy.sympify(code).subs(values))


@pytest.mark.parametrize("spec", RULES)
def test_generated_parts_reassemble_the_rule(spec):
    rule = get_rule(spec)
    brule = compile_rule(rule)
    rng = np.random.default_rng(0)
    for _ in range(5):
        point = dict(zip(["r_post", "r_pre", "w", "T_post", "B_post", "fp_post"],
                         rng.uniform(-2, 2, 6)))
        values = {**point, **rule.parameters}
        expected = float(rule.expr.subs({
            sympy.Symbol("post"): point["r_post"], sympy.Symbol("pre"): point["r_pre"],
            sympy.Symbol("w"): point["w"], sympy.Symbol("target"): point["T_post"],
            sympy.Symbol("feedback"): point["B_post"], sympy.Symbol("dpost"): point["fp_post"],
            **{sympy.Symbol(k): v for k, v in rule.parameters.items()}}))
        assert _evaluate(brule.update, values) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        spiking = (_evaluate(brule.on_post, values) * point["r_post"]
                   + _evaluate(brule.on_pre, values) * point["r_pre"]
                   + _evaluate(brule.on_clock, values))
        assert spiking == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_terms_go_to_the_spike_that_carries_them():
    brule = compile_rule(get_rule("oja"))  # η(O_i O_j − O_i² w): both terms carry O_i
    assert brule.on_pre == "0" and brule.on_clock == "0"
    assert sympy.simplify(sympy.sympify(brule.on_post)
                          - sympy.sympify("eta*(r_pre - r_post*w)")) == 0
    decay = compile_rule(get_rule("hebb_decay"))  # −c w carries no spike: learning clock
    assert sympy.sympify(decay.on_clock) == sympy.sympify("-c*w")
    delta = compile_rule(get_rule("delta"))  # η T O_j on pre spikes, −η O_i O_j on post
    assert sympy.sympify(delta.on_pre) == sympy.sympify("eta*T_post")
    assert sympy.sympify(delta.on_post) == sympy.sympify("-eta*r_pre")


def test_bias_code_sets_pre_to_one_and_w_to_b():
    brule = compile_rule(get_rule("oja", eta=0.5))
    value = _evaluate(brule.bias_update, {"r": 0.3, "b": 2.0, "eta_bias": 0.5})
    assert value == pytest.approx(0.5 * (0.3 * 1.0 - 0.3**2 * 2.0), rel=1e-12)
    assert brule.bias_parameters == {"eta_bias": 0.5}


def test_reserved_brian2_names_are_renamed():
    assert brian2_identifier("e") == "e_rule"  # Brian2's constant e
    assert brian2_identifier("eta") == "eta"
    brule = compile_rule(LocalRule("e*post*pre", e=0.2))
    assert brule.parameters == {"e_rule": 0.2}
    assert "e_rule" in brule.update and "e_rule : 1 (shared, constant)" in \
        brule.parameter_declarations

