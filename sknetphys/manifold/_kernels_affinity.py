"""Numba kernels for t-SNE affinities: k-nearest-neighbour selection and perplexity search.

Only loop bodies live here; the chunking over rows and the sparse bookkeeping are in
``_affinity.py``.
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True)
def knn_select(gram, sq_all, row_offset, exclude_self, X_rows, X_all, out_idx, out_d2):
    """The k smallest squared distances of each row of a chunk, sorted ascending.

    ``gram`` is the chunk's inner products with all reference points (from BLAS, float32).
    Candidates are ranked by ``|y|^2 - 2 x.y`` (the query's own norm is the same for the
    whole row), then the winners' distances are recomputed exactly in float64 from
    ``X_rows``/``X_all`` so that rounding in the ranking never reaches the affinities.
    ``row_offset`` is the chunk's first row in the reference set, used to drop each point
    itself when ``exclude_self``.

    Serial and GIL-free: the caller runs one block per thread, each thread doing its own
    single-threaded GEMM and then this selection, so BLAS and numba threads never alternate
    (spinning BLAS workers slowed a parallel selection down ~2x).
    """
    m, n = gram.shape
    k = out_idx.shape[1]
    d = X_all.shape[1]
    buf = np.empty(n, dtype=np.float32)
    hd = np.empty(k, dtype=np.float32)
    hi = np.empty(k, dtype=np.int64)
    for r in range(m):
        # a branch-free pass the compiler vectorises, then a scan that rarely branches
        for j in range(n):
            buf[j] = sq_all[j] - np.float32(2.0) * gram[r, j]
        if exclude_self:
            buf[r + row_offset] = np.inf
        hd[:] = np.inf
        hi[:] = -1
        thr = hd[0]
        for j in range(n):
            v = buf[j]
            if v < thr:
                # replace the root of the max-heap (the worst of the k best), sift down
                pos = 0
                while True:
                    left = 2 * pos + 1
                    if left >= k:
                        break
                    big = left
                    if left + 1 < k and hd[left + 1] > hd[left]:
                        big = left + 1
                    if hd[big] <= v:
                        break
                    hd[pos] = hd[big]
                    hi[pos] = hi[big]
                    pos = big
                hd[pos] = v
                hi[pos] = j
                thr = hd[0]
        exact = np.empty(k)
        for t in range(k):
            j = hi[t]
            s = 0.0
            for c in range(d):
                diff = X_rows[r, c] - X_all[j, c]
                s += diff * diff
            exact[t] = s
        order = np.argsort(exact, kind="mergesort")
        for t in range(k):
            out_idx[r, t] = hi[order[t]]
            out_d2[r, t] = exact[order[t]]


@njit(cache=True, parallel=True)
def perplexity_search(d2, target_entropy, tol, max_iter, out_p, out_beta):
    """Gaussian conditionals p_{j|i} with entropy ``target_entropy`` (nats), one row each.

    Bisection on the precision beta = 1 / (2 sigma^2): doubling/halving until bracketed,
    then halving the bracket. Distances are shifted by the row minimum so ``exp`` never
    underflows for the nearest neighbour.
    """
    n, k = d2.shape
    for i in prange(n):
        dmin = np.inf
        dmean = 0.0
        for t in range(k):
            if d2[i, t] < dmin:
                dmin = d2[i, t]
            dmean += d2[i, t]
        dmean = dmean / k - dmin
        beta = 1.0 / dmean if dmean > 0.0 else 1.0
        lo = 0.0
        hi = np.inf
        for _ in range(max_iter):
            sp = 0.0
            sdp = 0.0
            for t in range(k):
                dd = d2[i, t] - dmin
                p = np.exp(-beta * dd)
                out_p[i, t] = p
                sp += p
                sdp += p * dd
            h = np.log(sp) + beta * sdp / sp
            if abs(h - target_entropy) < tol:
                break
            if h > target_entropy:  # too flat: sharpen
                lo = beta
                beta = beta * 2.0 if hi == np.inf else 0.5 * (beta + hi)
            else:
                hi = beta
                beta = 0.5 * beta if lo == 0.0 else 0.5 * (beta + lo)
        sp = 0.0
        for t in range(k):
            sp += out_p[i, t]
        for t in range(k):
            out_p[i, t] /= sp
        out_beta[i] = beta
