"""How t-SNE uses the cores: each kernel call's rows are dealt to threads, as the networks
deal their batches (``sknetphys._core._threads``).

The kernels themselves are serial and release the GIL. A call over n rows runs as one
contiguous part of the rows per thread, each part's sums in one thread in a fixed order,
so no result depends on the thread count.

Why not numba's ``parallel=True``: its kernels took twice as long to compile (measured one
by one on a fresh cache, parallel against serial: ``bh_repulsion`` 2.47 against 1.34 s,
``exact_normalisation`` 2.10 against 1.10, ``perplexity_search`` 1.94 against 0.93,
``attractive_forces`` 1.48 against 0.77, ``gradient_step`` 1.23 against 0.56), and a fresh
installation's first t-SNE waits for them. With the serial kernels (and two idioms that
cost seconds of compiling replaced by loops, see ``build_tree`` and ``perplexity_search``)
the first map of 300 digits on a fresh cache took 5.2 s instead of 12.7-12.9 (4.5 s of
compiling instead of 11.7-12.1), and 70,000 MNIST points 40.6 s instead of 63.7 (each
OpenMP region had also cost a few ms of waking threads). A hand-off to a thread costs about
0.1 ms here, against a few ms per call from 1,000 points, below which everything runs on
the calling thread anyway.
"""

import threading
from contextlib import contextmanager
from functools import partial

from .._core._threads import n_threads, run_parallel

_LOCAL = threading.local()


def n_workers():
    """Threads for this thread's kernel calls: ``sknetphys._core._threads.n_threads()``,
    or 1 inside ``thread_policy`` for a small problem."""
    return getattr(_LOCAL, "workers", None) or n_threads()


@contextmanager
def thread_policy(n, min_samples):
    """Kernel calls from this thread run on one thread while inside, if ``n`` (the points)
    is below ``min_samples``. A thread-local setting: concurrent calls from other threads
    keep theirs."""
    before = getattr(_LOCAL, "workers", None)
    _LOCAL.workers = 1 if n < min_samples else n_threads()
    try:
        yield
    finally:
        _LOCAL.workers = before


def over_rows(call, n):
    """``call(start, stop)`` over :func:`n_workers` contiguous parts of ``range(n)``, each on
    its own thread (the first part on this one)."""
    parts = max(1, min(n_workers(), n))
    bounds = [n * p // parts for p in range(parts + 1)]
    run_parallel([partial(call, a, b) for a, b in zip(bounds, bounds[1:])])
