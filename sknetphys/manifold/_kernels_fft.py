"""Numba kernels for FFT-accelerated interpolation of t-SNE repulsion (Linderman et al. 2019).

The square bounding box of the 2-D embedding is cut into ``n_boxes`` x ``n_boxes`` boxes with
``p`` x ``p`` equispaced interpolation nodes each. Charges are spread from points onto the
nodes with Lagrange weights, convolved with the kernel on the regular node grid by FFT (the
FFT calls are scipy's, outside numba), and the potentials interpolated back with the same
weights.
"""

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def interpolation_weights(Y, lo, box_width, n_boxes, out_base, out_w):
    """Per point and axis: first grid node of its box (``out_base``) and the p Lagrange weights.

    Nodes sit at (t + 1/2) / p of the box, t = 0..p-1, in box-local units.
    """
    n, d = Y.shape
    p = out_w.shape[2]
    for i in range(n):
        for c in range(d):
            u = (Y[i, c] - lo) / box_width
            b = int(u)
            if b >= n_boxes:
                b = n_boxes - 1
            if b < 0:
                b = 0
            s = (u - b) * p
            out_base[i, c] = b * p
            for t in range(p):
                num = 1.0
                den = 1.0
                for r in range(p):
                    if r != t:
                        num *= s - (r + 0.5)
                        den *= t - r
                out_w[i, c, t] = num / den


@njit(cache=True, nogil=True, error_model="numpy")
def spread_charges(Y, base, w, out_grid):
    """out_grid[0] += 1, out_grid[1 + c] += y_c at each point's nodes (serial: scatter races)."""
    n, d = Y.shape
    p = w.shape[2]
    for i in range(n):
        bx = base[i, 0]
        by = base[i, 1]
        for a in range(p):
            wa = w[i, 0, a]
            for b in range(p):
                wab = wa * w[i, 1, b]
                out_grid[0, bx + a, by + b] += wab
                out_grid[1, bx + a, by + b] += wab * Y[i, 0]
                out_grid[2, bx + a, by + b] += wab * Y[i, 1]


@njit(cache=True, nogil=True, error_model="numpy")
def kernel_grid(n_nodes, size, spacing, dof, out):
    """Circulant embedding of the two kernels on the node offsets, for an FFT of ``size``.

    out[0] = w(r) = (1 + r^2/dof)^-dof (for Z), out[1] = w(r) / (1 + r^2/dof) (for forces),
    at offsets (a, b) * spacing with negative offsets wrapped to the end; the middle of the
    padding (offsets no pair of nodes can have) stays zero.
    """
    for a in range(size):
        ia = a if a < n_nodes else (a - size if a > size - n_nodes else -1)
        for b in range(size):
            ib = b if b < n_nodes else (b - size if b > size - n_nodes else -1)
            if (a >= n_nodes and a <= size - n_nodes) or (b >= n_nodes and b <= size - n_nodes):
                out[0, a, b] = 0.0
                out[1, a, b] = 0.0
                continue
            r2 = (ia * ia + ib * ib) * spacing * spacing
            q = 1.0 / (1.0 + r2 / dof)
            wv = q if dof == 1.0 else q**dof
            out[0, a, b] = wv
            out[1, a, b] = wv * q


@njit(cache=True, nogil=True, error_model="numpy")
def gather_repulsion(Y, base, w, potentials, out_force):
    """Interpolate the three potentials back to each point and form its repulsion.

    potentials[0] = sum_j w_ij q_ij and potentials[1 + c] = sum_j w_ij q_ij y_jc (q_ij =
    1 / (1 + d_ij^2 / dof)), so the force sum_j w_ij q_ij (y_i - y_j) = y_i pot[0] - pot[1:].
    """
    n, d = Y.shape
    p = w.shape[2]
    for i in range(n):
        bx = base[i, 0]
        by = base[i, 1]
        f0 = 0.0
        f1 = 0.0
        f2 = 0.0
        for a in range(p):
            wa = w[i, 0, a]
            for b in range(p):
                wab = wa * w[i, 1, b]
                f0 += wab * potentials[0, bx + a, by + b]
                f1 += wab * potentials[1, bx + a, by + b]
                f2 += wab * potentials[2, bx + a, by + b]
        out_force[i, 0] = Y[i, 0] * f0 - f1
        out_force[i, 1] = Y[i, 1] * f0 - f2
