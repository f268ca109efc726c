import numpy as np
import pytest
from sklearn.base import clone

from sknetphys._core.layers import Dense, Dropout, Flatten, Reshape
from sknetphys._core.network import Network


def _net(dtype=np.float64):
    net = Network([Dense(7, "tanh"), Dense(3, "identity")], (20,), dtype)
    net.init_params(np.random.default_rng(0))
    return net


@pytest.mark.parametrize("density", [0.05, 0.25, 0.9])
def test_input_layer_sparse_route_equals_dense(density):
    """The first layer compresses mostly-zero batches; results and gradients are unchanged."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(11, 20)) * (rng.random((11, 20)) < density)
    delta = rng.normal(size=(11, 3))
    sparse_net, dense_net = _net(), _net()
    dense_net.layers[0].SPARSE_MAX_DENSITY = -1.0  # force BLAS
    outs, grads = [], []
    for net in (sparse_net, dense_net):
        outs.append(net.forward(x, training=True).copy())
        net.backward(delta.copy())
        grads.append(net.grads.copy())
    assert sparse_net.layers[0]._sparse == (density < 0.3)
    assert not dense_net.layers[0]._sparse
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-14)


def test_large_training_batches_go_forward_by_blas_and_back_sparse(monkeypatch):
    """From BLAS_FORWARD_MIN_ROWS rows a sparse training batch is multiplied by BLAS and
    compressed for the backward pass (weights above DENSE_ROUTE_MAX_BYTES); inference
    keeps the sparse product."""
    from sknetphys._core.layers import dense

    monkeypatch.setattr(dense._DenseLayer, "DENSE_ROUTE_MAX_BYTES", 0)
    calls = []
    sparse_product = dense.csc_matmul
    monkeypatch.setattr(dense, "csc_matmul", lambda *a: calls.append(1) or sparse_product(*a))
    rng = np.random.default_rng(3)
    m = dense._DenseLayer.BLAS_FORWARD_MIN_ROWS
    x = rng.normal(size=(m, 20)) * (rng.random((m, 20)) < 0.1)
    delta = rng.normal(size=(m, 3))
    net, reference = _net(), _net()
    reference.layers[0].SPARSE_MAX_DENSITY = -1.0  # dense throughout
    out = net.forward(x, training=True).copy()
    assert calls == [] and net.layers[0]._sparse
    net.backward(delta.copy())
    reference.forward(x, training=True)
    reference.backward(delta.copy())
    np.testing.assert_allclose(out, reference.forward(x), rtol=1e-12)
    np.testing.assert_allclose(net.grads, reference.grads, rtol=1e-12, atol=1e-14)
    net.forward(x)
    assert len(calls) == -(-m // dense._DenseLayer.SPARSE_INFERENCE_ROWS)  # parts of rows


def test_large_training_batches_with_small_weights_take_the_dense_route(monkeypatch):
    """With weights of at most DENSE_ROUTE_MAX_BYTES a large sparse training batch is not
    compressed at all: BLAS forward and back, the same outputs and gradients."""
    from sknetphys._core.layers import dense

    compressed = []
    compress = dense._DenseLayer._compress
    monkeypatch.setattr(dense._DenseLayer, "_compress",
                        lambda self, x: compressed.append(1) or compress(self, x))
    rng = np.random.default_rng(5)
    m = dense._DenseLayer.BLAS_FORWARD_MIN_ROWS
    x = rng.normal(size=(m, 20)) * (rng.random((m, 20)) < 0.1)
    delta = rng.normal(size=(m, 3))
    net, reference = _net(), _net()
    reference.layers[0].SPARSE_MAX_DENSITY = -1.0
    out = net.forward(x, training=True).copy()
    net.backward(delta.copy())
    assert compressed == [] and not net.layers[0]._sparse
    reference.forward(x, training=True)
    reference.backward(delta.copy())
    np.testing.assert_array_equal(out, reference.forward(x, training=True))
    np.testing.assert_array_equal(net.grads, reference.grads)
    net.forward(x[: m - 1], training=True)  # one row fewer: compressed again
    assert compressed == [1] and net.layers[0]._sparse


def test_inference_goes_through_a_sparse_batch_in_parts_with_the_same_result(monkeypatch):
    """At inference the input layer multiplies SPARSE_INFERENCE_ROWS rows at a time: the
    same bits as in one part (each row sums its features in order), and once a part is too
    dense to compress, the rest of the batch goes to BLAS in one product."""
    from sknetphys._core.layers import dense

    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 20)) * (rng.random((300, 20)) < 0.1)
    net = _net()
    net.allocate(300)
    parts = net.forward(x).copy()
    monkeypatch.setattr(dense._DenseLayer, "SPARSE_INFERENCE_ROWS", 1000)
    np.testing.assert_array_equal(parts, net.forward(x))
    monkeypatch.setattr(dense._DenseLayer, "SPARSE_INFERENCE_ROWS", 100)
    x[150:] = rng.normal(size=(150, 20))  # rows 100-199 are too dense: BLAS from there on
    calls = []
    sparse_product = dense.csc_matmul
    monkeypatch.setattr(dense, "csc_matmul", lambda *a: calls.append(1) or sparse_product(*a))
    reference = _net()
    reference.params[...] = net.params
    reference.layers[0].SPARSE_MAX_DENSITY = -1.0
    np.testing.assert_allclose(net.forward(x), reference.forward(x), rtol=1e-12)
    assert calls == [1]


def test_only_the_first_layer_receives_input():
    net = Network([Dense(4), Dense(3), Dense(2, "identity")], (5,), np.float32)
    assert [layer.receives_input for layer in net.layers] == [True, False, False]


def test_specs_are_cloneable_parameter_objects():
    for spec in (Dense(12, activation="elu"), Dropout(0.3), Flatten(), Reshape((2, 3))):
        copy = clone(spec)
        assert copy == spec and copy is not spec
    assert Dense(3).set_params(units=5).units == 5
    with pytest.raises(ValueError, match="positive int"):
        Network([Dense(0)], (3,), np.float32)
    with pytest.raises(ValueError, match=r"Dropout rate must be in \[0, 1\)"):
        Network([Dropout(1.0)], (3,), np.float32)


def test_reshape_undoes_flatten_and_says_what_does_not_fit():
    x = np.arange(2 * 4 * 3 * 2, dtype=np.float32).reshape(2, 4, 3, 2)
    flat = Flatten().build((4, 3, 2), np.float32)
    back = Reshape((4, -1, 2)).build(flat.output_shape, np.float32)
    assert back.output_shape == (4, 3, 2)
    np.testing.assert_array_equal(back.forward(flat.forward(x)), x)
    dy = np.ones((2, 4, 3, 2), np.float32) * np.arange(24).reshape(4, 3, 2)
    np.testing.assert_array_equal(back.backward(dy, True), dy.reshape(2, 24))
    assert back.backward(dy, False) is None
    for target, match in (((5, 5), "does not fit an input of shape"),
                          ((-1, -1), "one may be -1"), ((0, 24), "positive ints"),
                          ("abc", "positive ints"), ((7, -1), "does not fit")):
        with pytest.raises(ValueError, match=match):
            Network([Flatten(), Reshape(target)], (4, 3, 2), np.float32)
