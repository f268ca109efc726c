"""Numba kernels shared by every t-SNE gradient method: attraction and the descent step.

The Student-t kernel with ``dof`` degrees of freedom is w = (1 + d^2/dof)^(-dof); its force
factor w^(1/dof) = 1 / (1 + d^2/dof) does not need a power, so only Z needs ``dof``.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def attractive_forces(Yq, Yr, indptr, indices, data, exaggeration, dof, compute_kl, out,
                      out_plogw):
    """out_i = exaggeration * sum_j p_ij (y_i - y_j) / (1 + |y_i - y_j|^2 / dof).

    Row i of the CSR matrix (indptr, indices, data) links query point ``Yq[i]`` to reference
    points ``Yr[j]`` (the same array during fit). With ``compute_kl``, ``out_plogw[i]`` gets
    sum_j p_ij log w_ij, the only P-dependent part of the KL divergence that changes with Y
    (optional: the logarithm costs more than the force).
    """
    # d <= 3: scalar accumulators stay in registers (writing out[i, c] in the inner loop
    # was 4x slower, measured)
    n, d = Yq.shape
    for i in range(n):
        y0 = Yq[i, 0]
        y1 = Yq[i, 1] if d > 1 else 0.0
        y2 = Yq[i, 2] if d > 2 else 0.0
        f0 = 0.0
        f1 = 0.0
        f2 = 0.0
        s = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            e0 = y0 - Yr[j, 0]
            e1 = y1 - Yr[j, 1] if d > 1 else 0.0
            e2 = y2 - Yr[j, 2] if d > 2 else 0.0
            q = 1.0 / (1.0 + (e0 * e0 + e1 * e1 + e2 * e2) / dof)
            pq = data[jj] * q
            f0 += pq * e0
            f1 += pq * e1
            f2 += pq * e2
            if compute_kl:
                s += data[jj] * dof * np.log(q)
        out[i, 0] = exaggeration * f0
        if d > 1:
            out[i, 1] = exaggeration * f1
        if d > 2:
            out[i, 2] = exaggeration * f2
        out_plogw[i] = s


@njit(cache=True, nogil=True, error_model="numpy")
def gradient_step(Y, grad, update, gains, momentum, learning_rate, min_gain, max_step_norm):
    """One momentum step with per-coordinate gains (Jacobs 1988), in place.

    A gain grows by 0.2 while the gradient's sign differs from the last update's (the descent
    keeps going the same way; a zero update counts as different, so gains grow from the
    start) and decays as gain * 0.8 + min_gain when they agree, as in openTSNE. Each point's
    step is clipped to ``max_step_norm`` (<= 0: no clip), which keeps a large learning rate
    from throwing single points far out of the map.
    """
    n, d = Y.shape
    for i in range(n):
        norm2 = 0.0
        for c in range(d):
            g = grad[i, c]
            if np.sign(update[i, c]) != np.sign(g):
                gains[i, c] += 0.2
            else:
                gains[i, c] = gains[i, c] * 0.8 + min_gain
            update[i, c] = momentum * update[i, c] - learning_rate * gains[i, c] * g
            norm2 += update[i, c] * update[i, c]
        if max_step_norm > 0.0 and norm2 > max_step_norm * max_step_norm:
            scale = max_step_norm / np.sqrt(norm2)
            for c in range(d):
                update[i, c] *= scale
        for c in range(d):
            Y[i, c] += update[i, c]
