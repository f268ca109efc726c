"""Direct convolution for layers with few output filters (stride 1): no im2col, no GEMM.

With one or two filters (an autoencoder's last layer, back to a grey image) the GEMM of
im2col or Winograd is a matrix-vector product: its cost is the copying of the receptive
fields, not the arithmetic. Here each image is copied once into zero-bordered planes
``xq[c, R, C]``, and the output of a filter is computed ``C`` columns wide (``kw - 1`` more
than the image's; the extra columns are dropped), as one flat run of ``oh * C`` values:
each weight ``W[ky, kx, c]`` then adds a shifted run of the plane, ``acc[j] += w * xq[c,
ky * C + kx + j]``, a loop LLVM vectorises with no reassociation (the lanes are independent
outputs). Runs per output row (28 long) fell to LLVM's scalar remainder loop instead.
:func:`_shifted_sum` adds four weights' runs per pass (one load and store of ``acc`` per
four products).

The weight gradient of ``W[ky, kx, c]`` is the dot product of the same shifted run with
the output gradient laid out as the wide output (zeros in the extra columns):
:func:`_shifted_dots` takes four per pass, reassociated so that they vectorise. The input
gradient is the correlation of that gradient with the flipped kernel, the forward pass's
loop again.

Inner loops index flat arrays with unsigned offsets: a signed offset makes numba emit a
negative-index check that stops LLVM from vectorising (see conv.py), and a view per short
run costs more than its arithmetic here.
"""

import numpy as np
from numba import njit, uint64

from .activations import _df, _f


def planar_size(h, w, c, kh, kw, pt, pl, oh, ow):
    """``(rows, cols, size, dz_size)``: the per-image planar scratch (``xq``, ``dxq``) holds
    ``c`` planes of ``rows x cols`` and ``kw`` values more (the last row's shifted runs read
    past the last plane); ``dz`` holds one plane per filter (``f * dz_size`` values)."""
    rows, cols = max(pt + h, oh + kh - 1), max(pl + w, ow + kw - 1)
    return rows, cols, c * rows * cols + kw, (kh - 1) * cols + kw - 1 + rows * cols


@njit(cache=True, nogil=True)
def _planar_pad(img, pt, pl, R, C, xf):
    """``xf`` = the image ``img`` (h, w, c) as ``c`` zero-bordered planes of ``R x C``."""
    h, w, c = img.shape
    xf[:] = 0
    for ci in range(c):
        for iy in range(h):
            d0 = (uint64(ci) * uint64(R) + uint64(pt + iy)) * uint64(C) + uint64(pl)
            for ix in range(w):
                xf[d0 + uint64(ix)] = img[iy, ix, ci]


@njit(cache=True, nogil=True)
def _planar_unpad(xf, pt, pl, R, C, img):
    """The adjoint's last step: ``img`` (h, w, c) = the interior of the planes ``xf``."""
    h, w, c = img.shape
    for ci in range(c):
        for iy in range(h):
            d0 = (uint64(ci) * uint64(R) + uint64(pt + iy)) * uint64(C) + uint64(pl)
            for ix in range(w):
                img[iy, ix, ci] = xf[d0 + uint64(ix)]


@njit(cache=True, nogil=True)
def _shifted_sum(out, o0, src, s0, offs, wts, L):
    """``out[o0 + j] += sum_k wts[k] * src[s0 + offs[k] + j]`` for ``j < L``, four terms
    per pass: one load and store of ``out`` per four products. ``offs`` and ``wts`` come
    in fours (see :func:`_offsets`)."""
    for g in range(0, offs.shape[0], 4):
        w0, w1, w2, w3 = wts[g], wts[g + 1], wts[g + 2], wts[g + 3]
        a0, a1 = s0 + uint64(offs[g]), s0 + uint64(offs[g + 1])
        a2, a3 = s0 + uint64(offs[g + 2]), s0 + uint64(offs[g + 3])
        for j in range(L):
            out[o0 + j] += (w0 * src[a0 + j] + w1 * src[a1 + j]
                            + w2 * src[a2 + j] + w3 * src[a3 + j])


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def _shifted_dots(src, s0, offs, z, z0, L, res):
    """``res[k] += sum_j src[s0 + offs[k] + j] * z[z0 + j]``, four dot products per pass
    over ``z``, reassociated so that they vectorise."""
    for g in range(0, offs.shape[0], 4):
        a0, a1 = s0 + uint64(offs[g]), s0 + uint64(offs[g + 1])
        a2, a3 = s0 + uint64(offs[g + 2]), s0 + uint64(offs[g + 3])
        t0, t1, t2, t3 = res[g], res[g + 1], res[g + 2], res[g + 3]
        for j in range(L):
            zj = z[z0 + j]
            t0 += src[a0 + j] * zj
            t1 += src[a1 + j] * zj
            t2 += src[a2 + j] * zj
            t3 += src[a3 + j] * zj
        res[g], res[g + 1], res[g + 2], res[g + 3] = t0, t1, t2, t3


@njit(cache=True, nogil=True)
def _offsets(kh, kw, C):
    """Each kernel position's shift in a plane of width ``C``, ``ky * C + kx``, padded to a
    multiple of four with the last shift (whose weight the callers pad with zeros)."""
    K = kh * kw
    offs = np.full(-(-K // 4) * 4, (kh - 1) * C + kw - 1, dtype=np.int64)
    for ky in range(kh):
        for kx in range(kw):
            offs[ky * kw + kx] = ky * C + kx
    return offs


@njit(cache=True, nogil=True)
def _weights(W, ci, o, wts):
    """``wts[:K]`` = the filter ``o``'s weights on channel ``ci``, in ``_offsets``' order;
    the padding stays zero."""
    kh, kw = W.shape[0], W.shape[1]
    for ky in range(kh):
        for kx in range(kw):
            wts[ky * kw + kx] = W[ky, kx, ci, o]


@njit(cache=True, nogil=True)
def direct_forward(x, W, b, code, pt, pl, R, C, xq, acc, y):
    """``y = f(conv(x, W) + b)`` for NHWC ``x`` (n, h, w, c), ``W`` (kh, kw, c, f) and ``y``
    (n, oh, ow, f), stride 1, ``pt``/``pl`` zero rows/columns above/left. Scratch: ``xq``
    of :func:`planar_size` and ``acc`` (f * oh * C).

    The output is computed ``C`` columns wide (the scratch's width, ``kw - 1`` more than
    ``ow``): each weight's term is then one run of ``oh * C`` values, long enough to
    vectorise (a run per output row, 28 long, fell to LLVM's scalar remainder loop).
    """
    n = x.shape[0]
    kh, kw, c, f = W.shape
    oh, ow = y.shape[1], y.shape[2]
    L = uint64(oh * C)
    offs = _offsets(kh, kw, C)
    wts = np.zeros(offs.shape[0], dtype=W.dtype)
    for i in range(n):
        _planar_pad(x[i], pt, pl, R, C, xq)
        for o in range(f):
            a0 = uint64(o) * L
            acc[a0 : a0 + L] = b[o]
            for ci in range(c):
                _weights(W, ci, o, wts)
                _shifted_sum(acc, a0, xq, uint64(ci * R * C), offs, wts, L)
        for oy in range(oh):
            for ox in range(ow):
                for o in range(f):
                    y[i, oy, ox, o] = _f(code, acc[(o * oh + oy) * C + ox])


@njit(cache=True, nogil=True)
def direct_backward(x, dy, y, W, code, pt, pl, R, C, xq, dz, dW, db, need_dx, dxq, dx):
    """Gradients of :func:`direct_forward`: ``dW``, ``db`` and, with ``need_dx``, ``dx``
    (n, h, w, c), from ``dy`` = dLoss/dy and the outputs ``y``; nothing is written into
    ``dy``. Scratch: ``xq`` and ``dxq`` of :func:`planar_size`, ``dz`` (f * dz_size).

    ``dz`` holds dLoss/dz as the forward pass's wide output, after ``F = (kh - 1) * C + kw
    - 1`` zeros and with zeros in the extra columns, so that those add nothing. The weight
    gradient is then four dot products per pass; the input gradient, a sum of shifted runs
    of ``dz`` (the correlation with the flipped kernel), the same loop as the forward pass.
    """
    n = x.shape[0]
    kh, kw, c, f = W.shape
    oh, ow = y.shape[1], y.shape[2]
    L = uint64(oh * C)
    P = uint64(R * C)
    F = (kh - 1) * C + kw - 1
    Z = uint64(dz.shape[0] // f)
    offs = _offsets(kh, kw, C)
    back = F - offs  # dx[q] takes dz[q - offs[k]], at dz's plane start + F - offs[k]
    wts = np.zeros(offs.shape[0], dtype=W.dtype)
    res = np.empty(offs.shape[0], dtype=W.dtype)
    dW[:] = 0
    db[:] = 0
    dz[:] = 0
    for i in range(n):
        _planar_pad(x[i], pt, pl, R, C, xq)
        for o in range(f):
            s = db[o] * 0
            for oy in range(oh):
                for ox in range(ow):
                    g = dy[i, oy, ox, o] * _df(code, y[i, oy, ox, o])
                    dz[uint64(o) * Z + uint64(F + oy * C + ox)] = g
                    s += g
            db[o] += s
        for o in range(f):
            z0 = uint64(o) * Z
            for ci in range(c):
                res[:] = 0
                _shifted_dots(xq, uint64(ci) * P, offs, dz, z0 + uint64(F), L, res)
                for ky in range(kh):
                    for kx in range(kw):
                        dW[ky, kx, ci, o] += res[ky * kw + kx]
        if need_dx:
            dxq[:] = 0
            for ci in range(c):
                for o in range(f):
                    _weights(W, ci, o, wts)
                    _shifted_sum(dxq, uint64(ci) * P, dz, uint64(o) * Z, back, wts, P)
            _planar_unpad(dxq, pt, pl, R, C, dx[i])
