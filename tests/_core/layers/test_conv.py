"""Conv2D, MaxPool2D, AvgPool2D, UpSampling2D: shapes, references, finite-difference gradients."""

import numpy as np
import pytest
from sklearn.base import clone

from sknetphys._core.layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    UpSampling2D,
)
from sknetphys._core.network import Network
from tests._core import naive_conv as naive


def _bound(layer, rng, dtype=np.float64):
    """Give a runtime layer its own parameter/gradient arrays, initialised."""
    params = [np.empty(s, dtype) for s in layer.param_shapes]
    grads = [np.empty(s, dtype) for s in layer.param_shapes]
    layer.bind(params, grads)
    if params:
        layer.init_params(rng)
        params[1][...] = rng.standard_normal(params[1].shape) * 0.1
    return layer


def _check_gradients(layer, x, rng, eps=1e-6, tol=1e-6):
    """Backprop of L = sum(forward(x) * R) against central differences in x, W and b."""
    layer.allocate(x.shape[0])
    y = layer.forward(x, training=True, rng=None).copy()
    R = rng.standard_normal(y.shape)
    dx = layer.backward(R.copy(), need_dx=True)
    dx = None if dx is None else dx.copy()
    grads = [g.copy() for g in getattr(layer, "grads", [])]

    def loss():
        return float(np.sum(layer.forward(x, training=True, rng=None) * R))

    def numeric(arr, n_probe=25):
        flat = arr.reshape(-1)
        idx = rng.choice(flat.size, size=min(n_probe, flat.size), replace=False)
        out = []
        for i in idx:
            old = flat[i]
            flat[i] = old + eps
            lp = loss()
            flat[i] = old - eps
            lm = loss()
            flat[i] = old
            out.append((lp - lm) / (2 * eps))
        return idx, np.array(out)

    idx, num = numeric(x)
    np.testing.assert_allclose(dx.reshape(-1)[idx], num, rtol=tol, atol=tol)
    for p, g in zip(getattr(layer, "params", []), grads):
        idx, num = numeric(p)
        np.testing.assert_allclose(g.reshape(-1)[idx], num, rtol=tol, atol=tol)


CONV_CASES = [
    # (input shape, kernel, strides, padding)
    ((7, 7, 1), 3, 1, "valid"),
    ((7, 7, 2), 3, 1, "same"),
    ((8, 7, 2), (3, 2), 1, "same"),
    ((9, 8, 2), 3, 2, "valid"),
    ((9, 8, 2), 3, 2, "same"),
    ((8, 8, 3), 4, (2, 1), "same"),
    ((6, 6, 3), 1, 1, "valid"),  # pointwise: no im2col
    ((6, 6, 3), 1, 2, "same"),
    ((5, 6, 2), 5, 3, "same"),
    ((6, 7, 3), 5, 1, "same"),  # odd output width: Winograd's last tile has one column
    ((7, 9, 2), (3, 5), 1, "valid"),
]


def _winograd_case(kernel, strides):
    kw = kernel if isinstance(kernel, int) else kernel[1]
    return strides == 1 and kw in (3, 5)


def _direct_case(kernel, strides):
    return strides == 1 and kernel not in (1, (1, 1))


def _layouts(modes):
    """(case..., mode) combinations: the Winograd modes only where a layer has that path
    (stride 1, kernel 3 or 5 wide), the direct mode only for stride 1 (not pointwise)."""
    return [case + (mode,) for case in CONV_CASES for mode in modes
            if (not mode.startswith("winograd") or _winograd_case(case[1], case[2]))
            and (mode != "direct" or _direct_case(case[1], case[2]))]


# How the layer computes: im2col with the matrix transposed for the whole batch (few input
# channels) or as rows in chunks of images, Winograd along the rows (stride 1, many
# channels), or directly (stride 1, few filters). One image per chunk exercises the sums of
# dW over the chunks.
MODES = ["rows", "rows-chunked", "transposed", "winograd", "winograd-chunked", "direct"]


def _set_mode(layer, mode):
    layer.transposed = mode == "transposed"
    layer.winograd = mode.startswith("winograd")
    layer.direct = mode == "direct"
    if mode == "rows-chunked":
        layer.chunk = 1
    if mode == "winograd-chunked":
        layer._wg_chunk = 1


@pytest.mark.parametrize("shape, kernel, strides, padding, mode", _layouts(MODES))
def test_conv2d_gradients(shape, kernel, strides, padding, mode):
    rng = np.random.default_rng(0)
    layer = Conv2D(3, kernel, strides=strides, padding=padding, activation="tanh").build(
        shape, np.float64
    )
    _bound(layer, rng)
    _set_mode(layer, mode)
    x = rng.standard_normal((3,) + shape)
    _check_gradients(layer, x, rng)


@pytest.mark.parametrize("shape, kernel, strides, padding, mode",
                         _layouts(["rows", "transposed", "winograd", "direct"]))
@pytest.mark.parametrize("filters", [4, 12])  # the transposed layout has a planar path for <= 8
def test_conv2d_forward_matches_naive(shape, kernel, strides, padding, mode, filters):
    rng = np.random.default_rng(1)
    layer = _bound(
        Conv2D(filters, kernel, strides, padding, activation="identity").build(shape, np.float64),
        rng,
    )
    _set_mode(layer, mode)
    layer.chunk = layer._wg_chunk = 2
    layer.allocate(7)  # a batch below capacity: views into larger buffers
    x = rng.standard_normal((5,) + shape)
    W, b = layer.params
    ref = naive.conv2d(x, W, b, layer.strides, padding)
    y = layer.forward(x)
    assert y.shape[1:] == layer.output_shape == ref.shape[1:]
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)
    # and the backward pass against the reference chain rule, with a ReLU in front
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy.copy(), need_dx=True)
    rdx, rdW, rdb = naive.conv2d_grads(x, W, dy, layer.strides, padding)
    np.testing.assert_allclose(dx, rdx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads[0], rdW, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(layer.grads[1], rdb, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("shape, kernel, strides, padding, mode",
                         _layouts(["rows", "transposed", "winograd", "direct"]))
@pytest.mark.parametrize("activation, f", [("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
                                           ("tanh", np.tanh)])
def test_conv2d_sigmoid_and_tanh_of_the_kernels_sums(shape, kernel, strides, padding, mode,
                                                      activation, f):
    # the kernels add the bias only; numpy applies these two activations after them
    rng = np.random.default_rng(6)
    layers = [_bound(Conv2D(4, kernel, strides, padding, activation=a).build(shape, np.float64),
                     np.random.default_rng(3)) for a in ("identity", activation)]
    x = rng.standard_normal((4,) + shape)
    for layer in layers:
        _set_mode(layer, mode)
        layer.allocate(6)
    np.testing.assert_allclose(layers[1].forward(x), f(layers[0].forward(x)), rtol=1e-12,
                               atol=1e-15)


def test_conv2d_relu_gradients_and_float32_forward():
    rng = np.random.default_rng(2)
    layer = _bound(Conv2D(5, 3, padding="same").build((6, 6, 2), np.float64), rng)
    _check_gradients(layer, rng.standard_normal((2, 6, 6, 2)), rng)
    l32 = Conv2D(5, 3, padding="same").build((6, 6, 2), np.float32)
    l32.bind([p.astype(np.float32) for p in layer.params], [g.astype(np.float32) for g in layer.grads])
    l32.allocate(2)
    x = rng.standard_normal((2, 6, 6, 2))
    y32 = l32.forward(x.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, layer.forward(x), rtol=1e-4, atol=1e-5)


def test_conv2d_shapes_and_layout():
    layer = Conv2D(7, 5, padding="same").build((28, 28, 1), np.float32)
    assert layer.output_shape == (28, 28, 7)
    assert layer.param_shapes == [(5, 5, 1, 7), (7,)]
    # an input image (short kernel rows) takes the transposed im2col, 16 channels the rows
    assert layer.transposed
    assert not Conv2D(32, 5, padding="same").build((14, 14, 16), np.float32).transposed
    assert Conv2D(8, (3, 5), strides=2).build((28, 28, 3), np.float32).output_shape == (13, 12, 8)
    assert Conv2D(8, 3, strides=2, padding="same").build((7, 7, 3), np.float32).output_shape == (
        4, 4, 8)


@pytest.mark.parametrize(
    "spec, shape, match",
    [
        (Conv2D(0, 3), (8, 8, 1), "filters"),
        (Conv2D(2, 3, padding="full"), (8, 8, 1), "padding"),
        (Conv2D(2, 0), (8, 8, 1), "kernel_size"),
        (Conv2D(2, (3, 3, 3)), (8, 8, 1), "kernel_size"),
        (Conv2D(2, 3, strides=0), (8, 8, 1), "strides"),
        (Conv2D(2, 9), (8, 8, 1), "does not fit"),
        (Conv2D(2, 3), (64,), "height, width, channels"),
        (Conv2D(2, 3, activation="nope"), (8, 8, 1), "activation"),
        (MaxPool2D(9), (8, 8, 1), "larger"),
        (AvgPool2D(2), (8, 8), "height, width, channels"),
        (UpSampling2D(0), (8, 8, 1), "size"),
    ],
)
def test_invalid_specs_raise_clear_errors(spec, shape, match):
    with pytest.raises(ValueError, match=match):
        spec.build(shape, np.float32)


POOL_CASES = [
    ((8, 8, 2), 2, None),
    ((7, 9, 2), (2, 3), None),
    ((6, 6, 2), 3, 1),
    ((7, 7, 1), (3, 2), (2, 1)),
]


@pytest.mark.parametrize("spec_cls", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("shape, pool, strides", POOL_CASES)
def test_pool_gradients_and_reference(spec_cls, shape, pool, strides):
    rng = np.random.default_rng(3)
    layer = spec_cls(pool, strides).build(shape, np.float64)
    x = rng.standard_normal((3,) + shape)
    _check_gradients(layer, x, rng)
    p = layer.pool
    s = layer.strides
    ref = (naive.maxpool if spec_cls is MaxPool2D else naive.avgpool)(x, p, s)
    np.testing.assert_allclose(layer.forward(x), ref, rtol=1e-12)
    assert layer.output_shape == ref.shape[1:]


@pytest.mark.parametrize("size", [2, (2, 3)])
def test_upsampling_gradients_and_reference(size):
    rng = np.random.default_rng(4)
    layer = UpSampling2D(size).build((3, 4, 2), np.float64)
    x = rng.standard_normal((2, 3, 4, 2))
    _check_gradients(layer, x, rng)
    np.testing.assert_array_equal(layer.forward(x), naive.upsample(x, layer.size))


def test_network_of_conv_layers_gradient_over_flat_vector():
    # The whole stack through Network: every parameter view, the flat layout, the chain.
    specs = [
        Conv2D(3, 3, padding="same", activation="tanh"),
        MaxPool2D(2),
        Conv2D(4, (2, 3), strides=(1, 2), activation="tanh"),
        UpSampling2D(2),
        AvgPool2D(2, strides=1),
        Dropout(0.3),
        Flatten(),
        Dense(5, activation="tanh"),
    ]
    net = Network(specs, (8, 8, 2), np.float64)
    rng = np.random.default_rng(5)
    net.init_params(rng)
    assert [c.shape for c in net.coefs] == [(3, 3, 2, 3), (2, 3, 3, 4), (20, 5)]
    x = rng.standard_normal((3, 8, 8, 2))
    R = rng.standard_normal((3, 5))

    def loss():
        return float(np.sum(net.forward(x, training=False) * R))

    net.forward(x, training=False)
    net.backward(R.copy())
    g = net.grads.copy()
    idx = rng.choice(net.n_params, size=40, replace=False)
    eps = 1e-6
    for i in idx:
        old = net.params[i]
        net.params[i] = old + eps
        lp = loss()
        net.params[i] = old - eps
        lm = loss()
        net.params[i] = old
        assert np.isclose(g[i], (lp - lm) / (2 * eps), rtol=1e-6, atol=1e-7), i


def test_specs_are_cloneable_parameter_objects():
    spec = Conv2D(8, (3, 5), strides=2, padding="same", activation="tanh")
    c = clone(spec)
    assert c is not spec and c == spec
    assert spec.get_params()["kernel_size"] == (3, 5)
    assert clone(MaxPool2D(3, 1)).get_params() == {"pool_size": 3, "strides": 1}
    assert AvgPool2D(4).set_params(pool_size=2) == AvgPool2D(2)
    assert repr(UpSampling2D(3)) == "UpSampling2D(size=3)"


def test_maxpool_backward_after_a_prediction_mode_forward():
    # prediction skips the winners; a backward pass after it must find them itself
    rng = np.random.default_rng(3)
    layer = MaxPool2D(2).build((6, 6, 3), np.float64)
    layer.allocate(4)
    x = rng.standard_normal((4, 6, 6, 3))
    dy = rng.standard_normal((4, 3, 3, 3))
    y_train = layer.forward(x, training=True).copy()
    dx_train = layer.backward(dy, need_dx=True).copy()
    layer._arg[...] = -1  # stale winners must not be used
    np.testing.assert_array_equal(layer.forward(x, training=False), y_train)
    np.testing.assert_array_equal(layer.backward(dy, need_dx=True), dx_train)


def test_winograd_float32_rounding_stays_near_im2col():
    """MNIST's second layer in float32: Winograd's transforms cost no more than a few
    float32 roundings against im2col (both against a float64 reference)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 14, 14, 16))
    errors = {}
    for mode in ("rows", "winograd"):
        layer = Conv2D(32, 5, padding="same", activation="identity").build((14, 14, 16),
                                                                            np.float32)
        assert layer.winograd  # the default path for this layer
        _set_mode(layer, mode)
        _bound(layer, np.random.default_rng(0), np.float32)
        layer.allocate(4)
        W, b = layer.params
        ref = naive.conv2d(x.astype(np.float32).astype(np.float64), W.astype(np.float64),
                           b.astype(np.float64), (1, 1), "same")
        y = layer.forward(x.astype(np.float32))
        errors[mode] = np.abs(y - ref).max() / np.abs(ref).max()
    assert errors["winograd"] < 4e-6 and errors["winograd"] < 8 * errors["rows"], errors
