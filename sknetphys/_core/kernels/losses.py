"""Output activations paired with their losses.

Each ``*_loss`` kernel takes the raw outputs ``z`` (logits for the classifiers) and targets
``t``, writes the output delta dC/dz into ``delta`` and returns the summed loss. Pairing the
output activation with its loss makes the delta simply ``(y_out - t) / n``. Dividing by ``n``
(the batch size) is the caller's job through ``inv_n``.

The Poisson loss pairs the same way with an exponential output (a log link): its delta is
``(exp(z) - t) / n``.

The quadratic cost on sigmoid or softmax outputs (the lecture's comparison with
cross-entropy) has no such cancellation: its delta carries the activation's derivative,
which is what makes it learn slowly from confidently wrong outputs.
"""

import math

import numpy as np
from numba import njit

from .activations import sigmoid_of


@njit(cache=True, error_model="numpy", nogil=True)
def squared_loss(z, t, inv_n, delta):
    """C = 1/(2n) sum ||z - t||^2 (identity output)."""
    n, m = z.shape
    total = 0.0
    for i in range(n):
        for j in range(m):
            d = z[i, j] - t[i, j]
            total += d * d
            delta[i, j] = d * inv_n
    return 0.5 * total * inv_n


@njit(cache=True, error_model="numpy", nogil=True)
def poisson_loss(z, t, inv_n, delta):
    """Exponential output y = exp(z), half Poisson deviance
    C = 1/n sum (t log(t / y) - t + y) (zero at y = t; t >= 0)."""
    n, m = z.shape
    total = 0.0
    for i in range(n):
        for j in range(m):
            y = math.exp(z[i, j])
            ti = t[i, j]
            total += y - ti * z[i, j]
            if ti > 0:
                total += ti * (math.log(ti) - 1.0)
            delta[i, j] = (y - ti) * inv_n
    return total * inv_n


@njit(cache=True, error_model="numpy", inline="always", nogil=True)
def _exp_shifted(zi, out):
    """``out = exp(zi - max(zi))`` (``out`` may be ``zi``); returns ``(max(zi), sum(out))``."""
    zmax = zi[0]
    for j in range(1, zi.shape[0]):
        zmax = max(zmax, zi[j])
    s = 0.0
    for j in range(zi.shape[0]):
        e = math.exp(zi[j] - zmax)
        out[j] = e
        s += e
    return zmax, s


@njit(cache=True, error_model="numpy", nogil=True)
def softmax_xent_loss(z, t, inv_n, delta):
    """Softmax output, categorical cross-entropy C = -1/n sum t log softmax(z)."""
    n, m = z.shape
    total = 0.0
    for i in range(n):
        zmax, s = _exp_shifted(z[i], delta[i])
        log_s = math.log(s)
        inv_s = 1.0 / s
        for j in range(m):
            if t[i, j] != 0:
                total -= t[i, j] * (z[i, j] - zmax - log_s)
            delta[i, j] = (delta[i, j] * inv_s - t[i, j]) * inv_n
    return total * inv_n


@njit(cache=True, error_model="numpy", nogil=True)
def sigmoid_bce_loss(z, t, log_u, inv_n, delta):
    """Sigmoid outputs, binary cross-entropy summed over outputs, mean over samples.

    The transcendental parts come in from numpy's SIMD loops (see ``losses.py``; libm's
    scalar calls made this kernel 2.9 ms for 100 x 784): ``delta`` holds ``e = exp(-|z|)``
    on entry (each entry is read before it is overwritten) and ``log_u = log(1 + e)``
    (overwritten with each output's loss).
    -[t log s(z) + (1-t) log(1-s(z))] = softplus(z) - t z = max(z, 0) + log1p(e) - t z,
    with log1p(e) = log(u) e / (u - 1) for u = 1 + e rounded (Goldberg's formula, within a
    few ulps), and e itself where u rounds to 1. The sigmoid is ``activations.sigmoid_of``."""
    n, m = z.shape
    one = np.float32(1.0)  # u in z's dtype, as numpy added it: float32 + float32 is float32
    for i in range(n):  # without the sum, this loop vectorises
        for j in range(m):
            x = z[i, j]
            e = delta[i, j]
            u = e + one
            log1p_e = log_u[i, j] * (e / (u - 1.0)) if u != 1.0 else e
            log_u[i, j] = max(x, 0.0) + log1p_e - t[i, j] * x  # the output's loss
            delta[i, j] = (sigmoid_of(x, e) - t[i, j]) * inv_n
    total = 0.0
    for i in range(n):
        for j in range(m):
            total += log_u[i, j]
    return total * inv_n


@njit(cache=True, error_model="numpy", nogil=True)
def sigmoid_squared_loss(z, t, sq, inv_n, delta):
    """Sigmoid outputs y, quadratic cost C = 1/(2n) sum ||y - t||^2;
    dC/dz = (y - t) y (1 - y) / n. ``delta`` holds ``exp(-|z|)`` on entry, as for
    :func:`sigmoid_bce_loss`; ``sq`` receives each output's (y - t)^2."""
    n, m = z.shape
    for i in range(n):  # without the sum, this loop vectorises
        for j in range(m):
            e = delta[i, j]
            y = sigmoid_of(z[i, j], e)
            d = y - t[i, j]
            sq[i, j] = d * d
            delta[i, j] = d * y * (1.0 - y) * inv_n
    total = 0.0
    for i in range(n):
        for j in range(m):
            total += sq[i, j]
    return 0.5 * total * inv_n


@njit(cache=True, error_model="numpy", nogil=True)
def softmax_squared_loss(z, t, inv_n, delta):
    """Softmax outputs y, quadratic cost C = 1/(2n) sum ||y - t||^2;
    dC/dz_k = y_k ((y_k - t_k) - sum_j (y_j - t_j) y_j) / n."""
    n, m = z.shape
    total = 0.0
    for i in range(n):
        _, s = _exp_shifted(z[i], delta[i])
        inv_s = 1.0 / s
        dot = 0.0
        for j in range(m):
            y = delta[i, j] * inv_s
            delta[i, j] = y
            d = y - t[i, j]
            total += d * d
            dot += d * y
        for j in range(m):
            y = delta[i, j]
            delta[i, j] = y * ((y - t[i, j]) - dot) * inv_n
    return 0.5 * total * inv_n

