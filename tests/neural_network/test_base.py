"""What every network estimator shares (BaseNetwork): initial weights, layer activations,
and how a continued fit follows changed parameters."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknetphys import Conv2D, ConvClassifier, ConvRegressor, Dropout, Flatten, MaxPool2D
from sknetphys import MLPClassifier, MLPRegressor
from sknetphys._core.layers import INITIALIZERS, Dense
from sknetphys._core.network import Network


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _quiet(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kw)


@pytest.mark.parametrize("scheme", INITIALIZERS)
def test_initial_weights_follow_their_scheme(scheme):
    fan_in, fan_out = 400, 200
    net = Network([Dense(fan_out, "relu"), Dense(fan_out, "sigmoid")], (fan_in,), np.float64)
    net.init_params(np.random.default_rng(0), scheme)
    (W1, W2), (b1, b2) = net.coefs, net.intercepts
    family, _, shape = scheme.partition("_")
    var = {"he": 2 / fan_in, "lecun": 1 / fan_in}.get(family, 2 / (fan_in + fan_out))
    if shape == "normal":  # truncated at two standard deviations, of the stated variance
        assert np.abs(W1).max() <= 2 * np.sqrt(var) / 0.8796 + 1e-12
        assert W1.var() == pytest.approx(var, rel=0.03)
        assert not b1.any()
        return
    bound = np.sqrt(3 * var)
    assert np.abs(W1).max() <= bound and np.abs(W1).max() > 0.99 * bound
    assert W1.var() == pytest.approx(var, rel=0.03)
    if scheme == "sklearn":  # biases from the same range; the logistic's range sqrt(2) wider
        assert np.abs(b1).max() <= bound and b1.std() > 0.5 * bound / np.sqrt(3)
        wide = np.sqrt(6 / (fan_out + fan_out)) * np.sqrt(2)
        assert np.abs(W2).max() <= wide and np.abs(W2).max() > 0.99 * wide
    else:
        assert not b1.any() and not b2.any()


def test_estimators_pass_their_weight_init(digits):
    X, y = digits
    assert MLPClassifier().weight_init == "sklearn"
    assert ConvClassifier().weight_init == "he_uniform"
    clf = _quiet(MLPClassifier((50,), max_iter=1, weight_init="he_normal", random_state=0), X, y)
    assert np.abs(clf.coefs_[0]).max() <= 2 * np.sqrt(2 / 64) / 0.8796 + 1e-6
    with pytest.raises(ValueError, match="weight_init"):
        MLPClassifier(weight_init="ones").fit(X, y)


def test_layer_activations_of_a_dense_network(digits):
    X, y = digits
    clf = _quiet(MLPClassifier((20, 12), activation=["tanh", "relu"], dropout=0.3, max_iter=3,
                               random_state=0), X, y)
    h1 = np.tanh(X @ clf.coefs_[0] + clf.intercepts_[0])
    h2 = np.maximum(h1 @ clf.coefs_[1] + clf.intercepts_[1], 0)
    np.testing.assert_allclose(clf.layer_activations(X, 0), h1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(clf.layer_activations(X), h2, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(clf.layer_activations(X, -2), h1, rtol=1e-5, atol=1e-6)
    # the last hidden layer's activations times the output weights give the outputs
    logits = h2 @ clf.coefs_[2] + clf.intercepts_[2]
    proba = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(X), proba / proba.sum(1, keepdims=True),
                               rtol=1e-4, atol=1e-6)
    for bad in (2, -3, 0.5):
        with pytest.raises(ValueError, match="hidden layers"):
            clf.layer_activations(X, bad)


def test_layer_activations_of_a_conv_network(digits):
    X, y = digits
    clf = _quiet(ConvClassifier([Conv2D(4, 3, padding="same"), MaxPool2D(2), Dropout(0.2),
                                 Flatten()], max_iter=2, random_state=0), X, y)
    maps = clf.layer_activations(X[:7], 0)
    assert maps.shape == (7, 8, 8, 4) and maps.min() >= 0  # relu feature maps
    pooled = clf.layer_activations(X[:7], 1)
    np.testing.assert_allclose(pooled, maps.reshape(7, 4, 2, 4, 2, 4).max(axis=(2, 4)))
    np.testing.assert_allclose(clf.layer_activations(X[:7], -1), pooled.reshape(7, -1))
    with pytest.raises(ValueError, match="3 hidden layers"):
        clf.layer_activations(X[:7], 3)


def test_warm_start_applies_changes_that_keep_the_weights(digits):
    X, y = digits
    clf = _quiet(MLPClassifier((16,), max_iter=2, warm_start=True, random_state=0), X, y)
    W = clf.coefs_[0].copy()
    clf.set_params(dropout=0.5, activation="tanh", dtype="float64")
    _quiet(clf, X, y)
    assert clf._net.dtype == np.float64 and clf.coefs_[0].dtype == np.float64
    assert [s.activation for s in clf._net.specs if isinstance(s, Dense)] == ["tanh", "identity"]
    assert any(isinstance(s, Dropout) and s.rate == 0.5 for s in clf._net.specs)
    assert clf.n_iter_ == 4  # it continued ...
    assert not np.allclose(clf.coefs_[0], W) and np.corrcoef(clf.coefs_[0].ravel(), W.ravel())[0, 1] > 0.9


def test_warm_start_and_partial_fit_refuse_a_changed_shape(digits):
    X, y = digits
    clf = _quiet(MLPClassifier((16,), max_iter=2, warm_start=True, random_state=0), X, y)
    before = clf.predict_proba(X)
    clf.set_params(hidden_layer_sizes=(8,))
    with pytest.raises(ValueError, match="cannot continue the fitted network"):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    reg = MLPRegressor((8,), random_state=0).partial_fit(X, y.astype(float))
    reg.set_params(hidden_layer_sizes=(8, 4))
    with pytest.raises(ValueError, match="cannot continue"):
        reg.partial_fit(X, y.astype(float))
    conv = _quiet(ConvClassifier([Conv2D(4, 3), Flatten()], max_iter=1, warm_start=True,
                                 random_state=0), X, y)
    conv.set_params(layers=[Conv2D(4, 5), Flatten()])
    with pytest.raises(ValueError, match="cannot continue"):
        conv.fit(X, y)


def test_coefs_init_starts_the_first_layers_and_survives_clone(digits):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    from sknetphys.optimizers import SGD

    X, y = digits
    W = np.random.default_rng(0).normal(scale=0.1, size=(64, 20))
    b = np.full(20, 0.05)
    clf = MLPClassifier((20, 10), coefs_init=[W], intercepts_init=[b], max_iter=1,
                        optimizer=SGD(learning_rate=1e-9), random_state=0)
    _quiet(clf, X, y)
    np.testing.assert_allclose(clf.coefs_[0], W, atol=1e-6)
    np.testing.assert_allclose(clf.intercepts_[0], b, atol=1e-6)
    fresh = clone(clf)
    np.testing.assert_array_equal(fresh.coefs_init[0], W)
    _quiet(fresh, X, y)
    np.testing.assert_array_equal(fresh.coefs_[0], clf.coefs_[0])
    search = GridSearchCV(clf, {"hidden_layer_sizes": [(20,), (20, 5)]}, cv=2)
    _quiet(search, X, y)
    np.testing.assert_allclose(search.best_estimator_.coefs_[0], W, atol=1e-6)
    for kw, match in [(dict(coefs_init=[W.T], intercepts_init=[b]), r"coefs_init\[0\] has shape"),
                      (dict(coefs_init=[W]), "intercepts_init 0"),
                      (dict(coefs_init=[W] * 4, intercepts_init=[b] * 4), "only 3 weighted"),
                      (dict(coefs_init=[W * np.nan], intercepts_init=[b]), "NaN")]:
        with pytest.raises(ValueError, match=match):
            MLPClassifier((20, 10), **kw).fit(X, y)


def _penalty_case(kind):
    """(estimator factory, X, y, initial weights, initial biases): a dense classifier, and a
    conv regressor whose penalty covers kernels and dense weights."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    if kind == "dense":
        W = [rng.normal(scale=0.1, size=(64, 12)), rng.normal(scale=0.1, size=(12, 10))]
        b = [rng.normal(scale=0.1, size=12), rng.normal(scale=0.1, size=10)]
        return (lambda **kw: MLPClassifier((12,), "tanh", **kw)), X[:150] / 16, y[:150], W, b
    W = [rng.normal(scale=0.2, size=(3, 3, 1, 2)), rng.normal(scale=0.1, size=(32, 1))]
    b = [rng.normal(scale=0.1, size=2), rng.normal(scale=0.1, size=1)]

    def make(**kw):
        return ConvRegressor([Conv2D(2, 3, padding="same"), MaxPool2D(2), Flatten()], **kw)

    return make, X[:120] / 16, y[:120] / 9, W, b


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind, alpha", [("dense", 0.3), ("dense", 3.0), ("conv", 2.0)])
def test_alpha_adds_its_penalty_to_the_step_and_to_the_loss(kind, alpha):
    """One full-batch SGD step from known weights: with the L2 penalty the weights (dense
    matrices, conv kernels) move by ``-lr * (g + alpha * W / m)`` (g from the unpenalised
    step), the biases as without it, and ``loss_curve_`` carries
    ``0.5 * alpha * ||W||^2 / m``."""
    from sknetphys.optimizers import SGD

    make, X, y, W0, b0 = _penalty_case(kind)
    m, lr = len(X), 0.05
    plain, penalised = (make(alpha=a, batch_size=m, max_iter=1, shuffle=False, dtype="float64",
                             coefs_init=W0, intercepts_init=b0, optimizer=SGD(learning_rate=lr),
                             random_state=0).fit(X, y) for a in (0.0, alpha))
    for W, Wp, Wa in zip(W0, plain.coefs_, penalised.coefs_):
        g = (W - Wp) / lr
        np.testing.assert_allclose(Wa, W - lr * (g + alpha * W / m), rtol=1e-12, atol=1e-14)
    for bp, ba in zip(plain.intercepts_, penalised.intercepts_):
        np.testing.assert_array_equal(ba, bp)
    penalty = 0.5 * alpha * sum(np.sum(W**2) for W in W0) / m
    assert penalised.loss_curve_[0] - plain.loss_curve_[0] == pytest.approx(penalty, rel=1e-10)
