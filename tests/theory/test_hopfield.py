"""Hopfield networks: storage, asynchronous recall, and isometry invariance (THEORY.md §3)."""

import numpy as np
import pytest
from scipy.linalg import hadamard

from neurolocal.theory.hopfield import (
    all_states,
    energy,
    isometry_defect,
    random_isometry,
    recall,
    store,
    symmetric_quadratic_rule,
)


def test_hebb_storage_is_the_outer_product_sum():
    rng = np.random.default_rng(0)
    memories = rng.choice((-1.0, 1.0), size=(4, 9))
    w = store(memories, "eta*post*pre")
    expected = 0.01 * memories.T @ memories  # η = 0.01 by default
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(w, expected, rtol=1e-12)
    states = all_states(9)
    brute = np.array([-sum(w[i, j] * s[i] * s[j] for i in range(9) for j in range(i + 1, 9))
                      for s in states[:50]])
    np.testing.assert_allclose(energy(w, states[:50]), brute, rtol=1e-12, atol=1e-14)


def test_recall_of_orthogonal_memories_from_corrupted_probes():
    memories = hadamard(16)[1:4].astype(float)
    w = store(memories, "hebb")
    final, _ = recall(w, memories)
    np.testing.assert_array_equal(final, memories)  # memories are fixed points
    probes = memories.copy()
    probes[:, [0, 5]] *= -1  # two flipped bits of 16
    final, sweeps = recall(w, probes, seed=1)
    np.testing.assert_array_equal(final, memories)
    assert sweeps >= 2


def test_energy_never_increases_under_asynchronous_updates():
    rng = np.random.default_rng(2)
    w = store(rng.choice((-1.0, 1.0), size=(5, 12)))
    s = rng.choice((-1.0, 1.0), size=(20, 12))
    for _ in range(3):
        before = energy(w, s)
        s, _ = recall(w, s, seed=3, max_sweeps=1)
        assert np.all(energy(w, s) <= before + 1e-12)


def test_simple_hebb_is_isometry_invariant_and_the_others_are_not():
    rng = np.random.default_rng(4)
    memories = rng.choice((-1.0, 1.0), size=(3, 8))
    isometries = [random_isometry(8, rng) for _ in range(10)]
    assert max(isometry_defect("hebb", memories, g) for g in isometries) < 1e-12
    assert max(isometry_defect(symmetric_quadratic_rule(2.0, 0, 0), memories, g)
               for g in isometries) < 1e-12  # any α: still simple Hebb
    for beta, gamma in [(0.5, 0.0), (0.0, 0.5), (0.3, -0.2)]:
        rule = symmetric_quadratic_rule(1.0, beta, gamma)
        assert max(isometry_defect(rule, memories, g) for g in isometries) > 0.1


def test_permutations_alone_keep_every_symmetric_rule_invariant():
    # the failure of β, γ comes from sign flips: with a pure permutation all rules commute
    rng = np.random.default_rng(5)
    memories = rng.choice((-1.0, 1.0), size=(3, 7))
    permutation = np.eye(7)[rng.permutation(7)]
    rule = symmetric_quadratic_rule(1.0, 0.5, 0.3)
    assert isometry_defect(rule, memories, permutation) < 1e-12


def test_storage_rule_errors():
    with pytest.raises(ValueError, match="not symmetric"):
        store(np.array([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0]]), "post + 2*pre")
    with pytest.raises(ValueError, match="reads O_i and O_j only"):
        store(np.ones((2, 3)), "oja")
