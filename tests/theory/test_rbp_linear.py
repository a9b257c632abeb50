"""RBP in a linear chain I → H → O: the conserved quantity, the cubic and its verdict, and the
library's RBP trainer following the averaged flow to the least-squares product α/β."""

import numpy as np
import pytest

from neurolocal.theory.rbp_linear import RBPChain, simulate_chain


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    return x, 0.8 * x + 0.1 * rng.normal(size=200)


def test_cubic_by_hand():
    chain = RBPChain(alpha=2.0, beta=4.0, c=0.5)
    # K = a2 − a1²/(2c) = 1 − 1 = 0 at (1, 1): Q = cα − (β/2) a1³ = 1 − 2 a1³
    np.testing.assert_allclose(chain.cubic(1.0, 1.0), [1.0, 0.0, 0.0, -2.0])
    assert chain.verdict(1.0, 1.0).converges_everywhere
    a1, a2 = chain.limit(1.0, 1.0)
    assert a1 == pytest.approx(0.5 ** (1 / 3)) and a1 * a2 == pytest.approx(0.5)
    # a start off K = 0, so the linear coefficient −βKc counts: at (1, 2), K = 2 − 1 = 1,
    # Q = 1 − 2 a1 − 2 a1³; its one real root solves 2a³ + 2a − 1 = 0 (numpy's roots)
    np.testing.assert_allclose(chain.cubic(1.0, 2.0), [1.0, -2.0, 0.0, -2.0])
    assert chain.invariant(1.0, 2.0) == pytest.approx(1.0)
    root = next(r.real for r in np.roots([2.0, 0.0, 2.0, -1.0]) if abs(r.imag) < 1e-12)
    a1, a2 = chain.limit(1.0, 2.0)
    assert a1 == pytest.approx(root) and a2 == pytest.approx(root ** 2 + 1.0)
    assert a1 * a2 == pytest.approx(0.5)
    with pytest.raises(ValueError):
        RBPChain(1.0, 1.0, 0.0)


# the third start must cross a₁ = 0 against a small c: still on its way after 1500 epochs
@pytest.mark.parametrize("c, a1, a2, settled", [(0.5, 0.1, -0.2, True), (-0.7, 1.0, 0.5, True),
                                                (0.3, -1.5, 2.0, False)])
def test_trainer_follows_the_averaged_flow(data, c, a1, a2, settled):
    x, t = data
    eta, epochs = 0.01, 1500
    chain = RBPChain(float(np.mean(x * t)), float(np.mean(x * x)), c)
    p1, p2 = simulate_chain(x, t, c, a1, a2, eta=eta, epochs=epochs)
    times = eta * np.arange(0, epochs + 1, 100)
    np.testing.assert_allclose(p1[::100], chain.flow(a1, a2, times), atol=0.03)
    # the invariant drifts only at O(η) per unit time (Euler steps, float32 weights)
    assert abs(chain.invariant(p1[-1], p2[-1]) - chain.invariant(a1, a2)) < 0.05
    a1_star, a2_star = chain.limit(a1, a2)
    assert a1_star * a2_star == pytest.approx(chain.alpha / chain.beta, rel=1e-9)
    assert (abs(p1[-1] - p1[-101]) < 1e-4) == settled
    if settled:
        assert p1[-1] == pytest.approx(a1_star, abs=0.02)
        assert p1[-1] * p2[-1] == pytest.approx(chain.alpha / chain.beta, abs=0.01)
