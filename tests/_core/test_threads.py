"""Data-parallel passes give the results of one thread (up to rounding), deterministically."""

import numpy as np
import pytest

from sknetphys._core import _threads
from sknetphys._core.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D
from sknetphys._core.losses import SoftmaxCrossEntropy
from sknetphys._core.network import Network


def _net():
    net = Network([Conv2D(4, 3, padding="same"), MaxPool2D(2), Conv2D(6, 3), Flatten(),
                   Dropout(0.3), Dense(5, "identity")], (10, 10, 2), np.float64)
    net.init_params(np.random.default_rng(0))
    net.pass_rows = 5  # 23 rows in 5 parts
    return net


def _step(n_threads, monkeypatch):
    monkeypatch.setattr(_threads, "_N_THREADS", n_threads)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(23, 10, 10, 2))
    t = np.eye(5)[rng.integers(5, size=23)]
    net = _net()
    value, done = net.train_batch(x, t, SoftmaxCrossEntropy(), np.empty((23, 5)),
                                  np.random.default_rng(2))
    return value, net.grads.copy(), net.predict(x)


@pytest.mark.parametrize("n_threads", [2, 3])
def test_threads_match_one_thread(n_threads, monkeypatch):
    value1, grads1, pred1 = _step(1, monkeypatch)
    value, grads, pred = _step(n_threads, monkeypatch)
    np.testing.assert_allclose(value, value1, rtol=1e-12)
    np.testing.assert_allclose(grads, grads1, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(pred, pred1, rtol=1e-12, atol=1e-13)
    again = _step(n_threads, monkeypatch)  # the same dropout masks, the same sums
    np.testing.assert_array_equal(again[1], grads)


def test_replicas_share_parameters_not_gradients():
    net = _net()
    (rep,) = net.replicas(1)
    assert rep.params is net.params
    assert np.shares_memory(rep.coefs[0], net.params)
    assert not np.shares_memory(rep.grads, net.grads)
    net.params[:] = 0.5  # an optimizer step, in place
    assert np.all(rep.coefs[1] == 0.5)


def test_default_is_all_available_cpus(monkeypatch):
    import os

    monkeypatch.setattr(_threads, "_N_THREADS", None)
    monkeypatch.delenv("SKNETPHYS_NUM_THREADS", raising=False)
    assert _threads.n_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(_threads, "_N_THREADS", None)
    monkeypatch.setenv("SKNETPHYS_NUM_THREADS", "3")
    assert _threads.n_threads() == 3
    monkeypatch.setattr(_threads, "_N_THREADS", None)


def test_blas_limit_holds_whichever_threads_enter_and_leave():
    import threading

    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    with threadpool_limits(2, user_api="blas"):
        with _threads.single_threaded_blas():  # the main thread sets and restores first
            pass
        assert set(blas_threads()) == {2}
        # Thread A enters, B enters, A leaves, B leaves: limited throughout, then restored.
        # (threadpoolctl lets only the first thread that set a limit change OpenBLAS's; the
        # others' limits silently did nothing.)
        seen = {}
        a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

        def a():
            with _threads.single_threaded_blas():
                seen["a"] = blas_threads()
                a_in.set()
                b_in.wait()
            a_out.set()

        def b():
            a_in.wait()
            with _threads.single_threaded_blas():
                b_in.set()
                a_out.wait()
                seen["b"] = blas_threads()

        threads = [threading.Thread(target=f) for f in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert set(seen["a"]) == {1} and set(seen["b"]) == {1}
        assert set(blas_threads()) == {2}
