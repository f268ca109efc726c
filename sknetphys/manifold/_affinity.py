"""Input-space affinities for t-SNE.

Perplexity-calibrated Gaussian conditionals p_{j|i} over each point's k nearest neighbours
(all other points for the exact method), symmetrised to the joint P = (P + P^T) / 2n.

Neighbour search, chosen by measurement (benchmarks/RESULTS.md): for euclidean distances an
exact brute-force search -- BLAS inner products of a block of rows against all points, then a
numba heap selection -- beats scikit-learn's trees (50 dimensions defeat them) and is exact.
Other metrics go through scikit-learn's ``NearestNeighbors``.
"""

from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import pairwise_distances
from sklearn.neighbors import NearestNeighbors

from .._core._threads import run_parallel, single_threaded_blas
from ._kernels_affinity import dense_sq_distances, knn_select, perplexity_search, symmetrise
from ._parallel import n_workers, over_rows

# Rows per block in the brute-force search: the block's distances to all n points are held at
# once, so this bounds that buffer to _BLOCK * n * 4 bytes (~ 70 MB at n = 70,000).
_BLOCK = 256


def _kernel_array(A):
    """C-contiguous, writeable float64: read-only inputs (memmaps) would otherwise make numba
    compile every kernel a second time for the read-only array type."""
    A = np.ascontiguousarray(A, dtype=np.float64)
    return A if A.flags.writeable else A.copy()


def nearest_neighbors(X, k, metric="euclidean", Y=None):
    """Indices and *squared* distances of the k nearest reference points of each query.

    Parameters
    ----------
    X : ndarray of shape (n_ref, n_features)
        Reference points.
    k : int
        Number of neighbours.
    metric : str
        ``"euclidean"`` uses the exact blocked brute-force search; anything else is passed to
        scikit-learn's ``NearestNeighbors`` and its distances are squared.
    Y : ndarray of shape (n_query, n_features), optional
        Query points. When omitted, the queries are the reference points themselves and each
        point is excluded from its own neighbours.

    Returns
    -------
    indices : ndarray of shape (n_query, k), int64
    sq_distances : ndarray of shape (n_query, k), float64, ascending per row
    """
    self_query = Y is None
    Q = X if self_query else Y
    if metric != "euclidean":
        nn = NearestNeighbors(n_neighbors=k, metric=metric)
        nn.fit(X)
        dist, idx = nn.kneighbors(None if self_query else Q)
        return idx.astype(np.int64), dist.astype(np.float64) ** 2

    X = _kernel_array(X)
    Q = X if self_query else _kernel_array(Q)
    # Ranking in float32 halves the GEMM time; the kernel recomputes the winners in float64.
    X32 = X.astype(np.float32)
    Q32 = X32 if self_query else Q.astype(np.float32)
    sq_all = np.einsum("ij,ij->i", X32, X32)
    n_q = Q.shape[0]
    idx = np.empty((n_q, k), dtype=np.int64)
    d2 = np.empty((n_q, k), dtype=np.float64)
    workers = max(1, min(n_workers(), -(-n_q // _BLOCK)))

    def work(worker):
        # each thread: its own buffer, single-threaded GEMM, then the GIL-free selection
        gram = np.empty((min(_BLOCK, n_q), X.shape[0]), dtype=np.float32)
        for start in range(worker * _BLOCK, n_q, workers * _BLOCK):
            stop = min(start + _BLOCK, n_q)
            g = gram[: stop - start]
            np.matmul(Q32[start:stop], X32.T, out=g)
            knn_select(g, sq_all, start, self_query, Q[start:stop], X, idx[start:stop],
                       d2[start:stop])

    with single_threaded_blas():  # also when one worker runs here, on the calling thread
        run_parallel([partial(work, w) for w in range(workers)])
    return idx, d2


def conditional_probabilities(sq_distances, perplexity, tol=1e-5, max_iter=200, out=None):
    """Rows p_{j|i} of Gaussian affinities with perplexity ``perplexity``.

    Returns the (n, k) conditional probabilities (each row sums to one; written into ``out``
    when given, which may be ``sq_distances`` itself) and the precisions
    beta_i = 1 / (2 sigma_i^2) that reach the target entropy log(perplexity) within ``tol``.
    Infinite distances get probability zero.
    """
    d2 = np.ascontiguousarray(sq_distances, dtype=np.float64)
    p = np.empty_like(d2) if out is None else out
    beta = np.empty(d2.shape[0])
    args = (float(np.log(perplexity)), float(tol), int(max_iter))
    over_rows(lambda a, b: perplexity_search(d2[a:b], *args, p[a:b], beta[a:b]), len(d2))
    return p, beta


def joint_probabilities_knn(X, perplexity, metric="euclidean", n_neighbors=None):
    """Sparse symmetric joint P (CSR, sums to one) from the k-nearest-neighbour graph.

    ``n_neighbors`` defaults to ``min(n - 1, floor(3 * perplexity))``.
    """
    n = X.shape[0]
    k = n_neighbors if n_neighbors is not None else min(n - 1, int(3 * perplexity))
    idx, d2 = nearest_neighbors(X, k, metric)
    p, _ = conditional_probabilities(d2, perplexity)
    P = sp.csr_matrix((p.ravel(), idx.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    P = P + P.T
    P.sum_duplicates()
    P.sort_indices()
    P.data /= P.data.sum()
    P.indices = P.indices.astype(np.int64)
    P.indptr = P.indptr.astype(np.int64)
    return P


def joint_probabilities_dense(X, perplexity, metric="euclidean"):
    """Dense symmetric P (n x n, zero diagonal, sums to one) over every other point.

    Built in one n x n array: squared distances, overwritten row by row with the conditionals
    p_{j|i}, then symmetrised in place (the sparse route through an (n - 1)-nearest-neighbour
    graph held the graph, its transpose and their sum besides, and took 8 s at n = 3,000).
    """
    X = _kernel_array(X)
    n = X.shape[0]
    if metric == "euclidean":
        D = np.empty((n, n))
        over_rows(lambda a, b: dense_sq_distances(X, a, b, D), n)
    else:
        D = pairwise_distances(X, metric=metric) ** 2
        np.fill_diagonal(D, np.inf)
    conditional_probabilities(D, perplexity, out=D)
    over_rows(lambda a, b: symmetrise(D, a, b), n)
    D /= D.sum()
    return D
