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

from sknetphys import Conv2D, ConvAutoencoder, ConvClassifier, ConvRegressor, Flatten, MaxPool2D
from sknetphys.optimizers import Adam
from tests._estimators import BY_NAME, NETWORKS

BATCH = 80
N = 1600
STEPS = N // BATCH  # an epoch


def _steps(state_of, steps):
    """A condition: the optimizer state ``state_of()`` (or None) has made ``steps`` steps;
    its value is the step count seen."""
    def condition():
        state = state_of()
        return state["t"] if state is not None and state["t"] >= steps else 0

    return condition


def _fit_interrupted(est, X, y, condition, how, match):
    """Fit ``est`` while a watcher thread interrupts the main thread as soon as
    ``condition()`` is true; returns its value just after the interrupt was sent (on a
    loaded machine the watcher may see the condition late, never the interrupt early).
    Fails if Ctrl-C escapes fit or fit does not warn with ``match``."""
    seen = {}

    def watch():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if condition():
                if how == "sigint":
                    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
                else:
                    _thread.interrupt_main()
                seen["value"] = condition()
                return
            time.sleep(0.0005)

    watcher = threading.Thread(target=watch, daemon=True)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # the watcher gets its turn soon after each step
    watcher.start()
    try:
        with pytest.warns(UserWarning, match=match):
            est.fit(X, y)
        watcher.join()
    except KeyboardInterrupt:  # pragma: no cover - the failure this test exists for
        pytest.fail("Ctrl-C escaped fit")
    finally:
        sys.setswitchinterval(interval)
    return seen["value"]


def _image_case(cls):
    """A conv net on 28x28 images whose batches train in parallel parts on two threads."""
    rng = np.random.default_rng(0)
    X = rng.random((N, 28, 28, 1)).astype(np.float32)
    if cls is ConvAutoencoder:  # its mirror: UpSampling2D(2), Conv2D(1, 5, padding="same")
        est = cls([Conv2D(8, 5, padding="same"), MaxPool2D(2)], batch_size=BATCH,
                  random_state=0)
        return est, X, None
    y = rng.integers(0, 3, N) if cls is ConvClassifier else X.mean(axis=(1, 2, 3))
    est = cls([Conv2D(8, 5, padding="same"), MaxPool2D(2), Flatten()], batch_size=BATCH,
              random_state=0)
    return est, X, y


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _outputs(name, est, X, y):
    case = BY_NAME.get(name)
    if case is None:  # a parallel one
        return [est.transform(X)] if y is None else [est.predict(X)]
    return case.outputs(est, X, y).values()

CASES = [(case.name, case) for case in NETWORKS] + [
    ("ConvClassifier-parallel", ConvClassifier), ("ConvRegressor-parallel", ConvRegressor),
    ("ConvAutoencoder-parallel", ConvAutoencoder)]


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
    # early in epoch 3 (later if the watcher, on a loaded machine, is late to see it)
    seen = _fit_interrupted(
        est, X, y, _steps(lambda: est.__dict__.get("_opt_state"), 2 * STEPS + STEPS // 4), how,
        r"interrupted \(KeyboardInterrupt\) after \d+ epochs")
    if name.endswith("parallel"):
        assert len(est._net.parts(BATCH)) > 1  # the batches did run in parts, on threads
    t = est._opt_state["t"]
    assert t - seen <= 2  # stopped within a batch or two
    # the epochs done (the last perhaps unrecorded, when Ctrl-C came just after its last step)
    assert 2 <= (t - 1) // STEPS <= est.n_iter_ <= t // STEPS
    assert len(est.loss_curve_) == est.n_iter_
    np.testing.assert_array_equal(est._net.params, est._history.best_params)
    assert est.best_loss_ == min(est.loss_curve_)
    for output in _outputs(name, est, X, y):
        assert np.all(np.isfinite(output))
    # consistent: two copies continue alike (no worker still writes into a replica)
    twin, done = pickle.loads(pickle.dumps(est)), est.n_iter_
    for model in (est, twin):
        model.set_params(warm_start=True, max_iter=1)
        model.fit(X, y)
    np.testing.assert_array_equal(est._net.params, twin._net.params)
    assert est.n_iter_ == done + 1


class _RecordingAdam(Adam):
    """Adam whose states (the estimator's, then each pretraining stage's) a watcher sees."""

    states = []

    def init_state(self, n_params, dtype):
        state = super().init_state(n_params, dtype)
        self.states.append(state)
        return state


@pytest.mark.parametrize("when", ["in_stage_2", "between_stages"])
@pytest.mark.parametrize("how", ["interrupt_main", "sigint"])
@pytest.mark.parametrize("name", ["Autoencoder", "ConvAutoencoder"])
def test_ctrl_c_in_greedy_pretraining_keeps_the_stages_so_far_and_warns(name, how, when,
                                                                         monkeypatch):
    """Interrupted in the second of two stages, once it has made 10 steps, or while its
    inputs (the first stage's codes) are computed: the first stage's weights are kept,
    fine-tuning never starts, and a warm-started fit fine-tunes from there."""
    from sknetphys._core.network import Network
    from tests._core.test_training import _InterruptAt

    case = BY_NAME[name]
    # 2 batches an epoch; stages that do not converge on their own (tol=0), long enough for a
    # watcher late by hundreds of steps to still interrupt the second one
    epochs = 200
    est = case.make(pretrain="greedy", pretrain_max_iter=epochs, tol=0.0,
                    n_iter_no_change=10 * epochs, batch_size=BATCH,
                    optimizer=_RecordingAdam(learning_rate=0.01))
    X, _ = case.data(2 * BATCH)
    states = []  # the estimator's, stage 1's, stage 2's
    monkeypatch.setattr(_RecordingAdam, "states", states)
    codes = threading.Event()  # set once the second stage's inputs are computed
    if when == "between_stages":  # the codes take until Ctrl-C comes
        predict = Network.predict

        def slow_predict(net, X, start=0, stop=None):
            out = predict(net, X, start, stop)
            if stop is not None:  # only the stages' inputs are a part of the network's
                codes.set()
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:  # short sleeps: interrupt_main is seen
                    time.sleep(0.001)               # between bytecodes, not in a sleep
            return out

        monkeypatch.setattr(Network, "predict", slow_predict)
        condition = codes.is_set
    else:
        condition = _steps(lambda: states[2] if len(states) == 3 else None, 10)
    seen = _fit_interrupted(est, X, None, condition, how,
                            r"greedy pretraining interrupted \(KeyboardInterrupt\) in stage "
                            r"2 of 2; the estimator keeps")
    monkeypatch.undo()
    first, second = est.pretrain_loss_curves_ + ([None] if when == "between_stages" else [])
    assert len(first) == epochs  # the first stage ran to its end
    if when == "in_stage_2":
        t = states[2]["t"]  # its epochs done, 2 steps each (the last perhaps unrecorded)
        assert (t - 1) // 2 <= len(second) <= t // 2 < epochs
        assert t - seen <= 2  # stopped within a batch or two
    assert est.n_iter_ == 0 and est.loss_curve_ == []  # fine-tuning never started
    # the first stage's weights are its training's: not those it started from (the same
    # seed, interrupted before its first step)
    start = case.make(pretrain="greedy", optimizer=_InterruptAt(at=1), batch_size=BATCH)
    with pytest.warns(UserWarning, match="in stage 1 of 2"):
        start.fit(X)
    layer = est._stages[0][0].start  # the first stage's weighted layer
    assert not np.allclose(est._net.layers[layer].params[0], start._net.layers[layer].params[0])
    np.testing.assert_array_equal(est._net.params, est._history.best_params)
    for output in case.outputs(est, X).values():
        assert np.all(np.isfinite(output))
    est.set_params(warm_start=True, max_iter=1).fit(X)  # fine-tunes, without pretraining
    assert est.n_iter_ == 1 and len(est.pretrain_loss_curves_) == 2 - (when == "between_stages")
