"""The sparse autoencoder's penalty: KL divergences of the code units' mean activations from
a target (Ng's sparse-autoencoder notes)."""

import math

from numba import njit

# Means are clipped into [_EPS, 1 - _EPS]: float32 sigmoids saturate to exactly 0 or 1, where
# the divergence is infinite. Inside that range the penalty and its gradient are exact.
_EPS = 1e-12


@njit(cache=True, error_model="numpy", nogil=True)
def kl_sparsity(y, rho, mean):
    """``mean[j]`` = unit j's mean activation over the rows of ``y`` (n, units), in float64;
    returns ``sum_j KL(rho || mean_j)``, where
    ``KL(p || q) = p log(p/q) + (1-p) log((1-p)/(1-q))``."""
    n, m = y.shape
    for j in range(m):
        mean[j] = 0.0
    for i in range(n):
        for j in range(m):
            mean[j] += y[i, j]
    total = 0.0
    for j in range(m):
        q = min(max(mean[j] / n, _EPS), 1.0 - _EPS)
        mean[j] = q
        total += rho * math.log(rho / q) + (1.0 - rho) * math.log((1.0 - rho) / (1.0 - q))
    return total


@njit(cache=True, error_model="numpy", nogil=True)
def kl_sparsity_backward(dy, mean, rho, scale):
    """In place: ``dy[i, j] += scale * dKL/dmean_j`` with ``dKL/dq = -rho/q + (1-rho)/(1-q)``;
    ``scale`` is the penalty's weight over the number of rows (d mean_j / d y_ij = 1/n)."""
    n, m = dy.shape
    for j in range(m):
        q = mean[j]
        g = scale * (-rho / q + (1.0 - rho) / (1.0 - q))
        for i in range(n):
            dy[i, j] += g
