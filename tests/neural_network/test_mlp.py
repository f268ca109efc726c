import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_digits, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sknetphys import DivergenceError, MLPClassifier, MLPRegressor
from sknetphys.optimizers import SGD, Adam
from tests._core.test_training import _InterruptAt  # Adam that simulates Ctrl-C at a step


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))  # the file is sorted by writer
    return X[order] / 16.0, y[order]


def _quiet(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


def test_digits_accuracy_and_fitted_attributes(digits):
    X, y = digits
    clf = _quiet(MLPClassifier((32, 16), max_iter=60, random_state=0), X[:1200], y[:1200])
    assert clf.score(X[1200:], y[1200:]) > 0.9
    assert [c.shape for c in clf.coefs_] == [(64, 32), (32, 16), (16, 10)]
    assert [b.shape for b in clf.intercepts_] == [(32,), (16,), (10,)]
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 10 and clf.out_activation_ == "softmax"
    assert clf.n_iter_ == 60 and clf.t_ == 60 * 1200 and len(clf.loss_curve_) == 60
    assert clf.best_loss_ == min(clf.loss_curve_) and clf.validation_scores_ is None
    assert clf.n_features_in_ == 64
    proba = clf.predict_proba(X[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[:5])), proba)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X[:5]))


def test_string_labels_binary_and_multilabel():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
    clf = _quiet(MLPClassifier((16,), max_iter=100, random_state=0,
                               optimizer=Adam(learning_rate=0.01)), X, y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    assert set(clf.predict(X)) <= {"up", "down"} and clf.score(X, y) > 0.9
    assert clf.predict_proba(X).shape == (200, 2)

    Xm, Ym = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    mlc = _quiet(MLPClassifier((32,), max_iter=200, random_state=0,
                               optimizer=Adam(learning_rate=0.01)), Xm / Xm.max(), Ym)
    assert mlc.predict(Xm / Xm.max()).shape == (200, 4)
    assert mlc.out_activation_ == "logistic" and mlc.n_outputs_ == 4
    assert mlc.score(Xm / Xm.max(), Ym) > 0.7  # subset accuracy


def test_multioutput_regression_and_shapes():
    X, Y = make_regression(n_samples=200, n_features=5, n_targets=3, random_state=0)
    Y = Y / Y.std()
    reg = _quiet(MLPRegressor((32,), max_iter=200, random_state=0,
                              optimizer=Adam(learning_rate=0.01)), X, Y)
    assert reg.predict(X).shape == (200, 3) and reg.score(X, Y) > 0.9
    assert reg.out_activation_ == "identity"
    one = _quiet(MLPRegressor((8,), max_iter=5, random_state=0), X, Y[:, 0])
    assert one.predict(X).shape == (200,)


def test_sparse_input_matches_dense(digits):
    X, y = digits
    dense = _quiet(MLPClassifier((16,), max_iter=3, random_state=0, shuffle=False,
                                 dtype="float64"), X, y)
    sparse = _quiet(MLPClassifier((16,), max_iter=3, random_state=0, shuffle=False,
                                  dtype="float64"), sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X),
                               rtol=1e-9, atol=1e-12)


def test_pipeline_and_grid_search(digits):
    X, y = digits
    pipe = make_pipeline(MinMaxScaler(), MLPClassifier(optimizer=Adam(), max_iter=15, random_state=0))
    grid = GridSearchCV(
        pipe,
        {"mlpclassifier__hidden_layer_sizes": [(8,), (32,)],
         "mlpclassifier__optimizer__learning_rate": [1e-4, 1e-2]},
        cv=2,
    )
    _quiet(grid, X[:600], y[:600])
    assert grid.best_params_ == {"mlpclassifier__hidden_layer_sizes": (32,),
                                 "mlpclassifier__optimizer__learning_rate": 1e-2}
    assert grid.score(X[600:], y[600:]) > 0.85


def test_clone_and_pickle_round_trip(digits):
    X, y = digits
    clf = MLPClassifier((16,), optimizer=SGD(learning_rate=0.1, momentum=0.9), max_iter=3,
                        random_state=0)
    fresh = clone(clf)
    assert fresh.get_params()["optimizer__momentum"] == 0.9
    assert fresh.optimizer is not clf.optimizer and not hasattr(fresh, "coefs_")
    _quiet(clf, X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    # the restored model keeps training from the same state
    for model in (clf, restored):
        model.partial_fit(X, y)
    np.testing.assert_array_equal(restored.coefs_[0], clf.coefs_[0])


def test_fit_is_deterministic_under_random_state(digits):
    X, y = digits
    a, b, c = (_quiet(MLPClassifier((16,), max_iter=2, random_state=seed, dropout=0.2), X, y)
               for seed in (3, 3, 4))
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.allclose(a.coefs_[0], c.coefs_[0], atol=1e-3)  # and the seed matters
    # shuffling and dropout draw from it too: the same initial weights, other seeds
    W = [a.coefs_[0] * 0 + 0.01, np.full((16, 10), 0.01)]
    kw = dict(coefs_init=W, intercepts_init=[np.zeros(16), np.zeros(10)], max_iter=1)
    d, e = (_quiet(MLPClassifier((16,), dropout=0.2, random_state=seed, **kw), X, y)
            for seed in (3, 4))
    assert not np.allclose(d.coefs_[0], e.coefs_[0])


def test_partial_fit_sequences(digits):
    X, y = digits
    clf = MLPClassifier((32,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X[:100], y[:100])
    losses = []
    for epoch in range(5):
        for start in range(0, 1500, 500):
            clf.partial_fit(X[start:start + 500], y[start:start + 500], classes=np.arange(10))
        losses.append(clf.loss_)
    assert clf.n_iter_ == 15 and clf.t_ == 15 * 500
    assert clf._opt_state["t"] == 15 * 3  # 500 samples in batches of 200: 3 steps a call
    assert losses[-1] < losses[0]
    with pytest.raises(ValueError, match=r"labels \[11\]"):
        clf.partial_fit(X[:3], [1, 2, 11])
    # classes seen only later are fine when announced at the first call
    part = MLPClassifier((8,), random_state=0).partial_fit(X[:50], np.zeros(50, int), classes=[0, 1])
    assert part.predict_proba(X[:2]).shape == (2, 2)


def test_warm_start_continues_with_optimizer_state(digits):
    X, y = digits
    clf = _quiet(MLPClassifier((16,), max_iter=3, warm_start=True, random_state=0), X, y)
    coef_before = clf.coefs_[0].copy()
    steps_before = clf._opt_state["t"]
    _quiet(clf, X, y)
    assert clf.n_iter_ == 6 and len(clf.loss_curve_) == 6
    assert clf._opt_state["t"] == 2 * steps_before
    assert not np.array_equal(clf.coefs_[0], coef_before)
    # changed optimizer hyperparameters apply to the continued fit, with the state kept
    _quiet(clf.set_params(optimizer=Adam(learning_rate=1e-9)), X, y)
    assert clf._optimizer.learning_rate == 1e-9 and clf._opt_state["t"] == 3 * steps_before
    cold = _quiet(clf.set_params(warm_start=False), X, y)
    assert cold.n_iter_ == 3


def test_early_stopping_restores_best_and_records_validation(digits):
    X, y = digits
    clf = MLPClassifier((32,), early_stopping=True, n_iter_no_change=2, max_iter=200,
                        random_state=0, optimizer=Adam(learning_rate=0.02))
    clf.fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None


def test_convergence_warning_and_verbose(digits, capsys):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier((8,), max_iter=2, verbose=True, early_stopping=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "Epoch 2" in lines[1] and "validation score" in lines[1]


def test_divergence_error_names_learning_rate():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 3)) * 100
    y = X @ np.ones(3)
    reg = MLPRegressor((16,), optimizer=SGD(learning_rate=1.0), max_iter=20, random_state=0)
    with pytest.raises(DivergenceError, match="learning_rate=1.0"):
        reg.fit(X, y)
    # diverged in the second epoch: the weights are those after the first, the best so far
    assert reg.n_iter_ == 1 and reg.loss_curve_[0] < np.inf
    first = _quiet(MLPRegressor((16,), optimizer=SGD(learning_rate=1.0), max_iter=1,
                                random_state=0), X, y)
    np.testing.assert_array_equal(reg._net.params, first._net.params)
    np.testing.assert_array_equal(reg.predict(X), first.predict(X))


def test_bad_input_errors(digits):
    X, y = digits
    clf = _quiet(MLPClassifier((8,), max_iter=1), X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :10])
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier().fit(Xn, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, y + 0.5)
    with pytest.raises(ValueError, match="Unknown activation"):
        MLPClassifier(activation="swish").fit(X, y)
    with pytest.raises(ValueError, match="2 hidden layers"):
        MLPClassifier((4, 4), activation=["relu"]).fit(X, y)


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu", "leaky_relu",
                                        "softplus", "elu"])
def test_every_activation_learns(activation, digits):
    X, y = digits
    clf = _quiet(MLPClassifier((32,), activation, max_iter=10, random_state=0,
                               optimizer=Adam(learning_rate=0.01)), X[:1000], y[:1000])
    assert clf.score(X[1000:], y[1000:]) > 0.85


def test_per_layer_activation_and_dropout(digits):
    from sknetphys import Dense, Dropout

    X, y = digits
    clf = _quiet(MLPClassifier((32, 16), ["tanh", "relu"], dropout=[0.1, 0.0], max_iter=10,
                               random_state=0), X, y)
    assert clf._net.specs == [Dense(32, "tanh"), Dropout(0.1), Dense(16, "relu"),
                              Dense(10, "identity")]
    # each layer computes its own activation
    (W1, W2, _), (b1, b2, _) = clf.coefs_, clf.intercepts_
    h1 = np.tanh(X @ W1 + b1)
    np.testing.assert_allclose(clf.layer_activations(X, 0), h1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(clf.layer_activations(X, 1), np.maximum(h1 @ W2 + b2, 0),
                               rtol=1e-5, atol=1e-5)
    # and the dropout after the first layer drops at its rate during training: the same
    # weights, trained one more epoch with the rates swapped, end elsewhere
    a, b = (_quiet(MLPClassifier((32, 16), ["tanh", "relu"], dropout=rates, max_iter=1,
                                 random_state=0), X, y) for rates in ([0.5, 0.0], [0.0, 0.5]))
    assert not np.allclose(a.coefs_[0], b.coefs_[0])


def test_float64_matches_float32(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    p32 = _quiet(MLPClassifier(**kw), X, y).predict_proba(X)
    p64 = _quiet(MLPClassifier(dtype="float64", **kw), X, y).predict_proba(X)
    assert p64.dtype == np.float64
    np.testing.assert_allclose(p32, p64, atol=1e-3)


@pytest.mark.parametrize("net_dtype", ["float32", "float64"])
@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
def test_inference_runs_in_the_higher_precision_of_data_and_network(digits, monkeypatch,
                                                                     net_dtype, x_dtype):
    from sknetphys._core.network import Network

    X, y = digits
    clf = _quiet(MLPClassifier((16,), max_iter=2, dtype=net_dtype, random_state=0), X, y)
    seen, real = [], Network.predict

    def spy(net, X, *args, **kwargs):
        seen.append((net.dtype, X.dtype))
        return real(net, X, *args, **kwargs)

    monkeypatch.setattr(Network, "predict", spy)
    proba = clf.predict_proba(X.astype(x_dtype))
    expected = np.result_type(x_dtype, net_dtype)
    assert seen == [(expected, expected)]
    assert proba.dtype == np.float64 and clf._net.dtype == np.dtype(net_dtype)


def test_mnist_784_800_10_reaches_2_percent(mnist):
    """The issue's figure: 784-800-10 relu, Adam, batch 100: <= 2.0% test error within 5 epochs.

    Adam(1e-3) for three epochs, then the learning rate drops to 1e-4 for two (a step decay,
    set through warm_start as a user would). Measured: best of the 5 epochs 1.85%, 1.75%,
    1.74% for seeds 0-2; at a constant 1e-3 the same net ends at 1.8-2.1% (in PyTorch too).
    """
    X, y, Xt, yt = mnist
    clf = MLPClassifier((800,), optimizer=Adam(learning_rate=1e-3), batch_size=100, max_iter=1,
                        alpha=0.0, warm_start=True, random_state=0)
    errors = []
    for epoch in range(5):
        if epoch == 3:
            clf.set_params(optimizer__learning_rate=1e-4)
        _quiet(clf, X, y)
        errors.append(1 - clf.score(Xt, yt))
    assert clf.n_iter_ == 5
    assert min(errors) <= 0.020, errors


def test_ctrl_c_during_fit_keeps_best_weights_and_a_usable_model(digits):
    X, y = digits
    # 1797 samples in batches of 200: 9 steps an epoch, Ctrl-C in the middle of epoch 3
    clf = MLPClassifier((16,), optimizer=_InterruptAt(learning_rate=0.01, at=23), max_iter=50,
                        random_state=0, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # an interrupt is not max_iter
        clf.fit(X, y)
    assert clf.n_iter_ == 2 and len(clf.validation_scores_) == 2
    np.testing.assert_array_equal(clf._net.params, clf._history.best_params)
    assert clf.predict(X).shape == (len(X),) and clf.score(X, y) > 0.5


def test_learning_rate_schedules_through_the_estimator(digits):
    X, y = digits
    clf = _quiet(MLPClassifier((16,), optimizer=SGD(learning_rate=0.1, schedule="invscaling"),
                               max_iter=3, random_state=0), X, y)
    assert clf._optimizer.current_learning_rate(clf._opt_state) == pytest.approx(
        0.1 / (clf.t_ + 1) ** 0.5)
    search = GridSearchCV(MLPClassifier((16,), optimizer=SGD(learning_rate=0.1), max_iter=5,
                                        random_state=0),
                          {"optimizer__schedule": ["constant", "adaptive"]}, cv=2)
    _quiet(search, X, y)
    assert list(search.cv_results_["param_optimizer__schedule"]) == ["constant", "adaptive"]
    assert (search.best_estimator_.optimizer.schedule
            == search.best_params_["optimizer__schedule"])


@pytest.mark.parametrize("name", ["friedman3", "regression", "wine"])
def test_cv_scores_match_scikit_learn_at_the_same_settings(name):
    """Issue 11's parity check: StandardScaler + (64, 32), max_iter=300, 5-fold cv, seed 0;
    targets standardised. Measured over seeds 0-2 (benchmarks/RESULTS.md): sknetphys
    0.936-0.943 against 0.935-0.943 (friedman3), 0.928-0.939 against 0.936-0.949
    (regression), 0.978-0.983 against 0.972-0.978 (wine)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.datasets import load_wine, make_friedman3
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.neural_network import MLPClassifier as SkC
    from sklearn.neural_network import MLPRegressor as SkR
    from sklearn.preprocessing import StandardScaler

    common = dict(hidden_layer_sizes=(64, 32), max_iter=300, random_state=0)
    if name == "wine":
        X, y = load_wine(return_X_y=True)
        cv = StratifiedKFold(5, shuffle=True, random_state=0)
        ours, theirs = (make_pipeline(StandardScaler(), est(**common)) for est in (MLPClassifier, SkC))
    else:
        X, y = (make_friedman3(600, noise=0.05, random_state=0) if name == "friedman3" else
                make_regression(500, 20, n_informative=10, noise=10, random_state=0))
        cv = KFold(5, shuffle=True, random_state=0)
        ours, theirs = (TransformedTargetRegressor(make_pipeline(StandardScaler(), est(**common)),
                                                   transformer=StandardScaler())
                        for est in (MLPRegressor, SkR))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours_score = cross_val_score(ours, X, y, cv=cv).mean()
        theirs_score = cross_val_score(theirs, X, y, cv=cv).mean()
    assert ours_score >= theirs_score - 0.01, (ours_score, theirs_score)
