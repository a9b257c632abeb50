"""Bounded weights w = tanh(v) with Hebb on v: |w| < 1, saturated weights sit at a stable corner
s_j (Σ s)_j > 0, and unsaturated ones move as the averaged field (Σ w)_j says."""

import numpy as np

from neurolocal.data import load_dataset
from neurolocal.theory.bounded import bounded_hebb, is_stable_corner


def test_bounded_hebb_on_digits():
    x = load_dataset("digits").x_train.astype(float)[:600]
    run = bounded_hebb(x, epochs=6, eta=1e-3)
    assert np.all(np.abs(run.w) <= 1) and run.w_norm.max() <= np.sqrt(x.shape[1])
    assert run.v_norm[-1] > 10 * run.v_norm[1] / 2  # v keeps growing (roughly linearly)
    second = x.T @ x / len(x)
    active = second.diagonal() > 0
    saturated = (np.abs(run.w) > 0.99) & active
    assert saturated.sum() > active.sum() / 2
    assert is_stable_corner(np.sign(run.w), second, saturated)
    # one more epoch: each unsaturated active v_j moves with the sign of (Σ w)_j
    later = bounded_hebb(x, epochs=7, eta=1e-3)
    moving = active & ~saturated & (np.abs(second @ run.w) > 1e-3)
    assert moving.any()
    np.testing.assert_array_equal(np.sign(later.v - run.v)[moving],
                                  np.sign(second @ run.w)[moving])
    # a corner that violates the condition is not stable (independent hand case)
    sigma = np.ones((3, 3)) + 0.1 * np.eye(3)  # Σ s for s = (1, 1, −1): (1.1, 1.1, 0.9)
    assert is_stable_corner(np.ones(3), sigma, np.ones(3, bool))
    assert not is_stable_corner(np.array([1.0, 1.0, -1.0]), sigma, np.ones(3, bool))
