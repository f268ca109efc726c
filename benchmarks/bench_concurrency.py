"""Concurrent inference: throughput of 2 threads calling ``predict_proba`` on one fitted
estimator at once, against 1 thread making the same calls one after the other.

    python benchmarks/bench_concurrency.py            # both nets, both request sizes
    python benchmarks/bench_concurrency.py --rounds 1 --rows 2000   # a quick sanity run

The numba kernels release the GIL, so two callers overlap. Each configuration runs in a
fresh process (the thread count is fixed at the first call):

- ``serial calls``: ``SKNETPHYS_NUM_THREADS=1`` and BLAS on one thread, so each call uses
  one core: the speed-up of 2 callers over 1 is what concurrent calls add (ideal: 2.0 on
  2 cores), as in a threaded web server with one request per thread.
- ``default``: the library's defaults, where one call already spreads its chunks over all
  cores: 2 callers should then be about as fast as 1 (no loss from contention).

Nets: the dense 784-800-10 and the lecture's two-stage conv net, on MNIST-sized rows (the
real MNIST test images when ``$SKNETPHYS_DATA`` has them, else random ones: the time does
not depend on the values, apart from the dense input layer's sparse route, which both use).
Requests of 64 rows (a web server) and of 5,000 rows (batch scoring). Reports rows/s and the
speed-up, median of ``--rounds`` rounds alternating 1 and 2 callers.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine  # noqa: E402

CONFIGS = {"serial calls": {"SKNETPHYS_NUM_THREADS": "1", "BLAS": "1"},
           "default": {}}


def _data(rows):
    from sknetphys.datasets import find_mnist_dir, load_mnist

    folder = find_mnist_dir()
    if folder is not None:
        X, y = load_mnist(folder, subset="test", return_X_y=True)
    else:
        rng = np.random.default_rng(0)
        X = (rng.random((10_000, 784)) < 0.19).astype(np.float32) * rng.random(
            (10_000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 10_000)
    reps = -(-rows // len(X))
    return np.tile(X, (reps, 1))[:rows], np.tile(y, reps)[:rows]


def _model(name, X, y):
    from sknetphys import Conv2D, ConvClassifier, Dense, Flatten, MaxPool2D, MLPClassifier

    warnings.simplefilter("ignore")
    if name == "dense 784-800-10":
        est = MLPClassifier((800,), max_iter=1, random_state=0)
    else:
        est = ConvClassifier([Conv2D(16, 5, padding="same"), MaxPool2D(2),
                              Conv2D(32, 5, padding="same"), MaxPool2D(2), Flatten(),
                              Dense(128)], max_iter=1, batch_size=100, random_state=0)
    return est.fit(X[:1000], y[:1000])  # the weights do not matter for the time


def _throughput(est, X, request, callers):
    """Rows per second when ``callers`` threads share the requests covering X."""
    requests = [X[a:a + request] for a in range(0, len(X), request)]
    start = time.perf_counter()
    if callers == 1:
        for r in requests:
            est.predict_proba(r)
    else:
        with ThreadPoolExecutor(callers) as pool:
            list(pool.map(est.predict_proba, requests))
    return len(X) / (time.perf_counter() - start)


def child(args):
    """One configuration, in this (fresh) process: prints a JSON line per measurement."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    limit = threadpool_limits(1, user_api="blas") if os.environ.get("BLAS") else nullcontext()
    X, y = _data(args.rows)
    with limit:
        for net in ("dense 784-800-10", "conv two-stage"):
            est = _model(net, X, y)
            rows = X if net.startswith("dense") else X[: max(args.rows // 10, 500)]
            for request in (64, 5000):
                est.predict_proba(rows[:request])  # warm: replicas and kernels
                rates = {1: [], 2: []}
                for _ in range(args.rounds):
                    for callers in (1, 2):
                        rates[callers].append(_throughput(est, rows, request, callers))
                one, two = (float(np.median(rates[c])) for c in (1, 2))
                print(json.dumps({"net": net, "request": request, "one": one, "two": two}),
                      flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000, help="rows per measurement "
                        "(dense; the conv net gets a tenth)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    print(machine())
    print(f"{'configuration':14s} {'net':18s} {'rows/call':>9s} {'1 thread':>12s} "
          f"{'2 threads':>12s} {'speed-up':>8s}")
    for config, env in CONFIGS.items():
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--rows", str(args.rows), "--rounds",
             str(args.rounds)], env={**os.environ, **env}, capture_output=True, text=True,
            check=True).stdout
        for line in out.splitlines():
            r = json.loads(line)
            print(f"{config:14s} {r['net']:18s} {r['request']:9d} {r['one']:10.0f}/s "
                  f"{r['two']:10.0f}/s {r['two'] / r['one']:7.2f}x")


if __name__ == "__main__":
    main()
