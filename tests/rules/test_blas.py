"""`neurolocal.blas.accumulate_outer` against numpy's own product, and the gemm it calls."""

import numpy as np
import pytest

from neurolocal import blas


@pytest.fixture(autouse=True)
def every_size_through_gemm(monkeypatch):
    """Small matrices take numpy's expression by default; here every call goes to the gemm."""
    monkeypatch.setattr(blas, "DIRECT_SIZE", 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_blas_gemm_is_found(dtype):
    # numpy's wheels link OpenBLAS with cblas: the fused path must not silently fall back
    assert blas._gemm({np.float32: "s", np.float64: "d"}[dtype]) is not None


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("shape", [(7, 5, 3), (1, 4, 9), (33, 17, 64)])
def test_accumulates_alpha_x_transpose_y(dtype, tol, shape):
    batch, m, n = shape
    rng = np.random.default_rng(1)
    w = rng.standard_normal((m, n)).astype(dtype)
    x = rng.standard_normal((batch, m)).astype(dtype)
    y = rng.standard_normal((batch, n)).astype(dtype)
    # independent reference in float64, element by element: w_ij + α Σ_b x_bi y_bj
    expected = w.astype(np.float64) + 0.3 * np.einsum("bi,bj->ij", x.astype(np.float64),
                                                      y.astype(np.float64))
    blas.accumulate_outer(w, 0.3, x, y)
    np.testing.assert_allclose(w, expected, rtol=tol, atol=tol)


def test_non_contiguous_and_mixed_inputs_fall_back_to_the_same_result():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((6, 4)).astype(np.float32)
    x = rng.standard_normal((5, 12)).astype(np.float32)[:, ::2]  # strided view
    y = rng.standard_normal((5, 4))  # float64
    expected = w.astype(np.float64) + 2.0 * x.astype(np.float64).T @ y
    blas.accumulate_outer(w, 2.0, x, y)
    np.testing.assert_allclose(w, expected, rtol=1e-5)
    assert w.dtype == np.float32


def test_the_gemm_is_what_runs(monkeypatch):
    calls = []
    gemm = blas._gemm("d")
    monkeypatch.setattr(blas, "_gemm", lambda kind: lambda *a: (calls.append(a), gemm(*a)))
    w = np.zeros((3, 2))
    blas.accumulate_outer(w, 1.0, np.ones((4, 3)), np.ones((4, 2)))
    assert len(calls) == 1 and np.all(w == 4.0)


def test_a_fortran_ordered_weight_matrix_is_updated_correctly():
    # a transposed layout must not be read as row-major by the gemm call
    rng = np.random.default_rng(3)
    w = np.asfortranarray(rng.standard_normal((3, 5)))
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 5))
    expected = w + x.T @ y
    blas.accumulate_outer(w, 1.0, x, y)
    np.testing.assert_allclose(w, expected, rtol=1e-12)
