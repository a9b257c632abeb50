"""Which Boolean functions local rules learn: a single threshold gate trained with a supervised
rule (shallow), and a two-layer net whose hidden layer learns with an unsupervised rule and whose
output gate learns with a supervised one (deep local learning, THEORY.md §5).

All 2^(2^n) functions train at once as one layer of gates (one gate per function, each with its
own target column), with inputs and outputs coded in {−1, +1} and a bias input clamped to 1.

A function is **learnable** by a rule when the gate learns it independently of its initial
weights, the seed paper's setting: trained from w = 0, every pattern ends with a strictly
positive margin T_l (w·x_l) > 0. A zero margin is not learned: for clamped Hebb,
w(k) = w(0) + kη Σ_l T_l x_l, so a pattern whose Hebb margin is zero is classified forever by
the sign of its initial margin.
Functions learned from some random initialization but not from zero are reported separately as
`init_dependent` (they depend on the draw, not on the rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backends.numpy.layer import train_layer, with_bias
from ..errors import UserError
from ..network.transfer import Transfer, get_transfer
from ..rules import LocalRule, get_rule
from .boolean import all_functions, boolean_inputs

#: |S| below TIE is a tie: zero up to rounding (weights are sums of η over many epochs).
TIE = 1e-9
#: The threshold gate while learning: a tie is no decision (output 0), as in the readout, so an
#: error-correcting rule (the perceptron) keeps updating a pattern whose margin is zero.
SIGN_TIE0 = Transfer("sign", lambda s: np.where(np.abs(s) > TIE, np.sign(s), 0.0),
                     np.zeros_like, -1.0, 1.0, False)


@dataclass(frozen=True)
class Learnability:
    """learned[f]: f learned from zero weights (strict margins); init_dependent[f]: learned by
    at least one random initialization but not from zero."""

    rule: str
    n: int
    learned: np.ndarray
    init_dependent: np.ndarray
    diverged: int  # runs (zero start + inits) that stopped on divergence


def _sign(s: np.ndarray) -> np.ndarray:
    return np.where(s > 0, 1.0, -1.0)


def _train_gates(rule: LocalRule, features: np.ndarray, tables: np.ndarray, epochs: int,
                 seed: int, transfer: str, zero: bool) -> tuple[np.ndarray, bool]:
    """One gate per truth table on ±1 `features` (with bias), from w = 0 when `zero` else from
    a random draw; which tables end with every margin T_l (w·x_l) strictly positive."""
    x = with_bias(features)
    targets = 2.0 * tables.T - 1.0  # (rows, functions)
    w0 = np.zeros((tables.shape[0], x.shape[1])) if zero else None
    unit = SIGN_TIE0 if get_transfer(transfer).name == "sign" else transfer
    run = train_layer(rule, x, targets, transfer=unit, epochs=epochs, mode="online",
                      w0=w0, n_post=tables.shape[0], seed=seed, record=False)
    correct = np.all(targets * (x @ run.weights.T) > TIE, axis=0)
    return correct, run.divergence is not None


def shallow(rule: LocalRule | str, n: int, epochs: int = 100, inits: int = 3, seed: int = 0,
            transfer: str = "sign") -> Learnability:
    """A single threshold gate trained with a supervised `rule` on every function of n inputs,
    from zero and from `inits` random initializations. `transfer` is the unit used while
    learning (sign for the perceptron, linear for LMS); the learned function is read from the
    margins."""
    rule = get_rule(rule)
    if not rule.is_supervised:
        raise UserError(f"a single gate learns a function only with a supervised rule; "
                         f"{rule.label!r} never reads the target T_i")
    tables = all_functions(n)
    features = 2.0 * boolean_inputs(n) - 1.0
    learned, diverged = _train_gates(rule, features, tables, epochs, seed, transfer, True)
    some = np.zeros_like(learned)
    for k in range(inits):
        correct, broke = _train_gates(rule, features, tables, epochs, seed + k, transfer, False)
        some |= correct
        diverged += broke
    return Learnability(rule.label, n, learned, some & ~learned, int(diverged))


def hidden_code(rule: LocalRule | str, n: int, hidden: int, epochs: int, seed: int) -> np.ndarray:
    """Hidden ±1 activities of `hidden` threshold units after unsupervised training with `rule`
    on all 2^n inputs (layer 1 of deep local learning), shape (2^n, hidden). The hidden layer
    starts from a random draw: from zero all its units would stay identical."""
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
    the targets, so one hidden code per init (k = 0..inits−1) serves all functions; on each code
    the output gate trains from zero (learned) and from a random draw (init_dependent if only
    that succeeds). learned = learned on at least one hidden code."""
    supervised = get_rule(supervised)
    tables = all_functions(n)
    learned = np.zeros(tables.shape[0], dtype=bool)
    some = np.zeros_like(learned)
    diverged = 0
    for k in range(max(inits, 1)):
        code = hidden_code(unsupervised, n, hidden, epochs, seed + k)
        for zero, hit in ((True, learned), (False, some)):
            correct, broke = _train_gates(supervised, code, tables, epochs, seed + k, "sign",
                                          zero)
            hit |= correct
            diverged += broke
    label = f"{get_rule(unsupervised).label} → {supervised.label}"
    return Learnability(label, n, learned, some & ~learned, diverged)
