"""Data parallelism: a batch's parts run on all cores, one network replica per thread.

The layers themselves run on one thread (their numba kernels are serial; BLAS brings its own
threads). Image networks go further: ``Network.train_batch`` and ``predict`` deal a
batch's cache-sized parts to ``n_threads()`` Python threads, each with a replica of the
network that shares its parameters, and limit BLAS to one thread meanwhile. The numba
kernels release the GIL (``nogil=True``), so the threads run in parallel.

Measured on this project's 2-vCPU machine (MNIST, batch 100 in 4 parts of 25; against one
thread with BLAS on both cores): the two-stage conv net's training step 38.3 -> 31.4 ms and
the simple net's 7.2 -> 6.4 ms (medians), where threads over the images inside each layer
had been 1.5x slower than one thread: a part keeps its activations in one core's cache from
layer to layer, and the threads synchronise once per batch instead of once per layer.

``SKNETPHYS_NUM_THREADS`` sets the thread count. The default is ``OMP_NUM_THREADS`` where
it is set (capped at the CPUs): joblib's process workers and Dask's workers set it to their
share of the cores, so a process-parallel search does not run every worker on every core.
Else it is the number of CPUs this process may run on.
"""

import ctypes
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager

_N_THREADS = None
_EXECUTOR = None
_BLAS = None
_LIMIT_LOCK = threading.Lock()
_LIMIT = {"depth": 0, "restore": None}


def n_threads():
    """Number of threads for data-parallel passes (fixed at first call)."""
    global _N_THREADS
    if _N_THREADS is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not on Linux
            cpus = os.cpu_count() or 1
        env = os.environ.get("SKNETPHYS_NUM_THREADS")
        # OMP_NUM_THREADS is each worker's share of the cores where joblib's process
        # workers (GridSearchCV(n_jobs=...)) and Dask's nanny-started workers set it
        omp = os.environ.get("OMP_NUM_THREADS", "")
        if env:
            _N_THREADS = max(1, int(env))
        elif omp.isdigit() and int(omp) > 0:
            _N_THREADS = min(cpus, int(omp))
        else:
            _N_THREADS = cpus
        if _N_THREADS > 1 and _blas_controller() is None:
            _N_THREADS = 1  # without threadpoolctl we cannot keep BLAS from oversubscribing
    return _N_THREADS


def _blas_controller():
    """What limits BLAS's threads: for each BLAS a pair of its own (get, set) functions
    when they act process-wide (OpenBLAS on pthreads, numpy's), else threadpoolctl's
    controller; None without threadpoolctl.

    Not threadpoolctl's ``limit`` for pthreads OpenBLAS: threadpoolctl (3.8) lets only the
    first thread that sets its thread count change it, and "other threads silently do
    nothing". A limit taken from any other thread (a web server's, a Dask worker's, the
    caller of a second concurrent prediction) then did nothing, and two threads each
    running 2-thread BLAS on 2 cores made a conv net's prediction from a worker thread
    6-15x slower (measured: 97-257 ms against 13-20 ms from the main thread)."""
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            controller = ThreadpoolController().select(user_api="blas")
        except Exception:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _BLAS = False
        else:
            direct = [_openblas_functions(lib) for lib in controller.lib_controllers]
            _BLAS = direct if direct and all(direct) else controller
    return _BLAS or None


def _openblas_functions(lib):
    """(get, set) of a pthreads OpenBLAS's thread count, or None for any other BLAS."""
    if lib.internal_api != "openblas" or getattr(lib, "threading_layer", None) != "pthreads":
        return None
    dll = ctypes.CDLL(lib.filepath)  # already loaded: the same library
    for prefix, suffix in itertools.product(("", "scipy_"), ("", "64_", "_64")):
        get = getattr(dll, f"{prefix}openblas_get_num_threads{suffix}", None)
        set_ = getattr(dll, f"{prefix}openblas_set_num_threads{suffix}", None)
        if get is not None and set_ is not None:
            return get, set_
    return None


def _limit_blas(blas):
    """Put BLAS on one thread; return the function that restores it."""
    if isinstance(blas, list):
        saved = [get() for get, _ in blas]
        for _, set_ in blas:
            set_(1)
        return lambda: [set_(n) for (_, set_), n in zip(blas, saved)]
    return blas.limit(limits=1).restore_original_limits


@contextmanager
def single_threaded_blas():
    """BLAS on one thread while any caller is inside (nestable, and safe when several
    threads enter and leave in any order: the last one out restores BLAS's setting)."""
    blas = _blas_controller()
    if blas is None:
        yield
        return
    with _LIMIT_LOCK:
        if _LIMIT["depth"] == 0:
            _LIMIT["restore"] = _limit_blas(blas)
        _LIMIT["depth"] += 1
    try:
        yield
    finally:
        with _LIMIT_LOCK:
            _LIMIT["depth"] -= 1
            if _LIMIT["depth"] == 0:
                _LIMIT["restore"]()
                _LIMIT["restore"] = None


def run_parallel(tasks):
    """Call every function in ``tasks`` (no arguments), each on its own thread (the first
    on this one), with BLAS limited to one thread; return their results in order."""
    global _EXECUTOR
    if len(tasks) == 1:
        return [tasks[0]()]
    with _LIMIT_LOCK:  # two callers must not both replace the executor
        if _EXECUTOR is None or _EXECUTOR._max_workers < len(tasks) - 1:
            _EXECUTOR = ThreadPoolExecutor(max(len(tasks), n_threads()) - 1,
                                           thread_name_prefix="sknetphys")
        executor = _EXECUTOR
    with single_threaded_blas():
        futures = [executor.submit(task) for task in tasks[1:]]
        try:
            first = tasks[0]()
        finally:
            _wait_through_ctrl_c(futures)
    return [first] + [fut.result() for fut in futures]


def _wait_through_ctrl_c(futures):
    """Wait until every future is done, even when Ctrl-C (which only the main thread sees)
    arrives meanwhile; then re-raise it. A worker left running would go on using its
    network replica, the very one the next batch or fit hands out again."""
    interrupted = False
    while True:
        try:
            wait(futures)
            break
        except KeyboardInterrupt:
            interrupted = True
    if interrupted:
        raise KeyboardInterrupt
