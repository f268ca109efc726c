"""Ctrl-C during fit, for every network estimator: training stops within a batch or two,
keeps the best weights so far, warns, and leaves an estimator that predicts and trains on.

The interrupt comes from another thread once training has made a given number of optimizer
steps (not after a fixed delay, which a loaded machine would turn into a different epoch),
either as ``_thread.interrupt_main()`` or as a real SIGINT sent to the main thread, which
Ctrl-C in a terminal is.
"""

import _thread
import pickle
import signal
import sys
import threading
import time

import numpy as np
import pytest

from sknetphys import Conv2D, ConvClassifier, ConvRegressor, Flatten, MaxPool2D
from tests._estimators import NETWORKS

BATCH = 80
N = 1600
STEPS = N // BATCH  # an epoch


def _interrupt_when(est, steps, how):
    """Start a thread that interrupts the main thread once ``est`` has made ``steps``
    optimizer steps; returns the thread and a dict that receives the step count seen."""
    seen = {}

    def watch():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = est.__dict__.get("_opt_state")
            if state is not None and state["t"] >= steps:
                seen["t"] = state["t"]
                if how == "sigint":
                    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
                else:
                    _thread.interrupt_main()
                return
            time.sleep(0.0005)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread, seen


def _image_case(cls):
    """A conv net on 28x28 images whose batches train in parallel parts on two threads."""
    rng = np.random.default_rng(0)
    X = rng.random((N, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 3, N) if cls is ConvClassifier else X.mean(axis=(1, 2, 3))
    est = cls([Conv2D(8, 5, padding="same"), MaxPool2D(2), Flatten()], batch_size=BATCH,
              random_state=0)
    return est, X, y


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CASES = [(case.name, case) for case in NETWORKS] + [
    ("ConvClassifier-parallel", ConvClassifier), ("ConvRegressor-parallel", ConvRegressor)]


@pytest.mark.parametrize("how", ["interrupt_main", "sigint"])
@pytest.mark.parametrize("name, case", CASES, ids=[name for name, _ in CASES])
def test_ctrl_c_stops_fit_keeps_the_best_weights_and_warns(name, case, how, monkeypatch):
    from sknetphys._core import _threads

    if name.endswith("parallel"):
        monkeypatch.setattr(_threads, "_N_THREADS", 2)  # even on one core
        est, X, y = _image_case(case)
    else:
        est = case.make(batch_size=BATCH)
        X, y = case.data(N)
    # never converges on its own within the test: tol=0 and patience beyond max_iter
    est.set_params(max_iter=100, tol=0.0, n_iter_no_change=1000)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # the watcher gets its turn soon after each step
    watcher, seen = _interrupt_when(est, 2 * STEPS + STEPS // 4, how)  # early in epoch 3
    try:
        with pytest.warns(UserWarning, match=r"interrupted \(KeyboardInterrupt\) after 2 epochs"):
            est.fit(X, y)
        watcher.join()
    except KeyboardInterrupt:  # pragma: no cover - the failure this test exists for
        pytest.fail("Ctrl-C escaped fit")
    finally:
        sys.setswitchinterval(interval)
    if name.endswith("parallel"):
        assert len(est._net.parts(BATCH)) > 1  # the batches did run in parts, on threads
    assert est._opt_state["t"] - seen["t"] <= 2  # stopped within a batch or two
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 2
    np.testing.assert_array_equal(est._net.params, est._history.best_params)
    assert est.best_loss_ == min(est.loss_curve_)
    assert np.all(np.isfinite(est.predict(X)))
    # consistent: two copies continue alike (no worker still writes into a replica)
    twin = pickle.loads(pickle.dumps(est))
    for model in (est, twin):
        model.set_params(warm_start=True, max_iter=1)
        model.fit(X, y)
    np.testing.assert_array_equal(est._net.params, twin._net.params)
    assert est.n_iter_ == 3
