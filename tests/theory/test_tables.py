"""Expectation tables generated from ExpectedUpdate, and the rule search: Theorem 1's verdicts
checked by online simulation."""

import numpy as np
import sympy

from neurolocal.theory.tables import (
    check_search,
    expectation_table,
    rule_search,
)


def test_expectation_table_entries_by_hand():
    rows = {r["monomial"]: r for r in expectation_table(4)}
    assert len(rows) == 70  # monomials of degree ≤ 4 in 4 variables: C(8, 4)
    m = {k: sympy.Symbol(f"E[{k}]") for k in ("I1**2", "I1*I2", "I2**2", "I1**3", "I1*T")}
    w1, w2 = sympy.symbols("w1 w2", real=True)
    cases = {
        "O_i O_j": (1, m["I1**2"] * w1 + m["I1*I2"] * w2),  # Hebb: (Σ w)_1
        "O_i^2 w_ij": (3, w1 * (m["I1**2"] * w1 ** 2 + 2 * m["I1*I2"] * w1 * w2
                                + m["I2**2"] * w2 ** 2)),  # Oja's decay term
        "O_j T_i": (0, m["I1*T"]),  # clamped Hebb: constant
        "O_i^2 O_j": (2, None),
    }
    for name, (degree, expected) in cases.items():
        assert rows[name]["effective_degree"] == degree
        if expected is not None:
            got = rows[name]["explicit"]
            assert sympy.expand(got - expected) == 0
    assert max(r["effective_degree"] for r in rows.values()) == 4  # O_i^4, O_i w^3, ...


def test_rule_search_theorem_agrees_with_simulation():
    x = np.random.default_rng(1).normal(1.0, 0.3, size=400)
    starts = (-2.0, -0.5, 0.5, 2.0)
    singles = rule_search(x, starts, sizes=(1,))
    names = {r.rule: r for r in singles}
    # −O_i^2 O_j w… by hand: q(w) = −E[x³] w² (even degree) cannot converge from everywhere;
    # −O_i^3 O_j^0: q = −E[x³] w³: odd degree, negative leading → converges everywhere (to 0)
    assert not names["−O_i^2 O_j"].converges_everywhere
    assert names["−O_i^3"].converges_everywhere and names["−O_i^3"].q[3] < 0
    # the coefficients themselves, from the sample's own third moment (O_i = w x, O_j = x)
    third = np.mean(x ** 3)
    np.testing.assert_allclose(names["−O_i^2 O_j"].q, [0, 0, -third], atol=1e-12)
    np.testing.assert_allclose(names["−O_i^3"].q, [0, 0, 0, -third], atol=1e-12)
    assert names["−O_i^3"].predicted == (0.0,) * len(starts)
    pairs = rule_search(x, starts, max_degree=3, sizes=(2,))
    chosen = singles + [pairs[i] for i in np.random.default_rng(0).choice(len(pairs), 40,
                                                                          replace=False)]
    result = check_search(chosen, x, starts, steps=6000)
    assert result["decided"] >= 0.9 * len(chosen) * len(starts)
    assert result["agree"] == result["decided"], result["disagree"]
    assert result["all_converge_when_theorem_says"]
    assert 0 < result["converge_everywhere"] < len(chosen)
