"""Degrees and structure of rules, against hand-derived values and independent sympy algebra."""

import pytest
import sympy

from neurolocal import LocalRule, RuleError, get_rule
from neurolocal.rules import LocalityContext

# (rule, apparent degree, effective degree in w) derived by hand from THEORY.md section 2
HAND = [
    ("hebb", 2, 1),
    ("anti_hebb", 2, 1),
    ("hebb_decay", 2, 1),
    ("oja", 3, 3),
    ("clamped_hebb", 2, 0),
    ("delta", 2, 1),
    ("perceptron", 2, 1),
    ("backprop", 2, 0),
    ("eta*post**2*pre*w**2", 5, 4),
    ("c*w", 1, 1),
    ("eta*target*feedback*dpost*pre", 4, 0),
]


@pytest.mark.parametrize("spec,apparent,effective", HAND)
def test_degrees_match_hand_derivation(spec, apparent, effective):
    rule = get_rule(spec)
    assert rule.apparent_degree == apparent
    assert rule.effective_degree == effective


def test_term_structure_of_oja():
    oja = get_rule("oja", eta=0.5)
    terms = {tuple(sorted(t.power.items())): float(t.coefficient.subs("eta", 0.5))
             for t in oja.terms}
    assert terms == {(("post", 1), ("pre", 1)): 0.5, (("post", 2), ("w", 1)): -0.5}
    assert sorted(oja.numeric_terms(), key=str) == sorted(
        [(0.5, {"post": 1, "pre": 1}), (-0.5, {"post": 2, "w": 1})], key=str)


def test_paper_symbols_are_aliases():
    assert LocalRule("eta*(O_i*O_j - O_i**2*w_ij)") == get_rule("oja")
    assert LocalRule("eta*B_i*O_j") == get_rule("backprop")
    assert LocalRule("eta*T_i*O_j") == get_rule("clamped_hebb")


def test_from_terms_equals_string():
    built = LocalRule.from_terms([("eta", {"O_i": 1, "pre": 1}), ("-c", {"w": 1})])
    assert built == get_rule("hebb_decay")
    with pytest.raises(RuleError, match="power"):
        LocalRule.from_terms([(1, {"pre": -1})])
    with pytest.raises(RuleError, match="unknown local variable"):
        LocalRule.from_terms([(1, {"spike": 1})])


def test_flags():
    assert get_rule("delta").is_supervised and not get_rule("delta").uses_feedback
    assert get_rule("backprop").uses_feedback and not get_rule("backprop").is_supervised
    assert get_rule("oja").variables == {"post", "pre", "w"}


def test_parameters_defaults_and_values():
    rule = LocalRule("k*post*pre", k=3)
    assert rule.parameters == {"k": 3.0}
    assert rule.numeric_terms() == [(3.0, {"post": 1, "pre": 1})]
    assert get_rule("hebb", eta=0.2).numeric_terms() == [(0.2, {"post": 1, "pre": 1})]
    with pytest.raises(RuleError, match="not a number"):
        LocalRule("k*pre", k="fast")


def _sympy_degrees(text: str) -> tuple[int, int]:
    """Independent computation: plain sympy on the raw text with our names as symbols."""
    names = "post pre w target feedback dpost"
    post, pre, w, target, feedback, dpost = sympy.symbols(names)
    eta, c = sympy.symbols("eta c")
    expr = sympy.expand(sympy.sympify(text, locals=dict(
        post=post, pre=pre, w=w, target=target, feedback=feedback, dpost=dpost, eta=eta, c=c)))
    apparent = sympy.Poly(expr, post, pre, w, target, feedback, dpost).total_degree()
    effective = sympy.Poly(expr, post, w).total_degree()
    return apparent, effective


@pytest.mark.parametrize("text", [
    "eta*(post + pre)**3", "(post - w)**2*(pre + target)", "eta*post*pre - c*w**4 + 2",
    "(post*pre + w)**2 - post**2*w**2", "feedback*pre*(1 - dpost)**2",
])
def test_degrees_match_sympy(text):
    rule = LocalRule(text)
    assert (rule.apparent_degree, rule.effective_degree) == _sympy_degrees(text)


def test_locality_rejections_name_the_variable():
    with pytest.raises(RuleError, match=r"'target' \(T_i\).*hidden"):
        get_rule("delta").check_locality(LocalityContext("hidden", None))
    with pytest.raises(RuleError, match=r"'feedback' \(B_i\).*no learning channel"):
        get_rule("backprop").check_locality(LocalityContext("hidden", None))
    with pytest.raises(RuleError, match="feedback"):
        get_rule("backprop").check_locality(LocalityContext("output", None))
    get_rule("delta").check_locality(LocalityContext("output", None))
    get_rule("delta").check_locality(LocalityContext("hidden", "targets"))
    get_rule("backprop").check_locality(LocalityContext("hidden", "feedback"))
    get_rule("oja").check_locality(LocalityContext("hidden", None))
    with pytest.raises(RuleError):
        LocalityContext("middle")
