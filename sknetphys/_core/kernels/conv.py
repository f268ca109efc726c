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


@njit(cache=True)
def im2col(x, kh, kw, sh, sw, pt, pl, oh, ow, cols):
    """Write the receptive fields of ``x`` (n, h, w, c) as rows of ``cols`` (n*oh*ow, kh*kw*c)."""
    n, h, w, c = x.shape
    kwc = kw * c
    for i in range(n):
        for oy in range(oh):
            y0 = oy * sh - pt
            for ox in range(ow):
                x0 = ox * sw - pl
                r = (i * oh + oy) * ow + ox
                inside_x = x0 >= 0 and x0 + kw <= w
                for ky in range(kh):
                    iy = y0 + ky
                    base = ky * kwc
                    if iy < 0 or iy >= h:
                        for j in range(kwc):
                            cols[r, base + j] = 0
                    elif inside_x:
                        # the kw pixels of this kernel row are contiguous in x
                        for kx in range(kw):
                            for ci in range(c):
                                cols[r, base + kx * c + ci] = x[i, iy, x0 + kx, ci]
                    else:
                        for kx in range(kw):
                            ix = x0 + kx
                            if ix < 0 or ix >= w:
                                for ci in range(c):
                                    cols[r, base + kx * c + ci] = 0
                            else:
                                for ci in range(c):
                                    cols[r, base + kx * c + ci] = x[i, iy, ix, ci]


@njit(cache=True)
def col2im(cols, kh, kw, sh, sw, pt, pl, oh, ow, dx):
    """Adjoint of :func:`im2col`: ``dx`` (n, h, w, c) = sum of the rows of ``cols`` scattered
    back onto their pixels. ``dx`` is overwritten."""
    n, h, w, c = dx.shape
    kwc = kw * c
    for i in range(n):
        for iy in range(h):
            for ix in range(w):
                for ci in range(c):
                    dx[i, iy, ix, ci] = 0
        for oy in range(oh):
            y0 = oy * sh - pt
            for ox in range(ow):
                x0 = ox * sw - pl
                r = (i * oh + oy) * ow + ox
                for ky in range(kh):
                    iy = y0 + ky
                    if iy < 0 or iy >= h:
                        continue
                    base = ky * kwc
                    for kx in range(kw):
                        ix = x0 + kx
                        if ix < 0 or ix >= w:
                            continue
                        for ci in range(c):
                            dx[i, iy, ix, ci] += cols[r, base + kx * c + ci]
