"""Backprop against finite differences (float64) for every activation x loss, with L2 and dropout."""

import pickle

import numpy as np
import pytest

from sknetphys._core.layers import Dense, Dropout, Flatten
from sknetphys._core.losses import (
    PoissonLoss,
    SigmoidCrossEntropy,
    SigmoidSquaredLoss,
    SoftmaxCrossEntropy,
    SoftmaxSquaredLoss,
    SquaredLoss,
)
import sknetphys._core.network as network_module
from sknetphys._core.network import Network

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "elu"]
LOSSES = [SquaredLoss, SoftmaxCrossEntropy, SigmoidCrossEntropy, SoftmaxSquaredLoss,
          SigmoidSquaredLoss, PoissonLoss]


def _targets(loss, rng, n, k):
    if isinstance(loss, SquaredLoss):
        return rng.normal(size=(n, k))
    if isinstance(loss, PoissonLoss):
        return rng.poisson(1.5, size=(n, k)).astype(float)
    if isinstance(loss, SoftmaxCrossEntropy):  # and SoftmaxSquaredLoss
        return np.eye(k)[rng.integers(k, size=n)]
    return rng.integers(0, 2, size=(n, k)).astype(float)


def objective(net, loss, X, T, alpha=0.0, seed=None):
    """Loss + L2 penalty and its gradient, as the training loop defines them."""
    rng = None if seed is None else np.random.default_rng(seed)
    out = net.forward(X, training=seed is not None, rng=rng)
    delta = np.empty_like(out)
    value = loss(out, T, delta)
    net.backward(delta)
    w = net.params[: net.n_weights]
    n = X.shape[0]
    grad = net.grads.copy()
    grad[: net.n_weights] += alpha * w / n
    return value + 0.5 * alpha * np.sum(w**2) / n, grad


def numeric_gradient(net, f, h=1e-6):
    p0 = net.params.copy()
    grad = np.empty_like(p0)
    for i in range(p0.size):
        net.params[i] = p0[i] + h
        up = f()
        net.params[i] = p0[i] - h
        down = f()
        net.params[i] = p0[i]
        grad[i] = (up - down) / (2 * h)
    return grad


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss_cls", LOSSES)
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_gradient_matches_finite_differences(activation, loss_cls, alpha):
    rng = np.random.default_rng(42)
    net = Network([Dense(6, activation), Dense(5, activation), Dense(3, "identity")], (4,), np.float64)
    net.init_params(rng)
    net.params[net.n_weights:] = rng.normal(scale=0.5, size=net.n_params - net.n_weights)
    X = rng.normal(size=(7, 4))
    loss = loss_cls()
    T = _targets(loss, rng, 7, 3)
    _, grad = objective(net, loss, X, T, alpha)
    numeric = numeric_gradient(net, lambda: objective(net, loss, X, T, alpha)[0])
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


def test_gradient_with_dropout_matches_finite_differences():
    rng = np.random.default_rng(3)
    net = Network([Dense(8, "tanh"), Dropout(0.4), Dense(2, "identity")], (3,), np.float64)
    net.init_params(rng)
    X, T = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    loss = SquaredLoss()
    # The same seed gives the same dropout mask at every evaluation.
    _, grad = objective(net, loss, X, T, seed=7)
    numeric = numeric_gradient(net, lambda: objective(net, loss, X, T, seed=7)[0])
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_dropout_masks_and_scales_in_training_only():
    net = Network([Dropout(0.25)], (4000,), np.float64)
    x = np.ones((2, 4000))
    y = net.forward(x, training=True, rng=np.random.default_rng(0))
    assert set(np.unique(y)) == {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.02
    np.testing.assert_array_equal(net.forward(x, training=False), x)


def test_flat_layout_weights_first_then_biases():
    net = Network([Dense(3), Dense(2, "identity")], (4,), np.float32)
    assert net.n_weights == 4 * 3 + 3 * 2 and net.n_params == net.n_weights + 3 + 2
    assert [c.shape for c in net.coefs] == [(4, 3), (3, 2)]
    for view in net.coefs + net.intercepts:
        assert np.shares_memory(view, net.params)
    net.coefs[1][...] = 7
    assert np.all(net.params[12:18] == 7)


def test_first_layer_needs_no_input_gradient():
    net = Network([Flatten(), Dense(3), Dense(2, "identity")], (2, 2), np.float64)
    assert net._need_dx == [False, False, True]


def test_training_reuses_its_buffers_and_predict_never_touches_them():
    net = Network([Dense(3), Dense(2, "identity")], (4,), np.float64)
    net.init_params(np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(5, 4))
    out1 = net.forward(X, training=True)
    out2 = net.forward(X[:3], training=True)
    assert np.shares_memory(out1, out2)  # views of one buffer, no allocation per batch
    # inference in between (say, from another thread) leaves the training pass intact
    before = out2.copy()
    pred = net.predict(X)
    again = net.predict(X)
    assert not np.shares_memory(pred, out1) and not np.shares_memory(pred, again)
    np.testing.assert_array_equal(out2, before)
    np.testing.assert_array_equal(pred, again)


def _concurrent_nets(dtype):
    from sknetphys._core.layers import Conv2D, MaxPool2D

    dense = Network([Dense(32), Dropout(0.2), Dense(16, "tanh"), Dense(3, "identity")],
                    (20,), dtype)
    conv = Network([Conv2D(4, 3, padding="same"), MaxPool2D(2), Conv2D(6, 3, padding="same"),
                    Flatten(), Dense(3, "identity")], (8, 8, 2), dtype)
    conv.pass_rows = 7  # many chunks for few rows
    for seed, net in enumerate((dense, conv)):
        net.init_params(np.random.default_rng(seed))
    return dense, conv


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [5, 700])
def test_concurrent_predict_gives_the_sequential_result_bit_for_bit(dtype, n, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(2)
    for net in _concurrent_nets(dtype):
        X = rng.normal(size=(n,) + net.input_shape).astype(dtype)
        X[X < 0.5] = 0  # mostly zeros: the dense input layer's sparse route
        expected = net.predict(X)  # small nets: every chunk on this thread
        with monkeypatch.context() as m:
            m.setattr(network_module, "PARALLEL_MIN_MACS", 0)  # chunks dealt to threads
            np.testing.assert_array_equal(net.predict(X), expected)
        with ThreadPoolExecutor(4) as pool:
            for _ in range(5):
                results = list(pool.map(lambda _: net.predict(X), range(4)))
                for result in results:
                    np.testing.assert_array_equal(result, expected)


def test_only_enough_work_is_dealt_to_threads(monkeypatch):
    calls = []

    def recording(tasks):
        calls.append(len(tasks))
        return [task() for task in tasks]

    monkeypatch.setattr(network_module, "run_parallel", recording)
    monkeypatch.setattr(network_module, "n_threads", lambda: 2)
    small = Network([Dense(100), Dense(10, "identity")], (64,), np.float32)  # 7,400 a row
    big = Network([Dense(800), Dense(10, "identity")], (784,), np.float32)  # 635,200 a row
    for net in (small, big):
        net.init_params(np.random.default_rng(0))
        net.predict(np.ones((600,) + net.input_shape, np.float32))  # 3 chunks of <= 256 rows
    assert calls == [1, 2]
    big.predict(np.ones((10, 784), np.float32))  # one chunk: nothing to deal out
    assert calls[-1] == 1


def test_predict_runs_any_range_of_layers():
    net = Network([Dense(6, "tanh"), Dropout(0.5), Dense(5, "relu"), Dense(2, "identity")],
                  (4,), np.float64)
    net.init_params(np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(300, 4))
    W1, W2, W3 = net.coefs
    b1, b2, b3 = net.intercepts
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.maximum(h1 @ W2 + b2, 0)
    np.testing.assert_allclose(net.predict(X, stop=1), h1, rtol=1e-12)
    np.testing.assert_allclose(net.predict(X, stop=3), h2, rtol=1e-12)
    np.testing.assert_allclose(net.predict(h1, start=1), h2 @ W3 + b3, rtol=1e-12)
    np.testing.assert_allclose(net.predict(X), h2 @ W3 + b3, rtol=1e-12)


def test_pickle_rebuilds_views():
    net = Network([Dense(3), Dense(2, "identity")], (4,), np.float32)
    net.init_params(np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32)
    clone = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(clone.forward(X), net.forward(X))
    assert np.shares_memory(clone.coefs[0], clone.params)


def test_dense_rejects_non_flat_input():
    with pytest.raises(ValueError, match="Flatten"):
        Network([Dense(3)], (4, 4), np.float32)


def test_train_batch_in_parts_sums_the_whole_batch_gradient():
    from sknetphys._core.layers import Conv2D, MaxPool2D

    specs = [Conv2D(3, 3, padding="same"), MaxPool2D(2), Flatten(), Dense(4, "identity")]
    net = Network(specs, (6, 6, 2), np.float64)
    net.init_params(np.random.default_rng(0))
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 6, 6, 2))
    T = np.eye(4)[rng.integers(4, size=10)]
    loss = SoftmaxCrossEntropy()
    whole, grad = objective(net, loss, X, T)
    net.pass_rows = 3  # 10 rows in 4 parts (of 3, 3, 3, 1)
    delta = np.empty((10, 4))
    value, done = net.train_batch(X, T, loss, delta)
    assert done == 0
    np.testing.assert_allclose(value, whole, rtol=1e-12)
    np.testing.assert_allclose(net.grads, grad, rtol=1e-10, atol=1e-14)


def test_only_image_networks_train_in_parts():
    from sknetphys._core.layers import Conv2D

    assert Network([Dense(3), Dense(2, "identity")], (4,), np.float32).pass_rows is None
    big = Network([Conv2D(16, 5, padding="same"), Flatten(), Dense(2)], (28, 28, 1), np.float32)
    # 28*28*(16 + 1 + 25) floats a row: 24 rows fit 3 MB, the floor is 32
    assert big.pass_rows == 32
    small = Network([Conv2D(2, 3), Flatten(), Dense(2)], (5, 5, 1), np.float32)
    assert small.pass_rows > 1000
