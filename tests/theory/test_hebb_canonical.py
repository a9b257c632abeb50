"""Supervised simple Hebb: the canonical-form condition predicted per pattern and compared with
simulation on the three training-set families of THEORY.md §5."""

import numpy as np
import pytest

from neurolocal.backends.numpy.layer import train_layer
from neurolocal.rules import get_rule
from neurolocal.theory.hebb_canonical import (
    FAMILIES,
    canonical_form,
    common_orthant,
    hebb_learns,
    hebb_margins,
    orthogonal,
    random_separable,
)


def simulate(x, t, epochs=200, seed=0, scale=0.01):
    """Clamped Hebb on a {−1,+1} threshold gate without bias; which patterns it gets right."""
    run = train_layer(get_rule("clamped_hebb", eta=0.1), x, t, transfer="sign", epochs=epochs,
                      mode="online", seed=seed, init_scale=scale)
    return np.where(x @ run.weights[0] > 0, 1.0, -1.0) == t


def make(family, rng):
    if family == "orthogonal":
        return orthogonal(20, rng)
    return FAMILIES[family](30, 20, rng)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_prediction_equals_simulation_per_pattern(family):
    rng = np.random.default_rng(0)
    for trial in range(5):
        x, t = make(family, rng)
        margins = hebb_margins(x, t)
        clear = np.abs(margins) > 1e-9  # ties are decided by the initial weights
        learned = simulate(x, t, seed=trial)
        np.testing.assert_array_equal(learned[clear], hebb_learns(x, t)[clear])


def test_orthogonal_and_common_orthant_sets_are_always_learned():
    rng = np.random.default_rng(1)
    for _ in range(5):
        assert hebb_learns(*orthogonal(15, rng)).all()
        assert hebb_learns(*common_orthant(40, 10, rng)).all()
        c = canonical_form(*common_orthant(40, 10, rng))
        assert np.all(c @ c.T > 0)  # pairwise cosines all positive: the reason


def test_random_separable_sets_are_mostly_learned_in_high_dimension():
    # few patterns, nearly orthogonal in high dimension: cross terms are O(√(k/d)) small
    rng = np.random.default_rng(2)
    low = np.mean([hebb_learns(*random_separable(40, 10, rng)).mean() for _ in range(20)])
    high = np.mean([hebb_learns(*random_separable(40, 1000, rng)).mean() for _ in range(20)])
    assert high == 1.0
    assert low < high


def test_hebb_direction_is_the_sum_of_canonical_inputs():
    rng = np.random.default_rng(3)
    x, t = random_separable(25, 8, rng)
    run = train_layer(get_rule("clamped_hebb", eta=0.1), x, t, transfer="sign", epochs=10,
                      mode="average", w0=np.zeros((1, 8)))
    # from w = 0, K epochs of η E[T x] give exactly (ηK/N) Σ_k T_k x_k
    np.testing.assert_allclose(run.weights[0], 0.1 * 10 / 25 * canonical_form(x, t).sum(0),
                               rtol=1e-12)


def test_bad_targets():
    with pytest.raises(ValueError, match="-1, \\+1"):
        canonical_form(np.ones((2, 2)), np.array([0.0, 1.0]))
