"""Slow, obviously correct numpy references for convolution, pooling and upsampling (NHWC).

Each is written straight from its definition, loop by loop over output pixels, so that the
fast kernels (im2col + GEMM, numba loops) have something independent to agree with.
"""

import numpy as np


def same_padding(size, kernel, stride):
    """(before, after) zero padding of Keras/TensorFlow's padding='same'."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d(x, W, b, strides=(1, 1), padding="valid"):
    """Cross-correlation ``y[n,i,j,f] = b[f] + sum x_pad[n, i*sh+a, j*sw+c, ch] W[a,c,ch,f]``."""
    n, h, w, _ = x.shape
    kh, kw, _, f = W.shape
    sh, sw = strides
    if padding == "same":
        pt, pb = same_padding(h, kh, sh)
        pl, pr = same_padding(w, kw, sw)
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    hp, wp = x.shape[1:3]
    oh, ow = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    y = np.empty((n, oh, ow, f), dtype=np.result_type(x, W))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh : i * sh + kh, j * sw : j * sw + kw, :]
            y[:, i, j, :] = np.tensordot(patch, W, axes=([1, 2, 3], [0, 1, 2])) + b
    return y


def conv2d_grads(x, W, dy, strides=(1, 1), padding="valid"):
    """(dx, dW, db) of :func:`conv2d` for the upstream gradient ``dy``, by the chain rule
    written per output pixel (no im2col)."""
    n, h, w, _ = x.shape
    kh, kw, _, _ = W.shape
    sh, sw = strides
    pt = pl = 0
    xp = x
    if padding == "same":
        pt, pb = same_padding(h, kh, sh)
        pl, pr = same_padding(w, kw, sw)
        xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    oh, ow = dy.shape[1:3]
    for i in range(oh):
        for j in range(ow):
            sl = (slice(None), slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw))
            g = dy[:, i, j, :]  # (n, f)
            dW += np.tensordot(xp[sl], g, axes=([0], [0]))
            dxp[sl] += np.tensordot(g, W, axes=([1], [3]))
    dx = dxp[:, pt : pt + h, pl : pl + w, :]
    return dx, dW, dy.sum(axis=(0, 1, 2))


def _windows(x, pool, strides):
    ph, pw = pool
    sh, sw = strides
    n, h, w, c = x.shape
    oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    for i in range(oh):
        for j in range(ow):
            yield i, j, (slice(None), slice(i * sh, i * sh + ph), slice(j * sw, j * sw + pw))


def _pool_out(x, pool, strides):
    n, h, w, c = x.shape
    return np.empty((n, (h - pool[0]) // strides[0] + 1, (w - pool[1]) // strides[1] + 1, c), x.dtype)


def maxpool(x, pool, strides):
    y = _pool_out(x, pool, strides)
    for i, j, sl in _windows(x, pool, strides):
        y[:, i, j, :] = x[sl].max(axis=(1, 2))
    return y


def maxpool_grad(x, dy, pool, strides):
    """Gradient goes to the (first, row-major) maximum of each window."""
    dx = np.zeros_like(x)
    n, c = x.shape[0], x.shape[3]
    for i, j, sl in _windows(x, pool, strides):
        win = x[sl].reshape(n, -1, c)
        k = win.argmax(axis=1)  # (n, c)
        a, b = np.divmod(k, pool[1])
        for s in range(n):
            for ch in range(c):
                dx[s, i * strides[0] + a[s, ch], j * strides[1] + b[s, ch], ch] += dy[s, i, j, ch]
    return dx


def avgpool(x, pool, strides):
    y = _pool_out(x, pool, strides)
    for i, j, sl in _windows(x, pool, strides):
        y[:, i, j, :] = x[sl].mean(axis=(1, 2))
    return y


def avgpool_grad(x, dy, pool, strides):
    dx = np.zeros_like(x)
    for i, j, sl in _windows(x, pool, strides):
        dx[sl] += dy[:, i, j, None, None, :] / (pool[0] * pool[1])
    return dx


def upsample(x, size):
    return np.repeat(np.repeat(x, size[0], axis=1), size[1], axis=2)


def upsample_grad(dy, size):
    n, H, W, c = dy.shape
    return dy.reshape(n, H // size[0], size[0], W // size[1], size[1], c).sum(axis=(2, 4))
