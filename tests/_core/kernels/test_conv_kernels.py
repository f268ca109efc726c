"""The conv/pool/upsample numba kernels against the plain-numpy references."""

import numpy as np
import pytest

from sknetphys._core.kernels.conv import col2im, col2im_t, im2col, im2col_t, pad_shape
from sknetphys._core.kernels.pool import (
    avgpool_backward,
    avgpool_forward,
    maxpool_backward,
    maxpool_forward,
    maxpool_values,
    upsample_backward,
    upsample_forward,
)
from sknetphys._core.layers.conv import conv_output_size
from tests._core import naive_conv as naive

CONV_CASES = [
    # (h, w, c, kh, kw, sh, sw, padding)
    (7, 7, 1, 3, 3, 1, 1, "valid"),
    (7, 6, 2, 3, 2, 1, 1, "same"),
    (8, 8, 3, 5, 5, 1, 1, "same"),
    (9, 7, 2, 3, 3, 2, 2, "valid"),
    (9, 7, 2, 3, 3, 2, 3, "same"),
    (6, 6, 2, 4, 4, 2, 2, "same"),  # even kernel: extra pad at bottom/right
    (5, 5, 3, 1, 1, 1, 1, "valid"),
    (4, 5, 2, 5, 5, 1, 2, "same"),  # kernel larger than the image
]


def _geometry(h, w, kh, kw, sh, sw, padding):
    oh, (pt, _) = conv_output_size(h, kh, sh, padding)
    ow, (pl, _) = conv_output_size(w, kw, sw, padding)
    return oh, ow, pt, pl


def _scratch(case, dtype=np.float64):
    h, w, c, kh, kw, sh, sw, padding = case
    oh, ow, pt, pl = _geometry(h, w, kh, kw, sh, sw, padding)
    # NaN-filled: the kernels must write every value they read
    return np.full(pad_shape(h, w, c, kh, kw, sh, sw, pt, pl, oh, ow), np.nan, dtype)


def _im2col_rows(x, kh, kw, sh, sw, pt, pl, oh, ow, cols, xp):
    im2col(x, kh, kw, sh, sw, pt, pl, oh, ow, cols, xp)


def _im2col_transposed(x, kh, kw, sh, sw, pt, pl, oh, ow, cols, xp):
    cols_t = np.full(cols.shape[::-1], np.nan, cols.dtype)
    im2col_t(x, kh, kw, sh, sw, pt, pl, oh, ow, cols_t, xp)
    cols[...] = cols_t.T


def _col2im_rows(C, kh, kw, sh, sw, pt, pl, oh, ow, dx, xp):
    col2im(C, kh, kw, sh, sw, pt, pl, oh, ow, dx, xp)


def _col2im_transposed(C, kh, kw, sh, sw, pt, pl, oh, ow, dx, xp):
    col2im_t(np.ascontiguousarray(C.T), kh, kw, sh, sw, pt, pl, oh, ow, dx, xp)


# both layouts give the same matrix (one as rows, one as its transpose)
LAYOUTS = {"rows": (_im2col_rows, _col2im_rows), "transposed": (_im2col_transposed, _col2im_transposed)}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_im2col_gemm_matches_naive_conv(case, dtype, layout):
    h, w, c, kh, kw, sh, sw, padding = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, h, w, c)).astype(dtype)
    W = rng.standard_normal((kh, kw, c, 4)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    oh, ow, pt, pl = _geometry(h, w, kh, kw, sh, sw, padding)
    cols = np.full((3 * oh * ow, kh * kw * c), np.nan, dtype)
    LAYOUTS[layout][0](x, kh, kw, sh, sw, pt, pl, oh, ow, cols, _scratch(case, dtype))
    y = (cols @ W.reshape(-1, 4) + b).reshape(3, oh, ow, 4)
    ref = naive.conv2d(x, W, b, (sh, sw), padding)
    assert y.shape == ref.shape
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", CONV_CASES)
def test_col2im_is_adjoint_of_im2col(case, layout):
    # <im2col(x), C> == <x, col2im(C)> for all x, C: col2im is exactly the transpose.
    h, w, c, kh, kw, sh, sw, padding = case
    rng = np.random.default_rng(1)
    oh, ow, pt, pl = _geometry(h, w, kh, kw, sh, sw, padding)
    x = rng.standard_normal((2, h, w, c))
    C = rng.standard_normal((2 * oh * ow, kh * kw * c))
    cols = np.empty_like(C)
    to_cols, from_cols = LAYOUTS[layout]
    to_cols(x, kh, kw, sh, sw, pt, pl, oh, ow, cols, _scratch(case))
    dx = np.full_like(x, np.nan)
    from_cols(C, kh, kw, sh, sw, pt, pl, oh, ow, dx, _scratch(case))
    assert np.isclose(np.sum(cols * C), np.sum(x * dx), rtol=1e-12)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_backward_via_col2im_matches_naive(case, layout):
    h, w, c, kh, kw, sh, sw, padding = case
    rng = np.random.default_rng(2)
    oh, ow, pt, pl = _geometry(h, w, kh, kw, sh, sw, padding)
    x = rng.standard_normal((3, h, w, c))
    W = rng.standard_normal((kh, kw, c, 4))
    dy = rng.standard_normal((3, oh, ow, 4))
    cols = np.empty((3 * oh * ow, kh * kw * c))
    to_cols, from_cols = LAYOUTS[layout]
    to_cols(x, kh, kw, sh, sw, pt, pl, oh, ow, cols, _scratch(case))
    dW = (cols.T @ dy.reshape(-1, 4)).reshape(W.shape)
    dx = np.empty_like(x)
    from_cols(dy.reshape(-1, 4) @ W.reshape(-1, 4).T, kh, kw, sh, sw, pt, pl, oh, ow, dx,
              _scratch(case))
    rdx, rdW, _ = naive.conv2d_grads(x, W, dy, (sh, sw), padding)
    np.testing.assert_allclose(dW, rdW, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, rdx, rtol=1e-10, atol=1e-10)


def test_same_padding_matches_keras_convention():
    # TensorFlow: out = ceil(in / s); pad = max((out - 1) s + k - in, 0); odd one at the end.
    assert conv_output_size(28, 5, 1, "same") == (28, (2, 2))
    assert conv_output_size(28, 4, 1, "same") == (28, (1, 2))
    assert conv_output_size(7, 3, 2, "same") == (4, (1, 1))
    assert conv_output_size(8, 3, 2, "same") == (4, (0, 1))
    assert conv_output_size(28, 5, 1, "valid") == (24, (0, 0))
    assert conv_output_size(9, 3, 2, "valid") == (4, (0, 0))


POOL_CASES = [
    # (h, w, c, ph, pw, sh, sw)
    (8, 8, 3, 2, 2, 2, 2),
    (7, 9, 2, 2, 3, 2, 3),  # floor: the last row/col is dropped
    (28, 28, 2, 4, 4, 4, 4),
    (6, 6, 2, 3, 3, 1, 1),  # overlapping windows
    (7, 7, 1, 3, 2, 2, 1),
]


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maxpool_matches_naive(case, dtype):
    h, w, c, ph, pw, sh, sw = case
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, h, w, c)).astype(dtype)
    ref = naive.maxpool(x, (ph, pw), (sh, sw))
    y = np.empty_like(ref)
    arg = np.empty(ref.shape, np.int32)
    maxpool_forward(x, ph, pw, sh, sw, y, arg)
    np.testing.assert_array_equal(y, ref)
    values = np.full_like(ref, np.nan)
    maxpool_values(x, ph, pw, sh, sw, values)  # the prediction path
    np.testing.assert_array_equal(values, ref)
    dy = rng.standard_normal(ref.shape).astype(dtype)
    dx = np.full_like(x, np.nan)
    maxpool_backward(dy, arg, ph, pw, sh, sw, dx)
    np.testing.assert_allclose(dx, naive.maxpool_grad(x, dy, (ph, pw), (sh, sw)), rtol=1e-6)


def test_maxpool_ties_go_to_the_first_maximum():
    x = np.zeros((1, 2, 2, 1))
    y = np.empty((1, 1, 1, 1))
    arg = np.empty((1, 1, 1, 1), np.int32)
    maxpool_forward(x, 2, 2, 2, 2, y, arg)
    dx = np.empty_like(x)
    maxpool_backward(np.ones((1, 1, 1, 1)), arg, 2, 2, 2, 2, dx)
    np.testing.assert_array_equal(dx.ravel(), [1, 0, 0, 0])


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_avgpool_matches_naive(case, dtype):
    h, w, c, ph, pw, sh, sw = case
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, h, w, c)).astype(dtype)
    ref = naive.avgpool(x, (ph, pw), (sh, sw))
    y = np.empty_like(ref)
    avgpool_forward(x, ph, pw, sh, sw, y)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, ref, rtol=tol, atol=tol)
    dy = rng.standard_normal(ref.shape).astype(dtype)
    dx = np.full_like(x, np.nan)
    avgpool_backward(dy, ph, pw, sh, sw, dx)
    np.testing.assert_allclose(dx, naive.avgpool_grad(x, dy, (ph, pw), (sh, sw)), rtol=tol, atol=tol)


@pytest.mark.parametrize("size", [(2, 2), (1, 3), (3, 2)])
def test_upsample_matches_naive(size):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 5, 3))
    ref = naive.upsample(x, size)
    y = np.full_like(ref, np.nan)
    upsample_forward(x, *size, y)
    np.testing.assert_array_equal(y, ref)
    dy = rng.standard_normal(ref.shape)
    dx = np.full_like(x, np.nan)
    upsample_backward(dy, *size, dx)
    np.testing.assert_allclose(dx, naive.upsample_grad(dy, size), rtol=1e-12)
