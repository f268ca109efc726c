"""Every numba kernel of the t-SNE against its plain-numpy reference in ``naive.py``."""

import numpy as np
import pytest
import scipy.sparse as sp

import sknetphys.manifold._parallel as parallel_module
from sknetphys.manifold._gradients import (
    _MAX_DEPTH,
    BarnesHutGradient,
    ExactGradient,
    FFTGradient,
    TransformGradient,
    build_bh_tree,
)
from sknetphys.manifold._kernels_bh import bh_repulsion
from sknetphys.manifold._kernels_common import attractive_forces, gradient_step
from sknetphys.manifold._kernels_exact import exact_normalisation
from sknetphys.manifold._kernels_fft import (
    gather_repulsion,
    interpolation_weights,
    kernel_grid,
    spread_charges,
)
from sknetphys.manifold._parallel import n_workers, thread_policy

from . import naive


def _data(n=120, dim=6, d=2, seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0, 1, (n // 2, dim)), rng.normal(3, 1, (n - n // 2, dim))])
    P = naive.joint_probabilities(X, 10.0, k=30)
    Y = rng.normal(0, scale, (n, d))
    return P, Y


def _rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("dof", [1.0, 0.6])
def test_exact_gradient_matches_naive(dof):
    P, Y = _data()
    g = np.empty_like(Y)
    kl = ExactGradient(P, dof)(Y, 4.0, g, compute_kl=True)
    np.testing.assert_allclose(g, naive.gradient(P, Y, 4.0, dof), rtol=1e-10, atol=1e-14)
    assert kl == pytest.approx(naive.kl_divergence(P, Y, dof), rel=1e-10)
    # without the KL the gradient is the same, and the (dear) logarithms are skipped
    g2 = np.empty_like(Y)
    assert np.isnan(ExactGradient(P, dof)(Y, 4.0, g2))
    np.testing.assert_array_equal(g2, g)


@pytest.mark.parametrize("dof", [1.0, 0.6])
def test_naive_gradient_matches_finite_differences(dof):
    # anchors the chain: naive.gradient == dKL/dY, and every kernel is tested against naive
    P, Y = _data(n=30, d=2, scale=1.0)
    g = naive.gradient(P, Y, 1.0, dof)
    eps = 1e-6
    fd = np.empty_like(Y)
    for i in range(Y.shape[0]):
        for c in range(Y.shape[1]):
            Yp, Ym = Y.copy(), Y.copy()
            Yp[i, c] += eps
            Ym[i, c] -= eps
            fd[i, c] = (naive.kl_divergence(P, Yp, dof) - naive.kl_divergence(P, Ym, dof)) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("dof", [1.0, 0.6])
def test_attractive_forces_match_naive(dof):
    P, Y = _data()
    S = sp.csr_matrix(P)
    out = np.empty_like(Y)
    plogw = np.empty(len(Y))
    attractive_forces(Y, Y, S.indptr.astype(np.int64), S.indices.astype(np.int64), S.data,
                      3.0, dof, True, out, plogw)
    np.testing.assert_allclose(out, naive.attraction(Y, Y, P, 3.0, dof), rtol=1e-10, atol=1e-15)
    W = naive.kernel(naive.sq_distances(Y, Y), dof)
    m = P > 0
    assert plogw.sum() == pytest.approx(np.sum(P[m] * np.log(W[m])), rel=1e-10)


@pytest.mark.parametrize("dof", [1.0, 0.6])
def test_exact_normalisation_matches_naive(dof):
    _, Y = _data(n=300, d=3)  # rows longer than the kernel's 256-column chunks
    rows = np.empty(len(Y))
    for start, stop in [(0, 111), (111, 300)]:  # row ranges, as threads get them
        exact_normalisation(Y, dof, start, stop, rows)
    np.testing.assert_allclose(rows, naive.repulsion(Y, Y, dof)[1], rtol=1e-12)


def test_gradient_step_matches_naive():
    rng = np.random.default_rng(0)
    Y, grad, update = (rng.normal(size=(50, 2)) for _ in range(3))
    update *= 10  # some steps get clipped
    gains = rng.uniform(0.005, 2, size=(50, 2))
    ref = naive.gradient_step(Y, grad, update, gains, 0.8, 7.0, 0.01, 5.0)
    gradient_step(Y, grad, update, gains, 0.8, 7.0, 0.01, 5.0)
    for a, b in zip((Y, update, gains), ref):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_tree_invariants(d):
    rng = np.random.default_rng(d)
    Y = rng.normal(size=(300, d))
    Y[10] = Y[11] = Y[12]  # exact duplicates end up merged in one deep leaf
    centre, half, com, count, child, leaf, depth, _ = build_bh_tree(Y)
    assert count[0] == len(Y)
    np.testing.assert_allclose(com[0], Y.mean(0), atol=1e-12)
    seen = []
    for node in range(len(count)):
        kids = child[node][child[node] >= 0]
        lo, hi = centre[node] - half[node], centre[node] + half[node]
        if leaf[node] >= 0:
            assert len(kids) == 0
            seen.append(leaf[node])
            assert np.all(Y[leaf[node]] >= lo) and np.all(Y[leaf[node]] <= hi)
            assert count[node] == 1 or depth[node] == _MAX_DEPTH
        else:
            assert count[node] == count[kids].sum()
            np.testing.assert_allclose(
                com[node] * count[node], (com[kids] * count[kids][:, None]).sum(0), atol=1e-9)
    assert len(seen) == len(Y) - 2  # two of the three duplicates share a leaf


@pytest.mark.parametrize("d", [1, 2, 3])
def test_bh_repulsion_angle_zero_is_exact(d):
    _, Y = _data(d=d)
    tree = build_bh_tree(Y)
    force, z = np.empty_like(Y), np.empty(len(Y))
    for start, stop in [(0, 23), (23, len(Y))]:  # row ranges, as threads get them
        bh_repulsion(Y, start, stop, True, _MAX_DEPTH, 0.0, 1.0, *tree[:6], force, z)
    rf, rz = naive.repulsion(Y, Y)
    np.testing.assert_allclose(force, rf, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(z, rz, rtol=1e-10)
    # queries that are not tree points (as in transform)
    Q = Y[:17] + 0.3
    f2, z2 = np.empty_like(Q), np.empty(len(Q))
    bh_repulsion(Q, 0, len(Q), False, _MAX_DEPTH, 0.0, 0.7, *tree[:6], f2, z2)
    rf, rz = naive.repulsion(Q, Y, 0.7, skip_self=False)
    np.testing.assert_allclose(f2, rf, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(z2, rz, rtol=1e-10)


def test_fft_interpolation_kernels_match_naive():
    rng = np.random.default_rng(0)
    Y = rng.uniform(-2, 3, size=(40, 2))
    p, n_boxes = 3, 6
    lo, width = -2.0, 5.0 * (1 + 1e-9) / n_boxes
    base = np.empty((40, 2), dtype=np.int64)
    w = np.empty((40, 2, p))
    interpolation_weights(Y, lo, width, n_boxes, base, w)
    for i in range(40):
        for c in range(2):
            u = (Y[i, c] - lo) / width
            b = int(u)
            assert base[i, c] == b * p
            np.testing.assert_allclose(w[i, c], naive.lagrange_weights((u - b) * p, p), atol=1e-12)
    n_nodes = n_boxes * p
    grid = np.zeros((3, n_nodes, n_nodes))
    spread_charges(Y, base, w, grid)
    ref = np.zeros((3, n_nodes, n_nodes))
    for i in range(40):
        W = np.outer(w[i, 0], w[i, 1])
        sl = np.s_[base[i, 0]:base[i, 0] + p, base[i, 1]:base[i, 1] + p]
        ref[0][sl] += W
        ref[1][sl] += W * Y[i, 0]
        ref[2][sl] += W * Y[i, 1]
    np.testing.assert_allclose(grid, ref, atol=1e-12)
    pot = rng.normal(size=(3, n_nodes, n_nodes))
    force = np.empty_like(Y)
    gather_repulsion(Y, base, w, pot, force)
    for i in range(40):
        W = np.outer(w[i, 0], w[i, 1])
        sl = np.s_[base[i, 0]:base[i, 0] + p, base[i, 1]:base[i, 1] + p]
        phi = [np.sum(W * pot[c][sl]) for c in range(3)]
        np.testing.assert_allclose(force[i], Y[i] * phi[0] - np.array(phi[1:]), atol=1e-12)
    size = 2 * n_nodes + 3
    kern = np.empty((2, size, size))
    kernel_grid(n_nodes, size, 0.4, 0.7, kern)
    off = np.arange(size)
    off = np.where(off < n_nodes, off, np.where(off > size - n_nodes, off - size, 10**6))
    R2 = (off[:, None] ** 2 + off[None, :] ** 2) * 0.16
    K1 = np.where(R2 < 1e11, naive.kernel(R2, 0.7), 0.0)
    np.testing.assert_allclose(kern[0], K1, atol=1e-15)
    np.testing.assert_allclose(kern[1], K1 / (1 + R2 / 0.7), atol=1e-15)


@pytest.mark.parametrize("dof", [1.0, 0.6])
def test_fft_repulsion_matches_direct_convolution(dof):
    # same interpolation scheme, convolution done directly: checks the FFT arithmetic
    # (padding, Parseval for Z, single precision) apart from the interpolation error
    _, Y = _data(n=60, scale=2.0)
    S = sp.csr_matrix(np.ones((60, 60)) / 3600)
    ob = FFTGradient(S, dof, n_interpolation_points=3, min_num_intervals=5)
    force = np.empty_like(Y)
    z = ob._repulsion(Y, force)
    lo, width, n_boxes = ob._grid(Y)
    rf, rz = naive.fft_repulsion_direct(Y, lo, width, n_boxes, 3, dof)
    np.testing.assert_allclose(force, rf, rtol=1e-4, atol=1e-5 * np.abs(rf).max())
    assert z == pytest.approx(rz, rel=1e-5)


def test_bh_error_shrinks_with_angle():
    P, Y = _data(n=300, d=2, scale=5.0)
    S = sp.csr_matrix(P)
    ge = np.empty_like(Y)
    ExactGradient(P)(Y, 1.0, ge)
    g = np.empty_like(Y)
    errors = []
    for angle in [0.8, 0.5, 0.2, 0.0]:
        BarnesHutGradient(S, angle=angle)(Y, 1.0, g)
        errors.append(_rel(g, ge))
    # stated tolerance: max error / max |gradient| below 15% at angle 0.8, 3% at 0.5,
    # 0.5% at 0.2, and round-off at 0
    assert errors[0] < 0.15 and errors[1] < 0.03 and errors[2] < 0.005 and errors[3] < 1e-10
    assert errors[0] > errors[1] > errors[2] > errors[3]


def test_bh_3d_error_shrinks_with_angle():
    P, Y = _data(n=200, d=3, scale=5.0)
    ge = np.empty_like(Y)
    ExactGradient(P)(Y, 1.0, ge)
    g = np.empty_like(Y)
    errors = []
    for angle in [0.5, 0.2]:
        BarnesHutGradient(sp.csr_matrix(P), angle=angle)(Y, 1.0, g)
        errors.append(_rel(g, ge))
    assert errors[0] < 0.03 and errors[1] < 0.005 and errors[1] < errors[0]


def test_fft_error_shrinks_with_grid():
    P, Y = _data(n=300, d=2, scale=5.0)
    S = sp.csr_matrix(P)
    ge = np.empty_like(Y)
    kl_exact = ExactGradient(P)(Y, 1.0, ge, compute_kl=True)
    g = np.empty_like(Y)
    errors = []
    for p, m in [(3, 20), (3, 50), (3, 100), (5, 100)]:
        kl = FFTGradient(S, n_interpolation_points=p, min_num_intervals=m)(Y, 1.0, g, True)
        errors.append(_rel(g, ge))
        assert kl == pytest.approx(kl_exact, rel=1e-2)
    # stated tolerance: 10% of max |gradient| on the coarsest grid, 2% at openTSNE's
    # default (3 nodes, 50 boxes), 0.3% at 100 boxes, 0.01% with 5 nodes per box
    assert errors[0] < 0.1 and errors[1] < 0.02 and errors[2] < 3e-3 and errors[3] < 1e-4
    assert errors[0] > errors[1] > errors[2] > errors[3]


def test_transform_gradient_matches_naive():
    rng = np.random.default_rng(0)
    Yr = rng.normal(0, 3, (80, 2))
    Yq = rng.normal(0, 3, (15, 2))
    Pc = rng.random((15, 80)) * (rng.random((15, 80)) < 0.3)
    Pc /= Pc.sum(1, keepdims=True)
    g = np.empty_like(Yq)
    TransformGradient(sp.csr_matrix(Pc), Yr, 1.0, angle=0.0)(Yq, 1.0, g)
    rf, rz = naive.repulsion(Yq, Yr, skip_self=False)
    ref = 4 * (naive.attraction(Yq, Yr, Pc) - rf / rz[:, None])
    np.testing.assert_allclose(g, ref, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("method", ["exact", "bh", "fft"])
def test_parallel_equals_serial(method, monkeypatch):
    # each point's sums run in one thread in a fixed order, and the FFT workers split whole
    # transforms, so results agree to the bit whatever the thread count (the estimator's
    # reproducibility across SKNETPHYS_NUM_THREADS rests on this)
    P, Y = _data(n=200)
    S = sp.csr_matrix(P)
    make = {"exact": lambda: ExactGradient(P), "bh": lambda: BarnesHutGradient(S),
            "fft": lambda: FFTGradient(S, min_num_intervals=100)}[method]
    g1, g2 = np.empty_like(Y), np.empty_like(Y)
    with thread_policy(1, min_samples=2):  # below the threshold: the calling thread only
        assert n_workers() == 1
        make()(Y, 2.0, g1)
    # three uneven parts of the rows (200 / 3), whatever this machine's CPUs
    monkeypatch.setattr(parallel_module, "n_threads", lambda: 3)
    with thread_policy(1, min_samples=0):
        assert n_workers() == 3
        make()(Y, 2.0, g2)
    np.testing.assert_array_equal(g1, g2)
