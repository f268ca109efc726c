"""Concurrency and determinism, for every estimator.

- Inference on one fitted estimator from several threads at once gives, bit for bit, what
  the same calls give one after the other: every public inference method, float32 and
  float64 data, small and large X (many chunks), all methods at once.
- Training two estimators from two threads at once gives the weights of training them one
  after the other (dense and conv nets; the autoencoders, with their noise, sparsity and
  greedy pretraining).
- The same random_state gives bit-identical weights and outputs in this process and in
  fresh ones (the thread count fixed), and a different random_state other weights.
"""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from sknetphys._core._threads import n_threads
from tests._estimators import BY_NAME, CASES, NETWORKS, fingerprint, ids

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fitted():
    out = {}
    for case in CASES:
        X, y = case.data()
        out[case.name] = case.fit(case.make(), X, y)
    return out


@pytest.fixture
def small_chunks(monkeypatch):
    """Image networks predict in chunks of 32 images (the floor), not of thousands of these
    small ones: many chunks for the threads to share."""
    from sknetphys._core import network

    monkeypatch.setattr(network, "_PASS_BYTES", 0)
    yield


def _inputs(case, dtype, n):
    """n rows of the case's data (repeated, jittered) in ``dtype``; for n = 1000, more than
    one chunk of inference (256 rows for dense nets, 32 images)."""
    X, y = case.data()
    reps = -(-n // len(X))
    X = np.tile(X, (reps, 1))[:n]
    X = X + np.random.default_rng(1).normal(scale=0.01, size=X.shape)
    y = None if y is None else np.tile(y, reps)[:n]
    return X.astype(dtype), y


@pytest.mark.parametrize("n", [5, 1000])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_concurrent_inference_equals_sequential_bit_for_bit(case, dtype, n, fitted,
                                                            small_chunks):
    est = fitted[case.name]
    if case.images:
        est._net.pass_rows = 32  # fitted before the fixture: chunks of 32 here too
    X, y = _inputs(case, dtype, n if case.network else min(n, 200))  # t-SNE: slow
    expected = case.outputs(est, X, y)
    calls = [name for name in case.methods for _ in range(3)]  # every method, mixed
    with ThreadPoolExecutor(4) as pool:
        for _ in range(2):
            futures = [pool.submit(case.call, est, name, X, y) for name in calls]
            for name, future in zip(calls, futures):
                np.testing.assert_array_equal(future.result(), expected[name], err_msg=name)


@pytest.mark.parametrize("names", [("MLPClassifier", "ConvClassifier"),
                                   ("Autoencoder", "ConvAutoencoder")], ids="-".join)
def test_two_estimators_trained_in_two_threads_match_one_after_the_other(names):
    pair = [BY_NAME[name] for name in names]

    def train(case):
        X, y = case.data()
        return case.fit(case.make(max_iter=4), X, y)._net.params.copy()

    sequential = [train(case) for case in pair]
    with ThreadPoolExecutor(2) as pool:
        for _ in range(2):
            together = list(pool.map(train, pair))
            for a, b in zip(together, sequential):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", NETWORKS, ids=ids(NETWORKS))
def test_random_state_decides_the_weights(case):
    X, y = case.data()
    a, b, c = (case.fit(case.make(random_state=seed), X, y) for seed in (3, 3, 4))
    np.testing.assert_array_equal(a._net.params, b._net.params)
    assert not np.allclose(a._net.params, c._net.params)  # the seed is used


_FINGERPRINTS = """
import json, warnings
from tests._estimators import CASES, fingerprint
warnings.simplefilter("ignore")
print(json.dumps({case.name: fingerprint(case) for case in CASES}))
"""


def _fingerprints(threads):
    env = {**os.environ, "SKNETPHYS_NUM_THREADS": str(threads)}
    done = subprocess.run([sys.executable, "-c", _FINGERPRINTS], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_same_random_state_same_results_across_fresh_processes():
    """With the thread count fixed, two fresh processes and this one agree bit for bit."""
    here = {case.name: fingerprint(case) for case in CASES}
    first, second = _fingerprints(n_threads()), _fingerprints(n_threads())
    assert first == second == here


def test_predictions_do_not_depend_on_the_thread_count(monkeypatch, small_chunks):
    from sknetphys import Conv2D, ConvClassifier, Dropout, Flatten, MaxPool2D
    from sknetphys._core import _threads

    rng = np.random.default_rng(0)
    X = rng.random((300, 12, 12, 1)).astype(np.float32)
    clf = ConvClassifier([Conv2D(4, 3, padding="same"), MaxPool2D(2), Flatten(), Dropout(0.3)],
                         batch_size=100, max_iter=1, random_state=0).fit(X, rng.integers(0, 3, 300))
    results = []
    for threads in (1, 2, 3):
        monkeypatch.setattr(_threads, "_N_THREADS", threads)
        results.append(clf.predict_proba(X))
    for result in results[1:]:
        np.testing.assert_array_equal(result, results[0])
