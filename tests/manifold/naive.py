"""Slow, obviously correct plain-numpy references for the t-SNE numba kernels."""

import numpy as np


def sq_distances(A, B):
    return ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)


def knn(X, k, Y=None):
    """Indices and squared distances of the k nearest rows of X (excluding self if Y is None)."""
    D = sq_distances(X if Y is None else Y, X)
    if Y is None:
        np.fill_diagonal(D, np.inf)
    idx = np.argsort(D, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(D, idx, axis=1)


def entropy(p):
    p = p[p > 0]
    return -np.sum(p * np.log(p))


def conditional_row(d2, perplexity, tol=1e-10):
    """p_{j|i} for one row of squared distances by bisection on log(beta)."""
    target = np.log(perplexity)
    lo, hi = -50.0, 50.0
    for _ in range(200):
        beta = np.exp(0.5 * (lo + hi))
        p = np.exp(-beta * (d2 - d2.min()))
        p /= p.sum()
        h = entropy(p)
        if abs(h - target) < tol:
            break
        if h > target:
            lo = np.log(beta)
        else:
            hi = np.log(beta)
    return p


def joint_probabilities(X, perplexity, k=None):
    """Dense symmetric P from the k nearest neighbours (all others when k is None)."""
    n = X.shape[0]
    k = n - 1 if k is None else k
    idx, d2 = knn(X, k)
    C = np.zeros((n, n))
    for i in range(n):
        C[i, idx[i]] = conditional_row(d2[i], perplexity)
    P = C + C.T
    return P / P.sum()


def kernel(D2, dof):
    return (1.0 + D2 / dof) ** (-dof)


def kl_divergence(P, Y, dof=1.0):
    W = kernel(sq_distances(Y, Y), dof)
    np.fill_diagonal(W, 0.0)
    Q = W / W.sum()
    m = P > 0
    return float(np.sum(P[m] * np.log(P[m] / Q[m])))


def gradient(P, Y, exaggeration=1.0, dof=1.0):
    """4 sum_j (a p_ij - q_ij) (y_i - y_j) / (1 + d_ij^2 / dof), dense."""
    D2 = sq_distances(Y, Y)
    W = kernel(D2, dof)
    np.fill_diagonal(W, 0.0)
    Q = W / W.sum()
    F = (exaggeration * P - Q) / (1.0 + D2 / dof)
    np.fill_diagonal(F, 0.0)
    return 4.0 * (F.sum(1)[:, None] * Y - F @ Y)


def repulsion(Yq, Yr, dof=1.0, skip_self=True):
    """Per query: sum_j w_ij (y_i - y_j) / (1 + d^2/dof) and sum_j w_ij."""
    D2 = sq_distances(Yq, Yr)
    W = kernel(D2, dof)
    if skip_self:
        np.fill_diagonal(W, 0.0)
    F = W / (1.0 + D2 / dof)
    return F.sum(1)[:, None] * Yq - F @ Yr, W.sum(1)


def attraction(Yq, Yr, P, exaggeration=1.0, dof=1.0):
    """exaggeration * sum_j p_ij (y_i - y_j) / (1 + d^2/dof), P dense (n_q, n_r)."""
    F = P / (1.0 + sq_distances(Yq, Yr) / dof)
    return exaggeration * (F.sum(1)[:, None] * Yq - F @ Yr)


def gradient_step(Y, grad, update, gains, momentum, lr, min_gain, max_step_norm):
    Y, update, gains = Y.copy(), update.copy(), gains.copy()
    flipped = np.sign(update) != np.sign(grad)
    gains = np.where(flipped, gains + 0.2, gains * 0.8 + min_gain)
    update = momentum * update - lr * gains * grad
    norm = np.linalg.norm(update, axis=1, keepdims=True)
    if max_step_norm > 0:
        update = np.where(norm > max_step_norm, update * max_step_norm / norm, update)
    return Y + update, update, gains


def lagrange_weights(s, p):
    """Weights of nodes (t + 1/2), t < p, for interpolating at box-local coordinate s."""
    nodes = np.arange(p) + 0.5
    w = np.ones(p)
    for t in range(p):
        for r in range(p):
            if r != t:
                w[t] *= (s - nodes[r]) / (nodes[t] - nodes[r])
    return w


def fft_repulsion_direct(Y, lo, width, n_boxes, p, dof=1.0):
    """The interpolation scheme of the FFT method with the grid convolution done directly.

    Returns the force on each point and Z (self-interactions removed), to check the FFT
    path's arithmetic independently of its accuracy.
    """
    n = len(Y)
    n_nodes = n_boxes * p
    h = width / p
    W = np.zeros((n, n_nodes, n_nodes))
    for i in range(n):
        wx = []
        for c in range(2):
            u = (Y[i, c] - lo) / width
            b = min(int(u), n_boxes - 1)
            wv = np.zeros(n_nodes)
            wv[b * p:(b + 1) * p] = lagrange_weights((u - b) * p, p)
            wx.append(wv)
        W[i] = np.outer(wx[0], wx[1])
    W = W.reshape(n, -1)
    g = (np.arange(n_nodes) + 0.5) * h + lo
    G = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    D2 = sq_distances(G, G)
    K1 = kernel(D2, dof)
    K2 = K1 / (1.0 + D2 / dof)
    q0 = W.sum(0)
    z = q0 @ K1 @ q0 - n
    pot0 = W @ (K2 @ q0)
    pot_y = W @ (K2 @ (W.T @ Y))
    return pot0[:, None] * Y - pot_y, z


def transform_kl(Pc, Yq, Yr, dof=1.0):
    """Mean over query points of KL(p_i || q_i), q_i the kernel to the reference map
    normalised per query point (the objective ``TSNEEmbedding.transform`` minimises)."""
    W = kernel(sq_distances(Yq, Yr), dof)
    Q = W / W.sum(1, keepdims=True)
    m = Pc > 0
    return float(np.sum(Pc[m] * np.log(Pc[m] / Q[m])) / len(Yq))
