"""First-layer products for inputs that are mostly zeros (MNIST: 19% of pixels are nonzero).

A batch is first compressed by columns (CSC: for each input feature, the rows where it is
nonzero and their values). The products then touch only the nonzero entries, and the loops
run feature by feature so that each weight row is read (forward) or written (dW) once per
batch while the batch's outputs or deltas stay in cache. Per-element summation order is the
feature order, as in a dense product, only without the zero terms.

Measured and left out: splitting the output columns between two threads gained nothing on
this 2-vCPU machine (the loops share one core's load/store bandwidth), and a register-blocked
accumulator (a local array numba does not keep in registers) was 10x slower.
"""

from numba import njit


@njit(cache=True, error_model="numpy")
def to_csc(x, max_nnz, colptr, rowidx, vals):
    """Compress the dense batch ``x`` (n, K) by columns; return the number of nonzeros, or
    -1 (leaving ``rowidx``/``vals`` unfilled) when there are more than ``max_nnz``.

    ``colptr`` has K + 1 entries; ``rowidx``/``vals`` need room for ``max_nnz`` entries.
    """
    n, K = x.shape
    colptr[:] = 0
    for i in range(n):
        for k in range(K):
            if x[i, k] != 0:
                colptr[k + 1] += 1
    for k in range(K):
        colptr[k + 1] += colptr[k]
    if colptr[K] > max_nnz:
        return -1
    # colptr[k] serves as column k's write cursor, ending at column k + 1's start ...
    for i in range(n):
        for k in range(K):
            v = x[i, k]
            if v != 0:
                p = colptr[k]
                rowidx[p] = i
                vals[p] = v
                colptr[k] = p + 1
    # ... so shifting by one restores the starts (no scratch array in the hot loop).
    for k in range(K, 0, -1):
        colptr[k] = colptr[k - 1]
    colptr[0] = 0
    return colptr[K]


@njit(cache=True, error_model="numpy")
def csc_matmul(colptr, rowidx, vals, W, y):
    """``y = X @ W`` for X given by columns; ``y`` (n, N) is overwritten."""
    y[:] = 0
    for k in range(W.shape[0]):
        wk = W[k]
        for p in range(colptr[k], colptr[k + 1]):
            yi = y[rowidx[p]]
            v = vals[p]
            for j in range(wk.shape[0]):
                yi[j] += v * wk[j]


@njit(cache=True, error_model="numpy")
def csc_matmul_t(colptr, rowidx, vals, delta, dW):
    """``dW = X.T @ delta`` for X given by columns; ``dW`` (K, N) is overwritten."""
    for k in range(dW.shape[0]):
        dk = dW[k]
        dk[:] = 0
        for p in range(colptr[k], colptr[k + 1]):
            di = delta[rowidx[p]]
            v = vals[p]
            for j in range(dk.shape[0]):
                dk[j] += v * di[j]
