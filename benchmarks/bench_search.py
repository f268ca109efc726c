"""Process-parallel grid search: ``GridSearchCV(n_jobs=2)`` against ``n_jobs=1``, and what a
fresh worker process pays before its first fit.

    python benchmarks/bench_search.py             # both parts
    python benchmarks/bench_search.py --parts search

1. search: a small MLP grid on digits (hidden_layer_sizes (32,), (64,) x Adam learning rate
   1e-3, 1e-2; 3-fold cv, max_iter=30: 12 fits), each setting in a fresh process whose own
   kernels are warm (a user who has fitted once): the first search (joblib starts its
   workers) and a second one in the same process (joblib reuses them). Reports wall times
   and the mean fit time that ``cv_results_`` records (inside the workers).
2. start-up: a fresh process with a warm numba cache, in the parts a worker pays: importing
   numpy, scikit-learn (``sklearn.base``), sknetphys, and the first fit of a dense net
   (kernels loaded from the cache). Median of ``--repeats`` processes.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import machine  # noqa: E402

_SEARCH = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sknetphys import MLPClassifier
from sknetphys.optimizers import Adam
X, y = load_digits(return_X_y=True)
X = X / 16
MLPClassifier((8,), max_iter=1).fit(X[:100], y[:100]).predict(X[:10])  # this process warm
grid = {"hidden_layer_sizes": [(32,), (64,)], "optimizer__learning_rate": [1e-3, 1e-2]}
search = GridSearchCV(MLPClassifier(optimizer=Adam(), max_iter=30, random_state=0), grid,
                      cv=3, n_jobs=int(sys.argv[1]))
times = []
for _ in range(2):
    t = time.perf_counter()
    search.fit(X, y)
    times.append(time.perf_counter() - t)
print(json.dumps({"first": times[0], "second": times[1],
                  "fit": float(search.cv_results_["mean_fit_time"].mean())}))
"""

_STARTUP = """
import json, time
t0 = time.perf_counter()
import numpy
t1 = time.perf_counter()
import sklearn.base
t2 = time.perf_counter()
import sknetphys
from sknetphys import MLPClassifier
t3 = time.perf_counter()
import warnings
warnings.simplefilter("ignore")
X = numpy.random.default_rng(0).random((200, 64))
MLPClassifier((32,), max_iter=1).fit(X, numpy.arange(200) % 10).predict(X)
t4 = time.perf_counter()
print(json.dumps({"numpy": t1 - t0, "scikit-learn": t2 - t1, "sknetphys": t3 - t2,
                  "first fit": t4 - t3}))
"""


def _run(code, *args):
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def search(args):
    print("\n1. GridSearchCV, 12 fits of a digits MLP (wall seconds)")
    print(f"{'n_jobs':>6s} {'first search':>13s} {'second search':>14s} {'mean fit':>9s}")
    for n_jobs in (1, 2):
        r = _run(_SEARCH, str(n_jobs))
        print(f"{n_jobs:6d} {r['first']:13.2f} {r['second']:14.2f} {r['fit']:9.3f}")


def startup(args):
    runs = [_run(_STARTUP) for _ in range(args.repeats)]
    print(f"\n2. A fresh process (warm numba cache), median of {args.repeats} (seconds)")
    for part in runs[0]:
        print(f"  {part:12s} {np.median([r[part] for r in runs]):6.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=["search", "startup"],
                        choices=["search", "startup"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    for part in args.parts:
        {"search": search, "startup": startup}[part](args)


if __name__ == "__main__":
    main()
