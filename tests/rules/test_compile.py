"""The compiled numpy update against a plain loop over samples and synapses."""

import numpy as np
import pytest
import sympy

from neurolocal import LocalRule, RuleError, get_rule
from neurolocal.rules.parse import SYMBOLS, parameter_symbol

NAMES = ("post", "pre", "w", "target", "feedback", "dpost")


def loop_update(rule, w, pre, post, target, feedback, dpost):
    """Independent reference: evaluate the sympy expression synapse by synapse, sample by
    sample, and average over samples."""
    expr = rule.expr.subs({parameter_symbol(p): v for p, v in rule.parameters.items()})
    f = sympy.lambdify([SYMBOLS[n] for n in NAMES], expr)
    out = np.zeros_like(w, dtype=float)
    for b in range(pre.shape[0]):
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                out[i, j] += f(post[b, i], pre[b, j], w[i, j], target[b, i], feedback[b, i],
                               dpost[b, i])
    return out / pre.shape[0]


@pytest.mark.parametrize("spec", ["hebb", "oja", "hebb_decay", "delta", "backprop",
                                  "gradient:oja", "eta*(post - theta)*pre**2 + 3",
                                  "alpha*dpost*feedback*pre - c*w**3 + post*target*w"])
def test_compiled_matches_loop(spec):
    rng = np.random.default_rng(1)
    rule = get_rule(spec)
    n_post, n_pre, batch = 3, 4, 5
    w = rng.normal(size=(n_post, n_pre))
    pre = rng.normal(size=(batch, n_pre))
    post, target, feedback, dpost = (rng.normal(size=(batch, n_post)) for _ in range(4))
    got = rule.compile()(w, pre, post=post, target=target, feedback=feedback, dpost=dpost)
    want = loop_update(rule, w, pre, post, target, feedback, dpost)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_online_is_batch_of_one():
    rng = np.random.default_rng(2)
    rule = get_rule("oja").compile()
    w, pre, post = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=2)
    np.testing.assert_allclose(rule(w, pre, post), rule(w, pre[None], post[None]))
    np.testing.assert_allclose(rule(w, pre, post), 0.01 * (np.outer(post, pre)
                                                           - (post**2)[:, None] * w))


def test_shape_and_missing_variable_errors():
    rule = get_rule("delta").compile()
    w = np.zeros((2, 3))
    with pytest.raises(RuleError, match="target"):
        rule(w, np.ones(3), post=np.ones(2))
    with pytest.raises(RuleError, match="pre must have shape"):
        rule(w, np.ones(4), post=np.ones(2), target=np.ones(2))
    with pytest.raises(RuleError, match="samples"):
        rule(w, np.ones((3, 3)), post=np.ones((2, 2)), target=np.ones((3, 2)))


def test_source_lists_one_line_per_monomial_pair():
    source = LocalRule("eta*(post*pre - post**2*w)").compile().source()
    assert source.count("\n") == 1 and "outer(post, pre)" in source
