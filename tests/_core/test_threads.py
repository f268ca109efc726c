"""The image layers give the same results whether their chunks run on one thread or several."""

import numpy as np
import pytest

from sknetphys._core import _threads
from sknetphys._core.layers import Conv2D, Dense, Flatten, MaxPool2D
from sknetphys._core.layers import conv as conv_module
from sknetphys._core.network import Network


def _run(n_threads, monkeypatch):
    monkeypatch.setattr(_threads, "_N_THREADS", n_threads)
    monkeypatch.setattr(conv_module, "_CHUNK_BYTES", 8192)  # many chunks of a few images
    rng = np.random.default_rng(0)
    net = Network([Conv2D(4, 3, padding="same"), MaxPool2D(2), Conv2D(6, 3), Flatten(),
                   Dense(5, "identity")], (10, 10, 2), np.float64)
    net.init_params(rng)
    x = rng.normal(size=(64, 10, 10, 2))
    assert net.layers[0].chunk < 64
    out = net.forward(x, training=True).copy()
    net.backward(rng.normal(size=out.shape))
    return out, net.grads.copy()


@pytest.mark.parametrize("n_threads", [2, 3])
def test_threaded_chunks_match_one_thread(n_threads, monkeypatch):
    out1, grads1 = _run(1, monkeypatch)
    outn, gradsn = _run(n_threads, monkeypatch)
    np.testing.assert_allclose(outn, out1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gradsn, grads1, rtol=1e-10, atol=1e-12)


def test_default_is_one_thread(monkeypatch):
    monkeypatch.setattr(_threads, "_N_THREADS", None)
    monkeypatch.delenv("SKNETPHYS_NUM_THREADS", raising=False)
    assert _threads.n_threads() == 1
    monkeypatch.setattr(_threads, "_N_THREADS", None)
    monkeypatch.setenv("SKNETPHYS_NUM_THREADS", "2")
    assert _threads.n_threads() == 2
