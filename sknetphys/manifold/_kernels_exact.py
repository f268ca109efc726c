"""Numba kernels for the exact O(n^2) t-SNE gradient and normalisation."""

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def exact_normalisation(Y, dof, out_rows):
    """out_rows[i] = sum_{j != i} w_ij, so Z = out_rows.sum() (summed serially: deterministic)."""
    n, d = Y.shape
    for i in prange(n):
        z = 0.0
        for j in range(n):
            if j == i:
                continue
            d2 = 0.0
            for c in range(d):
                diff = Y[i, c] - Y[j, c]
                d2 += diff * diff
            q = 1.0 / (1.0 + d2 / dof)
            z += q if dof == 1.0 else q**dof
        out_rows[i] = z


@njit(cache=True, parallel=True)
def exact_gradient(Y, P, exaggeration, dof, Z, out, out_plogw):
    """Exact gradient 4 sum_j (a p_ij - w_ij / Z) (y_i - y_j) / (1 + d_ij^2 / dof), dense P.

    ``out_plogw[i]`` gets sum_j p_ij log w_ij (for the KL divergence).
    """
    n, d = Y.shape
    for i in prange(n):
        s = 0.0
        for c in range(d):
            out[i, c] = 0.0
        for j in range(n):
            if j == i:
                continue
            d2 = 0.0
            for c in range(d):
                diff = Y[i, c] - Y[j, c]
                d2 += diff * diff
            q = 1.0 / (1.0 + d2 / dof)
            w = q if dof == 1.0 else q**dof
            coef = 4.0 * (exaggeration * P[i, j] - w / Z) * q
            for c in range(d):
                out[i, c] += coef * (Y[i, c] - Y[j, c])
            if P[i, j] > 0.0:
                s += P[i, j] * np.log(w)
        out_plogw[i] = s
