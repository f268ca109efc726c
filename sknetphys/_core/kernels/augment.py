"""Data augmentation: random shifts and small rotations of NHWC images (training only)."""

import math

from numba import njit


@njit(cache=True, nogil=True)
def shift_rotate(x, shifts, angles, out):
    """``out[i]`` = ``x[i]`` rotated by ``angles[i]`` (radians, about the image centre) and
    shifted by ``shifts[i] = (dy, dx)`` pixels; bilinear interpolation, zeros outside.

    Each output pixel is pulled from its pre-image, so there are no holes. With a zero angle
    and integer shifts the result is an exact copy of shifted pixels.
    """
    n, h, w, c = x.shape
    cy = 0.5 * (h - 1)
    cx = 0.5 * (w - 1)
    for i in range(n):
        ca = math.cos(angles[i])
        sa = math.sin(angles[i])
        ty = shifts[i, 0]
        tx = shifts[i, 1]
        for oy in range(h):
            for ox in range(w):
                # undo the shift, then rotate by -angle about the centre
                yy = oy - cy - ty
                xx = ox - cx - tx
                sy = ca * yy + sa * xx + cy
                sx = -sa * yy + ca * xx + cx
                y0 = math.floor(sy)
                x0 = math.floor(sx)
                fy = sy - y0
                fx = sx - x0
                iy0 = int(y0)
                ix0 = int(x0)
                for ci in range(c):
                    acc = 0.0
                    for a in range(2):
                        iy = iy0 + a
                        if iy < 0 or iy >= h:
                            continue
                        wy = fy if a == 1 else 1.0 - fy
                        if wy == 0.0:
                            continue
                        for b in range(2):
                            ix = ix0 + b
                            if ix < 0 or ix >= w:
                                continue
                            wx = fx if b == 1 else 1.0 - fx
                            if wx == 0.0:
                                continue
                            acc += wy * wx * x[i, iy, ix, ci]
                    out[i, oy, ox, ci] = acc
