"""Runs in an isolated child (see test_hw_rules.py): parse rule strings with Lava's own
learning-rule classes and return each product's (mantissa, exponent, dependency, factors
with their constants). Not a test
module."""

from __future__ import annotations


def parse(dw: str, t_epoch: int = 1):
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

    rule = Loihi3FLearningRule(dw=dw, t_epoch=t_epoch)
    out = []
    for product in rule.dw.products:
        factors = sorted((f.state_var, f.const or 0) for f in product.factors)
        dependency = product.dependency
        if dependency == "u":  # uk: fires every 2^k epochs, k = decimate exponent
            dependency += str(product.decimate_exponent)
        # Lava stores the scaling exponent e in -7..8 as the unsigned s_exp = e + 7
        out.append((product.s_mantissa, product.s_exp - 7, dependency, factors))
    return out
