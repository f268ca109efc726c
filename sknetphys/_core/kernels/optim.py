"""Fused optimizer steps over the flat parameter vector: one pass, no temporaries.

Every kernel adds the L2 gradient ``l2 * p`` to the first ``n_decay`` entries (the weights;
biases are not penalised) on the fly and returns ``sum(p**2)`` over those entries, taken
before the update, for the loss report. ``grads`` is never modified.
"""

import math

from numba import njit

# State entries that decay geometrically (momenta, squared-gradient averages of inputs that
# never fire, such as MNIST's border pixels) become subnormal floats, which cost the CPU a
# microcode assist per operation: an epoch of Adam on MNIST ran 8x slower. They are flushed.
TINY = 1e-30


@njit(cache=True, inline="always")
def _flush(x):
    return x if abs(x) >= TINY else 0.0 * x


@njit(cache=True)
def sgd_step(p, g, velocity, lr, momentum, nesterov, l2, n_decay):
    ss = 0.0
    for i in range(p.size):
        w = p[i]
        gi = g[i]
        if i < n_decay:
            gi += l2 * w
            ss += w * w
        if momentum == 0.0:
            p[i] = w - lr * gi
            continue
        v = _flush(momentum * velocity[i] - lr * gi)
        velocity[i] = v
        if nesterov:
            p[i] = w + momentum * v - lr * gi
        else:
            p[i] = w + v
    return ss


@njit(cache=True)
def adagrad_step(p, g, acc, lr, eps, l2, n_decay):
    ss = 0.0
    for i in range(p.size):
        w = p[i]
        gi = g[i]
        if i < n_decay:
            gi += l2 * w
            ss += w * w
        a = acc[i] + gi * gi
        acc[i] = a
        p[i] = w - lr * gi / (math.sqrt(a) + eps)
    return ss


@njit(cache=True)
def rmsprop_step(p, g, sq, lr, rho, eps, l2, n_decay):
    ss = 0.0
    for i in range(p.size):
        w = p[i]
        gi = g[i]
        if i < n_decay:
            gi += l2 * w
            ss += w * w
        s = _flush(rho * sq[i] + (1.0 - rho) * gi * gi)
        sq[i] = s
        p[i] = w - lr * gi / (math.sqrt(s) + eps)
    return ss


@njit(cache=True)
def adadelta_step(p, g, sq_g, sq_dx, lr, rho, eps, l2, n_decay):
    ss = 0.0
    for i in range(p.size):
        w = p[i]
        gi = g[i]
        if i < n_decay:
            gi += l2 * w
            ss += w * w
        eg = _flush(rho * sq_g[i] + (1.0 - rho) * gi * gi)
        sq_g[i] = eg
        dx = -math.sqrt(sq_dx[i] + eps) / math.sqrt(eg + eps) * gi
        sq_dx[i] = _flush(rho * sq_dx[i] + (1.0 - rho) * dx * dx)
        p[i] = w + lr * dx
    return ss


@njit(cache=True)
def adam_step(p, g, m, v, lr, beta_1, beta_2, eps, t, l2, n_decay):
    """Kingma & Ba, Algorithm 1: p -= lr * m_hat / (sqrt(v_hat) + eps)."""
    step = lr / (1.0 - beta_1**t)
    inv_c2 = 1.0 / math.sqrt(1.0 - beta_2**t)
    ss = 0.0
    for i in range(p.size):
        w = p[i]
        gi = g[i]
        if i < n_decay:
            gi += l2 * w
            ss += w * w
        mi = _flush(beta_1 * m[i] + (1.0 - beta_1) * gi)
        vi = _flush(beta_2 * v[i] + (1.0 - beta_2) * gi * gi)
        m[i] = mi
        v[i] = vi
        p[i] = w - step * mi / (math.sqrt(vi) * inv_c2 + eps)
    return ss
