"""Boolean functions: counts, exact separability, and what local rules learn (shallow/deep)."""

import itertools

import numpy as np
import pytest

from neurolocal.theory import boolean, learnability

# Published counts (THEORY.md §5): linearly separable and monotone (Dedekind numbers).
SEPARABLE = {1: 4, 2: 14, 3: 104, 4: 1882}
MONOTONE = {1: 3, 2: 6, 3: 20, 4: 168}


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_counts(n):
    assert boolean.counts(n) == {"all": 2 ** 2 ** n, "separable": SEPARABLE[n],
                                 "monotone": MONOTONE[n]}


def test_lp_separability_equals_an_integer_weight_search():
    # every threshold function of 3 inputs has integer weights in [−2, 2] (independent check)
    inputs = boolean.boolean_inputs(3)
    found = set()
    for w in itertools.product(range(-2, 3), repeat=3):
        for b in np.arange(-4.5, 5):
            found.add(tuple((inputs @ np.array(w) + b > 0).astype(int)))
    tables = boolean.all_functions(3)
    brute = np.array([tuple(t) in found for t in tables])
    np.testing.assert_array_equal(boolean.separable_mask(3), brute)


def test_monotone_mask_against_the_definition_on_all_pairs():
    inputs = boolean.boolean_inputs(3)
    tables = boolean.all_functions(3)
    below = [(a, b) for a in range(8) for b in range(8) if np.all(inputs[a] <= inputs[b])]
    by_definition = np.array([all(t[a] <= t[b] for a, b in below) for t in tables])
    np.testing.assert_array_equal(boolean.monotone_mask(tables, 3), by_definition)


def test_perceptron_learns_exactly_the_separable_functions_from_zero():
    result = learnability.shallow("perceptron", 3, epochs=100, inits=2)
    np.testing.assert_array_equal(result.learned, boolean.separable_mask(3))
    assert not result.init_dependent.any()


@pytest.mark.parametrize("rule, transfer", [("clamped_hebb", "sign"), ("delta", "linear"),
                                            ("clamped:oja", "sign")])
def test_a_single_gate_never_learns_a_non_separable_function(rule, transfer):
    result = learnability.shallow(rule, 3, epochs=60, inits=3, transfer=transfer)
    assert not np.any(result.learned & ~boolean.separable_mask(3))
    assert result.learned.sum() > 0


def _brute_hebb_margins(n):
    """Hebb margins T_l (w·x_l) with w = Σ_k T_k x_k, by brute force over every ±1 table."""
    x = np.array([list(p) + [1] for p in itertools.product([-1, 1], repeat=n)], float)
    tables = np.array(list(itertools.product([-1, 1], repeat=2 ** n)), float)
    w = tables @ x
    return tables * (w @ x.T), tables


# The paper's condition (strictly positive Hebb margin on every pattern) counted by hand:
# n = 2: the 14 separable functions all qualify; n = 3: 40 of the 104 (issue 17).
@pytest.mark.parametrize("n, expected", [(2, 14), (3, 40)])
@pytest.mark.parametrize("inits", [0, 1, 4])
def test_clamped_hebb_learnable_count_is_the_papers_and_independent_of_inits(n, expected, inits):
    margins, _ = _brute_hebb_margins(n)
    assert np.all(margins > 0, axis=1).sum() == expected
    result = learnability.shallow("clamped_hebb", n, epochs=30, inits=inits, seed=inits)
    assert result.learned.sum() == expected


def test_clamped_hebb_zero_margins_are_decided_by_the_initial_weights():
    n = 3
    margins, tables = _brute_hebb_margins(n)
    # the library's function numbering versus itertools' ordering: match by truth table
    lib = {tuple(2 * t - 1): f for f, t in enumerate(boolean.all_functions(n))}
    order = np.array([lib[tuple(t.astype(int))] for t in tables])
    sure = np.zeros(len(order), bool)
    sure[order] = np.all(margins > 0, axis=1)
    tie = np.zeros(len(order), bool)
    tie[order] = np.all(margins >= 0, axis=1) & np.any(margins == 0, axis=1)
    result = learnability.shallow("clamped_hebb", n, epochs=100, inits=6)
    np.testing.assert_array_equal(result.learned, sure)
    assert result.init_dependent.any()
    assert np.all(tie[result.init_dependent])  # only zero-margin functions depend on the draw


def test_deep_local_learning_learns_what_the_hidden_code_separates():
    # layer 1 never sees targets; the perceptron on top learns exactly the functions that are
    # separable over the hidden code (exact LP), union over initializations
    n, hidden, epochs, inits = 3, 3, 60, 2
    tables = boolean.all_functions(n)
    predicted = np.zeros(len(tables), dtype=bool)
    for k in range(inits):
        code = learnability.hidden_code("oja", n, hidden, epochs, seed=k)
        predicted |= boolean.separable_in(code, tables)
    result = learnability.deep("oja", "perceptron", n, hidden=hidden, epochs=epochs,
                               inits=inits)
    np.testing.assert_array_equal(result.learned, predicted)


def test_bad_arguments():
    with pytest.raises(ValueError, match="1..4"):
        boolean.all_functions(5)
    with pytest.raises(ValueError, match="supervised"):
        learnability.shallow("hebb", 2)
    with pytest.raises(ValueError, match="hidden layer"):
        learnability.deep("clamped_hebb", "perceptron", 2)


@pytest.mark.slow
def test_perceptron_learns_exactly_the_1882_separable_functions_of_4_inputs():
    result = learnability.shallow("perceptron", 4, epochs=100, inits=0)
    np.testing.assert_array_equal(result.learned, boolean.separable_mask(4))


@pytest.mark.parametrize("inits", ["0", "5"])
def test_cli_prints_40_whatever_inits(inits, capsys):
    import json

    from neurolocal.cli import main

    assert main(["boolean", "--inputs", "3", "--rule", "clamped_hebb", "--inits", inits,
                 "--epochs", "30", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["rules"][0]
    assert row["learned"] == 40 and row["learned_not_separable"] == 0
    assert (row["init_dependent"] > 0) == (inits != "0")
    assert main(["boolean", "--inputs", "3", "--inits", "-1"]) == 2
