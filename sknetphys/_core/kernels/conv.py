"""Convolution kernels: im2col / col2im for channels-last (NHWC) images.

A 2-D cross-correlation ``y[n, oy, ox, f] = sum_{ky, kx, c} x[n, oy*sh - pt + ky,
ox*sw - pl + kx, c] * W[ky, kx, c, f]`` becomes one matrix product once the receptive fields
are laid out as rows: ``cols[(n, oy, ox), (ky, kx, c)]``. With NHWC the channels of one pixel
are contiguous, so each ``(ky, kx)`` block of a row is a contiguous copy, and the product
``cols @ W.reshape(kh*kw*c, f)`` is already the NHWC output viewed as ``(n*oh*ow, f)``.

The backward pass needs ``dW = cols.T @ dy`` (the same ``cols``) and ``dx = col2im(dy @ W.T)``,
where col2im scatters every row back onto the pixels it was copied from, adding where
receptive fields overlap. Out-of-image (padding) positions are zeros in ``cols`` and are
dropped by col2im.

The layer calls these on chunks of a few images so that ``cols`` stays in cache (the GEMMs
run about twice as fast from cache as from a batch-sized ``cols`` in main memory).
"""

from numba import njit


@njit(cache=True, nogil=True)
def im2col(x, kh, kw, sh, sw, pt, pl, oh, ow, cols):
    """Write the receptive fields of ``x`` (n, h, w, c), C-contiguous, as rows of ``cols``
    (n*oh*ow, kh*kw*c)."""
    n, h, w, c = x.shape
    xf = x.reshape(n, h, w * c)  # an image row: w*c contiguous values
    kwc = kw * c
    for i in range(n):
        for oy in range(oh):
            r0 = (i * oh + oy) * ow
            for ky in range(kh):
                iy = oy * sh - pt + ky
                base = ky * kwc
                if iy < 0 or iy >= h:
                    for ox in range(ow):
                        row = cols[r0 + ox]
                        for j in range(kwc):
                            row[base + j] = 0
                    continue
                src = xf[i, iy]
                for ox in range(ow):
                    row = cols[r0 + ox]
                    x0 = ox * sw - pl
                    if x0 >= 0 and x0 + kw <= w:  # the kw pixels are one contiguous run
                        s0 = x0 * c
                        for j in range(kwc):
                            row[base + j] = src[s0 + j]
                    else:
                        for kx in range(kw):
                            ix = x0 + kx
                            d0 = base + kx * c
                            if ix < 0 or ix >= w:
                                for ci in range(c):
                                    row[d0 + ci] = 0
                            else:
                                s0 = ix * c
                                for ci in range(c):
                                    row[d0 + ci] = src[s0 + ci]


@njit(cache=True, nogil=True)
def col2im(cols, kh, kw, sh, sw, pt, pl, oh, ow, dx):
    """Adjoint of :func:`im2col`: ``dx`` (n, h, w, c), C-contiguous, = the rows of ``cols``
    scattered back onto their pixels and summed. ``dx`` is overwritten."""
    n, h, w, c = dx.shape
    df = dx.reshape(n, h, w * c)
    kwc = kw * c
    for i in range(n):
        for iy in range(h):
            dst = df[i, iy]
            for j in range(w * c):
                dst[j] = 0
        for oy in range(oh):
            r0 = (i * oh + oy) * ow
            for ky in range(kh):
                iy = oy * sh - pt + ky
                if iy < 0 or iy >= h:
                    continue
                base = ky * kwc
                dst = df[i, iy]
                for ox in range(ow):
                    row = cols[r0 + ox]
                    x0 = ox * sw - pl
                    if x0 >= 0 and x0 + kw <= w:
                        d0 = x0 * c
                        for j in range(kwc):
                            dst[d0 + j] += row[base + j]
                    else:
                        for kx in range(kw):
                            ix = x0 + kx
                            if ix < 0 or ix >= w:
                                continue
                            s0 = base + kx * c
                            d0 = ix * c
                            for ci in range(c):
                                dst[d0 + ci] += row[s0 + ci]
