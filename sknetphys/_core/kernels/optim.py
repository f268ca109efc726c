"""Fused optimizer steps over the flat parameter vector: one pass, no temporaries.

Every kernel adds the L2 gradient ``l2 * p`` to the first ``n_decay`` entries (the weights;
biases are not penalised) on the fly; ``grads`` is never modified. Scalars arrive already cast
to the parameters' dtype (see ``optimizers.py``) so that float32 loops stay float32 and
vectorise. No reductions here: they would stop LLVM from vectorising without fastmath.
"""

import math

import numpy as np
from numba import njit

from .sparse_input import column_grad

# State entries that decay geometrically (momenta, squared-gradient averages of inputs that
# never fire, such as MNIST's border pixels) become subnormal floats, which cost the CPU a
# microcode assist per operation: an epoch of Adam on MNIST ran 8x slower. They are flushed
# by ``(x + TINY) - TINY``: exact for |x| > 2e-23 (float32), zero for subnormals, and two
# vector adds, where a compare-and-select flush made the Adam step 4x slower.
TINY = 1e-30


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def _flush(x, tiny):
    return (x + tiny) - tiny


@njit(cache=True, error_model="numpy", nogil=True, inline="always")
def _grad(p, g, i, l2, n_decay):
    return g[i] + l2 * p[i] if i < n_decay else g[i]


@njit(cache=True, error_model="numpy", nogil=True)
def sgd_step(p, g, velocity, lr, momentum, nesterov, l2, n_decay, tiny):
    for i in range(p.size):
        gi = _grad(p, g, i, l2, n_decay)
        v = _flush(momentum * velocity[i] - lr * gi, tiny)
        velocity[i] = v
        p[i] += momentum * v - lr * gi if nesterov else v


@njit(cache=True, error_model="numpy", nogil=True)
def sgd_plain_step(p, g, lr, l2, n_decay):
    for i in range(p.size):
        p[i] -= lr * _grad(p, g, i, l2, n_decay)


@njit(cache=True, error_model="numpy", nogil=True)
def adagrad_step(p, g, acc, lr, eps, l2, n_decay):
    for i in range(p.size):
        gi = _grad(p, g, i, l2, n_decay)
        a = acc[i] + gi * gi
        acc[i] = a
        p[i] -= lr * gi / (math.sqrt(a) + eps)


@njit(cache=True, error_model="numpy", nogil=True)
def rmsprop_step(p, g, sq, lr, rho, one_minus_rho, eps, l2, n_decay, tiny):
    for i in range(p.size):
        gi = _grad(p, g, i, l2, n_decay)
        s = _flush(rho * sq[i] + one_minus_rho * gi * gi, tiny)
        sq[i] = s
        p[i] -= lr * gi / (math.sqrt(s) + eps)


@njit(cache=True, error_model="numpy", nogil=True)
def adadelta_step(p, g, sq_g, sq_dx, lr, rho, one_minus_rho, eps, l2, n_decay, tiny):
    for i in range(p.size):
        gi = _grad(p, g, i, l2, n_decay)
        eg = _flush(rho * sq_g[i] + one_minus_rho * gi * gi, tiny)
        sq_g[i] = eg
        dx = -math.sqrt(sq_dx[i] + eps) / math.sqrt(eg + eps) * gi
        sq_dx[i] = _flush(rho * sq_dx[i] + one_minus_rho * dx * dx, tiny)
        p[i] += lr * dx


@njit(cache=True, error_model="numpy", nogil=True)
def adam_step(p, g, m, v, step, inv_c2, beta_1, one_minus_b1, beta_2, one_minus_b2, eps, l2,
              n_decay, tiny):
    """Kingma & Ba, Algorithm 1, with ``step = lr / (1 - beta_1**t)`` and
    ``inv_c2 = 1 / sqrt(1 - beta_2**t)``: p -= step * m / (sqrt(v) * inv_c2 + eps)."""
    for i in range(p.size):
        gi = _grad(p, g, i, l2, n_decay)
        mi = _flush(beta_1 * m[i] + one_minus_b1 * gi, tiny)
        vi = _flush(beta_2 * v[i] + one_minus_b2 * gi * gi, tiny)
        m[i] = mi
        v[i] = vi
        p[i] -= step * mi / (math.sqrt(vi) * inv_c2 + eps)


@njit(cache=True, error_model="numpy", nogil=True)
def adam_sparse_rows_step(colptr, rowidx, vals, delta, p, m, v, step, inv_c2, beta_1,
                          one_minus_b1, beta_2, one_minus_b2, eps, l2, tiny):
    """:func:`adam_step` on the weights ``p`` (K, N) of an input layer, fused with computing
    their gradient ``X.T @ delta`` from X given by columns (``sparse_input.to_csc``): each
    gradient row is used while it is in L1 and never stored, which saves the two passes
    over the gradient that computing it and then stepping would cost (20% of both, MNIST).
    Every weight is penalised by ``l2``. Same arithmetic, in the same order, as
    ``csc_matmul_t`` followed by :func:`adam_step` (both use ``column_grad``)."""
    K, N = p.shape
    g = np.empty(N, p.dtype)
    for k in range(K):
        column_grad(colptr, rowidx, vals, delta, k, g)
        pk, mk, vk = p[k], m[k], v[k]
        for j in range(N):
            gi = g[j] + l2 * pk[j]
            mi = _flush(beta_1 * mk[j] + one_minus_b1 * gi, tiny)
            vi = _flush(beta_2 * vk[j] + one_minus_b2 * gi * gi, tiny)
            mk[j] = mi
            vk[j] = vi
            pk[j] -= step * mi / (math.sqrt(vi) * inv_c2 + eps)
