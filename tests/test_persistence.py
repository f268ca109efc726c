"""Saving and loading every estimator: pickle and skops, fitted and unfitted, outputs
identical after the round trip, training that continues identically, the version recorded."""

import pickle
import warnings

import numpy as np
import pytest
import skops.io as sio

import sknetphys
from sknetphys import InconsistentVersionWarning
from sknetphys.optimizers import SGD
from tests._estimators import BY_NAME, CASES, NETWORKS, ids

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _pickle(est):
    return pickle.loads(pickle.dumps(est))


def _skops(est):
    data = sio.dumps(est)
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


ROUND_TRIPS = {"pickle": _pickle, "skops": _skops}


def _continue(case, est, X, y):
    kw = {"classes": np.arange(10)} if case.kind == "classifier" else {}
    return est.partial_fit(X, y, **kw)


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_round_trip_of_a_fitted_estimator_gives_identical_outputs(case, how):
    X, y = case.data()
    est = case.fit(case.make(), X, y)
    loaded = ROUND_TRIPS[how](est)
    assert type(loaded) is type(est) and loaded is not est
    for name, value in case.outputs(est, X, y).items():
        np.testing.assert_array_equal(case.outputs(loaded, X, y)[name], value, err_msg=name)
    for attr in ("n_features_in_", "n_iter_", "loss_curve_", "classes_", "input_shape_",
                 "kl_divergence_", "n_codes_", "pretrain_loss_curves_"):
        if hasattr(est, attr):
            np.testing.assert_array_equal(getattr(loaded, attr), getattr(est, attr))
    if case.network:  # and training goes on exactly as it would have
        for _ in range(2):
            for model in (est, loaded):
                _continue(case, model, X, y)
        np.testing.assert_array_equal(loaded._net.params, est._net.params)
        np.testing.assert_array_equal(loaded._opt_state["m"], est._opt_state["m"])
        assert loaded.n_iter_ == est.n_iter_ and loaded.t_ == est.t_


@pytest.mark.parametrize("how", ROUND_TRIPS)
@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_round_trip_of_an_unfitted_estimator_fits_like_the_original(case, how):
    est = case.make()
    loaded = ROUND_TRIPS[how](est)
    assert repr(loaded) == repr(est)
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(loaded))
    X, y = case.data()
    for model in (est, loaded):
        case.fit(model, X, y)
    for name, value in case.outputs(est, X, y).items():
        np.testing.assert_array_equal(case.outputs(loaded, X, y)[name], value, err_msg=name)


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_skops_asks_to_trust_only_sknetphys_types(case):
    X, y = case.data()
    # parameters of every kind a user may pass: an optimizer object, a RandomState, a dtype
    params = {"random_state": np.random.RandomState(0)}
    if case.network:
        params.update(optimizer=SGD(learning_rate=0.01, momentum=0.9), dtype=np.float64)
    for est in (case.make(**params), case.fit(case.make(**params), X, y)):
        untrusted = sio.get_untrusted_types(data=sio.dumps(est))
        assert untrusted and all(name.startswith("sknetphys.") for name in untrusted), untrusted
        # and nothing else: a load trusting exactly these works
        loaded = sio.loads(sio.dumps(est), trusted=untrusted)
        assert repr(loaded.set_params(random_state=0)) == repr(est.set_params(random_state=0))
        est.set_params(**params)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(sio.dumps(est))  # nothing is trusted without being asked


@pytest.mark.parametrize("name", ["MLPClassifier", "ConvAutoencoder"])
@pytest.mark.parametrize("how", ROUND_TRIPS)
def test_a_model_saved_by_another_version_warns_on_load(how, name, monkeypatch):
    case = BY_NAME[name]
    X, y = case.data()
    est = case.fit(case.make(), X, y)
    dump, load = ((pickle.dumps, pickle.loads) if how == "pickle" else
                  (sio.dumps, lambda b: sio.loads(b, trusted=sio.get_untrusted_types(data=b))))
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentVersionWarning)
        same = load(dump(est))  # the same version: no warning
    expected = case.outputs(est, X, y)
    for method, value in case.outputs(same, X, y).items():
        np.testing.assert_array_equal(value, expected[method], err_msg=method)
    monkeypatch.setattr(sknetphys._version, "__version__", "0.0.1")
    old = dump(est)
    monkeypatch.undo()
    with pytest.warns(InconsistentVersionWarning, match=r"saved by sknetphys 0\.0\.1 with "
                                                        rf"sknetphys {sknetphys.__version__}"
                      ) as record:
        loaded = load(old)
    warning = record[0].message
    assert (warning.estimator_name, warning.original_version, warning.current_version) == (
        type(est).__name__, "0.0.1", sknetphys.__version__)
    for method, value in case.outputs(loaded, X, y).items():
        np.testing.assert_array_equal(value, expected[method], err_msg=method)
    assert "_sknetphys_version" not in vars(loaded)  # recorded in the file, not kept


def test_a_file_without_a_version_warns_too():
    est = NETWORKS[0].make()
    state = est.__getstate__()
    del state["_sknetphys_version"]
    blank = type(est).__new__(type(est))
    with pytest.warns(InconsistentVersionWarning, match="saved by sknetphys unknown"):
        blank.__setstate__(state)
