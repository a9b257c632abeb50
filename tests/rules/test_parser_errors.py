"""Bad input raises one RuleError that points at the problem, never a raw exception."""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolocal import LocalRule, RuleError, get_rule
from neurolocal.rules.bounds import MAX_DEGREE, MAX_TERMS
from neurolocal.rules.parse import SYMBOLS


@pytest.mark.parametrize("text,fragment", [
    ("", "empty rule"),
    ("   ", "empty rule"),
    ("eta*", "syntax error"),
    ("exp(w)", "'exp(w)' is a function call"),
    ("pre/post", "'post' is a divisor that contains a local variable"),
    ("pre/(w+1)", "divisor"),
    ("pre**-1", "negative or fractional power"),
    ("pre**0.5", "negative or fractional power"),
    ("post**pre", "exponent"),
    ("foo*pre", "'foo' is an unknown name"),
    ("0*pre", "identically zero"),
    ("pre - pre", "identically zero"),
    ("[pre]", "not allowed"),
    ("pre if post else w", "not allowed"),
    ("'a'*pre", "not a number"),
    ("True*pre", "not a number"),
    ("pre**99", "exponent above"),
    ("9**9**9", "exponent"),
    ("pre/0", "division by zero"),
    ("pre < post", "not allowed"),
    ("pre.real", "not allowed"),
    ("lambda: pre", "not allowed"),
    ("(" * 500 + "pre" + ")" * 500, "too many nested parentheses"),
])
def test_bad_rules(text, fragment):
    with pytest.raises(RuleError, match=None) as info:
        LocalRule(text)
    assert fragment in str(info.value)


def test_non_string_input():
    with pytest.raises(RuleError):
        LocalRule(3)  # type: ignore[arg-type]
    with pytest.raises(RuleError):
        get_rule(None)  # type: ignore[arg-type]
    with pytest.raises(RuleError, match="unknown rule version"):
        get_rule("sideways:hebb")


def test_division_by_parameters_is_polynomial():
    rule = LocalRule("eta*post*pre/c + pre/2")
    assert rule.apparent_degree == 2


TOKENS = ["pre", "post", "w", "target", "feedback", "dpost", "O_i", "O_j", "w_ij", "eta", "c",
          "foo", "exp", "1", "2", "0", "0.5", "-1", "+", "-", "*", "/", "**", "(", ")", " ",
          ",", ".", "[", "]", "'", "<", "e", "1e400", "nan", "__import__", ":", "=", "if"]


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=14).map("".join))
def test_fuzz_token_soup_never_crashes(text):
    try:
        rule = LocalRule(text)
    except RuleError as error:
        assert str(error)
        return
    # an accepted rule is a genuine polynomial in the local variables, within the limits
    assert 0 <= rule.apparent_degree <= MAX_DEGREE and len(rule.terms) <= MAX_TERMS
    assert all(math.isfinite(c) for c, _ in rule.numeric_terms())
    # (all six symbols: with none given, sympy would also ask for a polynomial in parameters)
    assert rule.expr.is_polynomial(*SYMBOLS.values())
    assert all(n >= 0 for t in rule.terms for _, n in t.powers)


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_arbitrary_text_never_crashes(text):
    try:
        rule = LocalRule(text)
    except RuleError:
        return
    assert rule.apparent_degree <= MAX_DEGREE and len(rule.terms) <= MAX_TERMS
