"""Numba kernels for t-SNE affinities: k-nearest-neighbour selection and perplexity search.

Only loop bodies live here; the chunking over rows and the sparse bookkeeping are in
``_affinity.py``.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
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
        # exact distances, sorted by insertion as they come (stable, as a mergesort: ties
        # keep the heap's order); k is small, and numba's argsort took 2 s to compile
        oi, od = out_idx[r], out_d2[r]
        for t in range(k):
            j = hi[t]
            s = 0.0
            for c in range(d):
                diff = X_rows[r, c] - X_all[j, c]
                s += diff * diff
            pos = t
            while pos > 0 and od[pos - 1] > s:
                od[pos] = od[pos - 1]
                oi[pos] = oi[pos - 1]
                pos -= 1
            od[pos] = s
            oi[pos] = j


@njit(cache=True, nogil=True, error_model="numpy")
def perplexity_search(d2, target_entropy, tol, max_iter, out_p, out_beta):
    """Gaussian conditionals p_{j|i} with entropy ``target_entropy`` (nats), one row each.

    Safeguarded Newton iteration on the precision beta = 1 / (2 sigma^2): the entropy falls
    with beta at the rate dH/dbeta = -beta Var(d^2), and a Newton step that leaves the bracket
    known so far is replaced by doubling/halving until bracketed, then bisection. Newton needs
    ~4 steps where bisection alone needed ~25, each step an ``exp`` per neighbour: the
    exact method's search over all n - 1 others at n = 3,000 took 2.4 s by bisection.

    Distances are shifted by the row minimum so ``exp`` never underflows for the nearest
    neighbour. Infinite distances get p = 0 (the dense search puts +inf on the diagonal).
    Each row is copied before the search, so ``out_p`` may be ``d2`` itself (in place).
    """
    n, k = d2.shape
    row = np.empty(k)
    for i in range(n):
        # a loop, not row[:] = d2[i]: numba's array-to-array assignment costs 2.2-2.8 s of
        # compiling the first time a process meets it (a scalar fill costs nothing)
        for t in range(k):
            row[t] = d2[i, t]
        dmin = np.inf
        dmean = 0.0
        n_finite = 0
        for t in range(k):
            v = row[t]
            if v < np.inf:
                dmin = min(dmin, v)
                dmean += v
                n_finite += 1
        dmean = dmean / n_finite - dmin
        beta = 1.0 / dmean if dmean > 0.0 else 1.0
        lo = 0.0
        hi = np.inf
        for _ in range(max_iter):
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            for t in range(k):
                dd = row[t] - dmin
                p = np.exp(-beta * dd)
                out_p[i, t] = p
                if p > 0.0:  # else dd may be inf, and 0 * inf is NaN
                    s0 += p
                    s1 += p * dd
                    s2 += p * dd * dd
            mean = s1 / s0
            h = np.log(s0) + beta * mean
            if abs(h - target_entropy) < tol:
                break
            if h > target_entropy:  # too flat: sharpen
                lo = beta
            else:
                hi = beta
            slope = -beta * (s2 / s0 - mean * mean)
            nxt = beta - (h - target_entropy) / slope if slope < 0.0 else -1.0
            if not (lo < nxt < hi):
                if hi == np.inf:
                    nxt = 2.0 * beta
                elif lo == 0.0:
                    nxt = 0.5 * beta
                else:
                    nxt = 0.5 * (lo + hi)
            beta = nxt
        s0 = 0.0
        for t in range(k):
            s0 += out_p[i, t]
        for t in range(k):
            out_p[i, t] /= s0
        out_beta[i] = beta


@njit(cache=True, nogil=True, error_model="numpy")
def dense_sq_distances(X, start, stop, out):
    """out[i, j] = |x_i - x_j|^2 for the rows i in [start, stop), summed feature by feature
    (no |x|^2 + |y|^2 - 2 x.y cancellation), and +inf on the diagonal so that a point is not
    its own neighbour."""
    n, f = X.shape
    Xt = np.ascontiguousarray(X.T)
    for i in range(start, stop):
        out[i, :] = 0.0
        for c in range(f):
            xc = Xt[c, i]
            for j in range(n):
                e = xc - Xt[c, j]
                out[i, j] += e * e
        out[i, i] = np.inf


@njit(cache=True, nogil=True, error_model="numpy")
def symmetrise(P, start, stop):
    """P <- P + P.T off the diagonal, in place, for the entries (i, j) and (j, i) with
    j > i and i in [start, stop) (no other rows' call touches them, so row ranges may run
    concurrently); the diagonal, zero for the conditionals, is left as it is."""
    n = P.shape[0]
    for i in range(start, stop):
        for j in range(i + 1, n):
            v = P[i, j] + P[j, i]
            P[i, j] = v
            P[j, i] = v
