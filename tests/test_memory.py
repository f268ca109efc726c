"""Inference on large X runs in chunks: predicting 100,000 MNIST-sized rows with the
784-800-10 net costs little memory beyond X and the result.

Measured in a fresh process: the peak of its anonymous resident memory (``RssAnon``, sampled
every millisecond: the arrays, numpy's and numba's and BLAS's buffers; not the pages of
shared libraries, which a process maps in as it runs) minus that before X was made must stay
below 1.5x the bytes of X plus the output; and numpy's own allocations during the prediction
(tracemalloc, which numpy reports to) below a quarter of X. What counts: X itself (float32, as
MNIST loads, 314 MB), the output, and whatever inference allocates; not the interpreter, the
model or the compiled kernels, which exist before X (a warm-up prediction loads them).
"""

import json
import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import json, threading, time, tracemalloc, warnings
import numpy as np
from sknetphys import MLPClassifier

def anon():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("RssAnon"))

peak = [0]
def sample(stop):
    while not stop.is_set():
        peak[0] = max(peak[0], anon())
        time.sleep(0.001)

rng = np.random.default_rng(0)
small = (rng.random((1024, 784)) < 0.19).astype(np.float32)
warnings.simplefilter("ignore")
clf = MLPClassifier((800,), max_iter=1, random_state=0).fit(small, rng.integers(0, 10, 1024))
for _ in range(2):  # replicas, BLAS and the kernels warmed up on small data
    clf.predict_proba(small)
before = peak[0] = anon()
stop = threading.Event()
sampler = threading.Thread(target=sample, args=(stop,))
sampler.start()
X = np.zeros((100_000, 784), dtype=np.float32)
for start in range(0, len(X), 10_000):  # MNIST-like: 19% nonzero, made without temporaries
    block = X[start:start + 10_000]
    block[rng.random(block.shape, dtype=np.float32) < 0.19] = 1.0
tracemalloc.start()
proba = clf.predict_proba(X)
_, traced_peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
stop.set()
sampler.join()
peak[0] = max(peak[0], anon())
print(json.dumps({"growth": peak[0] - before, "traced_peak": traced_peak, "X": X.nbytes,
                  "out": proba.nbytes, "rows": len(proba)}))
"""


def test_predicting_100k_mnist_rows_stays_within_1_5x_of_x_plus_output():
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=root, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    m = json.loads(done.stdout.strip().splitlines()[-1])
    assert m["rows"] == 100_000
    print(m)
    assert m["growth"] < 1.5 * (m["X"] + m["out"]), m
    assert m["traced_peak"] < 0.25 * m["X"], m
