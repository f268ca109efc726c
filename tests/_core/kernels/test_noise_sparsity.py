"""The denoising and sparsity kernels against plain numpy."""

import numpy as np
import pytest

from sknetphys._core.kernels.noise import replace_noise, replace_noise_backward
from sknetphys._core.kernels.sparsity import kl_sparsity, kl_sparsity_backward


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_replace_noise_against_numpy(dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=1000).astype(dtype)
    u = rng.random(1000).astype(dtype)
    y = np.empty_like(x)
    replace_noise(x, u, 0.3, -2.0, 5.0, y)
    np.testing.assert_array_equal(y, np.where(u < 0.15, -2.0, np.where(u < 0.3, 5.0, x)))
    dy = rng.normal(size=1000).astype(dtype)
    dx = np.empty_like(dy)
    replace_noise_backward(dy, u, 0.3, dx)
    np.testing.assert_array_equal(dx, np.where(u < 0.3, 0.0, dy))


def kl_reference(y, rho):
    q = y.mean(axis=0)
    return np.sum(rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))), q


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kl_sparsity_against_numpy(dtype):
    rng = np.random.default_rng(1)
    y = rng.uniform(0.01, 0.99, size=(13, 7)).astype(dtype)
    mean = np.empty(7)
    value = kl_sparsity(y, 0.05, mean)
    expected, q = kl_reference(y.astype(np.float64), 0.05)
    np.testing.assert_allclose(value, expected, rtol=1e-6 if dtype == np.float32 else 1e-12)
    np.testing.assert_allclose(mean, q, rtol=1e-6 if dtype == np.float32 else 1e-14)
    dy = rng.normal(size=(13, 7)).astype(dtype)
    expected_dy = dy + 0.3 / 13 * (-0.05 / q + 0.95 / (1 - q))
    kl_sparsity_backward(dy, mean, 0.05, 0.3 / 13)
    np.testing.assert_allclose(dy, expected_dy, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_kl_sparsity_stays_finite_for_saturated_units():
    y = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32)  # float32 sigmoids round to 0, 1
    mean = np.empty(2)
    value = kl_sparsity(y, 0.1, mean)
    assert np.isfinite(value) and value > 20  # large, not infinite
    assert 0 < mean[1] < mean[0] < 1
