import numpy as np
import pytest

from sknetphys._core.kernels.sparse_input import csc_matmul, csc_matmul_t, to_csc


def _sparse_batch(rng, n=13, k=17, density=0.2, dtype=np.float64):
    x = rng.normal(size=(n, k)) * (rng.random((n, k)) < density)
    x[:, 3] = 0  # an input that never fires
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_csc_matches_numpy(dtype):
    rng = np.random.default_rng(0)
    x = _sparse_batch(rng, dtype=dtype)
    colptr = np.empty(x.shape[1] + 1, np.int64)
    room = x.size + x.shape[0]  # to_csc's spare slot per row
    rowidx, vals = np.empty(room, np.int32), np.empty(room, dtype)
    nnz = to_csc(x, x.size, colptr, rowidx, vals)
    assert nnz == np.count_nonzero(x)
    rows, cols = np.nonzero(x.T)  # column-major order: by feature, then by row
    np.testing.assert_array_equal(colptr, np.r_[0, np.cumsum(np.count_nonzero(x, axis=0))])
    np.testing.assert_array_equal(rowidx[:nnz], cols)
    np.testing.assert_array_equal(vals[:nnz], x.T[rows, cols])


def test_to_csc_refuses_dense_batches():
    x = np.ones((4, 5))
    colptr, rowidx, vals = np.empty(6, np.int64), np.empty(24, np.int32), np.empty(24)
    assert to_csc(x, 19, colptr, rowidx, vals) == -1
    assert to_csc(x, 20, colptr, rowidx, vals) == 20


def test_to_csc_stays_inside_its_buffers():
    """With room for fewer than ``max_nnz`` + n entries the limit drops to fit: a dense
    batch is refused without a write past the buffers' ends (the sentinels after them)."""
    x = np.ones((4, 5))
    colptr = np.empty(6, np.int64)
    rowidx, vals = np.full(20, -7, np.int32), np.full(20, -7.0)
    assert to_csc(x, 20, colptr, rowidx[:14], vals[:14]) == -1
    assert np.all(rowidx[14:] == -7) and np.all(vals[14:] == -7)
    assert to_csc(x[:, :2], 20, colptr, rowidx[:12], vals[:12]) == 8  # fits: 8 + 4 slots


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_products_match_dense(dtype):
    rng = np.random.default_rng(1)
    x = _sparse_batch(rng, dtype=dtype)
    W = rng.normal(size=(17, 6)).astype(dtype)
    delta = rng.normal(size=(13, 6)).astype(dtype)
    colptr = np.empty(18, np.int64)
    rowidx, vals = np.empty(x.size + 13, np.int32), np.empty(x.size + 13, dtype)
    to_csc(x, x.size, colptr, rowidx, vals)
    y = np.full((13, 6), np.nan, dtype)
    dW = np.full((17, 6), np.nan, dtype)
    csc_matmul(colptr, rowidx, vals, W, y)
    csc_matmul_t(colptr, rowidx, vals, delta, dW)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, x.astype(np.float64) @ W, rtol=tol, atol=tol)
    np.testing.assert_allclose(dW, x.T.astype(np.float64) @ delta, rtol=tol, atol=tol)
    assert np.all(dW[3] == 0)
