"""Compile sknetphys' numba kernels ahead of use: ``python -m sknetphys.compile``.

numba compiles a kernel the first time it is called with new argument types. Every
sknetphys kernel is ``cache=True``: numba writes the machine code to its cache, and every
later process loads it from there (milliseconds a kernel, where compiling takes 0.1-2 s).
The cache lives in ``__pycache__`` folders beside the installed sources, or under
``$NUMBA_CACHE_DIR`` when that is set. Run this module once when building a container
image, or once on a cluster's shared disk, and no user of that installation waits for
compilation (see the README).

The kernels are compiled by running small workloads (tiny networks of every layer type,
every optimizer and loss, in float32 and float64; t-SNE with every gradient method; the
Ising sampler): numba then compiles exactly the variants that real fits and predictions
use. ``--jobs`` spreads the workloads over processes.

:class:`CompileLog` records which kernels numba compiles and how long each takes, from
numba's compile events (they fire on cache misses only).
"""

import argparse
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from numba.core import event
from numba.core.registry import CPUDispatcher

_PACKAGE = "sknetphys"


@dataclass
class Compilation:
    """One kernel compiled for one signature."""

    kernel: str  # qualified name, e.g. "sknetphys._core.kernels.blas.gemm"
    signature: str
    seconds: float  # its own compilation, with the numba library code it pulled in
    total: float  # wall time of its compile event, the kernels it calls included
    cpu: float  # CPU time of its own compilation (less sensitive to a busy machine)


def _short_type(t):
    return str(t).replace(", aligned=True", "").replace("Array(", "array(")


class CompileLog(event.Listener):
    """Record numba compilations while active (a context manager).

    numba compiles a kernel's callees first, each as a compilation nested in the caller's.
    ``seconds`` of an entry counts the kernel's own work: the kernels it calls have entries
    of their own, while numba's library functions (``np.empty`` and the like) are counted to
    the kernel that needed them.

    Parameters
    ----------
    on_compiled : callable, optional
        Called with each :class:`Compilation` as it finishes.
    on_start : callable, optional
        Called (without arguments) whenever numba starts compiling something: a cache miss.

    Examples
    --------
    >>> import numpy as np
    >>> from numba import njit
    >>> from sknetphys.compile import CompileLog
    >>> @njit
    ... def double(x):
    ...     return 2 * x
    >>> with CompileLog() as log:
    ...     double(np.float32(1.5))
    3.0
    >>> [(c.kernel.rpartition(".")[2], c.signature) for c in log.compilations]
    [('double', '(float32,)')]
    """

    def __init__(self, on_compiled=None, on_start=None):
        self.on_compiled = on_compiled
        self._on_start = on_start
        self.compilations = []
        self._stack = []

    def __enter__(self):
        event.register("numba:compile", self)
        return self

    def __exit__(self, *exc):
        event.unregister("numba:compile", self)

    @property
    def seconds(self):
        """Time spent compiling (nested compilations counted once)."""
        return sum(c.seconds for c in self.compilations)

    def on_start(self, ev):
        # numba holds its global compiler lock around a compile event: one at a time, and
        # in the calling thread (so the thread's CPU time is the compilation's)
        self._stack.append([time.perf_counter(), time.thread_time(), 0.0, 0.0])
        if self._on_start is not None:
            self._on_start()

    def on_end(self, ev):
        start, cpu_start, inner, inner_cpu = self._stack.pop()
        total, cpu = time.perf_counter() - start, time.thread_time() - cpu_start
        func = ev.data["dispatcher"].py_func
        name = f"{func.__module__}.{func.__qualname__}"
        kernel = not name.startswith("numba.") or not self._stack
        if self._stack:
            # a kernel's time leaves its caller; numba's own functions stay with it
            self._stack[-1][2] += total if kernel else inner
            self._stack[-1][3] += cpu if kernel else inner_cpu
        if not kernel:
            return
        args = [_short_type(a) for a in ev.data["args"]]
        signature = f"({', '.join(args)}{',' if len(args) == 1 else ''})"
        entry = Compilation(name, signature, total - inner, total, cpu - inner_cpu)
        self.compilations.append(entry)
        if self.on_compiled is not None:
            self.on_compiled(entry)


def cache_location():
    """Where numba keeps the compiled kernels of this installation (as numba chooses)."""
    from numba.core.config import CACHE_DIR
    from numba.misc.appdirs import AppDirs

    if CACHE_DIR:
        return f"{CACHE_DIR} (NUMBA_CACHE_DIR)"
    here = os.path.dirname(os.path.abspath(__file__))
    if os.access(here, os.W_OK):
        return f"__pycache__ folders under {here}"
    return (f"{AppDirs(appname='numba', appauthor=False).user_cache_dir} (the sources' folder "
            "is read-only)")


def kernel_modules():
    """Import and return every module of the package that holds numba kernels."""
    package = importlib.import_module(_PACKAGE)
    names = [m.name for m in pkgutil.walk_packages(package.__path__, _PACKAGE + ".")
             if "kernels" in m.name]
    return [importlib.import_module(name) for name in names]


def kernels(loaded_only=False):
    """``{qualified name: [signatures]}``: every numba kernel of the package (its kernel
    modules are imported), with the signatures this process has compiled or loaded from the
    cache so far; with ``loaded_only``, only the kernels that have some.

    Functions marked ``inline="always"`` are left out: numba copies them into their callers
    and never compiles them on their own.
    """
    modules = (sys.modules[name] for name in list(sys.modules) if name.startswith(_PACKAGE))
    return {name: [str(sig) for sig in d.overloads]
            for name, d in _dispatchers(modules if loaded_only else kernel_modules()).items()
            if not loaded_only or d.overloads}


def _dispatchers(modules):
    found = {}
    for module in modules:
        for value in vars(module).values():
            if (isinstance(value, CPUDispatcher) and value.py_func.__module__ == module.__name__
                    and value.targetoptions.get("inline") != "always"):
                found[f"{module.__name__}.{value.py_func.__qualname__}"] = value
    return found


def uncovered(used):
    """The package's kernels that neither appear in ``used`` (names, as from
    :func:`kernels`) nor are called by one that does. (A kernel loaded from the cache
    brings the code of the kernels it calls; those are not loaded on their own.)"""
    every = _dispatchers(kernel_modules())
    name_of = {id(d): name for name, d in every.items()}
    covered, todo = set(), [name for name in used if name in every]
    while todo:
        name = todo.pop()
        if name in covered:
            continue
        covered.add(name)
        func = every[name].py_func
        todo += [name_of[id(g)] for g in (func.__globals__.get(n) for n in func.__code__.co_names)
                 if id(g) in name_of]
    return sorted(set(every) - covered)


# --- workloads: small fits that take every path real ones take ----------------------------

def run_layers(specs, input_shape, dtype, kinds, need_dx=None, rows=8, where=None):
    """Run each layer of the network ``specs`` builds on ``input_shape`` whose spec is one
    of ``kinds`` on its own, at its input shape in that network: forward for training and
    for prediction, and backward (asked for the input gradient when the network would ask,
    or as ``need_dx`` says), and with ``where`` only where ``where(layer)`` holds for the
    built layer (``lambda layer: layer.winograd``, say). Its kernels are then compiled (or
    loaded) without the rest of the network's, so that processes can share out one
    network's kernels."""
    from ._core.network import Network

    rng = np.random.default_rng(0)
    net = Network(specs, input_shape, dtype)
    for spec, layer, dx in zip(specs, net.layers, net._need_dx):
        if isinstance(spec, kinds) and (where is None or where(layer)):
            alone = Network([spec], layer.input_shape, dtype)
            alone.init_params(rng)
            x = rng.random((rows,) + layer.input_shape).astype(dtype)
            y = alone.forward(x, training=True, rng=rng)
            alone.layers[0].backward(np.ones_like(y), dx if need_dx is None else need_dx)
            alone.predict(x)


def _quiet():
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)


def _dense(dtype):
    from ._core.losses import SigmoidSquaredLoss, SoftmaxSquaredLoss
    from .layers import SaltPepperNoise
    from .neural_network import Autoencoder, MLPClassifier, MLPRegressor
    from .optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop

    _quiet()
    rng = np.random.default_rng(0)
    X = rng.random((64, 12)).astype(dtype)
    X_sparse = X * (rng.random(X.shape) < 0.1)  # the input layer's sparse route
    y = np.arange(64) % 3
    Y = rng.random((64, 2)) < 0.5  # multilabel: sigmoid outputs
    common = dict(max_iter=1, batch_size=32, dtype=dtype, random_state=0)
    for optimizer in (Adam(), SGD(momentum=0.9), SGD(momentum=0.0), Adagrad(), RMSprop(),
                      Adadelta()):
        for data in (X, X_sparse):
            MLPClassifier((8,), optimizer=optimizer, **common).fit(data, y).predict_proba(data)
    MLPClassifier((8,), dropout=0.2, **common).fit(X, Y).predict_proba(X)
    for loss in ("squared_error", "poisson"):
        MLPRegressor((8,), loss=loss, **common).fit(X, X[:, 0]).predict(X)
    for noise in ("gaussian", "masking", "salt_pepper"):  # denoising; a sparse code layer
        Autoencoder((4,), code_activation="logistic", noise=noise, sparsity_weight=0.1,
                    **common).fit(X).transform(X)
    run_layers([SaltPepperNoise()], X.shape[1:], dtype, SaltPepperNoise, need_dx=True)
    z, t = X[:, :3].copy(), np.eye(3, dtype=dtype)[y]
    for loss in (SigmoidSquaredLoss(), SoftmaxSquaredLoss()):
        loss(z, t, np.empty_like(z))


def _conv(dtype):
    from .layers import (
        AvgPool2D,
        Conv2D,
        Dense,
        Dropout,
        Flatten,
        MaxPool2D,
        RandomShiftRotate,
        UpSampling2D,
    )
    from .neural_network import ConvClassifier, ConvRegressor

    _quiet()
    rng = np.random.default_rng(0)
    X = rng.random((16, 8, 8, 1)).astype(dtype)
    y = np.arange(16) % 2
    stacks = [
        # one input channel: the transposed im2col layout, planar (<= 8 filters) or not
        [Conv2D(4, 3, padding="same"), Conv2D(12, 3), Flatten()],
        # many channels: Winograd (stride 1, 3 or 5 wide), im2col rows (stride 2), 1x1;
        # one filter: the direct convolution
        [Conv2D(12, 3, padding="same"), Conv2D(12, 3, padding="same"),
         Conv2D(12, 3, strides=2, padding="same"), MaxPool2D(2), Conv2D(4, 1), AvgPool2D(2),
         UpSampling2D(2), Conv2D(1, 3, padding="same"), Flatten(), Dropout(0.2), Dense(4)],
    ]
    for layers in stacks:
        ConvClassifier(layers, input_shape=(8, 8, 1), max_iter=1, batch_size=8, dtype=dtype,
                       random_state=0).fit(X, y).predict_proba(X)
    ConvRegressor([RandomShiftRotate(), Conv2D(4, 3), Flatten()], input_shape=(8, 8, 1),
                  max_iter=1, batch_size=8, dtype=dtype, random_state=0).fit(X, X[:, 0, 0, 0])


def _tsne():
    from .manifold import TSNEEmbedding
    from .manifold._affinity import joint_probabilities_knn
    from .manifold._metrics import kl_divergence, knn_accuracy, trustworthiness

    rng = np.random.default_rng(0)
    X = rng.random((120, 5))
    for method in ("exact", "barnes_hut", "fft"):
        est = TSNEEmbedding(method=method, perplexity=10, max_iter=260, random_state=0)
        Y = est.fit_transform(X)
        est.transform(X[:3] + 0.01)
    knn_accuracy(Y, np.arange(120) % 3, 5)
    trustworthiness(X, [Y], 5)
    kl_divergence(joint_probabilities_knn(X, 10.0), Y)


def _datasets():
    from .datasets import make_ising

    for method in ("wolff", "metropolis"):
        make_ising(L=4, temperatures=[2.0], n_per_temperature=2, random_state=0, method=method)


TASKS = {
    "datasets": _datasets,
    "dense-float32": lambda: _dense(np.float32),
    "dense-float64": lambda: _dense(np.float64),
    "conv-float32": lambda: _conv(np.float32),
    "conv-float64": lambda: _conv(np.float64),
    "tsne": _tsne,
}
# Rough compile seconds of each on a fresh cache (2-core machine), to share them out between
# processes.
_COST = {"datasets": 5, "dense-float32": 15, "dense-float64": 15, "conv-float32": 25,
         "conv-float64": 25, "tsne": 11}


def _resolve(task):
    """A task name of TASKS, or ``"module:function"`` (a function without arguments)."""
    if task in TASKS:
        return TASKS[task]
    module, _, function = task.partition(":")
    return getattr(importlib.import_module(module), function)


# --- running tasks, in this process and in workers ---------------------------------------

@dataclass
class Summary:
    """What running some tasks compiled."""

    compilations: list  # of Compilation, from every process
    wall: float  # seconds
    processes: int
    kernels: dict  # {kernel: [signatures]} compiled or loaded, over all processes

    @property
    def seconds(self):
        return sum(c.seconds for c in self.compilations)

    @property
    def cpu(self):
        return sum(c.cpu for c in self.compilations)


def _share(tasks, jobs):
    """Tasks into ``jobs`` lists of about equal cost, the costliest first."""
    bins = [[] for _ in range(jobs)]
    loads = [0.0] * jobs
    for task in sorted(tasks, key=lambda t: -_COST.get(t, 5)):
        i = loads.index(min(loads))
        bins[i].append(task)
        loads[i] += _COST.get(task, 5)
    return [b for b in bins if b] or [[]]


class Workers:
    """Worker processes, each running a share of tasks (``python -m sknetphys.compile
    --worker``) and compiling into the same cache as this process."""

    def __init__(self, shares, quiet=True):
        env = dict(os.environ)
        # the workers import this very package, wherever it came from
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
        self._folder = tempfile.mkdtemp(prefix="sknetphys-compile-")
        self._running = []
        for i, share in enumerate(shares):
            report = os.path.join(self._folder, f"{i}.json")
            cmd = [sys.executable, "-m", f"{_PACKAGE}.compile", "--worker", report, *share]
            proc = subprocess.Popen(cmd + (["--quiet"] if quiet else []), env=env,
                                    stdout=subprocess.DEVNULL if quiet else None)
            self._running.append((proc, share, report))

    def __len__(self):
        return len(self._running)

    def wait(self):
        """``(compilations, kernels)`` the workers report once they are done; raises if one
        failed."""
        compilations, found = [], {}
        for proc, share, report in self._running:
            if proc.wait() != 0:
                raise RuntimeError(f"compiling {', '.join(share)} failed "
                                   f"(exit {proc.returncode})")
            with open(report) as f:
                data = json.load(f)
            os.remove(report)
            compilations += [Compilation(**c) for c in data["compilations"]]
            for name, sigs in data["kernels"].items():
                found[name] = sorted(set(found.get(name, [])) | set(sigs))
        os.rmdir(self._folder)
        return compilations, found


def run_tasks(shares, on_compiled=None, lazy_workers=False, then=()):
    """Run the tasks (names of :data:`TASKS` or ``"module:function"``) of ``shares[0]`` in
    this process and each further share in a worker process, all filling one cache; then run
    the tasks of ``then`` here. Returns a :class:`Summary`.

    With ``lazy_workers`` the workers start only once this process meets a kernel that is
    not in the cache (a warm cache costs no process starts); if they never start, their
    shares run here. ``then`` serves a process that needs every kernel in memory before it
    times anything: run after the workers, its tasks load what they compiled; it skips the
    tasks that already ran here (their kernels are in memory).
    """
    start = time.perf_counter()
    mine, others = shares[0], [share for share in shares[1:] if share]
    workers, theirs_here = [], []

    def spawn():
        if others and not workers and not theirs_here:
            workers.append(Workers(others, quiet=on_compiled is None))

    if not lazy_workers:
        spawn()
    with CompileLog(on_compiled, on_start=spawn if lazy_workers else None) as log:
        for task in mine:
            _resolve(task)()
        if not workers:  # the cache had all of mine: theirs run here too
            theirs_here += [task for share in others for task in share]
            for task in theirs_here:
                _resolve(task)()
    compilations, found = workers[0].wait() if workers else ([], {})
    with CompileLog(on_compiled) as late:
        for task in then:
            if task not in mine + theirs_here:
                _resolve(task)()
    compilations = log.compilations + compilations + late.compilations
    for name, sigs in kernels(loaded_only=True).items():
        found[name] = sorted(set(found.get(name, [])) | set(sigs))
    return Summary(compilations, time.perf_counter() - start, 1 + len(others) * bool(workers),
                   found)


def _print_compilation(prefix=""):
    def show(c):
        print(f"{prefix}  {c.seconds:5.2f} s  {c.kernel.rpartition('.')[2]}{c.signature}",
              flush=True)
    return show


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=f"python -m {_PACKAGE}.compile",
        description="Compile sknetphys' numba kernels into numba's cache, ahead of use.")
    parser.add_argument("tasks", nargs="*", metavar="TASK",
                        help=f"what to compile (default: all): {', '.join(TASKS)}; or "
                             "module:function, a function of yours without arguments that "
                             "runs your workload on a few rows")
    parser.add_argument("--jobs", "-j", type=int, default=1,
                        help="processes to compile in (default 1)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no line per kernel")
    parser.add_argument("--worker", metavar="REPORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    tasks = args.tasks or list(TASKS)
    if args.worker:  # a worker of run_tasks: compile, then say what
        with CompileLog(None if args.quiet else _print_compilation()) as log:
            for task in tasks:
                _resolve(task)()
        with open(args.worker, "w") as f:
            json.dump({"compilations": [asdict(c) for c in log.compilations],
                       "kernels": kernels(loaded_only=True)}, f)
        return 0
    unknown = [t for t in tasks if t not in TASKS and ":" not in t]
    if unknown:
        parser.error(f"unknown task {', '.join(unknown)}; choose from {', '.join(TASKS)}, "
                     "or name a function of yours as module:function")
    print(f"Compiling sknetphys' numba kernels ({', '.join(tasks)}) into "
          f"{cache_location()}", flush=True)
    summary = run_tasks(_share(tasks, max(1, args.jobs)),
                        None if args.quiet else _print_compilation())
    print(f"{len(summary.compilations)} kernel variants compiled ({summary.seconds:.1f} s of "
          f"compiling) in {summary.wall:.1f} s on {summary.processes} process(es); the rest "
          "were in the cache already.")
    if not args.tasks:
        missed = uncovered(summary.kernels)
        if missed:
            print("No task uses these kernels (not compiled): " + ", ".join(missed))
            return 1
        print(f"Every kernel of {_PACKAGE} is in the cache ({len(kernels())} kernels).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
