"""Coding transforms, clamped/gradient versions, monomial enumeration, printing."""

import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from neurolocal import LocalRule, enumerate_monomials, get_rule
from neurolocal.rules.parse import SYMBOLS


def test_pm1_of_hebb_by_hand():
    # O = (O' + 1)/2 for both units: η (O_i'+1)(O_j'+1)/4
    expected = LocalRule("eta*(post + 1)*(pre + 1)/4")
    assert get_rule("hebb").to_pm1() == expected


def test_transform_round_trip_and_values():
    rule = get_rule("oja")
    assert rule.to_pm1().to_01() == rule
    pm1 = rule.to_pm1()
    f01 = sympy.lambdify([SYMBOLS[v] for v in ("post", "pre", "w")], rule.expr.subs("eta", 0.1))
    fpm = sympy.lambdify([SYMBOLS[v] for v in ("post", "pre", "w")], pm1.expr.subs("eta", 0.1))
    for post in (0, 1):
        for pre in (0, 1):
            for w in (-0.7, 0.3):
                # the same synapse state written in both codings gives the same update
                assert math.isclose(f01(post, pre, w), fpm(2 * post - 1, 2 * pre - 1, w),
                                    abs_tol=1e-12)


#: up to 4 monomials with exponents ≤ 2: the ±1 form of each has at most 3³ monomials in the
#: binary variables (post, pre, target), so every transform stays within the term limit
#: (rules.bounds.MAX_TERMS = 128; larger transforms are refused, see the test below)
monomial_terms = st.lists(
    st.tuples(st.integers(-3, 3).filter(bool),
              st.fixed_dictionaries({v: st.integers(0, 2) for v in ("post", "pre", "w",
                                                                    "target")})),
    min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(monomial_terms)
def test_transform_preserves_degrees(terms):
    expr = sum(c * sympy.Mul(*(SYMBOLS[v] ** n for v, n in p.items())) for c, p in terms)
    if sympy.expand(expr) == 0:
        return
    rule = LocalRule(expr)
    for other in (rule.to_pm1(), rule.to_01()):
        assert other.apparent_degree == rule.apparent_degree
        assert other.effective_degree == rule.effective_degree
    assert rule.to_pm1().to_01() == rule


def test_a_transform_beyond_the_term_limit_is_refused_by_name():
    """(post·pre·target)³ has one term in {0,1} coding and 4³ = 64 in ±1 coding; four such
    terms (with distinct w powers) would give 256 > 128: refused as a RuleError naming the
    limit, not built."""
    from neurolocal.rules import RuleError

    rule = LocalRule(" + ".join(f"post**3*pre**3*target**3*w**{k}" for k in range(4)))
    with pytest.raises(RuleError, match="128 terms"):
        rule.to_pm1()


def test_clamped_and_gradient_versions():
    assert get_rule("hebb").clamped() == get_rule("clamped_hebb")
    assert get_rule("hebb").gradient() == get_rule("delta")
    assert get_rule("clamped:oja") == LocalRule("eta*(target*pre - target**2*w)")
    assert get_rule("gradient:hebb_decay") == LocalRule("eta*(target - post)*pre - c*w")


@pytest.mark.parametrize("variables,degree", [(("post", "pre", "w"), 3), (("pre", "w"), 4),
                                              (("post", "pre", "w", "target"), 2)])
def test_enumeration_is_the_monomial_basis(variables, degree):
    monomials = enumerate_monomials(degree, variables)
    n = len(variables)
    assert len(monomials) == math.comb(n + degree, degree)
    keys = {tuple(sorted(m.items())) for m in monomials}
    assert len(keys) == len(monomials)
    assert all(sum(m.values()) <= degree for m in monomials)
    assert all(set(m) <= set(variables) for m in monomials)


def test_printing():
    oja = get_rule("oja")
    assert oja.pretty().startswith("Δw_ij = ")
    assert "O_i" in oja.pretty() and "w_ij" in oja.pretty() and "η" in oja.pretty()
    assert r"\eta" in oja.latex() and "O_{i}" in oja.latex()
    assert oja.to_dict()["apparent_degree"] == 3


def test_compiled_float32_is_kept():
    w = np.zeros((2, 3), dtype=np.float32)
    dw = get_rule("hebb").compile()(w, np.ones(3, np.float32), post=np.ones(2, np.float32))
    assert dw.dtype == np.float32
    assert np.allclose(dw, 0.01)
