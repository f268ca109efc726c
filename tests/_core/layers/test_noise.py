"""Training-only layers of the autoencoders: noise (denoising) and the KL sparsity penalty."""

import numpy as np
import pytest

from sknetphys._core.layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Flatten,
    GaussianNoise,
    KLSparsity,
    MaskingNoise,
    SaltPepperNoise,
)
from sknetphys._core.losses import SquaredLoss
from sknetphys._core.network import Network
from tests._core.test_network import numeric_gradient

NOISES = [GaussianNoise(0.5), MaskingNoise(0.3), SaltPepperNoise(0.3, low=-1.0, high=2.0)]


@pytest.mark.parametrize("spec", NOISES, ids=repr)
def test_noise_is_drawn_afresh_in_training_and_the_identity_at_prediction(spec):
    net = Network([spec], (50, 40), np.float32)
    x = np.random.default_rng(0).uniform(0.2, 0.8, size=(20, 50, 40)).astype(np.float32)
    before = x.copy()
    rng = np.random.default_rng(1)
    a = net.forward(x, training=True, rng=rng).copy()
    b = net.forward(x, training=True, rng=rng).copy()
    np.testing.assert_array_equal(x, before)  # the input (the targets) stays clean
    assert not np.array_equal(a, b)
    assert net.forward(x, training=False) is x
    assert net.layers[0].training_only
    changed = a != x
    if isinstance(spec, GaussianNoise):
        assert changed.all() and abs(np.std(a - x) - 0.5) < 0.01
    else:
        assert abs(changed.mean() - 0.3) < 0.01
        low, high = (0, 0) if isinstance(spec, MaskingNoise) else (-1, 2)
        assert set(np.unique(a[changed])) <= {low, high}
        if high != low:
            assert abs((a[changed] == high).mean() - 0.5) < 0.02


@pytest.mark.parametrize("spec", NOISES, ids=repr)
def test_noise_inside_a_network_backpropagates(spec):
    rng = np.random.default_rng(2)
    net = Network([Dense(6, "tanh"), spec, Dense(3, "identity")], (4,), np.float64)
    net.init_params(rng)
    X, T = rng.normal(size=(9, 4)), rng.normal(size=(9, 3))
    loss = SquaredLoss()

    def objective():  # the same seed: the same corruption at every evaluation
        value, _ = net.train_batch(X, T, loss, np.empty((9, 3)), np.random.default_rng(7))
        return value

    objective()
    numeric = numeric_gradient(net, objective)
    objective()
    np.testing.assert_allclose(net.grads, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("spec, match", [
    (MaskingNoise(1.0), "rate"), (GaussianNoise(-1), "stddev"), (KLSparsity(0.0), "target"),
    (KLSparsity(0.1, -1), "weight")])
def test_invalid_specs_raise(spec, match):
    with pytest.raises(ValueError, match=match):
        Network([spec], (3,), np.float32)


def kl_penalty(codes, rho):
    q = codes.reshape(len(codes), -1).mean(axis=0)
    return np.sum(rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q)))


def test_sparsity_penalty_joins_the_loss_and_its_gradient_is_exact():
    rng = np.random.default_rng(3)
    specs = [Dense(5, "sigmoid"), KLSparsity(0.1, 0.7), Dense(4, "identity")]
    net = Network(specs, (4,), np.float64)
    net.init_params(rng)
    X = rng.normal(size=(11, 4))
    loss = SquaredLoss()

    def objective():
        return net.train_batch(X, X, loss, np.empty((11, 4)))[0]

    value = objective()
    W, b = net.coefs[0], net.intercepts[0]
    codes = 1 / (1 + np.exp(-(X @ W + b)))
    out = codes @ net.coefs[1] + net.intercepts[1]
    expected = 0.5 * np.sum((out - X) ** 2) / 11 + 0.7 * kl_penalty(codes, 0.1)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    numeric = numeric_gradient(net, objective)
    objective()
    np.testing.assert_allclose(net.grads, numeric, rtol=1e-6, atol=1e-8)
    # at prediction the layer is the identity and adds nothing
    np.testing.assert_allclose(net.predict(X), out, rtol=1e-12)


def test_a_layer_of_batch_statistics_keeps_the_batch_in_one_part():
    rng = np.random.default_rng(4)
    specs = [Conv2D(2, 3, padding="same", activation="sigmoid"), AvgPool2D(2), Flatten(),
             Dense(3, "identity")]
    plain = Network(specs, (4, 4, 1), np.float64)
    sparse = Network(specs[:2] + [KLSparsity(0.2, 1.5)] + specs[2:], (4, 4, 1), np.float64)
    for net in (plain, sparse):
        net.pass_rows = 3  # a batch of 10 would go in 4 parts
    assert len(plain.parts(10)) == 4 and sparse.parts(10) == [slice(0, 10)]
    sparse.init_params(rng)
    X, T = rng.normal(size=(10, 4, 4, 1)), rng.normal(size=(10, 3))
    loss = SquaredLoss()

    def objective():
        return sparse.train_batch(X, T, loss, np.empty((10, 3)), np.random.default_rng(0))[0]

    value = objective()
    pooled = sparse.predict(X, stop=2)
    out = sparse.predict(X)
    expected = 0.5 * np.sum((out - T) ** 2) / 10 + 1.5 * kl_penalty(pooled, 0.2)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    numeric = numeric_gradient(sparse, objective)
    objective()
    np.testing.assert_allclose(sparse.grads, numeric, rtol=1e-6, atol=1e-8)
