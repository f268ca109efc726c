"""Numba kernels shared by every t-SNE gradient method: attraction and the descent step.

The Student-t kernel with ``dof`` degrees of freedom is w = (1 + d^2/dof)^(-dof); its force
factor w^(1/dof) = 1 / (1 + d^2/dof) does not need a power, so only Z needs ``dof``.
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def attractive_forces(Yq, Yr, indptr, indices, data, exaggeration, dof, compute_kl, out,
                      out_plogw):
    """out_i = exaggeration * sum_j p_ij (y_i - y_j) / (1 + |y_i - y_j|^2 / dof).

    Row i of the CSR matrix (indptr, indices, data) links query point ``Yq[i]`` to reference
    points ``Yr[j]`` (the same array during fit). With ``compute_kl``, ``out_plogw[i]`` gets
    sum_j p_ij log w_ij, the only P-dependent part of the KL divergence that changes with Y
    (optional: the logarithm costs more than the force).
    """
    n, d = Yq.shape
    for i in prange(n):
        for c in range(d):
            out[i, c] = 0.0
        s = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            d2 = 0.0
            for c in range(d):
                diff = Yq[i, c] - Yr[j, c]
                d2 += diff * diff
            q = 1.0 / (1.0 + d2 / dof)
            coef = exaggeration * data[jj] * q
            for c in range(d):
                out[i, c] += coef * (Yq[i, c] - Yr[j, c])
            if compute_kl:
                s += data[jj] * dof * np.log(q)
        out_plogw[i] = s


@njit(cache=True, parallel=True)
def gradient_step(Y, grad, update, gains, momentum, learning_rate, min_gain, max_step_norm):
    """One momentum step with per-coordinate gains (Jacobs 1988), in place.

    A gain grows by 0.2 while the gradient keeps pointing against the last update and shrinks
    by 0.8 when it flips. Each point's step is clipped to ``max_step_norm`` (<= 0: no clip),
    which keeps a large learning rate from throwing single points far out of the map.
    """
    n, d = Y.shape
    for i in prange(n):
        norm2 = 0.0
        for c in range(d):
            g = grad[i, c]
            if update[i, c] * g < 0.0:
                gains[i, c] += 0.2
            else:
                gains[i, c] *= 0.8
            if gains[i, c] < min_gain:
                gains[i, c] = min_gain
            update[i, c] = momentum * update[i, c] - learning_rate * gains[i, c] * g
            norm2 += update[i, c] * update[i, c]
        if max_step_norm > 0.0 and norm2 > max_step_norm * max_step_norm:
            scale = max_step_norm / np.sqrt(norm2)
            for c in range(d):
                update[i, c] *= scale
        for c in range(d):
            Y[i, c] += update[i, c]
