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
    a = _quiet(MLPClassifier((16,), max_iter=2, random_state=3, dropout=0.2), X, y)
    b = _quiet(MLPClassifier((16,), max_iter=2, random_state=3, dropout=0.2), X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])


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
    assert all(np.all(np.isfinite(c)) for c in reg.coefs_)  # NaN weights never kept


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
    X, y = digits
    clf = _quiet(MLPClassifier((32, 16), ["tanh", "relu"], dropout=[0.1, 0.0], max_iter=10,
                               random_state=0), X, y)
    assert [type(layer).__name__ for layer in clf._net.layers] == [
        "_DenseLayer", "_DropoutLayer", "_DenseLayer", "_DenseLayer"]


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


@pytest.mark.parametrize("name, solver", [("friedman3", "adam"), ("regression", "adam"),
                                          ("wine", "adam"), ("friedman3", "lbfgs"),
                                          ("wine", "sgd")])
def test_cv_scores_match_scikit_learn_at_the_same_settings(name, solver):
    """Issue 11's parity check: StandardScaler + (64, 32), max_iter=300, 5-fold cv, seed 0;
    targets standardised. Measured over seeds 0-2 (benchmarks/RESULTS.md): sknetphys
    0.936-0.943 against 0.935-0.943 (friedman3), 0.928-0.939 against 0.936-0.949
    (regression), 0.978-0.983 against 0.972-0.978 (wine). The other solvers, seeds 0-1:
    lbfgs 0.929-0.941 against 0.928-0.931 (friedman3); sgd at learning_rate_init=0.01
    0.972-0.978 against 0.966-0.972 (wine)."""
    from contextlib import nullcontext

    from sklearn.compose import TransformedTargetRegressor
    from threadpoolctl import threadpool_limits
    from sklearn.datasets import load_wine, make_friedman3
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.neural_network import MLPClassifier as SkC
    from sklearn.neural_network import MLPRegressor as SkR
    from sklearn.preprocessing import StandardScaler

    common = dict(hidden_layer_sizes=(64, 32), max_iter=300, random_state=0, solver=solver,
                  learning_rate_init=0.01 if solver == "sgd" else 0.001)
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
    # scipy's L-BFGS-B makes small BLAS calls that two BLAS threads slow 60-fold here
    # (sknetphys limits them itself): one BLAS thread keeps scikit-learn's side quick
    limit = threadpool_limits(1, user_api="blas") if solver == "lbfgs" else nullcontext()
    with warnings.catch_warnings(), limit:
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours_score = cross_val_score(ours, X, y, cv=cv).mean()
        theirs_score = cross_val_score(theirs, X, y, cv=cv).mean()
    assert ours_score >= theirs_score - 0.01, (ours_score, theirs_score)


# --- scikit-learn's constructor -------------------------------------------------------------
@pytest.mark.parametrize("ours, theirs", [("MLPClassifier", "MLPClassifier"),
                                          ("MLPRegressor", "MLPRegressor")])
def test_every_scikit_learn_parameter_with_its_default(ours, theirs):
    import inspect

    import sklearn.neural_network

    import sknetphys

    mine = inspect.signature(getattr(sknetphys, ours)).parameters
    for name, param in inspect.signature(getattr(sklearn.neural_network, theirs)).parameters.items():
        assert name in mine, name
        assert mine[name].default == param.default, name
    assert set(mine.values()) >= {mine["hidden_layer_sizes"], mine["activation"]}
    assert list(mine)[:2] == ["hidden_layer_sizes", "activation"]  # positional, as before 1.7


def test_every_parameter_is_documented():
    import re

    for cls in (MLPClassifier, MLPRegressor):
        documented = set()
        for line in re.findall(r"^    (\w[\w, ]*) :", cls.__doc__, flags=re.M):
            documented.update(name.strip() for name in line.split(","))
        assert set(cls().get_params(deep=False)) <= documented, cls.__name__
    for method in (MLPClassifier.from_weights, MLPRegressor.from_weights):
        assert "output_activation :" in method.__doc__ and "coefs :" in method.__doc__


def _sklearn_start(sk, X, y):
    """scikit-learn's own initial weights: a first fit that cannot move them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.set_params(learning_rate_init=1e-300, max_iter=1, warm_start=True).fit(X, y)
    sk.t_ = 0  # as a fresh fit: the invscaling schedule counts the samples seen
    return [c.copy() for c in sk.coefs_], [b.copy() for b in sk.intercepts_]


@pytest.mark.parametrize("settings, rtol", [
    (dict(solver="sgd", momentum=0.9, nesterovs_momentum=True), 1e-10),
    (dict(solver="sgd", momentum=0.5, nesterovs_momentum=False, learning_rate="invscaling",
          power_t=0.3), 1e-10),
    (dict(solver="sgd", momentum=0.0), 1e-10),
    # epsilon is added as in Kingma & Ba's Algorithm 1, scikit-learn's in effect is
    # epsilon / sqrt(1 - beta_2**t): with a negligible one the steps agree
    (dict(solver="adam", beta_1=0.8, beta_2=0.99, epsilon=1e-12), 1e-8),
])
def test_solver_parameters_take_the_steps_scikit_learn_takes(settings, rtol):
    """From the same weights, the same minibatches in the same order: the same trajectory."""
    from sklearn.neural_network import MLPRegressor as SkR

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    common = dict(hidden_layer_sizes=(7, 5), activation="tanh", batch_size=20, shuffle=False,
                  alpha=1e-3, tol=0.0, **settings)
    sk = SkR(random_state=0, **common)
    coefs, intercepts = _sklearn_start(sk, X, y)
    sk.set_params(learning_rate_init=0.05, max_iter=4)
    ours = MLPRegressor(dtype="float64", learning_rate_init=0.05, max_iter=4, coefs_init=coefs,
                        intercepts_init=intercepts, **common)
    for est in (sk, ours):
        _quiet(est, X, y)
    moved = np.abs(ours.coefs_[0] - coefs[0]).max()
    assert moved > 1e-2
    for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * moved)
    np.testing.assert_allclose(ours.loss_curve_, sk.loss_curve_[1:], rtol=max(rtol, 1e-12))


def test_optimizer_object_wins_and_conflicting_settings_raise(digits):
    X, y = digits
    clf = _quiet(MLPClassifier((8,), solver="sgd", optimizer=SGD(learning_rate=0.2), max_iter=1),
                 X, y)  # solver may name the object's kind
    assert clf._optimizer == SGD(learning_rate=0.2)
    for kw in (dict(solver="sgd", optimizer=Adam()), dict(solver="lbfgs", optimizer=Adam()),
               dict(learning_rate_init=0.01, optimizer=Adam()),
               dict(momentum=0.5, optimizer=SGD())):
        with pytest.raises(ValueError, match=r"sets the optimization, so .*would be ignored"):
            MLPClassifier((8,), **kw).fit(X, y)
    with pytest.raises(ValueError, match="dropout needs minibatch"):
        MLPClassifier((8,), solver="lbfgs", dropout=0.2).fit(X, y)
    # a call that raised changed nothing in a fitted estimator
    before = clf.coefs_[0].copy()
    with pytest.raises(ValueError, match="would be ignored"):
        clf.set_params(warm_start=True, learning_rate_init=0.5).fit(X, y)
    np.testing.assert_array_equal(clf.coefs_[0], before)


def test_optimizer_names_stand_for_the_objects(digits):
    from sknetphys.optimizers import RMSprop

    X, y = digits
    clf = _quiet(MLPClassifier((8,), optimizer="rmsprop", max_iter=1, random_state=0), X, y)
    assert clf._optimizer == RMSprop()
    same = _quiet(MLPClassifier((8,), optimizer=RMSprop(), max_iter=1, random_state=0), X, y)
    np.testing.assert_array_equal(clf.coefs_[0], same.coefs_[0])
    clf.set_params(optimizer__learning_rate=0.05)  # the name becomes the object
    assert clf.optimizer == RMSprop(learning_rate=0.05)
    with pytest.raises(ValueError, match="would be ignored"):
        MLPClassifier((8,), optimizer="adam", learning_rate_init=0.1).fit(X, y)
    with pytest.raises(ValueError, match="optimizer"):
        MLPClassifier((8,), optimizer="newton").fit(X, y)


def test_optimizer_parameters_settable_with_the_default_optimizer(digits):
    X, y = digits
    clf = MLPClassifier((8,), solver="sgd", momentum=0.5, learning_rate_init=0.1)
    clf.set_params(optimizer__nesterov=False)
    # the optimizer became the object the parameters described, which now hold it
    assert clf.optimizer == SGD(learning_rate=0.1, momentum=0.5, nesterov=False)
    assert clf.learning_rate_init == 0.001 and clf.momentum == 0.9
    assert clone(clf).get_params()["optimizer__momentum"] == 0.5
    search = GridSearchCV(MLPClassifier((8,), max_iter=5, random_state=0),
                          {"optimizer__learning_rate": [1e-5, 1e-2]}, cv=2)
    _quiet(search, X, y)
    assert search.best_params_ == {"optimizer__learning_rate": 1e-2}
    assert search.best_estimator_.optimizer == Adam(learning_rate=1e-2)
    with pytest.raises(ValueError, match="lbfgs.*max_iter, max_fun and tol"):
        MLPClassifier(solver="lbfgs").set_params(optimizer__learning_rate=0.1)


def test_lbfgs_fits_full_batch_and_warns_as_scikit_learn(digits, capsys):
    X, y = digits
    clf = MLPClassifier((16,), solver="lbfgs", max_iter=400, random_state=0, alpha=1e-3)
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="no attribute 'partial_fit'") as error:
        clf.partial_fit(X, y)
    assert "lbfgs is not stochastic" in str(error.value.__cause__)
    clf.fit(X[:1000], y[:1000])
    assert clf.score(X[1000:], y[1000:]) > 0.93
    assert clf.coefs_[0].dtype == np.float32 and len(clf.loss_curve_) == clf.n_iter_ <= 400
    assert clf.loss_ == clf.loss_curve_[-1] == clf.best_loss_
    assert clf.validation_scores_ is None
    with pytest.warns(ConvergenceWarning, match=r"lbfgs failed to converge after 5 iter"):
        fit5 = MLPClassifier((16,), solver="lbfgs", max_iter=5, random_state=0,
                             verbose=True).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5 and lines[-1].startswith("Iteration 5: loss = ")
    fit5.set_params(verbose=False)
    # warm_start continues from the weights: the loss goes on falling
    _quiet(fit5.set_params(warm_start=True), X, y)
    assert fit5.n_iter_ == 10 and fit5.loss_curve_[-1] < fit5.loss_curve_[4]
    # Adam after L-BFGS (a continued fit with another solver) starts a fresh optimizer state
    _quiet(fit5.set_params(solver="adam", max_iter=2), X, y)
    assert fit5._opt_state["t"] == 2 * 9 and fit5.n_iter_ == 12


def test_classifier_quadratic_cost_trains_and_differs_from_cross_entropy(digits):
    from sknetphys._core.losses import SigmoidSquaredLoss, SoftmaxSquaredLoss

    X, y = digits
    kw = dict(hidden_layer_sizes=(32,), max_iter=30, random_state=0, learning_rate_init=0.01)
    quad = _quiet(MLPClassifier(loss="squared_error", **kw), X[:1200], y[:1200])
    xent = _quiet(MLPClassifier(**kw), X[:1200], y[:1200])
    assert isinstance(quad._loss, SoftmaxSquaredLoss) and quad.out_activation_ == "softmax"
    assert quad.score(X[1200:], y[1200:]) > 0.9
    assert not np.allclose(quad.coefs_[0], xent.coefs_[0])
    # the quadratic cost on probabilities is at most 1 a sample; cross-entropy is not bounded
    assert quad.loss_curve_[0] < 0.5 < xent.loss_curve_[0]
    binary = _quiet(MLPClassifier(loss="squared_error", **kw), X, y % 2)
    assert isinstance(binary._loss, SigmoidSquaredLoss) and binary.score(X, y % 2) > 0.9


def test_poisson_regression_as_scikit_learn():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(400, 3))
    rate = np.exp(1 + X[:, 0] - X[:, 1])
    y = rng.poisson(rate)
    reg = _quiet(MLPRegressor((16,), loss="poisson", solver="lbfgs", random_state=0), X, y)
    assert reg.out_activation_ == "exp" and np.all(reg.predict(X) > 0)
    # close to the true rate, and better than squared error at the deviance it minimises
    assert np.corrcoef(np.log(reg.predict(X)), np.log(rate))[0, 1] > 0.95
    with pytest.raises(ValueError, match="y >= 0"):
        MLPRegressor(loss="poisson").fit(X, y - 1.0)
    with pytest.raises(ValueError, match="output_activation='identity'"):
        MLPRegressor(loss="poisson", output_activation="sigmoid").fit(X, y)
    # early stopping scores the predictions (exp of the outputs), not the raw outputs
    es = _quiet(MLPRegressor((16,), loss="poisson", early_stopping=True, random_state=0,
                             learning_rate_init=0.01, max_iter=50), X, y)
    assert max(es.validation_scores_) > 0.3


def test_regressor_output_activation_trains_through_it():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(300, 2))
    y = 0.5 + 0.45 * np.sin(3 * X[:, 0]) * X[:, 1]  # in (0.05, 0.95)
    reg = MLPRegressor((16,), "tanh", output_activation="sigmoid", solver="lbfgs",
                       random_state=0).fit(X, y)
    assert reg.out_activation_ == "sigmoid" and reg.score(X, y) > 0.97
    # the output layer is a sigmoid: what it predicts for far-away inputs stays in (0, 1)
    far = reg.predict(rng.uniform(-50, 50, size=(500, 2)))
    assert far.min() >= 0 and far.max() <= 1 and np.ptp(far) > 0.1


# --- networks from given weights ----------------------------------------------------------
def _numpy_forward(coefs, intercepts, X, hidden="sigmoid", out=lambda z: z):
    from tests._core.naive_dense import act

    a = np.asarray(X, dtype=np.float64)
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = a @ np.asarray(W, float) + np.asarray(b, float)
        a = act(hidden, z) if i < len(coefs) - 1 else out(z)
    return a


XOR = dict(coefs=[[[20, -20], [20, -20]], [[20], [20]]], intercepts=[[-10, 30], [-30]])
TRUTH = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])


def test_from_weights_xor_truth_table_and_fitted_state():
    xor = MLPClassifier.from_weights(**XOR)
    np.testing.assert_array_equal(xor.predict(TRUTH), [0, 1, 1, 0])
    p1 = _numpy_forward(XOR["coefs"], XOR["intercepts"], TRUTH,
                        out=lambda z: 1 / (1 + np.exp(-z)))[:, 0]
    np.testing.assert_allclose(xor.predict_proba(TRUTH), np.stack([1 - p1, p1], 1), rtol=1e-12)
    # the two hidden neurons are OR and NAND
    np.testing.assert_array_equal(xor.layer_activations(TRUTH).round(), [[0, 1], [1, 1], [1, 1], [1, 0]])
    assert xor.n_features_in_ == 2 and xor.n_iter_ == 0 and xor.t_ == 0
    assert xor.loss_curve_ == [] and xor.loss_ is None and xor.best_loss_ is None
    assert xor.out_activation_ == "logistic" and xor.n_layers_ == 3
    params = xor.get_params()
    assert params["hidden_layer_sizes"] == (2,) and params["activation"] == "sigmoid"
    restored = pickle.loads(pickle.dumps(xor))
    np.testing.assert_array_equal(restored.predict_proba(TRUTH), xor.predict_proba(TRUTH))
    # a clone is the same network before training; fitted it starts from these weights
    again = clone(xor).set_params(max_iter=1, learning_rate_init=1e-12)
    _quiet(again, TRUTH, [0, 1, 1, 0])
    np.testing.assert_allclose(again.predict_proba(TRUTH), xor.predict_proba(TRUTH), atol=1e-9)
    # and it trains on: warm_start continues the hand-built network
    _quiet(xor.set_params(warm_start=True, max_iter=3), TRUTH, [0, 1, 1, 0])
    assert xor.n_iter_ == 3


def test_from_weights_regressor_equals_a_numpy_forward_pass():
    rng = np.random.default_rng(0)
    coefs = [rng.normal(size=(3, 5)), rng.normal(size=(5, 4)), rng.normal(size=(4, 2))]
    intercepts = [rng.normal(size=5), rng.normal(size=4), rng.normal(size=2)]
    X = rng.normal(size=(50, 3))
    for activation, out in (("tanh", "identity"), (["relu", "sigmoid"], "sigmoid")):
        reg = MLPRegressor.from_weights(coefs, intercepts, activation, out)
        from tests._core.naive_dense import act

        a = X
        for i, (W, b) in enumerate(zip(coefs, intercepts)):
            name = out if i == 2 else (activation if isinstance(activation, str) else activation[i])
            a = act(name, a @ W + b)
        np.testing.assert_allclose(reg.predict(X), a, rtol=1e-12)
        assert reg.out_activation_ == out and reg.n_outputs_ == 2
    # an exp output is the Poisson loss's
    poisson = MLPRegressor.from_weights(coefs[:1] + [rng.normal(size=(5, 1))],
                                        intercepts[:1] + [np.zeros(1)], "tanh", "exp")
    assert poisson.loss == "poisson" and poisson.out_activation_ == "exp"
    assert poisson.predict(X).shape == (50,) and np.all(poisson.predict(X) > 0)
    # a single-layer perceptron: no hidden layer
    single = MLPRegressor.from_weights([[[1.0], [2.0]]], [[0.5]])
    np.testing.assert_allclose(single.predict([[1.0, 1.0]]), [3.5])
    assert single.get_params()["hidden_layer_sizes"] == ()


def test_from_weights_lecture_square():
    """1 inside the square |x|, |y| < 1/2, else 0: four sigmoid steps and their AND."""
    square = MLPRegressor.from_weights(
        coefs=[[[50, -50, 0, 0], [0, 0, 50, -50]], [[50], [50], [50], [50]]],
        intercepts=[[25, 25, 25, 25], [-175]], output_activation="sigmoid")
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 41), np.linspace(-1, 1, 41)), -1).reshape(-1, 2)
    inside = np.all(np.abs(grid) < 0.5, axis=1)
    edge = np.any(np.abs(np.abs(grid) - 0.5) < 0.1, axis=1)
    pred = square.predict(grid)
    np.testing.assert_allclose(pred[~edge], inside[~edge], atol=1e-3)
    expected = _numpy_forward(square.coefs_, square.intercepts_, grid,
                              out=lambda z: 1 / (1 + np.exp(-z)))[:, 0]
    np.testing.assert_allclose(pred, expected, rtol=1e-12, atol=1e-300)


def test_from_weights_classifier_outputs_and_classes():
    rng = np.random.default_rng(1)
    coefs, intercepts = [rng.normal(size=(2, 4)), rng.normal(size=(4, 3))], [np.zeros(4), rng.normal(size=3)]
    X = rng.normal(size=(20, 2))
    soft = lambda z: np.exp(z) / np.exp(z).sum(1, keepdims=True)  # noqa: E731
    expected = _numpy_forward(coefs, intercepts, X, out=soft)
    # labels given out of order: the probabilities follow the sorted classes_
    clf = MLPClassifier.from_weights(coefs, intercepts, classes=["c", "a", "b"])
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    np.testing.assert_allclose(clf.predict_proba(X), expected[:, [1, 2, 0]], rtol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), np.array(["c", "a", "b"])[expected.argmax(1)])
    # multilabel: k sigmoid outputs
    ml = MLPClassifier.from_weights(coefs, intercepts, output_activation="sigmoid")
    sig = _numpy_forward(coefs, intercepts, X, out=lambda z: 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(ml.predict_proba(X), sig, rtol=1e-12)
    np.testing.assert_array_equal(ml.predict(X), (sig > 0.5).astype(int))
    # two softmax outputs: kept as one sigmoid unit, the same probabilities
    two = MLPClassifier.from_weights([coefs[0], coefs[1][:, :2]], [intercepts[0], intercepts[1][:2]],
                                     classes=[1, 0])
    p = _numpy_forward([coefs[0], coefs[1][:, :2]], [intercepts[0], intercepts[1][:2]], X, out=soft)
    np.testing.assert_allclose(two.predict_proba(X), p[:, ::-1], rtol=1e-10)
    assert two.coefs_[-1].shape == (4, 1)
    # one sigmoid output with classes in decreasing order: P(classes[1]) is the first column
    flip = MLPClassifier.from_weights(**XOR, classes=["yes", "no"])
    np.testing.assert_array_equal(flip.predict(TRUTH), ["yes", "no", "no", "yes"])


@pytest.mark.parametrize("coefs, intercepts, kw, match", [
    (np.ones((2, 2)), [np.ones(2)], {}, "list of arrays"),
    ([np.ones((2, 2))], [np.ones(2), np.ones(1)], {}, "one weight matrix and one bias"),
    ([np.ones((2, 2)), np.ones((3, 1))], [np.ones(2), np.ones(1)], {}, "has 3 rows, but layer 0"),
    ([np.ones((2, 2))], [np.ones(3)], {}, r"intercepts\[0\] must have shape \(2,\)"),
    ([np.ones(2)], [np.ones(2)], {}, "2-D array"),
    ([[[np.nan]]], [[0.0]], {}, "NaN"),
    ([[["a"]]], [[0.0]], {}, "numeric"),
    ([np.ones((2, 1))], [np.ones(1)], {"output_activation": "softmax"}, "k >= 2 outputs"),
    ([np.ones((2, 3))], [np.ones(3)], {"classes": [0, 1]}, "3 distinct labels"),
    ([np.ones((2, 3))], [np.ones(3)], {"classes": [0, 0, 1]}, "3 distinct labels"),
    ([np.ones((2, 3))], [np.ones(3)], {"output_activation": "sigmoid", "classes": [5, 6, 7]},
     "multilabel"),
    ([np.ones((2, 1))], [np.ones(1)], {"activation": "swish"}, "Unknown activation"),
])
def test_from_weights_clear_errors(coefs, intercepts, kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        MLPClassifier.from_weights(coefs, intercepts, **kw)


def test_from_weights_rejects_parameters_it_sets():
    with pytest.raises(TypeError, match="hidden_layer_sizes"):
        MLPRegressor.from_weights(**XOR, hidden_layer_sizes=(3,))
    reg = MLPRegressor.from_weights(**XOR, alpha=0.5, dtype="float32")
    assert reg.alpha == 0.5 and reg.coefs_[0].dtype == np.float32
