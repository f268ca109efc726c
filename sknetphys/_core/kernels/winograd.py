"""Winograd convolution along the image rows: F(m, kw), for stride-1 layers.

A row of ``kw`` taps slid over ``m + kw - 1`` pixels gives ``m`` outputs. Winograd's
minimal filtering algorithm computes them with ``m + kw - 1`` products instead of ``m kw``:

    y[0:m] = AT @ ((G @ g) * (BT @ d)),   g = the kw taps, d = the m + kw - 1 pixels

(``minimal_filtering`` builds AT, G, BT by Toom-Cook interpolation at 0, 1, -1, 2, -2, ...
and infinity; Lavin & Gray 2016, "Fast algorithms for convolutional neural networks").
Over whole images and channels the products become ``nt = m + kw - 1`` matrix products,
one per transformed position xi, each with the kernel rows and channels as the inner
dimension:

    M[xi] = Vk[xi] @ U[xi],   U[xi] = sum_kx G[xi, kx] W[:, kx]   (kh*c, f)

where row ``(n, tx, oy)`` of ``Vk[xi]`` is the ``kh`` transformed input rows under output
``oy``: ``V[n, xi, tx, oy : oy + kh, :]``, contiguous in the layout ``V[n, xi, tx, y, c]``
(image-major, so that a chunk of images is one contiguous block).

For MNIST's second layer (5x5, 16 -> 32 channels) F(2, 5) does 6 products per 2 output
columns and F(4, 5) 8 per 4, where im2col does 10 and 20. Measured with both cores busy
(MNIST, 25 images per part): F(2, 5) took the layer from 3.0 to 2.4 ms forward and 5.6 to
4.2 ms backward, 18% less CPU time for the two-stage net's training step; F(4, 5) took
another 8% off the step (paired processes: medians 23.8 -> 22.0 ms). The layer uses m = 4.
(As separate Python calls per chunk, F(2, 5) had saved CPU but no wall time: see blas.py.)

float32 rounding stays within a few times im2col's (the transforms have small integer and
simple fractional entries: MNIST's layer 1.8e-6 relative against im2col's 4e-7, tested).
To keep every inner loop long and contiguous (so that LLVM vectorises it: loops over the
``c`` = 16 channels of one pixel run scalar, see kernels/conv.py), each image is first
copied column-major, ``P[x, y, c]``: a tile's transform then combines whole padded columns
(``Hy * c`` values), and the output transform combines whole tile columns of ``M``
(``oh * f`` values) in a scratch row block.

The transforms and row expansions are ``inline="always"``: numba copies them into the two
whole-layer kernels (their only callers) instead of compiling each on its own and then
again, linked into its caller, where LLVM optimises it a second time. A first run compiles
the layer in 9.4-9.8 s instead of 12.4-12.8 (``warm_up_winograd`` of the demo on a fresh
cache), with the same bits and no speed difference this machine resolves (4 layers, forward
and backward, old and new alternating in one process: 0.91-1.07x in most runs, 1.17-1.22x on
one layer once and 0.96-1.03x on it in the next run, where an A/B of identical code spans
0.995-1.05x).
"""

from fractions import Fraction

import numpy as np
from numba import njit, uint64

from .activations import RELU, _f, activation_grad
from .blas import NO_TRANS, TRANS, column_sums, gemm


def minimal_filtering(r, m=2):
    """``(AT, G, BT)`` of F(m, r) as float64 arrays: ``AT`` (m, n), ``G`` (n, r), ``BT``
    (n, n) with ``n = m + r - 1``, such that the correlation ``y[i] = sum_k g[k] d[i + k]``
    is ``AT @ ((G @ g) * (BT @ d))``."""
    n = m + r - 1
    points = [Fraction(0), Fraction(1), Fraction(-1), Fraction(2), Fraction(-2),
              Fraction(1, 2), Fraction(-1, 2), Fraction(3), Fraction(-3)][: n - 1]
    if len(points) < n - 1:
        raise ValueError(f"no interpolation points for F({m}, {r})")

    def evaluate(k):  # degree-(k-1) polynomials at the points and at infinity
        rows = [[p**j for j in range(k)] for p in points] + [[0] * (k - 1) + [1]]
        return np.array([[float(v) for v in row] for row in rows])

    # Toom-Cook computes the convolution h = g * u as interp(E_r g . E_m u); the correlation
    # is its transpose: y = E_m^T (E_r g . E_n^-T d).
    return evaluate(m).T, evaluate(r), np.linalg.inv(evaluate(n)).T


def scratch_shape(h, w, c, kh, kw, pt, pl, oh, ow, m):
    """Shape of the column-major padded image ``P`` (columns, rows, c) the input transforms
    take as scratch, and ``(TW, Hy)``: tiles of ``m`` output columns per row and transformed
    rows per tile."""
    TW, Hy = -(-ow // m), oh + kh - 1
    return (max(pl + w, m * TW + kw - 1), max(pt + h, Hy), c), (TW, Hy)


@njit(cache=True, nogil=True, inline="always")
def input_transform(x, pt, pl, BT, V, P, m):
    """``V[i, xi, tx, y, :] = sum_j BT[xi, j] xpad[i, y, m tx + j, :]`` where ``xpad`` is
    ``x`` (n, h, w, c) zero-padded by ``pt`` rows and ``pl`` columns."""
    n, h, w, c = x.shape
    nt, TW, Hy = V.shape[1], V.shape[2], V.shape[3]
    Hp = P.shape[1]
    L, uc, col = uint64(Hy * c), uint64(c), uint64(Hp * c)
    pf, vf = P.reshape(-1), V.reshape(-1)
    for i in range(n):
        pf[:] = 0
        for iy in range(h):
            row = x[i, iy].reshape(w * c)
            for ix in range(w):
                d = uint64(pl + ix) * col + uint64(pt + iy) * uc
                s = uint64(ix) * uc
                for ci in range(uc):
                    pf[d + ci] = row[s + ci]
        for tx in range(TW):
            for xi in range(nt):
                dst = uint64((i * nt + xi) * TW + tx) * L
                first = True
                for j in range(nt):
                    b = BT[xi, j]
                    if b == 0:
                        continue
                    src = uint64(m * tx + j) * col
                    if first:
                        for q in range(L):
                            vf[dst + q] = b * pf[src + q]
                        first = False
                    else:
                        for q in range(L):
                            vf[dst + q] += b * pf[src + q]


@njit(cache=True, nogil=True, inline="always")
def input_transform_adjoint(dV, pt, pl, BT, dx, P, m):
    """Adjoint of :func:`input_transform`; ``dx`` is overwritten."""
    n, h, w, c = dx.shape
    nt, TW, Hy = dV.shape[1], dV.shape[2], dV.shape[3]
    Hp = P.shape[1]
    L, uc, col = uint64(Hy * c), uint64(c), uint64(Hp * c)
    pf, vf = P.reshape(-1), dV.reshape(-1)
    for i in range(n):
        pf[:] = 0
        for tx in range(TW):
            for j in range(nt):
                dst = uint64(m * tx + j) * col
                for xi in range(nt):
                    b = BT[xi, j]
                    if b == 0:
                        continue
                    src = uint64((i * nt + xi) * TW + tx) * L
                    for q in range(L):
                        pf[dst + q] += b * vf[src + q]
        for iy in range(h):
            row = dx[i, iy].reshape(w * c)
            for ix in range(w):
                s = uint64(pl + ix) * col + uint64(pt + iy) * uc
                d = uint64(ix) * uc
                for ci in range(uc):
                    row[d + ci] = pf[s + ci]


@njit(cache=True, nogil=True, inline="always")
def expand_rows(V, xi, kh, oh, Vk):
    """``Vk[(i, tx, oy), :] = V[i, xi, tx, oy : oy + kh, :].ravel()``: each row is ``kh * c``
    contiguous values of ``V`` (n, nt, TW, Hy, c)."""
    n, nt, TW, Hy, c = V.shape
    K, uc, uHc = uint64(kh * c), uint64(c), uint64(Hy * c)
    src, dst = V.reshape(-1), Vk.reshape(-1)
    d = uint64(0)
    for i in range(n):
        for tx in range(TW):
            base = uint64((i * nt + xi) * TW + tx) * uHc
            for oy in range(oh):
                s = base + uint64(oy) * uc
                for k in range(K):
                    dst[d + k] = src[s + k]
                d += K


@njit(cache=True, nogil=True, inline="always")
def expand_rows_adjoint(dVk, xi, kh, oh, dV):
    """Adjoint of :func:`expand_rows`: ``dV[:, xi]`` (overwritten) sums the overlapping
    rows."""
    n, nt, TW, Hy, c = dV.shape
    K, uc, uHc = uint64(kh * c), uint64(c), uint64(Hy * c)
    src, dst = dVk.reshape(-1), dV.reshape(-1)
    d = uint64(0)
    for i in range(n):
        for tx in range(TW):
            base = uint64((i * nt + xi) * TW + tx) * uHc
            for k in range(uHc):
                dst[base + k] = 0
            for oy in range(oh):
                s = base + uint64(oy) * uc
                for k in range(K):
                    dst[s + k] += src[d + k]
                d += K


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def output_transform(M, AT, b, code, y, Q):
    """``y[i, oy, m tx + a, :] = f(b + sum_xi AT[a, xi] M[xi, (i, tx, oy), :])`` for the
    output columns that exist (the last tile may have fewer than ``m = AT.shape[0]``).
    ``Q``: scratch of ``oh * f`` values, one output column of a tile."""
    n, oh, ow, f = y.shape
    nt, R, m = M.shape[0], M.shape[1], AT.shape[0]
    TW = -(-ow // m)
    L, uf = uint64(oh * f), uint64(f)
    mf, yf = M.reshape(-1), y.reshape(-1)
    block = uint64(R * f)
    for i in range(n):
        for tx in range(TW):
            r0 = uint64((i * TW + tx) * oh) * uf
            for a in range(min(m, ow - m * tx)):
                first = True
                for xi in range(nt):
                    w = AT[a, xi]
                    if w == 0:
                        continue
                    src = uint64(xi) * block + r0
                    if first:
                        for q in range(L):
                            Q[q] = w * mf[src + q]
                        first = False
                    else:
                        for q in range(L):
                            Q[q] += w * mf[src + q]
                for oy in range(oh):
                    d = uint64((i * oh + oy) * ow + m * tx + a) * uf
                    s = uint64(oy) * uf
                    if code == RELU:
                        for k in range(uf):
                            v = Q[s + k] + b[k]
                            yf[d + k] = v if v > 0 else 0
                    else:
                        for k in range(uf):
                            yf[d + k] = _f(code, Q[s + k] + b[k])


@njit(cache=True, nogil=True, inline="always")
def output_transform_adjoint(dz, AT, dM, Q):
    """Adjoint of :func:`output_transform`'s linear part: ``dM[xi, (i, tx, oy), :] =
    sum_a AT[a, xi] dz[i, oy, m tx + a, :]``. ``Q``: scratch of ``m * oh * f`` values."""
    n, oh, ow, f = dz.shape
    nt, R, m = dM.shape[0], dM.shape[1], AT.shape[0]
    TW = -(-ow // m)
    L, uf = uint64(oh * f), uint64(f)
    zf, mf = dz.reshape(-1), dM.reshape(-1)
    block = uint64(R * f)
    for i in range(n):
        for tx in range(TW):
            na = min(m, ow - m * tx)
            for a in range(na):  # the tile's output columns, gathered
                for oy in range(oh):
                    s = uint64((i * oh + oy) * ow + m * tx + a) * uf
                    d = uint64(a) * L + uint64(oy) * uf
                    for k in range(uf):
                        Q[d + k] = zf[s + k]
            r0 = uint64((i * TW + tx) * oh) * uf
            for xi in range(nt):
                dst = uint64(xi) * block + r0
                w = AT[0, xi]
                for q in range(L):
                    mf[dst + q] = w * Q[q]
                for a in range(1, na):
                    w = AT[a, xi]
                    if w == 0:
                        continue
                    src = uint64(a) * L
                    for q in range(L):
                        mf[dst + q] += w * Q[src + q]


# Whole layer passes, one numba call each, as conv_forward/conv_backward in conv.py.


@njit(cache=True, nogil=True, error_model="numpy")
def winograd_forward(x, W, b, code, G, AT, BT, pt, pl, V, M, Vk, U, P, Q, y):
    """``y`` (n, oh, ow, f) = act(conv(x, W) + b) for a stride-1 layer by F(m, kw) along
    the rows. Keeps ``V`` (n, nt, TW, Hy, c) for the backward pass; ``M`` (flat),
    ``Vk`` (chunk * TW * oh, kh * c), ``P`` and ``Q`` are scratch for one chunk of images,
    ``U`` (nt, kh * c, f) receives the transformed kernel."""
    kh, kw, c, f = W.shape
    n, oh = x.shape[0], y.shape[1]
    nt, TW = V.shape[1], V.shape[2]
    # U[xi, (ky, ci), :] = sum_kx G[xi, kx] W[ky, kx, ci, :]
    for xi in range(nt):
        for ky in range(kh):
            for ci in range(c):
                u = U[xi, ky * c + ci]
                u[:] = 0
                for kx in range(kw):
                    g = G[xi, kx]
                    wk = W[ky, kx, ci]
                    for j in range(f):
                        u[j] += g * wk[j]
    R = TW * oh  # GEMM rows per image
    chunk = Vk.shape[0] // R
    for i0 in range(0, n, chunk):
        i1 = min(n, i0 + chunk)
        rows = (i1 - i0) * R
        Vc, vk = V[i0:i1], Vk[:rows]
        Mc = M[: nt * rows * f].reshape(nt, rows, f)
        input_transform(x[i0:i1], pt, pl, BT, Vc, P, AT.shape[0])
        for xi in range(nt):
            expand_rows(Vc, xi, kh, oh, vk)
            gemm(NO_TRANS, NO_TRANS, 1.0, vk, U[xi], 0.0, Mc[xi])
        output_transform(Mc, AT, b, code, y[i0:i1], Q)


@njit(cache=True, nogil=True)
def winograd_backward(dy, y, code, G, AT, BT, pt, pl, V, M, Vk, U, dU, P, Q, dW, db,
                      need_dx, dx):
    """Gradients of :func:`winograd_forward` given ``dy`` = dLoss/dy (overwritten with
    dLoss/dz), with ``V`` and ``U`` as it left them: ``dW[ky, kx] = sum_xi G[xi, kx]
    dU[xi]`` where ``dU[xi] = sum over the chunks of Vk.T @ dM[xi]``, and ``dx`` through
    the adjoint transforms (V's chunk is overwritten by its own gradient on the way)."""
    kh, kw, c, f = dW.shape
    n, oh = dy.shape[0], dy.shape[1]
    nt, TW = V.shape[1], V.shape[2]
    dz = dy.reshape(-1, f)
    activation_grad(y.reshape(-1, f), dz, code)
    column_sums(dz, db)
    R = TW * oh
    chunk = Vk.shape[0] // R
    for i0 in range(0, n, chunk):
        i1 = min(n, i0 + chunk)
        rows = (i1 - i0) * R
        Vc, vk = V[i0:i1], Vk[:rows]
        dM = M[: nt * rows * f].reshape(nt, rows, f)
        output_transform_adjoint(dy[i0:i1], AT, dM, Q)
        for xi in range(nt):
            expand_rows(Vc, xi, kh, oh, vk)
            gemm(TRANS, NO_TRANS, 1.0, vk, dM[xi], 0.0 if i0 == 0 else 1.0, dU[xi])
            if need_dx:
                gemm(NO_TRANS, TRANS, 1.0, dM[xi], U[xi], 0.0, vk)
                expand_rows_adjoint(vk, xi, kh, oh, Vc)
        if need_dx:
            input_transform_adjoint(Vc, pt, pl, BT, dx[i0:i1], P, AT.shape[0])
    for ky in range(kh):
        for kx in range(kw):
            for ci in range(c):
                d = dW[ky, kx, ci]
                d[:] = 0
                for xi in range(nt):
                    g = G[xi, kx]
                    du = dU[xi, ky * c + ci]
                    for j in range(f):
                        d[j] += g * du[j]
