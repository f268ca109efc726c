"""The direct convolution kernels (few filters, stride 1) against the plain-numpy references."""

import numpy as np
import pytest

from sknetphys._core.kernels.activations import IDENTITY, RELU, TANH
from sknetphys._core.kernels.direct import direct_backward, direct_forward, planar_size
from sknetphys._core.layers import Conv2D
from sknetphys._core.layers.conv import conv_output_size
from tests._core import naive_conv as naive

CASES = [
    # (h, w, c, kh, kw, f, padding)
    (7, 7, 1, 3, 3, 1, "valid"),
    (7, 6, 2, 3, 2, 2, "same"),  # even kernel width: the extra column is on the right
    (8, 9, 3, 5, 5, 1, "same"),
    (6, 6, 2, 4, 4, 2, "same"),  # even kernel: extra pad at bottom/right
    (4, 5, 2, 5, 5, 1, "same"),  # kernel larger than the image
    (9, 7, 4, 1, 3, 3, "valid"),
    (28, 28, 8, 5, 5, 1, "same"),  # the circle autoencoder's last layer
]

_F = {IDENTITY: lambda z: z, RELU: lambda z: np.maximum(z, 0), TANH: np.tanh}
_DF = {IDENTITY: lambda y: np.ones_like(y), RELU: lambda y: (y > 0) * 1.0,
       TANH: lambda y: 1 - y * y}


def _run(x, W, b, code, padding):
    n, h, w, c = x.shape
    kh, kw, _, f = W.shape
    oh, (pt, _) = conv_output_size(h, kh, 1, padding)
    ow, (pl, _) = conv_output_size(w, kw, 1, padding)
    R, C, size, dz_size = planar_size(h, w, c, kh, kw, pt, pl, oh, ow)
    # scratch filled with garbage: the kernels must not depend on what it held
    xq, dxq = np.full(size, 7.0, x.dtype), np.full(size, -3.0, x.dtype)
    acc, dz = np.full(f * oh * C, 5.0, x.dtype), np.full(f * dz_size, 9.0, x.dtype)
    y = np.empty((n, oh, ow, f), x.dtype)
    direct_forward(x, W, b, code, pt, pl, R, C, xq, acc, y)
    return y, (pt, pl, R, C, xq, dz, dxq)


@pytest.mark.parametrize("h, w, c, kh, kw, f, padding", CASES)
@pytest.mark.parametrize("code", [IDENTITY, RELU, TANH])
def test_direct_kernels_match_the_reference(h, w, c, kh, kw, f, padding, code):
    rng = np.random.default_rng(h * w + code)
    x = rng.standard_normal((3, h, w, c))
    W = rng.standard_normal((kh, kw, c, f))
    b = rng.standard_normal(f)
    y, (pt, pl, R, C, xq, dz, dxq) = _run(x, W, b, code, padding)
    np.testing.assert_allclose(y, _F[code](naive.conv2d(x, W, b, (1, 1), padding)),
                               rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dy_before = dy.copy()
    dW, db, dx = np.empty_like(W), np.empty_like(b), np.full_like(x, np.nan)
    direct_backward(x, dy, y, W, code, pt, pl, R, C, xq, dz, dW, db, True, dxq, dx)
    np.testing.assert_array_equal(dy, dy_before)  # dy is read, never written
    rdx, rdW, rdb = naive.conv2d_grads(x, W, dy * _DF[code](y), (1, 1), padding)
    np.testing.assert_allclose(dx, rdx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dW, rdW, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, rdb, rtol=1e-10, atol=1e-10)
    # without dx (an input layer): the same weight gradients, dx untouched
    dW2, db2, dx2 = np.empty_like(W), np.empty_like(b), np.full_like(x, np.nan)
    direct_backward(x, dy, y, W, code, pt, pl, R, C, xq, dz, dW2, db2, False, dxq, dx2)
    np.testing.assert_array_equal(dW2, dW)
    np.testing.assert_array_equal(db2, db)
    assert np.isnan(dx2).all()


def test_direct_kernels_in_float32_stay_near_float64():
    rng = np.random.default_rng(5)
    x = rng.random((4, 28, 28, 8))
    W = rng.standard_normal((5, 5, 8, 1)) * 0.1
    b = rng.standard_normal(1)
    y64, _ = _run(x, W, b, IDENTITY, "same")
    y32, _ = _run(x.astype(np.float32), W.astype(np.float32), b.astype(np.float32), IDENTITY,
                  "same")
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("filters, strides, kernel, direct", [
    (1, 1, 5, True), (2, 1, 3, True), (3, 1, 5, False), (1, 2, 3, False), (1, 1, 1, False)])
def test_the_layer_goes_direct_for_few_filters_at_stride_1(filters, strides, kernel, direct):
    layer = Conv2D(filters, kernel, strides=strides, padding="same").build((12, 12, 8),
                                                                           np.float32)
    assert layer.direct is direct
    assert not (layer.direct and (layer.winograd or layer.transposed))
