"""Activation functions fused with the bias add, and their derivatives.

Every derivative is written in terms of the activation's *output* y = f(z), so a layer keeps
only its output for backprop (as the lecture does for the sigmoid: f' = y (1 - y)).
Arrays are 2-D ``(rows, units)``; conv layers pass their NHWC output as ``(n*h*w, channels)``.
"""

import math

import numpy as np
from numba import njit

IDENTITY, SIGMOID, TANH, RELU, LEAKY_RELU, SOFTPLUS, ELU = range(7)
LEAKY_SLOPE = 0.01


@njit(cache=True, error_model="numpy", nogil=True)
def _f(code, z):
    if code == SIGMOID:
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)
    if code == TANH:
        return math.tanh(z)
    if code == RELU:
        return z if z > 0 else 0.0 * z
    if code == LEAKY_RELU:
        return z if z > 0 else LEAKY_SLOPE * z
    if code == SOFTPLUS:
        return math.log1p(math.exp(-abs(z))) + max(z, 0.0 * z)
    if code == ELU:
        return z if z > 0 else math.expm1(z)
    return z


@njit(cache=True, error_model="numpy", nogil=True)
def _df(code, y):
    if code == SIGMOID:
        return y * (1.0 - y)
    if code == TANH:
        return 1.0 - y * y
    if code == RELU:
        return 1.0 if y > 0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if y > 0 else LEAKY_SLOPE
    if code == SOFTPLUS:
        return -math.expm1(-y)  # sigmoid(z) = 1 - exp(-softplus(z))
    if code == ELU:
        return 1.0 if y > 0 else y + 1.0
    return 1.0


@njit(cache=True, error_model="numpy", nogil=True)
def bias_activation(z, b, code):
    """In place: ``z[i, j] = f(z[i, j] + b[j])``."""
    n, m = z.shape
    if code == RELU:  # the common cases, kept branch-free so that they vectorise
        for i in range(n):
            for j in range(m):
                v = z[i, j] + b[j]
                z[i, j] = v if v > 0 else 0
        return
    if code == IDENTITY:  # 10 us for a 100 x 784 output, where the loop below took 127
        for i in range(n):
            for j in range(m):
                z[i, j] += b[j]
        return
    for i in range(n):
        for j in range(m):
            z[i, j] = _f(code, z[i, j] + b[j])


@njit(cache=True, error_model="numpy", inline="always", nogil=True)
def sigmoid_of(z, e):
    """sigmoid(z) from ``e = exp(-|z|)``, as ``_f`` computes it (1 / (1 + e) for z >= 0,
    e / (1 + e) below: neither overflows), by a select rather than a branch, so that the
    loops calling it vectorise."""
    return (1.0 if z >= 0 else e) / (1.0 + e)


@njit(cache=True, error_model="numpy", nogil=True)
def sigmoid_from_exp(z, e):
    """In place over flat arrays: ``z = sigmoid(z)`` from ``e = exp(-|z|)``."""
    for i in range(z.shape[0]):
        z[i] = sigmoid_of(z[i], e[i])


def exp_neg_abs(z, out):
    """``out = exp(-|z|)`` (never overflows) through numpy's SIMD loops, where numba calls
    libm's scalar ``exp``: 100 x 784 float32, 181 us against 716 for the sigmoid kernel."""
    np.abs(z, out=out)
    np.negative(out, out=out)
    return np.exp(out, out=out)


# Activations that layers take from numpy rather than from their kernels (see activate)
SIMD_CODES = (SIGMOID, TANH)


def activate(z, b, code, scratch=None):
    """:func:`bias_activation` for a layer's output, in place, except that the sigmoid and
    tanh come from :func:`simd_activation`. ``scratch``: an array of ``z``'s size and dtype
    for the sigmoid."""
    if code in SIMD_CODES:
        bias_activation(z, b, IDENTITY)
        simd_activation(z, code, scratch)
    else:
        bias_activation(z, b, code)


def simd_activation(z, code, scratch=None):
    """In place ``z = f(z)`` for the sigmoid and tanh (``code`` in :data:`SIMD_CODES`) from
    numpy's SIMD ``exp`` and ``tanh``: 100 x 784 float32, sigmoid 749 -> 163 us, tanh 1517
    -> 211 us against :func:`bias_activation`'s libm calls. Within 3 float32 ulps of the
    exact functions (libm's: 1.5 and 2). ``scratch``: an array of ``z``'s size and dtype for
    the sigmoid's ``exp(-|z|)``."""
    if code == SIGMOID:
        zf, e = z.reshape(-1), scratch.reshape(-1)[: z.size]
        sigmoid_from_exp(zf, exp_neg_abs(zf, e))
    else:
        np.tanh(z, out=z)


@njit(cache=True, error_model="numpy", nogil=True)
def activation_backward(y, delta, code, db):
    """In place ``delta *= f'(y)``; writes ``db[j] = sum_i delta[i, j]``."""
    n, m = y.shape
    for j in range(m):
        db[j] = 0
    if code == IDENTITY:
        for i in range(n):
            for j in range(m):
                db[j] += delta[i, j]
        return
    if code == RELU:
        for i in range(n):
            for j in range(m):
                d = delta[i, j] if y[i, j] > 0 else 0
                delta[i, j] = d
                db[j] += d
        return
    # the sigmoid and tanh in loops of their own, which vectorise (through _df: 99 us for
    # 100 x 784, here 10-20); the same arithmetic as _df
    if code == SIGMOID:
        for i in range(n):
            for j in range(m):
                d = delta[i, j] * (y[i, j] * (1.0 - y[i, j]))
                delta[i, j] = d
                db[j] += d
        return
    if code == TANH:
        for i in range(n):
            for j in range(m):
                d = delta[i, j] * (1.0 - y[i, j] * y[i, j])
                delta[i, j] = d
                db[j] += d
        return
    for i in range(n):
        for j in range(m):
            d = delta[i, j] * _df(code, y[i, j])
            delta[i, j] = d
            db[j] += d


@njit(cache=True, error_model="numpy", nogil=True)
def activation_grad(y, delta, code):
    """In place ``delta *= f'(y)`` over C-contiguous arrays of any shape, as one flat loop:
    it vectorises whatever the number of units (conv layers with 7 channels; the bias sum
    is then one BLAS matrix-vector product, see the conv layer)."""
    yf = y.reshape(-1)
    df = delta.reshape(-1)
    if code == IDENTITY:
        return
    if code == RELU:
        for i in range(df.shape[0]):
            df[i] = df[i] if yf[i] > 0 else 0
        return
    if code == SIGMOID:  # as in activation_backward
        for i in range(df.shape[0]):
            df[i] = df[i] * (yf[i] * (1.0 - yf[i]))
        return
    if code == TANH:
        for i in range(df.shape[0]):
            df[i] = df[i] * (1.0 - yf[i] * yf[i])
        return
    for i in range(df.shape[0]):
        df[i] = df[i] * _df(code, yf[i])


@njit(cache=True, error_model="numpy", nogil=True)
def bias_activation_t(zt, b, code, y):
    """``y[p, j] = f(zt[j, p] + b[j])``: a planar (units, rows) product written out as rows,
    in blocks of rows so that the strided writes stay in L1."""
    m, n = zt.shape
    for p0 in range(0, n, 128):
        p1 = min(n, p0 + 128)
        yv = y[p0:p1]
        for j in range(m):
            src = zt[j, p0:p1]
            bj = b[j]
            if code == RELU:
                for p in range(p1 - p0):
                    v = src[p] + bj
                    yv[p, j] = v if v > 0 else 0
            elif code == IDENTITY:  # conv layers whose sigmoid or tanh numpy applies
                for p in range(p1 - p0):
                    yv[p, j] = src[p] + bj
            else:
                for p in range(p1 - p0):
                    yv[p, j] = _f(code, src[p] + bj)
