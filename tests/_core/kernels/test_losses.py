import warnings

import numpy as np
import pytest

from sknetphys._core.losses import (
    PoissonLoss,
    SigmoidCrossEntropy,
    SigmoidSquaredLoss,
    SoftmaxCrossEntropy,
    SoftmaxSquaredLoss,
    SquaredLoss,
)
from tests._core import naive_dense

CASES = [
    (SquaredLoss, naive_dense.squared_loss, "real"),
    (SoftmaxCrossEntropy, naive_dense.softmax_xent_loss, "onehot"),
    (SigmoidCrossEntropy, naive_dense.sigmoid_bce_loss, "binary"),
    (SigmoidSquaredLoss, naive_dense.sigmoid_squared_loss, "binary"),
    (SoftmaxSquaredLoss, naive_dense.softmax_squared_loss, "onehot"),
    (PoissonLoss, naive_dense.poisson_loss, "counts"),
]


def _targets(kind, rng, shape):
    if kind == "real":
        return rng.normal(size=shape)
    if kind == "counts":  # zeros included: the t log t term vanishes there
        return rng.poisson(2.0, size=shape).astype(float)
    if kind == "onehot":
        return np.eye(shape[1])[rng.integers(shape[1], size=shape[0])]
    return rng.integers(0, 2, size=shape).astype(float)


@pytest.mark.parametrize("loss_cls, reference, kind", CASES)
def test_loss_value_and_delta(loss_cls, reference, kind):
    rng = np.random.default_rng(0)
    z = rng.normal(scale=2, size=(8, 3))
    t = _targets(kind, rng, z.shape)
    delta = np.empty_like(z)
    value = loss_cls()(z, t, delta)
    assert value == pytest.approx(reference(z, t), rel=1e-12)
    h = 1e-6
    numeric = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = h
        numeric[idx] = (reference(z + e, t) - reference(z - e, t)) / (2 * h)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)


def test_image_rows_are_seen_flat():
    rng = np.random.default_rng(1)
    z, t = rng.normal(size=(4, 3, 5, 2)), rng.uniform(size=(4, 3, 5, 2))
    delta = np.empty_like(z)
    value = SigmoidSquaredLoss()(z, t, delta, 8)  # one part of a batch of 8 rows
    flat = np.empty((4, 30))
    assert value == SigmoidSquaredLoss()(z.reshape(4, -1), t.reshape(4, -1), flat, 8)
    np.testing.assert_array_equal(delta.reshape(4, -1), flat)
    assert value == pytest.approx(naive_dense.sigmoid_squared_loss(z.reshape(4, -1),
                                                                   t.reshape(4, -1)) / 2)


def test_output_transforms():
    z = np.array([[1.0, 2.0, 3.0], [-50.0, 0.0, 50.0]])
    np.testing.assert_allclose(SoftmaxCrossEntropy().transform(z.copy()), naive_dense.softmax(z))
    np.testing.assert_allclose(SigmoidCrossEntropy().transform(z.copy()), 1 / (1 + np.exp(-z)))
    np.testing.assert_array_equal(SquaredLoss().transform(z.copy()), z)
    np.testing.assert_allclose(SoftmaxSquaredLoss().transform(z.copy()), naive_dense.softmax(z))
    np.testing.assert_allclose(SigmoidSquaredLoss().transform(z.copy()), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(PoissonLoss().transform(z.copy()), np.exp(z))


def test_output_transforms_of_extreme_outputs():
    z = np.array([[-1000.0, 0.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        np.testing.assert_array_equal(SigmoidCrossEntropy().transform(z.copy()), [[0, 0.5, 1]])
        np.testing.assert_array_equal(SoftmaxCrossEntropy().transform(z.copy()), [[0, 0, 1]])


def test_poisson_loss_is_zero_at_a_perfect_fit_and_matches_scikit_learn():
    from sklearn.neural_network._base import poisson_loss as sk_poisson

    t = np.array([[0.0, 1.0], [3.0, 0.5]])
    z = np.log(np.where(t > 0, t, 1e-300))
    assert PoissonLoss()(z, t, np.empty_like(z)) == pytest.approx(0.0, abs=1e-12)
    z = np.array([[0.3, -1.0], [2.0, 0.1]])
    # scikit-learn averages over samples and sums over outputs, as ours
    assert PoissonLoss()(z, t, np.empty_like(z)) == pytest.approx(sk_poisson(t, np.exp(z)))


def test_cross_entropy_is_finite_for_huge_logits():
    z = np.array([[1e4, -1e4]])
    for loss in (SoftmaxCrossEntropy(), SigmoidCrossEntropy()):
        assert np.isfinite(loss(z.copy(), np.array([[0.0, 1.0]]), np.empty_like(z)))


@pytest.mark.parametrize("loss_cls, reference", [
    (SigmoidCrossEntropy, naive_dense.sigmoid_bce_loss),
    (SigmoidSquaredLoss, naive_dense.sigmoid_squared_loss),
])
def test_sigmoid_losses_in_float32(loss_cls, reference):
    # their exp and log come from numpy's float32 SIMD loops; wide logits reach both forms of
    # the sigmoid and, for the cross-entropy, log1p(e) where 1 + e rounds to 1
    rng = np.random.default_rng(5)
    z = rng.normal(scale=10, size=(50, 37)).astype(np.float32)
    t = np.where(rng.random(z.shape) < 0.5, rng.integers(0, 2, z.shape), rng.random(z.shape))
    t = t.astype(np.float32)
    delta = np.empty_like(z)
    value = loss_cls()(z, t, delta)
    z64, t64 = z.astype(np.float64), t.astype(np.float64)
    assert value == pytest.approx(reference(z64, t64), rel=1e-6)
    s = 1 / (1 + np.exp(-z64))
    expected = (s - t64) if loss_cls is SigmoidCrossEntropy else (s - t64) * s * (1 - s)
    np.testing.assert_allclose(delta, expected / 50, rtol=1e-5, atol=1e-9)


def test_cross_entropy_of_confident_outputs_keeps_its_tiny_terms():
    z = np.array([[20.0, -20.0, 40.0, -40.0]], np.float32)
    t = np.array([[1.0, 0.0, 1.0, 0.0]], np.float32)
    expected = 2 * np.log1p(np.exp(-20.0)) + 2 * np.log1p(np.exp(-40.0))
    assert SigmoidCrossEntropy()(z, t, np.empty_like(z)) == pytest.approx(expected, rel=1e-6)
