"""Closed forms of THEORY.md section 7 against exact special cases and Monte Carlo.

Exact cases used (independent of the code): in 2 dimensions cos θ of a uniform direction is
cos of a uniform angle, E|cos| = 2/π; in 3 dimensions cos θ is uniform on [−1, 1] (Archimedes),
so E|cos| = 1/2 and the best of k has E max = (k − 1)/(k + 1); a k-frame spanning the whole
space projects ĝ onto itself (cos = 1). Monte Carlo tolerances: 4 standard errors.
"""

import math

import numpy as np
import pytest

from neurolocal.capacity import (
    asymptotic_cos,
    best_of_k_cos,
    projection_cos,
    random_direction_abs_cos,
    sign_cos,
    theory,
)
from neurolocal.capacity.formulas import orthant_mean


def test_abs_cos_exact_small_dimensions():
    assert random_direction_abs_cos(2) == pytest.approx(2 / math.pi, rel=1e-12)
    assert random_direction_abs_cos(3) == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize("dimension", [5, 40, 300])
def test_abs_cos_monte_carlo(dimension):
    rng = np.random.default_rng(dimension)
    u = rng.standard_normal((20000, dimension))
    g = rng.standard_normal(dimension)
    cos = np.abs(u @ g) / (np.linalg.norm(u, axis=1) * np.linalg.norm(g))
    se = cos.std(ddof=1) / math.sqrt(len(cos))
    assert abs(cos.mean() - random_direction_abs_cos(dimension)) < 4 * se


def test_abs_cos_large_w_is_sqrt_2_over_pi_w():
    # Γ(W/2)/(√π Γ((W+1)/2)) = √(2/(πW)) (1 + 1/(4W) + O(W⁻²)); tolerance: the O(W⁻²) term
    # plus 1e-9 for rounding in the log-gamma difference
    for w in (1_000, 10_000):
        ratio = random_direction_abs_cos(w) / math.sqrt(2 / (math.pi * w))
        assert ratio == pytest.approx(1 + 1 / (4 * w), abs=1 / w**2 + 1e-9)


@pytest.mark.parametrize("k", [1, 2, 3, 8])
def test_best_of_k_exact_in_three_dimensions(k):
    # tolerance 2e-4: numerical integration on a 40001-point grid
    assert best_of_k_cos(3, k) == pytest.approx((k - 1) / (k + 1), abs=2e-4)


def test_best_of_k_monte_carlo_and_asymptotics():
    rng = np.random.default_rng(1)
    w, k = 60, 6
    u = rng.standard_normal((20000, k, w))
    cos = (u[..., 0] / np.linalg.norm(u, axis=2)).max(axis=1)  # ĝ = e_1
    se = cos.std(ddof=1) / math.sqrt(len(cos))
    assert abs(cos.mean() - best_of_k_cos(w, k)) < 4 * se
    # E max of k normals grows like √(2 ln k): the ratio to the table's approximation tends
    # to 1 slowly (it is 0.80 at k = 10^3 for W ≫ k; check it increases toward 1)
    ratios = [best_of_k_cos(10**6, k) / asymptotic_cos("pwgbk", 10**6, k) for k in (10, 1000)]
    assert ratios[0] < ratios[1] < 1


def test_projection_cos_exact_cases_and_monte_carlo():
    assert projection_cos(50, 50) == pytest.approx(1.0, rel=1e-12)
    assert projection_cos(50, 1) == pytest.approx(random_direction_abs_cos(50), rel=1e-12)
    rng = np.random.default_rng(2)
    w, k = 30, 4
    norms = []
    for _ in range(4000):
        q, _ = np.linalg.qr(rng.standard_normal((w, k)))
        norms.append(np.linalg.norm(q[0]))  # ‖P e_1‖
    norms = np.array(norms)
    assert abs(norms.mean() - projection_cos(w, k)) < 4 * norms.std(ddof=1) / math.sqrt(4000)
    # 1 ≪ k ≪ W: ≈ √(k/W) (1 − 1/(4k) + O(k⁻²)), from Γ((k+1)/2)/Γ(k/2) ≈ √(k/2)(1 − 1/(4k))
    for k in (10, 40):
        ratio = projection_cos(1_000_000, k) / math.sqrt(k / 1_000_000)
        assert ratio == pytest.approx(1 - 1 / (4 * k), abs=1 / k**2)


def test_sign_cos():
    assert sign_cos(np.array([1.0, -1.0, 1.0, -1.0])) == pytest.approx(1.0)
    assert sign_cos(np.array([3.0, 0.0, 0.0, 0.0])) == pytest.approx(1.0)  # zeros do not move
    assert sign_cos(np.array([1.0, 1.0, 0.0])) == pytest.approx(1.0)
    g = np.random.default_rng(3).standard_normal(200_000)
    assert sign_cos(g) == pytest.approx(math.sqrt(2 / math.pi), abs=0.005)  # LLN, SE ~ 0.001


def test_operation_counts_by_hand():
    # sizes 3 → 2 → 2 with biases: W = (3·2 + 2) + (2·2 + 2) = 14
    sizes = [3, 2, 2]
    assert theory("bp", sizes).num_weights == 14
    assert theory("bp", sizes).ops_per_weight == pytest.approx((14 + 2 * 2 + 14) / 14)
    assert theory("srbp", sizes).ops_per_weight == pytest.approx((14 + 2 * 2 + 14) / 14)
    assert theory("palr", sizes).ops_per_weight == pytest.approx((14 + 2 * 6 + 14) / 14)
    assert theory("pwlr", sizes).ops_per_weight == 16
    assert theory("pwgb", sizes).ops_per_weight == 3
    assert theory("pwgbk", sizes, k=4).ops_per_weight == 6
    assert theory("pwgrk", sizes, k=4).ops_per_weight == 9


def _mc_information(cosines):
    """Mean ½ log₂ 1/(1 − c²) over draws (0 for c ≤ 0), computed here by hand."""
    c = np.clip(cosines, 0, None)
    return float(np.mean(-0.5 * np.log2(1 - c * c)))


def test_information_closed_forms_against_monte_carlo():
    """Information about the gradient per weight from the exact cosine laws, checked by
    sampling the algorithms' random directions directly (no library code)."""
    sizes, d = [10, 8, 4], 32
    w = 10 * 8 + 8 + 8 * 4 + 4  # 124
    rng = np.random.default_rng(5)
    g = np.zeros(w)
    g[0] = 1.0  # by rotation invariance any ĝ will do
    u = rng.standard_normal((100000, w))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    pwgb = _mc_information(np.abs(u @ g))
    assert theory("pwgb", sizes, precision_bits=d).bits_per_weight == pytest.approx(pwgb,
                                                                                    rel=0.02)
    best = (u @ g).reshape(-1, 8).max(axis=1)  # best of k = 8
    assert theory("pwgbk", sizes, k=8, precision_bits=d).bits_per_weight == pytest.approx(
        _mc_information(best), rel=0.03)
    frames = np.linalg.qr(rng.standard_normal((3000, w, 5)))[0]  # 3000 random 5-frames
    proj = np.linalg.norm(frames[:, 0, :], axis=1)  # ‖P ĝ‖ for ĝ = e_0
    assert theory("pwgrk", sizes, k=5, precision_bits=d).bits_per_weight == pytest.approx(
        _mc_information(proj), rel=0.05)
    # all below the message they send: 1/W, log₂ 8 / W, 5D/W
    assert pwgb < 1 / w and _mc_information(best) < 3 / w and _mc_information(proj) < 5 * d / w


def test_pwlb_gaussian_cosine_and_information():
    """Gaussian gradient, U(0, 1) magnitudes in the orthant, W = 4000, by direct sampling:
    E cos → √(2/π)·(1/2)/√(1/3) = √(3/(2π)) ≈ 0.691 (deterministic sign: √(2/π) ≈ 0.798)."""
    rng = np.random.default_rng(6)
    g = rng.standard_normal((200, 4000))
    m = rng.uniform(size=g.shape)
    cos = (np.abs(g) * m).sum(axis=1) / (np.linalg.norm(g, axis=1) * np.linalg.norm(m, axis=1))
    assert cos.mean() == pytest.approx(0.691, abs=0.002)
    p = theory("pwlb", [10, 8, 4])
    assert p.cosine == pytest.approx(cos.mean(), abs=0.002)
    assert p.bits_per_weight == pytest.approx(_mc_information(cos), rel=0.01)
    assert p.message_bits == 1 and p.bits_per_weight < 1
    assert orthant_mean(3) == pytest.approx(0.5156, abs=5e-4)  # MC of 2·10⁶ draws: 0.51561
    assert orthant_mean(10) == pytest.approx(math.sqrt(3 / 10) / 2 * (1 + 1 / 200), rel=1e-3)


def test_bp_information_is_d_and_its_rate_the_largest():
    sizes, d = [10, 8, 4], 32
    w = 10 * 8 + 8 + 8 * 4 + 4
    assert theory("bp", sizes, precision_bits=d).bits_per_weight == d
    rates = {c: theory(c, sizes, k=4, precision_bits=d).rate
             for c in ("bp", "pwlr", "pwlb", "palr", "pwgb", "pwgbk", "pwgrk")}
    assert max(rates, key=rates.get) == "bp"
    assert rates["pwlr"] == pytest.approx(d / (w + 2))
    # feedback channels other than BP's exact one have no closed-form information
    assert theory("rbp", sizes).bits_per_weight is None and theory("rbp", sizes).rate is None
    assert theory("bp[quantize=1]", sizes).bits_per_weight is None


def test_unknown_channel():
    with pytest.raises(ValueError, match="unknown channel"):
        theory("nope", [2, 2])
