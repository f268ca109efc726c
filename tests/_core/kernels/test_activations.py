import warnings

import numpy as np
import pytest

from sknetphys._core.kernels.activations import (
    activate,
    activation_backward,
    activation_grad,
    bias_activation,
    bias_activation_t,
)
from sknetphys._core.layers import ACTIVATIONS, activation_code
from tests._core.naive_dense import act

NAMES = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_activation_matches_numpy(name, dtype):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3, size=(7, 5)).astype(dtype)
    b = rng.normal(size=5).astype(dtype)
    expected = act(name, z.astype(np.float64) + b)
    bias_activation(z, b, activation_code(name))
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(z, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", NAMES)
def test_planar_bias_activation_matches_numpy(name):
    # (units, rows) in, (rows, units) out; 300 rows span several of the kernel's row blocks
    rng = np.random.default_rng(2)
    zt = rng.normal(scale=3, size=(3, 300))
    b = rng.normal(size=3)
    y = np.full((300, 3), np.nan)
    bias_activation_t(zt, b, activation_code(name), y)
    np.testing.assert_allclose(y, act(name, zt.T + b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_flat_activation_grad_matches_backward(name):
    rng = np.random.default_rng(3)
    y = rng.normal(size=(40, 7))
    bias_activation(y, np.zeros(y.shape[1]), activation_code(name))  # y = f(y)
    delta = rng.normal(size=(40, 7))
    expected = delta.copy()
    activation_backward(y, expected, activation_code(name), np.empty(7))
    activation_grad(y, delta, activation_code(name))
    np.testing.assert_array_equal(delta, expected)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_from_output_matches_finite_difference(name):
    rng = np.random.default_rng(1)
    z = rng.normal(scale=2, size=(6, 4))
    z[np.abs(z) < 1e-3] = 0.5  # keep away from the kink of relu-like functions
    y = z.copy()
    bias_activation(y, np.zeros(y.shape[1]), activation_code(name))  # y = f(y)
    delta = np.ones_like(z)
    db = np.empty(4)
    activation_backward(y, delta, activation_code(name), db)
    h = 1e-6
    numeric = (act(name, z + h) - act(name, z - h)) / (2 * h)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numeric.sum(axis=0), rtol=1e-6, atol=1e-8)


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([[-1000.0, 1000.0, 0.0]])
    bias_activation(z, np.zeros(3), activation_code("sigmoid"))
    np.testing.assert_allclose(z, [[0.0, 1.0, 0.5]])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_activation_matches_the_kernel(name, dtype):
    # ``activate`` takes numpy's SIMD exp and tanh for the sigmoid and tanh: a few ulps from
    # the kernel's libm calls; odd sizes leave remainders after the vector loops
    rng = np.random.default_rng(4)
    z = rng.normal(scale=30, size=(37, 29)).astype(dtype)
    b = rng.normal(size=29).astype(dtype)
    expected = z.copy()
    bias_activation(expected, b, activation_code(name))
    activate(z, b, activation_code(name), np.full_like(z, np.nan))
    if name in ("sigmoid", "tanh"):
        ulp = np.finfo(dtype).eps
        np.testing.assert_allclose(z, expected, rtol=4 * ulp, atol=np.finfo(dtype).tiny)
    else:
        np.testing.assert_array_equal(z, expected)


@pytest.mark.parametrize("name, expected", [("sigmoid", [0, 1, 0.5, 0.5, 1, 0]),
                                            ("tanh", [-1, 1, 0, 0, 1, -1])])
def test_layer_activation_of_extreme_inputs(name, expected):
    z = np.array([[-1000.0, 1000.0, 0.0, -0.0, np.inf, -np.inf, np.nan]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings
        activate(z, np.zeros(7, np.float32), activation_code(name), np.empty_like(z))
    np.testing.assert_array_equal(z[0, :6], expected)
    assert np.isnan(z[0, 6])


def test_aliases_and_unknown_names():
    assert ACTIVATIONS["logistic"] == ACTIVATIONS["sigmoid"]
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        activation_code("swish")
