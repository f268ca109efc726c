"""Convolution kernels: im2col / col2im for channels-last (NHWC) images, in two layouts.

A 2-D cross-correlation ``y[n, oy, ox, f] = sum_{ky, kx, c} x[n, oy*sh - pt + ky,
ox*sw - pl + kx, c] * W[ky, kx, c, f]`` becomes one matrix product once the receptive fields
are laid out as a matrix:

- rows (:func:`im2col`): ``cols[(n, oy, ox), (ky, kx, c)]``. With NHWC the ``kw*c`` values
  of one kernel row are contiguous in the image, so a row of ``cols`` is ``kh`` contiguous
  copies, and ``cols @ W.reshape(kh*kw*c, f)`` is already the NHWC output viewed as
  ``(n*oh*ow, f)``. Used when ``kw*c`` is long enough for the copies to be efficient.
- transposed (:func:`im2col_t`): ``colsT[(ky, kx, c), (n, oy, ox)]``. For few channels
  (a 1-channel input image) the runs above are only ``kw`` values long; here a single-channel
  stride-1 layer copies whole output rows of ``ow`` values instead (measured 6x faster for
  MNIST's first layer). The product is ``colsT.T @ W`` (BLAS reads the transpose in place).

The backward pass needs ``dW = cols.T @ dy`` (the same matrix) and ``dx = col2im(dy @ W.T)``,
where col2im scatters every entry back onto the pixel it was copied from, adding where
receptive fields overlap; padding positions are dropped.

Each image is first copied into a zero-bordered scratch ``xp`` (``pad_shape`` gives its
shape), so the inner loops copy without bounds tests. Indexing with a signed offset
(``a[i0 + j]``) makes numba emit a negative-index check that stops LLVM from vectorising the
loop (measured 4x slower), so the inner copies index with unsigned offsets or go through views
(``_copy``/``_add``; a view per short run costs its own bookkeeping).
"""

from numba import njit, uint64

from .activations import activation_grad, bias_activation, bias_activation_t
from .blas import NO_TRANS, TRANS, column_sums, gemm


def pad_shape(h, w, c, kh, kw, sh, sw, pt, pl, oh, ow):
    """Shape ``(rows, cols * c)`` of the per-image scratch the kernels take as ``xp``."""
    return max(pt + h, (oh - 1) * sh + kh), max(pl + w, (ow - 1) * sw + kw) * c


@njit(cache=True, nogil=True)
def _copy(dst, src):
    for j in range(dst.shape[0]):
        dst[j] = src[j]


@njit(cache=True, nogil=True)
def _add(dst, src):
    for j in range(dst.shape[0]):
        dst[j] += src[j]


@njit(cache=True, nogil=True)
def _pad(img, pt, pl, xp):
    """``xp`` = zeros with the image ``img`` (h, w, c) at rows ``pt:``, pixels ``pl:``."""
    h, w, c = img.shape
    xp[:, :] = 0
    for iy in range(h):
        _copy(xp[pt + iy, pl * c : (pl + w) * c], img[iy].reshape(w * c))


@njit(cache=True, nogil=True)
def _unpad(xp, pt, pl, img):
    h, w, c = img.shape
    for iy in range(h):
        _copy(img[iy].reshape(w * c), xp[pt + iy, pl * c : (pl + w) * c])


@njit(cache=True, nogil=True)
def im2col(x, kh, kw, sh, sw, pt, pl, oh, ow, cols, xp):
    """Write the receptive fields of ``x`` (n, h, w, c), C-contiguous, as the rows of
    ``cols`` (n*oh*ow, kh*kw*c), C-contiguous; ``xp`` is scratch of :func:`pad_shape`."""
    n, c = x.shape[0], x.shape[3]
    # unsigned flat offsets: no negative-index checks, no view per run (both measured)
    kwc, K, Wp = uint64(kw * c), uint64(cols.shape[1]), uint64(xp.shape[1])
    cf, xf = cols.reshape(-1), xp.reshape(-1)
    for i in range(n):
        _pad(x[i], pt, pl, xp)
        for oy in range(oh):
            for ox in range(ow):
                row = uint64((i * oh + oy) * ow + ox) * K
                s0 = uint64(ox * sw * c)
                for ky in range(kh):
                    d0 = row + uint64(ky) * kwc
                    q0 = uint64(oy * sh + ky) * Wp + s0
                    for j in range(kwc):
                        cf[d0 + j] = xf[q0 + j]


@njit(cache=True, nogil=True)
def col2im(cols, kh, kw, sh, sw, pt, pl, oh, ow, dx, xp):
    """Adjoint of :func:`im2col`: ``dx`` (n, h, w, c), C-contiguous, = the rows of ``cols``
    scattered back onto their pixels and summed. ``dx`` is overwritten."""
    n, c = dx.shape[0], dx.shape[3]
    kwc, K, Wp = uint64(kw * c), uint64(cols.shape[1]), uint64(xp.shape[1])
    cf, xf = cols.reshape(-1), xp.reshape(-1)
    for i in range(n):
        xp[:, :] = 0
        for oy in range(oh):
            for ox in range(ow):
                row = uint64((i * oh + oy) * ow + ox) * K
                s0 = uint64(ox * sw * c)
                for ky in range(kh):
                    d0 = row + uint64(ky) * kwc
                    q0 = uint64(oy * sh + ky) * Wp + s0
                    for j in range(kwc):
                        xf[q0 + j] += cf[d0 + j]
        _unpad(xp, pt, pl, dx[i])


@njit(cache=True, nogil=True)
def im2col_t(x, kh, kw, sh, sw, pt, pl, oh, ow, cols_t, xp):
    """The transposed layout: ``cols_t`` (kh*kw*c, n*oh*ow), C-contiguous, =
    ``im2col(x).T``. With one channel and stride 1 each output row is one run of ``ow``."""
    n, c = x.shape[0], x.shape[3]
    P, N, Wp = uint64(oh * ow), uint64(cols_t.shape[1]), uint64(xp.shape[1])
    uow, ustep = uint64(ow), uint64(sw * c)
    cf, xf = cols_t.reshape(-1), xp.reshape(-1)
    for i in range(n):
        _pad(x[i], pt, pl, xp)
        for ky in range(kh):
            for kx in range(kw):
                for ci in range(c):
                    d0 = uint64((ky * kw + kx) * c + ci) * N + uint64(i) * P
                    for oy in range(oh):
                        d = d0 + uint64(oy) * uow
                        q = uint64(oy * sh + ky) * Wp + uint64(kx * c + ci)
                        if ustep == 1:
                            for ox in range(uow):
                                cf[d + ox] = xf[q + ox]
                        else:
                            for ox in range(uow):
                                cf[d + ox] = xf[q + ox * ustep]


@njit(cache=True, nogil=True)
def col2im_t(cols_t, kh, kw, sh, sw, pt, pl, oh, ow, dx, xp):
    """Adjoint of :func:`im2col_t`; ``dx`` is overwritten."""
    n, c = dx.shape[0], dx.shape[3]
    P, N, Wp = uint64(oh * ow), uint64(cols_t.shape[1]), uint64(xp.shape[1])
    uow, ustep = uint64(ow), uint64(sw * c)
    cf, xf = cols_t.reshape(-1), xp.reshape(-1)
    for i in range(n):
        xp[:, :] = 0
        for ky in range(kh):
            for kx in range(kw):
                for ci in range(c):
                    d0 = uint64((ky * kw + kx) * c + ci) * N + uint64(i) * P
                    for oy in range(oh):
                        d = d0 + uint64(oy) * uow
                        q = uint64(oy * sh + ky) * Wp + uint64(kx * c + ci)
                        for ox in range(uow):
                            xf[q + ox * ustep] += cf[d + ox]
        _unpad(xp, pt, pl, dx[i])


# Whole layer passes, one numba call each (see blas.py for why): im2col, BLAS and the
# activation chunk by chunk, so that a chunk's cols stay in cache from im2col to GEMM.


@njit(cache=True, nogil=True)
def conv_forward(x, wm, b, code, kh, kw, sh, sw, pt, pl, oh, ow, cols, xp, y):
    """``y`` (n*oh*ow, f) = act(im2col(x) @ wm + b) in chunks of ``cols.shape[0] // (oh*ow)``
    images; ``wm`` is the kernel as (kh*kw*c, f)."""
    n, P = x.shape[0], oh * ow
    chunk = cols.shape[0] // P
    for i0 in range(0, n, chunk):
        i1 = min(n, i0 + chunk)
        c, yc = cols[: (i1 - i0) * P], y[i0 * P : i1 * P]
        im2col(x[i0:i1], kh, kw, sh, sw, pt, pl, oh, ow, c, xp)
        gemm(NO_TRANS, NO_TRANS, 1.0, c, wm, 0.0, yc)
        bias_activation(yc, b, code)


@njit(cache=True, nogil=True)
def conv_backward(x, dy, y, wm, code, kh, kw, sh, sw, pt, pl, oh, ow, cols, xp, dw, db,
                  need_dx, dx):
    """Gradients of :func:`conv_forward` given ``dy`` = dLoss/dy (overwritten with
    dLoss/dz): ``dw`` = cols.T @ dz summed over the chunks (im2col again, cheaper than
    keeping cols), ``db`` = the column sums of dz, and ``dx`` = col2im(dz @ wm.T) when
    ``need_dx``."""
    n, P = x.shape[0], oh * ow
    activation_grad(y, dy, code)
    column_sums(dy, db)
    chunk = cols.shape[0] // P
    for i0 in range(0, n, chunk):
        i1 = min(n, i0 + chunk)
        c, d = cols[: (i1 - i0) * P], dy[i0 * P : i1 * P]
        im2col(x[i0:i1], kh, kw, sh, sw, pt, pl, oh, ow, c, xp)
        gemm(TRANS, NO_TRANS, 1.0, c, d, 0.0 if i0 == 0 else 1.0, dw)
        if need_dx:
            gemm(NO_TRANS, TRANS, 1.0, d, wm, 0.0, c)
            col2im(c, kh, kw, sh, sw, pt, pl, oh, ow, dx[i0:i1], xp)


@njit(cache=True, nogil=True)
def conv_forward_t(x, wm, b, code, kh, kw, sh, sw, pt, pl, oh, ow, cols_t, xp, yt, y):
    """:func:`conv_forward` through the transposed layout, for the whole batch at once
    (``cols_t`` is kept for the backward pass). With a planar buffer ``yt`` (f, n*oh*ow)
    the product is ``wm.T @ cols_t`` (long BLAS rows: 2x faster for 7 filters), transposed
    inside the bias/activation; with an empty ``yt``, ``cols_t.T @ wm``."""
    im2col_t(x, kh, kw, sh, sw, pt, pl, oh, ow, cols_t, xp)
    if yt.shape[0] > 0:
        gemm(TRANS, NO_TRANS, 1.0, wm, cols_t, 0.0, yt)
        bias_activation_t(yt, b, code, y)
    else:
        gemm(TRANS, NO_TRANS, 1.0, cols_t, wm, 0.0, y)
        bias_activation(y, b, code)


@njit(cache=True, nogil=True)
def conv_backward_t(dy, y, wm, code, cols_t, dw, db):
    """The weight and bias gradients of :func:`conv_forward_t`, with ``cols_t`` as it left
    it; ``dy`` = dLoss/dy is overwritten with dLoss/dz (for :func:`conv_input_grad_t`)."""
    activation_grad(y, dy, code)
    column_sums(dy, db)
    gemm(NO_TRANS, NO_TRANS, 1.0, cols_t, dy, 0.0, dw)


@njit(cache=True, nogil=True)
def conv_input_grad_t(dz, wm, kh, kw, sh, sw, pt, pl, oh, ow, cols_t, xp, dx):
    """dLoss/dx of :func:`conv_forward_t` from ``dz`` = dLoss/dz: ``col2im_t(wm @ dz.T)``,
    after :func:`conv_backward_t` (``cols_t`` is overwritten). A kernel of its own: this
    layout serves input layers, which need no dx, so they never compile this (0.7 s)."""
    gemm(NO_TRANS, TRANS, 1.0, wm, dz, 0.0, cols_t)
    col2im_t(cols_t, kh, kw, sh, sw, pt, pl, oh, ow, dx, xp)
