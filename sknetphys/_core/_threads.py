"""Run an image layer's work on all cores, one contiguous share of images per thread.

The threading policy of the image layers: the batch is cut into chunks of whole images and
the chunks are dealt round-robin to ``n_threads()`` Python threads (the calling thread plus a
persistent pool). Each thread runs the serial numba kernels (``nogil``) and BLAS GEMMs on its
own chunks, with BLAS limited to one thread for the duration, so the cores never hold more
threads than they can run: no numba thread pool, no BLAS threads spinning between calls.
A single chunk runs inline and leaves BLAS its own threads (one GEMM over a small batch).

``SKNETPHYS_NUM_THREADS`` sets the thread count. The default is 1: the layers then run
their chunks inline and BLAS keeps its own threads. On the 2-vCPU machine this project is
measured on (two hyperthreads of one core), two Python threads made the two-stage MNIST net's
training step 1.5x slower than one (70 vs 45 ms, benchmarks/RESULTS.md); on a machine with
real cores, try ``SKNETPHYS_NUM_THREADS`` = the number of cores.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

_N_THREADS = None
_EXECUTOR = None
_BLAS = None


def n_threads():
    """Number of threads the image layers use (fixed at first call)."""
    global _N_THREADS
    if _N_THREADS is None:
        env = os.environ.get("SKNETPHYS_NUM_THREADS")
        _N_THREADS = max(1, int(env)) if env else 1
        if _N_THREADS > 1 and _blas_controller() is None:
            _N_THREADS = 1  # without threadpoolctl we cannot keep BLAS from oversubscribing
    return _N_THREADS


def n_tasks(n, chunk):
    """How many threads ``run_chunks(part, n, chunk)`` uses."""
    return min(n_threads(), -(-n // chunk))


def _blas_controller():
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController().select(user_api="blas")
        except Exception:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _BLAS = False
    return _BLAS or None


def run_chunks(part, n, chunk):
    """Call ``part(t, starts)`` for each thread ``t``, where ``starts`` lists the first
    image of every chunk (of ``chunk`` images, out of ``n``) that thread ``t`` handles."""
    global _EXECUTOR
    starts = list(range(0, n, chunk))
    T = min(n_threads(), len(starts))
    if T == 1:
        part(0, starts)
        return
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(n_threads() - 1, thread_name_prefix="sknetphys")
    blas = _blas_controller()
    with blas.limit(limits=1) if blas is not None else nullcontext():
        futures = [_EXECUTOR.submit(part, t, starts[t::T]) for t in range(1, T)]
        try:
            part(0, starts[0::T])
        finally:
            for fut in futures:
                fut.result()


def split_evenly(n):
    """Chunk size giving every thread one contiguous share of ``n`` images."""
    return max(1, -(-n // n_threads()))
