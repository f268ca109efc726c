"""Pooling and upsampling kernels for channels-last (NHWC) images.

Pooling windows are ``(ph, pw)`` with strides ``(sh, sw)`` and no padding ("valid", as the
Keras default): ``oh = (h - ph) // sh + 1``. Windows may overlap (stride < pool), so the
backward passes scatter-add.
"""

from numba import njit


@njit(cache=True, nogil=True)
def maxpool_forward(x, ph, pw, sh, sw, y, arg):
    """``y[n, oy, ox, c]`` = max over the window; ``arg`` keeps the flat in-window offset
    ``a * pw + b`` of the (first) maximum for the backward pass."""
    n, oh, ow, c = y.shape
    for i in range(n):
        for oy in range(oh):
            for ox in range(ow):
                y0 = oy * sh
                x0 = ox * sw
                yo = y[i, oy, ox]
                ao = arg[i, oy, ox]
                first = x[i, y0, x0]
                for ci in range(c):
                    yo[ci] = first[ci]
                    ao[ci] = 0
                for a in range(ph):
                    for b in range(pw):
                        if a + b == 0:
                            continue
                        k = a * pw + b
                        row = x[i, y0 + a, x0 + b]
                        for ci in range(c):  # branch-free, so it vectorises over channels
                            v = row[ci]
                            gt = v > yo[ci]
                            yo[ci] = v if gt else yo[ci]
                            ao[ci] = k if gt else ao[ci]


@njit(cache=True, nogil=True)
def maxpool_backward(dy, arg, ph, pw, sh, sw, dx):
    """Route each ``dy`` to the input position that won the max; ``dx`` is overwritten."""
    n, oh, ow, c = dy.shape
    h, w = dx.shape[1], dx.shape[2]
    for i in range(n):
        for iy in range(h):
            for ix in range(w):
                for ci in range(c):
                    dx[i, iy, ix, ci] = 0
        for oy in range(oh):
            for ox in range(ow):
                for ci in range(c):
                    k = arg[i, oy, ox, ci]
                    a = k // pw
                    b = k - a * pw
                    dx[i, oy * sh + a, ox * sw + b, ci] += dy[i, oy, ox, ci]


@njit(cache=True, nogil=True)
def avgpool_forward(x, ph, pw, sh, sw, y):
    """``y[n, oy, ox, c]`` = mean over the window."""
    n, oh, ow, c = y.shape
    scale = 1.0 / (ph * pw)
    for i in range(n):
        for oy in range(oh):
            for ox in range(ow):
                y0 = oy * sh
                x0 = ox * sw
                for ci in range(c):
                    y[i, oy, ox, ci] = 0
                for a in range(ph):
                    for b in range(pw):
                        for ci in range(c):
                            y[i, oy, ox, ci] += x[i, y0 + a, x0 + b, ci]
                for ci in range(c):
                    y[i, oy, ox, ci] *= scale


@njit(cache=True, nogil=True)
def avgpool_backward(dy, ph, pw, sh, sw, dx):
    """Spread each ``dy / (ph*pw)`` over its window; ``dx`` is overwritten."""
    n, oh, ow, c = dy.shape
    h, w = dx.shape[1], dx.shape[2]
    scale = 1.0 / (ph * pw)
    for i in range(n):
        for iy in range(h):
            for ix in range(w):
                for ci in range(c):
                    dx[i, iy, ix, ci] = 0
        for oy in range(oh):
            for ox in range(ow):
                y0 = oy * sh
                x0 = ox * sw
                for a in range(ph):
                    for b in range(pw):
                        for ci in range(c):
                            dx[i, y0 + a, x0 + b, ci] += dy[i, oy, ox, ci] * scale


@njit(cache=True, nogil=True)
def upsample_forward(x, uh, uw, y):
    """Nearest-neighbour upsampling: ``y[n, uh*iy + a, uw*ix + b, c] = x[n, iy, ix, c]``."""
    n, h, w, c = x.shape
    for i in range(n):
        for iy in range(h):
            for a in range(uh):
                for ix in range(w):
                    for b in range(uw):
                        for ci in range(c):
                            y[i, iy * uh + a, ix * uw + b, ci] = x[i, iy, ix, ci]


@njit(cache=True, nogil=True)
def upsample_backward(dy, uh, uw, dx):
    """Adjoint of :func:`upsample_forward`: each ``dx`` sums its ``uh*uw`` copies."""
    n, h, w, c = dx.shape
    for i in range(n):
        for iy in range(h):
            for ix in range(w):
                for ci in range(c):
                    dx[i, iy, ix, ci] = 0
            for a in range(uh):
                for ix in range(w):
                    for b in range(uw):
                        for ci in range(c):
                            dx[i, iy, ix, ci] += dy[i, iy * uh + a, ix * uw + b, ci]
