"""Grammar-based fuzzing of rules (issue 13, item 5): nested powers, huge and odd numbers,
parameters, every local variable, and `from_terms` with any coefficients. Zero escapes: a rule
is accepted within the limits or refused with RuleError (the parser's token-soup and
arbitrary-text fuzzers live in tests/rules/test_parser_errors.py)."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neurolocal import LocalRule, RuleError
from neurolocal.rules.bounds import MAX_DEGREE, MAX_DIGITS, MAX_TERMS

ATOMS = ["post", "pre", "w", "target", "feedback", "dpost", "O_i", "w_ij", "eta", "c", "alpha",
         "theta", "0", "1", "2", "0.5", "1e60", "1e61", "1e-300", "1e999", "9" * 40, "(-1)",
         "1_000"]
EXPONENTS = ["0", "1", "2", "3", "7", "16", "17", "0.5", "-1", "-0.5", "1e999", "2.0", "(1)"]


def expressions(depth: int = 4) -> st.SearchStrategy[str]:
    return st.recursive(
        st.sampled_from(ATOMS),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner)
            .map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            st.tuples(inner, st.sampled_from(EXPONENTS)).map(lambda t: f"({t[0]})**{t[1]}"),
            inner.map(lambda e: f"-{e}")),
        max_leaves=12)


def assert_within_limits(rule: LocalRule) -> None:
    assert rule.apparent_degree <= MAX_DEGREE
    assert len(rule.terms) <= MAX_TERMS
    for coefficient, powers in rule.numeric_terms():
        assert math.isfinite(coefficient) and 0 < abs(coefficient) < 10.0 ** (2 * MAX_DIGITS)
        assert all(0 < n <= MAX_DEGREE for n in powers.values())


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(expressions())
def test_fuzz_rule_grammar(text):
    try:
        rule = LocalRule(text)
    except RuleError as error:
        assert str(error)
        return
    assert_within_limits(rule)


coefficients = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(),
                         st.sampled_from(["eta", "c*eta", "1/c", "post", "eta**99", "", "x"]),
                         st.complex_numbers(), st.none(), st.booleans())
powers = st.dictionaries(st.sampled_from(["post", "pre", "w", "target", "feedback", "dpost",
                                          "O_j", "nope", 3]),
                         st.one_of(st.integers(-2, 20), st.floats(0, 3), st.booleans()),
                         max_size=4)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(coefficients, powers), max_size=6))
def test_fuzz_from_terms(terms):
    try:
        rule = LocalRule.from_terms(terms)
    except RuleError as error:
        assert str(error)
        return
    assert_within_limits(rule)
