"""Numba kernel for map-quality metrics: ranks of given points in the input space."""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def count_closer(gram, sq_all, row_offset, targets, out_counts):
    """out_counts[r, t] = number of points strictly closer to row r than point targets[r, t].

    Distances are ranked as in the neighbour search, by |y|^2 - 2 x.y from the chunk's
    inner products ``gram``; the row's own point is not counted.
    """
    m, n = gram.shape
    t_count = targets.shape[1]
    thr = np.empty(t_count, dtype=np.float32)
    cnt = np.empty(t_count, dtype=np.int64)
    for r in range(m):
        cnt[:] = 0
        for t in range(t_count):
            j = targets[r, t]
            thr[t] = sq_all[j] - np.float32(2.0) * gram[r, j]
        self_v = sq_all[r + row_offset] - np.float32(2.0) * gram[r, r + row_offset]
        for j in range(n):
            v = sq_all[j] - np.float32(2.0) * gram[r, j]
            for t in range(t_count):
                if v < thr[t]:
                    cnt[t] += 1
        for t in range(t_count):
            c = cnt[t]
            if self_v < thr[t]:
                c -= 1
            out_counts[r, t] = c
