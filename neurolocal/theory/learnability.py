"""Which Boolean functions local rules learn: a single threshold gate trained with a supervised
rule (shallow), and a two-layer net whose hidden layer learns with an unsupervised rule and whose
output gate learns with a supervised one (deep local learning, THEORY.md §5).

All 2^(2^n) functions train at once as one layer of gates (one gate per function, each with its
own target column), with inputs and outputs coded in {−1, +1} and a bias input clamped to 1.
As in the seed, a function counts as learnable when at least one of several random
initializations learns it exactly (every input classified correctly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backends.numpy.layer import train_layer, with_bias
from ..errors import UserError
from ..rules import LocalRule, get_rule
from .boolean import all_functions, boolean_inputs


@dataclass(frozen=True)
class Learnability:
    """learned[f]: function f learned by at least one init; always[f]: by every init."""

    rule: str
    n: int
    learned: np.ndarray
    always: np.ndarray
    diverged: int  # runs (inits) that stopped on divergence


def _sign(s: np.ndarray) -> np.ndarray:
    return np.where(s > 0, 1.0, -1.0)


def _train_gates(rule: LocalRule, features: np.ndarray, tables: np.ndarray, epochs: int,
                 seed: int, transfer: str) -> tuple[np.ndarray, bool]:
    """One gate per truth table on ±1 `features` (with bias); which tables it reproduces."""
    x = with_bias(features)
    targets = 2.0 * tables.T - 1.0  # (rows, functions)
    run = train_layer(rule, x, targets, transfer=transfer, epochs=epochs, mode="online",
                      n_post=tables.shape[0], seed=seed, record=False)
    correct = np.all(_sign(x @ run.weights.T) == targets, axis=0)
    return correct, run.divergence is not None


def shallow(rule: LocalRule | str, n: int, epochs: int = 100, inits: int = 3, seed: int = 0,
            transfer: str = "sign") -> Learnability:
    """A single threshold gate trained with a supervised `rule` on every function of n inputs.
    `transfer` is the unit used while learning (sign for the perceptron, linear for LMS); the
    learned function is always read out through the sign."""
    rule = get_rule(rule)
    if not rule.is_supervised:
        raise UserError(f"a single gate learns a function only with a supervised rule; "
                         f"{rule.label!r} never reads the target T_i")
    tables = all_functions(n)
    features = 2.0 * boolean_inputs(n) - 1.0
    results, diverged = [], 0
    for k in range(inits):
        correct, broke = _train_gates(rule, features, tables, epochs, seed + k, transfer)
        results.append(correct)
        diverged += broke
    stacked = np.stack(results)
    return Learnability(rule.label, n, stacked.any(axis=0), stacked.all(axis=0), diverged)


def hidden_code(rule: LocalRule | str, n: int, hidden: int, epochs: int, seed: int) -> np.ndarray:
    """Hidden ±1 activities of `hidden` threshold units after unsupervised training with `rule`
    on all 2^n inputs (layer 1 of deep local learning), shape (2^n, hidden)."""
    rule = get_rule(rule)
    if rule.is_supervised:
        raise UserError(f"rule {rule.label!r} reads the target T_i, which is not local on a "
                         "hidden layer: deep local learning needs an unsupervised rule there")
    x = with_bias(2.0 * boolean_inputs(n) - 1.0)
    run = train_layer(rule, x, transfer="sign", epochs=epochs, mode="online", n_post=hidden,
                      seed=seed, record=False)
    return _sign(x @ run.weights.T)


def deep(unsupervised: LocalRule | str, supervised: LocalRule | str, n: int, hidden: int = 4,
         epochs: int = 100, inits: int = 3, seed: int = 0) -> Learnability:
    """Two-layer deep local learning on every function of n inputs. The hidden layer never sees
    the targets, so one hidden code per init serves all functions."""
    supervised = get_rule(supervised)
    tables = all_functions(n)
    results, diverged = [], 0
    for k in range(inits):
        code = hidden_code(unsupervised, n, hidden, epochs, seed + k)
        correct, broke = _train_gates(supervised, code, tables, epochs, seed + k, "sign")
        results.append(correct)
        diverged += broke
    stacked = np.stack(results)
    label = f"{get_rule(unsupervised).label} → {supervised.label}"
    return Learnability(label, n, stacked.any(axis=0), stacked.all(axis=0), diverged)
