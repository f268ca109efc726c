"""The three t-SNE gradient methods as interchangeable strategies.

Each is built once from the joint probabilities P and called as
``objective(Y, exaggeration, out, compute_kl=False) -> kl``: it writes dKL/dY (with P scaled
by ``exaggeration``) into ``out`` and returns the KL divergence of the *unexaggerated* P
(NaN unless ``compute_kl``: the log of every p_ij w_ij costs as much as the attraction).
The optimiser in ``_tsne.py`` only ever sees that call. Each kernel call's rows are dealt to
threads by ``_parallel.over_rows``.
"""

import numpy as np
import scipy.fft
import scipy.sparse as sp

from ._kernels_bh import bh_repulsion, build_tree
from ._kernels_common import attractive_forces
from ._kernels_exact import exact_forces
from ._kernels_fft import gather_repulsion, interpolation_weights, kernel_grid, spread_charges
from ._parallel import n_workers, over_rows

_MAX_DEPTH = 50  # tree depth at which coincident points are merged (2^-50 of the map width)


def _attraction(Yq, Yr, indptr, indices, data, exaggeration, dof, compute_kl, out, plogw):
    """``attractive_forces`` over row parts (a part's rows of the CSR arrays keep their
    offsets into ``indices`` and ``data``)."""
    def part(a, b):
        attractive_forces(Yq[a:b], Yr, indptr[a : b + 1], indices, data, exaggeration, dof,
                          compute_kl, out[a:b], plogw[a:b])
    over_rows(part, Yq.shape[0])


def _bh_repulsion(Yq, skip_self, angle, dof, tree, force, z):
    """``bh_repulsion`` of the tree (``build_bh_tree``'s arrays) on Yq, over row parts."""
    def part(a, b):
        bh_repulsion(Yq, a, b, skip_self, _MAX_DEPTH, angle, dof, *tree[:6], force, z)
    over_rows(part, Yq.shape[0])


def _sum_plogp(data):
    data = data[data > 0]
    return float(np.sum(data * np.log(data)))


class ExactGradient:
    """Exact O(n^2) gradient over a dense P."""

    def __init__(self, P, dof=1.0):
        self.P = np.ascontiguousarray(P, dtype=np.float64)
        self.dof = float(dof)
        self._plogp = _sum_plogp(self.P.ravel())
        n = self.P.shape[0]
        self._z = np.empty(n)
        self._plogw = np.empty(n)
        self._rep = np.empty((n, 0))
        self.Z = np.nan

    def __call__(self, Y, exaggeration, out, compute_kl=False):
        if self._rep.shape != Y.shape:
            self._rep = np.empty_like(Y)
        args = (self.dof, bool(compute_kl))
        over_rows(lambda a, b: exact_forces(Y, self.P, *args, a, b, out, self._rep, self._z,
                                            self._plogw), Y.shape[0])
        self.Z = Z = float(self._z.sum())
        out *= 4.0 * exaggeration
        out -= (4.0 / Z) * self._rep
        if not compute_kl:
            return np.nan
        return self._plogp - float(self._plogw.sum()) + np.log(Z)


class _SparseGradient:
    """Shared part of the approximate methods: exact sparse attraction, approximate repulsion.

    Subclasses implement ``_repulsion(Y, force) -> Z``: force_i = sum_j w_ij q_ij (y_i - y_j)
    with q_ij = 1 / (1 + d_ij^2 / dof), and Z = sum_{i != j} w_ij.
    """

    def __init__(self, P, dof=1.0):
        P = sp.csr_matrix(P)
        self.indptr = P.indptr.astype(np.int64)
        self.indices = P.indices.astype(np.int64)
        self.data = P.data.astype(np.float64)
        self.dof = float(dof)
        self._plogp = _sum_plogp(self.data)
        n = P.shape[0]
        self._plogw = np.empty(n)
        self._force = np.empty((n, 0))
        self.Z = np.nan

    def _repulsion(self, Y, force):
        raise NotImplementedError

    def __call__(self, Y, exaggeration, out, compute_kl=False):
        if self._force.shape != Y.shape:
            self._force = np.empty_like(Y)
        self.Z = Z = float(self._repulsion(Y, self._force))
        _attraction(Y, Y, self.indptr, self.indices, self.data, float(exaggeration),
                    self.dof, bool(compute_kl), out, self._plogw)
        out -= self._force / Z
        out *= 4.0
        if not compute_kl:
            return np.nan
        return self._plogp - float(self._plogw.sum()) + np.log(Z)


class BarnesHutGradient(_SparseGradient):
    """Repulsion summarised over a 2^d-tree; ``angle`` = 0 is exact, larger is coarser."""

    def __init__(self, P, dof=1.0, angle=0.5):
        super().__init__(P, dof)
        self.angle = float(angle)
        self._tree = None
        self._z = np.empty(P.shape[0])

    def _repulsion(self, Y, force):
        tree = build_bh_tree(Y, self._tree)
        self._tree = tree
        _bh_repulsion(Y, True, self.angle, self.dof, tree, force, self._z)
        return self._z.sum()


def build_bh_tree(Y, buffers=None):
    """Build the Barnes-Hut tree of Y, reusing ``buffers`` (a previous result) when they fit.

    Returns the arrays (centre, half, com, count, child, leaf, depth) cut to the used nodes
    followed by the full-capacity buffers for reuse.
    """
    n, d = Y.shape
    if buffers is None or buffers[-1][0].shape[1] != d:
        cap = 2 * n + 64
        full = _tree_buffers(cap, d)
    else:
        full = buffers[-1]
    while True:
        n_nodes = build_tree(Y, _MAX_DEPTH, *full)
        if n_nodes >= 0:
            break
        full = _tree_buffers(2 * full[0].shape[0], d)
    return tuple(a[:n_nodes] for a in full) + (full,)


def _tree_buffers(cap, d):
    return (np.empty((cap, d)), np.empty(cap), np.empty((cap, d)), np.empty(cap, dtype=np.int64),
            np.empty((cap, 1 << d), dtype=np.int64), np.empty(cap, dtype=np.int64),
            np.empty(cap, dtype=np.int64))


class FFTGradient(_SparseGradient):
    """Repulsion by FFT-accelerated polynomial interpolation on a regular grid (2-D only).

    The grid has about ``max(min_num_intervals, extent / ints_in_interval)`` boxes per axis,
    with ``n_interpolation_points`` nodes per box and axis; more of either is more accurate.

    The grid spans the map's square bounding box exactly (snapping the box width to fixed
    values so that the kernel's spectrum could be reused between iterations was tried: it
    left the final KL ~1% higher on MNIST, so the spectrum is cached only when the grid
    repeats). Two savings over the textbook scheme, neither changing what is computed:

    * Z = sum_i sum_j w_ij needs no inverse FFT: it is the inner product of the charge grid
      with its convolution, i.e. sum_k K1hat_k |Qhat_k|^2 / M^2 (Parseval);
    * the FFTs are single precision (their rounding, ~1e-7, is far below the interpolation
      error), and only the non-zero rows are transformed forward and only the needed rows
      backward.

    ``workers`` is scipy's FFT worker count (default: as many as the kernels' threads).
    """

    def __init__(self, P, dof=1.0, n_interpolation_points=3, min_num_intervals=50,
                 ints_in_interval=1.0, workers=None):
        super().__init__(P, dof)
        self.p = int(n_interpolation_points)
        self.min_num_intervals = int(min_num_intervals)
        self.ints_in_interval = float(ints_in_interval)
        self.workers = workers
        n = P.shape[0]
        self._base = np.empty((n, 2), dtype=np.int64)
        self._w = np.empty((n, 2, self.p))
        self._key = None
        # float64 transforms gave the same final KL on MNIST 10k (1.7655 vs 1.7650, measured)
        self._dtype = np.float32

    def _grid(self, Y):
        lo = float(Y.min())
        extent = max(float(Y.max()) - lo, 1e-12)
        n_boxes = max(self.min_num_intervals, int(extent / self.ints_in_interval))
        # a hair of margin so the largest coordinate falls inside the last box
        return lo, extent * (1.0 + 1e-9) / n_boxes, n_boxes

    def _kernel_spectra(self, width, n_boxes):
        key = (width, n_boxes)
        if key != self._key:
            n_nodes = n_boxes * self.p
            size = scipy.fft.next_fast_len(2 * n_nodes - 1, real=True)
            kern = np.empty((2, size, size))
            kernel_grid(n_nodes, size, width / self.p, self.dof, kern)
            spec = scipy.fft.rfft2(kern, workers=self.workers or n_workers())
            h = spec.shape[-1]
            # Parseval weights of the half spectrum: interior columns stand for two
            weights = np.full(h, 2.0)
            weights[0] = 1.0
            if size % 2 == 0:
                weights[-1] = 1.0
            self._z_spec = (spec[0].real * weights) / float(size) ** 2
            cdtype = np.complex64 if self._dtype == np.float32 else np.complex128
            self._k_spec = spec[1].astype(cdtype)
            self._size = size
            self._key = key
        return self._size

    def _repulsion(self, Y, force):
        if Y.shape[1] != 2:
            raise ValueError("The FFT gradient supports n_components=2 only.")
        lo, width, n_boxes = self._grid(Y)
        size = self._kernel_spectra(width, n_boxes)
        n_nodes = n_boxes * self.p
        base, w = self._base, self._w
        over_rows(lambda a, b: interpolation_weights(Y[a:b], lo, width, n_boxes, base[a:b],
                                                     w[a:b]), Y.shape[0])
        charges = np.zeros((3, n_nodes, n_nodes))
        spread_charges(Y, self._base, self._w, charges)
        fft, wk = scipy.fft, self.workers or n_workers()
        spec = fft.rfft(charges.astype(self._dtype), n=size, axis=2, workers=wk)
        spec = fft.fft(spec, n=size, axis=1, workers=wk)
        z = float(np.sum(self._z_spec * (spec[0].real ** 2 + spec[0].imag ** 2)))
        spec *= self._k_spec
        pot = fft.ifft(spec, axis=1, workers=wk)[:, :n_nodes]
        pot = fft.irfft(pot, n=size, axis=2, workers=wk)[:, :, :n_nodes]
        pot = np.ascontiguousarray(pot, dtype=np.float64)
        over_rows(lambda a, b: gather_repulsion(Y[a:b], base[a:b], w[a:b], pot, force[a:b]),
                  Y.shape[0])
        # minus the n self-interactions w_ii = 1 that the grid sum includes
        return z - Y.shape[0]


class TransformGradient:
    """Gradient for new points placed into a fixed reference map.

    Each new point i has its own conditional P row (summing to one) over reference points and
    its own normalisation Z_i = sum_j w_ij over the reference points, so new points never
    interact and transforming a batch equals transforming its rows one at a time. Repulsion
    comes from a Barnes-Hut tree over the fixed reference map (``angle`` = 0: exact).
    """

    def __init__(self, P, Y_ref, dof=1.0, angle=0.5):
        P = sp.csr_matrix(P)
        self.indptr = P.indptr.astype(np.int64)
        self.indices = P.indices.astype(np.int64)
        self.data = P.data.astype(np.float64)
        self.Y_ref = np.ascontiguousarray(Y_ref, dtype=np.float64)
        self.dof = float(dof)
        self.angle = float(angle)
        self._tree = build_bh_tree(self.Y_ref)
        m = P.shape[0]
        self._plogw = np.empty(m)
        self._z = np.empty(m)
        self._force = np.empty((m, self.Y_ref.shape[1]))
        self._plogp = _sum_plogp(self.data)

    def __call__(self, Y, exaggeration, out, compute_kl=False):
        _bh_repulsion(Y, False, self.angle, self.dof, self._tree, self._force, self._z)
        _attraction(Y, self.Y_ref, self.indptr, self.indices, self.data, float(exaggeration),
                    self.dof, bool(compute_kl), out, self._plogw)
        out -= self._force / self._z[:, None]
        out *= 4.0
        if not compute_kl:
            return np.nan
        # mean over new points of each point's own KL(p_i || q_i)
        m = len(self._z)
        return (self._plogp - float(self._plogw.sum()) + float(np.log(self._z).sum())) / m
