"""Winograd's minimal filtering F(m, r), the transforms the conv layer builds on."""

import numpy as np
import pytest

from sknetphys._core.layers import Conv2D
from sknetphys._core.layers import conv as conv_layers
from sknetphys._core.kernels.winograd import minimal_filtering
from tests._core import naive_conv as naive


@pytest.mark.parametrize("r", [3, 5])
@pytest.mark.parametrize("m", [2, 4])
def test_minimal_filtering_computes_the_correlation(r, m):
    rng = np.random.default_rng(r)
    AT, G, BT = minimal_filtering(r, m)
    n = m + r - 1
    assert AT.shape == (m, n) and G.shape == (n, r) and BT.shape == (n, n)
    for _ in range(5):
        g, d = rng.standard_normal(r), rng.standard_normal(n)
        ref = [g @ d[i : i + r] for i in range(m)]
        np.testing.assert_allclose(AT @ ((G @ g) * (BT @ d)), ref, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("m", [2, 3])
def test_conv_layer_with_other_tile_widths(monkeypatch, m):
    """The layer uses F(4, kw); the kernels take any tile width (here 2 and 3, with a last
    tile of 1 column: width 7) and match the reference, backward pass included."""
    monkeypatch.setattr(conv_layers, "_WINOGRAD_TILE", m)
    rng = np.random.default_rng(m)
    layer = Conv2D(5, 5, padding="same", activation="identity").build((6, 7, 8), np.float64)
    assert layer.winograd and layer._AT.shape[0] == m
    W = rng.standard_normal(layer.param_shapes[0])
    b = rng.standard_normal(5)
    layer.bind([W, b], [np.empty_like(W), np.empty_like(b)])
    layer.allocate(3)
    x = rng.standard_normal((3, 6, 7, 8))
    np.testing.assert_allclose(layer.forward(x), naive.conv2d(x, W, b, (1, 1), "same"),
                               rtol=1e-10, atol=1e-10)
    dy = rng.standard_normal((3, 6, 7, 5))
    dx = layer.backward(dy.copy(), need_dx=True)
    rdx, rdW, rdb = naive.conv2d_grads(x, W, dy, (1, 1), "same")
    np.testing.assert_allclose(dx, rdx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads[0], rdW, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads[1], rdb, rtol=1e-10, atol=1e-10)


def test_minimal_filtering_has_no_points_for_long_kernels():
    with pytest.raises(ValueError, match="no interpolation points"):
        minimal_filtering(11)
