"""Bounded cost of hostile rules (issue 13, item 3): limits checked on the unexpanded tree,
RuleError naming the limit, and every operation on an accepted rule within 2 s and 500 MB."""

from __future__ import annotations

import math
import resource
import time

import pytest

from neurolocal import LocalRule, RuleError
from neurolocal.rules.bounds import MAX_DEGREE, MAX_TERMS


def refused(text: str, match: str) -> None:
    start = time.process_time()
    with pytest.raises(RuleError, match=match):
        LocalRule(text)
    assert time.process_time() - start < 0.5  # refused before any expansion


def test_six_variables_to_the_16th_refused_by_its_term_count():
    # expanding would give C(6+16-1, 16) = 20349 monomials of degree 16 alone
    assert math.comb(21, 16) > MAX_TERMS
    refused("(post+pre+w+target+feedback+dpost)**16", "more than 128 terms")
    refused("((post+pre+w+target+feedback+dpost)**16)**16", "more than 128 terms")


def test_nested_powers_refused_by_degree():
    refused("(((post**16)**16)**16)", "degree 256 in the local variables; the limit is 16")


def test_degree_limit_is_exact():
    assert LocalRule(f"post**{MAX_DEGREE}").apparent_degree == MAX_DEGREE
    refused(f"post**{MAX_DEGREE}*pre", f"degree {MAX_DEGREE + 1} .* limit is {MAX_DEGREE}")
    refused("(post*pre)**9", "degree 18")


def test_term_limit_is_an_upper_bound_not_a_guess():
    # (post+pre+target+1)**7 has C(3+7, 7) = 120 ≤ 128 terms: accepted, and really has 120
    rule = LocalRule("(post+pre+target+1)**7")
    assert len(rule.terms) == math.comb(10, 7) == 120
    # **8 would have C(11, 8) = 165 terms
    refused("(post+pre+target+1)**8", "more than 128 terms")


@pytest.mark.parametrize("text, match", [
    ("post**1e999", "not a finite exponent"),
    ("(-1)**0.5*post", "not a real number"),
    ("post\0*pre", "NUL byte at column 5"),
    ("1e300*post", "beyond 1e60"),
    ("((((9**16)**16)**16)**16)*post", "coefficient beyond"),
    ("1" + "0" * 5000 + "*post", "cannot be read|Exceeds the limit"),
    ("post**-1", "negative or fractional power"),
    ("(eta+c+alpha+beta+gamma+theta)**16*post", "degree|terms"),
])
def test_hostile_rule_strings(text, match):
    refused(text, match)


def test_negative_parameter_under_a_root_is_refused_with_its_value():
    with pytest.raises(RuleError, match="not a real number"):
        LocalRule("(eta - 1)**0.5 * post * pre", eta=0.5)
    assert LocalRule("eta**0.5 * post * pre", eta=0.25).numeric_terms() == \
        [(0.5, {"post": 1, "pre": 1})]


@pytest.mark.parametrize("terms, match", [
    ([(float("nan"), {"post": 1})], "not finite"),
    ([(float("inf"), {"post": 1, "pre": 1})], "not finite"),
    ([(1.0, {"post": 17})], "integer in 0..16"),
    ([(1.0, {"post": True})], "integer in 0..16"),
    ([(1.0, "post")], "mapping"),
    ([(1j, {"post": 1})], "not a number"),
    ([(1.0, {"post": 1})] * 129, "more than 128 terms"),
])
def test_from_terms_refuses_bad_terms(terms, match):
    with pytest.raises(RuleError, match=match):
        LocalRule.from_terms(terms)


def test_sympy_input_is_bounded_before_expansion():
    import sympy

    post, pre, w = sympy.symbols("post pre w")
    start = time.process_time()
    with pytest.raises(RuleError, match="terms|degree"):
        LocalRule((post + pre + w + 1) ** 16 * (post + pre + 2) ** 16)
    with pytest.raises(RuleError, match="not a polynomial"):
        LocalRule(sympy.sin(post) * pre)
    assert time.process_time() - start < 0.5


WORST_ACCEPTED = ["(post+pre+target+1)**7", "(post+pre+target+w+feedback+dpost+1)**3",
                  "(eta+c+alpha+beta+gamma+theta)**3*post", f"post**{MAX_DEGREE}*1e59"]


@pytest.mark.slow
@pytest.mark.parametrize("text", WORST_ACCEPTED)
def test_every_operation_on_accepted_rules_is_cheap(text):
    """CPU time (not wall time: the machine may be shared) under 2 s for each operation on
    rules at the limits, and the process's peak resident memory grown by under 500 MB."""
    operations = {
        "parse": lambda: LocalRule(text),
        "to_pm1": lambda: rule.to_pm1(), "to_01": lambda: rule.to_01(),
        "clamped": lambda: rule.clamped(), "gradient": lambda: rule.gradient(),
        "to_dict": lambda: rule.to_dict(), "compile": lambda: rule.compile(),
        "equality": lambda: rule == rule.to_pm1().to_01(),
    }
    rule = LocalRule(text)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    for name, operation in operations.items():
        start = time.process_time()
        try:
            operation()
        except RuleError:
            pass  # e.g. a transform whose result leaves the limits: refused, still bounded
        elapsed = time.process_time() - start
        assert elapsed < 2.0, f"{name} of {text} took {elapsed:.2f} s"
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown * 1024 < 500e6, f"operations on {text} grew the peak memory by {grown} KiB"
