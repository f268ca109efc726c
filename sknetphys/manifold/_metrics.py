"""Map-quality metrics that scale to all of MNIST (no n x n matrix is ever held)."""

import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from ._kernels_exact import exact_normalisation
from ._kernels_metrics import count_closer
from ._parallel import over_rows

_BLOCK = 256


def embedding_neighbors(Y, k):
    """Indices of each map point's k nearest other map points (a k-d tree: maps are 1-3-D)."""
    return NearestNeighbors(n_neighbors=k).fit(Y).kneighbors(return_distance=False)


def trustworthiness(X, embeddings, n_neighbors=10):
    """Trustworthiness (Venna & Kaski 2001) of one or several maps of X, as scikit-learn's.

    T = 1 - 2 / (n k (2n - 3k - 1)) sum_i sum_{j in N_k^map(i)} max(0, r(i, j) - k), with
    r(i, j) the rank of j among i's neighbours in the input space. Ranks are counted block by
    block of input rows, all maps at once, so memory stays O(block * n).

    Returns a list with one value per map.
    """
    X = np.ascontiguousarray(X, dtype=np.float32)
    n, k = X.shape[0], n_neighbors
    nbrs = [embedding_neighbors(Y, k) for Y in embeddings]
    targets = np.ascontiguousarray(np.hstack(nbrs), dtype=np.int64)
    sq = np.einsum("ij,ij->i", X, X)
    penalty = np.zeros(len(embeddings))
    counts = np.empty((min(_BLOCK, n), targets.shape[1]), dtype=np.int64)
    gram = np.empty((min(_BLOCK, n), n), dtype=np.float32)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        g = gram[: stop - start]
        c = counts[: stop - start]
        np.matmul(X[start:stop], X.T, out=g)
        t = targets[start:stop]
        over_rows(lambda a, b: count_closer(g[a:b], sq, start + a, t[a:b], c[a:b]), stop - start)
        ranks = c + 1  # rank 1 is the nearest neighbour
        excess = np.maximum(ranks - k, 0).reshape(stop - start, len(embeddings), k)
        penalty += excess.sum(axis=(0, 2))
    return list(1.0 - penalty * 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)))


def knn_accuracy(Y, labels, n_neighbors=10):
    """Leave-one-out accuracy of a majority vote of each point's k nearest map neighbours."""
    labels = np.asarray(labels)
    nb = embedding_neighbors(Y, n_neighbors)
    votes = labels[nb]
    n_classes = labels.max() + 1
    tally = np.zeros((len(labels), n_classes), dtype=np.int64)
    for c in range(n_neighbors):
        np.add.at(tally, (np.arange(len(labels)), votes[:, c]), 1)
    return float(np.mean(tally.argmax(1) == labels))


def kl_divergence(P, Y, dof=1.0):
    """Exact KL(P || Q) of the map Y for joint probabilities P (sparse or dense, summing to
    one), Q the Student-t similarities of the map normalised over all pairs.

    The same number for any map of the same data, whoever made it, so maps from different
    programs compare on one P. O(n^2) time for Z, O(n + nnz(P)) memory.
    """
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    P = sp.coo_matrix(P)
    keep = P.data > 0
    p, rows, cols = P.data[keep], P.row[keep], P.col[keep]
    d2 = np.sum((Y[rows] - Y[cols]) ** 2, axis=1)
    log_w = -dof * np.log1p(d2 / dof)
    z_rows = np.empty(len(Y))
    over_rows(lambda a, b: exact_normalisation(Y, float(dof), a, b, z_rows), len(Y))
    return float(np.sum(p * (np.log(p) - log_w)) + np.log(z_rows.sum()))
