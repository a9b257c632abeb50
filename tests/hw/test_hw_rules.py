"""LocalRule → Loihi learning-rule strings: exact coefficients, the nearest representable rule
with explicit opt-in, refusals with reasons, and Lava's own parser reading what we emit."""

from __future__ import annotations

from pathlib import Path

import pytest

from hw.errors import RuleCompileError
from hw.rule_compiler import compile_rule, nearest_scale
from hw.runner import run_isolated
from neurolocal.rules import LocalRule, get_rule

HERE = Path(__file__).resolve().parent


def test_exact_three_factor_rule():
    rule = LocalRule("2**-6*feedback*pre - 3*2**-4*w + 5*2**-2*target*pre")
    compiled = compile_rule(rule)
    assert compiled.exact
    # terms in the rule's own order; each coefficient written as m*2^e
    assert sorted(compiled.dw.replace(" - ", " + -").split(" + ")) == sorted(
        ["2^-6*u0*x1*y2", "-3*2^-4*u0*w", "5*2^-2*u0*x1*y3"])
    assert compiled.uses_third_factor


def test_powers_repeat_factors():
    compiled = compile_rule(LocalRule("2**-3*post**2*w"))
    assert compiled.dw == "2^-3*u0*w*y1*y1"


def test_inexact_coefficient_needs_opt_in_and_names_the_nearest_rule():
    with pytest.raises(RuleCompileError, match=r"term 0\.01\*x1\*y2: nearest 2\^-7.*error "
                                               r"21\.9%.*nearest representable rule: "
                                               r"dw = 2\^-7\*u0\*x1\*y2"):
        compile_rule(get_rule("backprop"))
    approx = compile_rule(get_rule("backprop"), approximate=True)
    assert not approx.exact and approx.dw == "2^-7*u0*x1*y2"
    assert approx.inexact_terms()[0].value == 2.0 ** -7


def test_nearest_scale_by_hand():
    # 0.01: neighbours 1·2^-7 = 0.0078 (off 0.0022) and 2·2^-7 = 0.0156 (off 0.0056)
    assert nearest_scale(0.01) == (1, -7)
    assert nearest_scale(0.75) == (3, -2)  # exact
    assert nearest_scale(-40.0) == (-5, 3)  # exact: −5·8
    assert nearest_scale(10_000.0) == (7, 8)  # the largest magnitude, 1,792
    for alpha in (0.3, -2.7, 123.0, 1e-4):
        m, e = nearest_scale(alpha)
        best = min(abs(mm * 2.0 ** ee - alpha) for mm in range(-8, 8) if mm
                   for ee in range(-7, 9))
        assert abs(m * 2.0 ** e - alpha) == best


def test_refusals_say_why():
    with pytest.raises(RuleCompileError, match="dpost.*fold f'\\(S_i\\) into the feedback"):
        compile_rule(LocalRule("dpost*pre"))
    with pytest.raises(RuleCompileError, match="4 factors.*at most 3"):
        compile_rule(LocalRule("post**2*pre*w"))


@pytest.mark.lava
def test_lava_parses_what_we_emit(monkeypatch):
    """Every product, with its dependency and factor constants: an ordinary rule; a signed
    presynaptic factor (x1-64) squared, and a sub-resolution decay on u_k beside x0."""
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    compiled = [compile_rule(LocalRule("2**-6*feedback*pre - 3*2**-4*w + 7*2**3*post**2*w"),
                             t_epoch=4),
                compile_rule(LocalRule("2**-6*feedback*pre**2 - 0.001*w"), t_epoch=4,
                             constants={"pre": -64}, decimate=True, approximate=True)]
    assert compiled[1].dw == "2^-6*x0*(x1-64)*(x1-64)*y2 - 2^-7*u3*w"
    for rule in compiled:
        parsed = run_isolated("lava_rule_probe:parse", {"dw": rule.dw, "t_epoch": 4},
                              timeout=60)
        ours = sorted((t.mantissa, t.exponent, t.dependency,
                       sorted(zip(t.factors, t.constants or (0,) * len(t.factors))))
                      for t in rule.terms)
        assert sorted(parsed) == ours


def test_sub_resolution_term_acts_every_2k_epochs():
    """0.001·w: k = 0 drops it (below 2^-8); 0.001·2^k·2^7 = 1.024·2^(k−3), so k = 3 gives
    m·2^e = 2^-7 = 1.024 × 0.008: the smallest k with the best error, 2.34%; the exact
    feedback term moves to x0."""
    rule = compile_rule(LocalRule("2**-6*feedback*pre - 0.001*w"), approximate=True,
                        decimate=True)
    main, decay = rule.terms
    assert (main.dependency, main.decimation, main.exact) == ("x0", 0, True)
    assert (decay.mantissa, decay.exponent, decay.dependency) == (-1, -7, "u3")
    assert decay.value == pytest.approx(-2 ** -10)
    assert decay.relative_error == pytest.approx(0.024 / 1.024)
    assert "every 2^3-th epoch" in decay.report()
    plain = compile_rule(LocalRule("2**-6*feedback*pre - 0.001*w"), approximate=True)
    assert plain.terms[1].dropped and plain.dw == "2^-6*u0*x1*y2"
