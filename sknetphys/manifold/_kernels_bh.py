"""Numba kernels for Barnes-Hut t-SNE repulsion: a 2^d-tree (d = 1, 2, 3) over array storage.

The tree is a struct of arrays -- box centre, half width, centre of mass, point count, child
node ids (-1: none) and, for leaves, one point id (-1 for internal nodes). Nodes are created
lazily, so near-duplicate points make chains rather than empty siblings; below ``max_depth``
coincident points are merged into one leaf instead of splitting forever.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def _child_slot(y, centre):
    slot = 0
    for c in range(y.shape[0]):
        if y[c] > centre[c]:
            slot |= 1 << c
    return slot


@njit(cache=True, nogil=True, error_model="numpy")
def build_tree(Y, max_depth, centre, half, com, count, child, leaf, depth):
    """Insert the rows of Y one by one; returns the node count, or -1 if the arrays are full."""
    n, d = Y.shape
    cap = centre.shape[0]
    n_slots = child.shape[1]
    width = 0.0
    # plain loops, not Y[:, c].min() or child[0, :] = -1: numba's generic reductions and
    # slice assignments cost more to compile than the rest of the kernel (1.6 s in all)
    for c in range(d):
        lo = Y[0, c]
        hi = Y[0, c]
        for i in range(1, n):
            lo = min(lo, Y[i, c])
            hi = max(hi, Y[i, c])
        centre[0, c] = 0.5 * (lo + hi)
        width = max(width, hi - lo)
        com[0, c] = 0.0
    # slightly larger than the data so that the extreme points fall strictly inside
    half[0] = 0.5 * width * (1.0 + 1e-6) + 1e-12
    count[0] = 0
    for s in range(n_slots):
        child[0, s] = -1
    leaf[0] = -1
    depth[0] = 0
    n_nodes = 1
    for i in range(n):
        node = 0
        while True:
            cnt = count[node]
            for c in range(d):
                com[node, c] += (Y[i, c] - com[node, c]) / (cnt + 1)
            count[node] = cnt + 1
            if cnt == 0:  # empty root
                leaf[node] = i
                break
            if leaf[node] >= 0:
                if depth[node] >= max_depth:
                    break  # merge a (near-)duplicate into this leaf
                # split: push the current occupant one level down
                if n_nodes == cap:
                    return -1
                q = leaf[node]
                leaf[node] = -1
                slot = _child_slot(Y[q], centre[node])
                new = n_nodes
                n_nodes += 1
                h = 0.5 * half[node]
                for c in range(d):
                    sign = 1.0 if (slot >> c) & 1 else -1.0
                    centre[new, c] = centre[node, c] + sign * h
                    com[new, c] = Y[q, c]
                half[new] = h
                count[new] = cnt
                for s in range(n_slots):
                    child[new, s] = -1
                leaf[new] = q
                depth[new] = depth[node] + 1
                child[node, slot] = new
            slot = _child_slot(Y[i], centre[node])
            nxt = child[node, slot]
            if nxt < 0:
                if n_nodes == cap:
                    return -1
                new = n_nodes
                n_nodes += 1
                h = 0.5 * half[node]
                for c in range(d):
                    sign = 1.0 if (slot >> c) & 1 else -1.0
                    centre[new, c] = centre[node, c] + sign * h
                    com[new, c] = Y[i, c]
                half[new] = h
                count[new] = 1
                for s in range(n_slots):
                    child[new, s] = -1
                leaf[new] = i
                depth[new] = depth[node] + 1
                child[node, slot] = new
                break
            node = nxt
    return n_nodes


@njit(cache=True, nogil=True, error_model="numpy")
def bh_repulsion(Yq, start, stop, skip_self, max_depth, angle, dof, centre, half, com, count,
                 child, leaf, out_force, out_z):
    """Repulsion of the tree's points on the query points ``Yq[start:stop]``, summarised
    per node.

    out_force[i] = sum_j w_ij (y_i - y_j) / (1 + d_ij^2 / dof) and out_z[i] = sum_j w_ij,
    where a node whose box width / distance < ``angle`` stands in for all its points at
    their centre of mass. With ``skip_self`` query i is tree point i and is left out.
    """
    d = Yq.shape[1]
    n_slots = child.shape[1]
    theta2 = angle * angle
    stack = np.empty(max_depth * n_slots + n_slots + 1, dtype=np.int64)
    for i in range(start, stop):
        y0 = Yq[i, 0]
        y1 = Yq[i, 1] if d > 1 else 0.0
        y2 = Yq[i, 2] if d > 2 else 0.0
        # scalar accumulators (d <= 3) stay in registers
        z = 0.0
        f0 = 0.0
        f1 = 0.0
        f2 = 0.0
        stack[0] = 0
        sp = 1
        while sp > 0:
            sp -= 1
            node = stack[sp]
            cnt = count[node]
            if cnt == 0:
                continue
            e0 = y0 - com[node, 0]
            e1 = y1 - com[node, 1] if d > 1 else 0.0
            e2 = y2 - com[node, 2] if d > 2 else 0.0
            d2 = e0 * e0 + e1 * e1 + e2 * e2
            width = 2.0 * half[node]
            is_leaf = leaf[node] >= 0
            if is_leaf or width * width < theta2 * d2:
                m = float(cnt)
                if skip_self and is_leaf:
                    if leaf[node] == i:
                        m -= 1.0
                    elif cnt > 1:
                        # merged duplicates: i is among them if it lies in the box
                        inside = True
                        for c in range(d):
                            if abs(Yq[i, c] - centre[node, c]) > half[node]:
                                inside = False
                        if inside:
                            m -= 1.0
                if m <= 0.0:
                    continue
                q = 1.0 / (1.0 + d2 / dof)
                w = q if dof == 1.0 else q**dof
                z += m * w
                coef = m * w * q
                f0 += coef * e0
                f1 += coef * e1
                f2 += coef * e2
            else:
                for s in range(n_slots):
                    if child[node, s] >= 0:
                        stack[sp] = child[node, s]
                        sp += 1
        out_force[i, 0] = f0
        if d > 1:
            out_force[i, 1] = f1
        if d > 2:
            out_force[i, 2] = f2
        out_z[i] = z
