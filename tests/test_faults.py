"""Bad input and bad parameters, as one matrix over every estimator: each gets a clear error,
and a call that raised changes nothing (the whole pickled state, random generators included,
is byte for byte what it was; so are the outputs of every inference method)."""

import pickle
import re

import numpy as np
import pytest
from sklearn.base import is_classifier

from sknetphys import Conv2D, Dense, Flatten, MaxPool2D, RandomShiftRotate, UpSampling2D
from tests._estimators import BY_NAME, CASES, NETWORKS, ids

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _state(est):
    return pickle.dumps(est)


def _fit_faults(case):
    """(id, X, y, match) for data that ``fit`` must refuse."""
    X, y = case.data(60)
    nan, inf = X.copy(), X.copy()
    nan[3, 5], inf[7, 2] = np.nan, np.inf
    faults = [
        ("nan_X", nan, y, "NaN"),
        ("inf_X", inf, y, "infinity"),
        ("empty", X[:0], None if y is None else y[:0], "0 sample"),
        # images may be 3-D or 4-D; 5-D is too many for them, 3-D for the rest
        ("ndim", X.reshape((60, 2, 4, 8, 1) if case.images else (60, 8, 8)), y, "dim"),
    ]
    if case.kind != "transformer":
        faults.append(("y_length", X, y[:-1], "inconsistent numbers of samples"))
    if case.kind == "regressor":
        for name, value in (("nan_y", np.nan), ("inf_y", np.inf)):
            bad = y.copy()
            bad[4] = value
            faults.append((name, X, bad, "NaN" if name == "nan_y" else "infinity"))
    if case.kind == "classifier":
        faults.append(("one_class", X, np.zeros(60, int), "at least 2 classes"))
    if case.images:  # channels-first images, (n, 1, 8, 8)
        faults.append(("nchw", X.reshape(60, 1, 8, 8), y, "channels-last"))
    return faults


def _param_faults(case):
    """(id, params, match) for parameters that ``fit`` must refuse."""
    if not case.network:
        return [("perplexity", {"perplexity": case.n_samples}, "perplexity"),
                ("n_components", {"n_components": 0}, "n_components"),
                ("method", {"method": "fastest"}, "method")]
    common = [
        ("optimizer", {"optimizer": "adamw"}, "optimizer"),
        ("batch_size", {"batch_size": 0}, "batch_size"),
        ("max_iter", {"max_iter": 0}, "max_iter"),
        ("alpha", {"alpha": -1.0}, "alpha"),
        ("weight_init", {"weight_init": "ones"}, "weight_init"),
        ("dtype", {"dtype": "float16"}, "dtype"),
    ]
    if case.autoencoder:
        common += _autoencoder_faults(case)
    if not case.images:
        return common + [
            ("activation", {"activation": "swish"}, "Unknown activation"),
            ("size_zero", {"hidden_layer_sizes": (0,)}, "positive"),
            ("size_negative", {"hidden_layer_sizes": (8, -2)}, "positive"),
        ]
    if case.autoencoder:
        return common
    return common + [
        ("activation", {"layers": [Conv2D(3, 3, activation="swish"), Flatten()]},
         "Unknown activation"),
        ("layer_name", {"layers": ["conv", Flatten()]}, "layers must be a non-empty list"),
        ("no_layers", {"layers": []}, "layers must be a non-empty list"),
        ("filters_zero", {"layers": [Conv2D(0, 3), Flatten()]}, "positive"),
        ("kernel_zero", {"layers": [Conv2D(3, 0), Flatten()]}, "positive"),
        ("units_zero", {"layers": [Flatten(), Dense(0)]}, "positive"),
        # the message names the layer, its position and the shape it met
        ("unbuildable", {"layers": [Conv2D(3, 3), MaxPool2D(2), MaxPool2D(2), MaxPool2D(2)]},
         r"Cannot build layer 3 of the stack, MaxPool2D\(\), on input shape \(1, 1, 3\)"),
        ("kernel_too_big", {"layers": [Conv2D(3, 9), Flatten()]},
         r"layer 0 of the stack, Conv2D\(filters=3, kernel_size=9\), on input shape \(8, 8, 1\)"),
        ("input_shape", {"input_shape": (0, 8, 8)}, "input_shape"),
        ("augment", {"augment": {"zoom": 2}}, "augment accepts the keys"),
    ]


def _autoencoder_faults(case):
    """The autoencoders' own parameters: noise, sparsity, pretraining, the reconstruction
    loss; the dense one's layer sizes, the conv one's encoder and decoder."""
    faults = [
        ("noise", {"noise": "blur"}, "'noise' parameter"),
        ("noise_level", {"noise_level": -0.1}, "'noise_level' parameter"),
        ("masked_fraction", {"noise": "masking", "noise_level": 1.0}, "must be below 1"),
        ("sparsity_target_zero", {"sparsity_target": 0.0}, "'sparsity_target' parameter"),
        ("sparsity_target_one", {"sparsity_target": 1.0}, "'sparsity_target' parameter"),
        ("sparsity_weight", {"sparsity_weight": -0.5}, "'sparsity_weight' parameter"),
        ("pretrain", {"pretrain": "layerwise"}, "'pretrain' parameter"),
        ("pretrain_max_iter", {"pretrain_max_iter": 0}, "'pretrain_max_iter' parameter"),
        ("loss", {"loss": "mae"}, "'loss' parameter"),
        ("output_activation", {"output_activation": "tanh"}, "'output_activation' parameter"),
        ("cross_entropy_identity", {"loss": "binary_crossentropy"}, "needs a sigmoid output"),
    ]
    if not case.images:
        return faults + [
            ("code_activation", {"code_activation": "swish"}, "Unknown activation"),
            ("sparse_relu_code", {"code_activation": "relu", "sparsity_weight": 0.1},
             "sigmoid code layer"),
            ("decoder_size_zero", {"decoder_layer_sizes": (0,)}, "positive"),
            ("pretrain_unmirrored", {"decoder_layer_sizes": (5,), "pretrain": "greedy"},
             "mirrored decoder"),
            ("dropout", {"dropout": 1.0}, r"Dropout rate must be in \[0, 1\)"),
        ]
    same = {"padding": "same"}
    return faults + [
        ("activation", {"encoder": [Conv2D(3, 3, activation="swish", **same)]},
         "Unknown activation"),
        ("encoder_name", {"encoder": ["conv"]}, "encoder must be a non-empty list"),
        ("no_encoder", {"encoder": []}, "encoder must be a non-empty list"),
        ("decoder_name", {"decoder": [Conv2D(1, 3, **same), "up"]},
         "decoder must be a non-empty list"),
        ("filters_zero", {"encoder": [Conv2D(0, 3, **same)]}, "positive"),
        ("kernel_zero", {"encoder": [Conv2D(3, 0, **same)]}, "positive"),
        ("sparse_relu_code", {"sparsity_weight": 0.1}, "sigmoid code layer"),
        # the messages name the layer, its position and the shape it met
        ("unbuildable_encoder", {"encoder": [Conv2D(3, 3), MaxPool2D(2), MaxPool2D(2),
                                             MaxPool2D(2)]},
         r"Cannot build layer 3 of the encoder, MaxPool2D\(\), on input shape \(1, 1, 3\) "
         r"\(image shape \(8, 8, 1\) inferred"),
        # the decoder starts from the 4x4x2 codes: no image shape is said for it
        ("unbuildable_decoder", {"decoder": [Conv2D(4, 3), Conv2D(1, 3)]},
         r"Cannot build layer 1 of the decoder, Conv2D\(filters=1, kernel_size=3\), on input "
         r"shape \(2, 2, 4\) \(the decoder starts from the codes, the encoder's output of "
         r"shape \(4, 4, 2\)\): .* Change the decoder\.$"),
        ("decoder_shape", {"decoder": [Conv2D(1, 3, **same)]},
         r"The decoder gives outputs of shape \(4, 4, 1\) from codes of shape \(4, 4, 2\), "
         r"but the input images have shape \(8, 8, 1\)"),
        ("decoder_to_rows", {"decoder": [Flatten(), Dense(64)]},
         r"outputs of shape \(64,\) from codes of shape \(4, 4, 2\)"),
        ("no_mirror", {"encoder": [Conv2D(2, 3, **same), RandomShiftRotate()]},
         "no mirror for RandomShiftRotate"),
        ("valid_conv_mirror", {"encoder": [Conv2D(2, 3)]}, "padding='same'"),
        ("pool_first", {"encoder": [MaxPool2D(2), Conv2D(2, 3, **same)]},
         "starts with MaxPool2D"),
        ("sigmoid_output_decoder", {"decoder": [Conv2D(1, 3, **same), UpSampling2D(2)],
                                    "output_activation": "sigmoid"},
         "last layer's activation is the output's"),
        ("input_shape", {"input_shape": (0, 8, 8)}, "input_shape"),
    ]


def _fit(case, est, X, y):
    return case.fit(est, X, y)


FIT_FAULTS = [(case, *f) for case in CASES for f in _fit_faults(case)]
PARAM_FAULTS = [(case, *f) for case in CASES for f in _param_faults(case)]


@pytest.fixture(scope="module")
def fitted():
    """Every estimator fitted once (tests work on pickled copies)."""
    out = {}
    for case in CASES:
        X, y = case.data()
        out[case.name] = pickle.dumps(_fit(case, case.make(), X, y))
    return out


def _copy(fitted, case):
    return pickle.loads(fitted[case.name])


@pytest.mark.parametrize("case, fault, X, y, match", FIT_FAULTS,
                         ids=[f"{c.name}-{f[0]}" for c, *f in FIT_FAULTS])
def test_bad_data_is_refused_by_fit_and_changes_nothing(case, fault, X, y, match, fitted):
    fresh = case.make()
    before = _state(fresh)
    with pytest.raises(ValueError, match=match):
        _fit(case, fresh, X, y)
    assert _state(fresh) == before  # still unfitted, no attribute left behind

    est = _copy(fitted, case)
    Xg, yg = case.data()
    outputs, before = case.outputs(est, Xg, yg), _state(est)
    with pytest.raises(ValueError, match=match):
        _fit(case, est, X, y)
    assert _state(est) == before
    for name, value in case.outputs(est, Xg, yg).items():
        np.testing.assert_array_equal(value, outputs[name], err_msg=name)


# one class of the ten announced ones is fine for partial_fit
PARTIAL_FIT_FAULTS = [f for f in FIT_FAULTS if f[0].network and f[1] != "one_class"]


@pytest.mark.parametrize("case, fault, X, y, match", PARTIAL_FIT_FAULTS,
                         ids=[f"{c.name}-{f[0]}" for c, *f in PARTIAL_FIT_FAULTS])
def test_bad_data_is_refused_by_partial_fit_and_changes_nothing(case, fault, X, y, match,
                                                                fitted):
    kw = {"classes": np.arange(10)} if case.kind == "classifier" else {}
    fresh = case.make()
    before = _state(fresh)
    with pytest.raises(ValueError, match=match):
        fresh.partial_fit(X, y, **kw)
    assert _state(fresh) == before

    est = _copy(fitted, case)
    Xg, yg = case.data()
    outputs, before = case.outputs(est, Xg, yg), _state(est)
    with pytest.raises(ValueError, match=match):
        est.partial_fit(X, y, **kw)
    assert _state(est) == before
    for name, value in case.outputs(est, Xg, yg).items():
        np.testing.assert_array_equal(value, outputs[name], err_msg=name)


@pytest.mark.parametrize("case, fault, params, match", PARAM_FAULTS,
                         ids=[f"{c.name}-{f[0]}" for c, *f in PARAM_FAULTS])
def test_bad_parameters_are_refused_and_change_nothing(case, fault, params, match, fitted):
    X, y = case.data()
    with pytest.raises(ValueError, match=match):
        _fit(case, case.make(**params), X, y)
    # a fitted estimator given the bad parameters and refit keeps its fitted state
    est = _copy(fitted, case)
    outputs = case.outputs(est, X, y)
    good = {name: est.get_params()[name] for name in params}
    est.set_params(**params)
    before = _state(est)
    with pytest.raises(ValueError, match=match):
        _fit(case, est, X, y)
    assert _state(est) == before
    est.set_params(**good)
    for name, value in case.outputs(est, X, y).items():
        np.testing.assert_array_equal(value, outputs[name], err_msg=name)


def _predict_faults(case):
    X, _ = case.data(40)
    nan = X.copy()
    nan[1, 1] = np.nan
    faults = [
        ("features", X[:, :10], "features"),
        ("nan", nan, "NaN"),
        ("inf", np.where(nan != nan, np.inf, X), "infinity"),
        ("empty", X[:0], "0 sample"),
        ("ndim", X.reshape((40, 2, 4, 8, 1) if case.images else (40, 8, 8)), "dim"),
    ]
    if case.images:
        faults += [("image_shape", X.reshape(40, 4, 16), r"fitted on \(8, 8, 1\)"),
                   ("nchw", X.reshape(40, 1, 8, 8), "channels-last")]
    return faults


PREDICT_FAULTS = [(case, method, *f) for case in CASES for method in case.methods
                  if method != "inverse_transform" for f in _predict_faults(case)]


@pytest.mark.parametrize("case, method, fault, X, match", PREDICT_FAULTS,
                         ids=[f"{c.name}-{m}-{f[0]}" for c, m, *f in PREDICT_FAULTS])
def test_bad_data_at_inference_is_refused_and_changes_nothing(case, method, fault, X, match,
                                                              fitted):
    est = _copy(fitted, case)
    before = _state(est)
    call = getattr(est, method)
    with pytest.raises(ValueError, match=match):
        call(X, np.zeros(len(X))) if method == "score" else call(X)
    assert _state(est) == before


# inverse_transform takes codes: bad ones made from the good codes of 40 digits
CODE_FAULTS = {
    "width": (lambda c: c[:, :-1], r"has \d+ columns, but \w+ has \d+ codes \(n_codes_\)"),
    "nan": (lambda c: np.where(c == c.max(), np.nan, c), "NaN"),
    "inf": (lambda c: np.where(c == c.max(), -np.inf, c), "infinity"),
    "empty": (lambda c: c[:0], r"0 sample\(s\) \(shape=\(0, \d+\)\) while a minimum of 1 is "
                               r"required by \w*Autoencoder"),
    "ndim": (lambda c: c[:, :, None], "dim 3"),  # images of codes: they are rows
}
AUTOENCODERS = [case for case in CASES if case.autoencoder]


@pytest.mark.parametrize("fault", CODE_FAULTS)
@pytest.mark.parametrize("case", AUTOENCODERS, ids=ids(AUTOENCODERS))
def test_bad_codes_at_inverse_transform_are_refused_and_change_nothing(case, fault, fitted):
    est = _copy(fitted, case)
    make, match = CODE_FAULTS[fault]
    bad = make(est.transform(case.data(40)[0]))
    before = _state(est)
    with pytest.raises(ValueError, match=match):
        est.inverse_transform(bad)
    assert _state(est) == before


@pytest.mark.parametrize("case", NETWORKS, ids=ids(NETWORKS))
def test_unknown_labels_and_changed_outputs_in_a_continued_fit_change_nothing(case, fitted):
    est = _copy(fitted, case)
    X, y = case.data()
    before = _state(est)
    if case.kind == "classifier":
        bad = y.copy()
        bad[0] = 11
        with pytest.raises(ValueError, match=r"labels \[11\]"):
            est.partial_fit(X, bad)
        # a first partial_fit whose labels are not among the announced classes
        fresh = case.make()
        with pytest.raises(ValueError, match=r"labels \[11\]"):
            fresh.partial_fit(X, bad, classes=np.arange(10))
        assert not hasattr(fresh, "classes_")
        fresh.partial_fit(X, y, classes=np.arange(10))  # and it still works
    elif case.autoencoder:  # the data keep their features, images their shape
        with pytest.raises(ValueError, match="X has 10 features, but"):
            est.partial_fit(X[:, :10])
        if case.images:
            with pytest.raises(ValueError, match=r"images of shape \(4, 16, 1\), but the "
                                                 r"network was fitted on \(8, 8, 1\)"):
                est.partial_fit(X.reshape(len(X), 4, 16))
    else:
        with pytest.raises(ValueError, match="outputs"):
            est.partial_fit(X, np.stack([y, y], axis=1))
    assert _state(est) == before
    Xg, yg = case.data()
    for name, value in case.outputs(est, Xg, yg).items():
        np.testing.assert_array_equal(value, case.outputs(_copy(fitted, case), Xg, yg)[name])


@pytest.mark.parametrize("case", NETWORKS, ids=ids(NETWORKS))
def test_a_failed_refit_keeps_the_random_state_of_the_next_fit(case, fitted):
    """A refit that failed must not shift what the next fit draws from the estimator's random
    generator: the continued fit equals that of a twin never given bad data."""
    X, y = case.data()
    est, twin = _copy(fitted, case), _copy(fitted, case)
    est.set_params(warm_start=True, validation_fraction=0.001, early_stopping=True)
    with pytest.raises(ValueError, match="validation set is too small"):
        _fit(case, est, X, y)  # the last check before the fit's seed is drawn
    for model in (est, twin):
        model.set_params(warm_start=True, early_stopping=False, validation_fraction=0.1)
        _fit(case, model, X, y)
    assert _state(est) == _state(twin)


@pytest.mark.parametrize("case", NETWORKS, ids=ids(NETWORKS))
def test_a_failed_fit_leaves_the_users_random_state_where_it_was(case):
    """A fit that fails after drawing the initial weights from a RandomState the user passed
    puts the generator back: the next fit draws what it would have."""
    X, y = case.data()
    source = np.random.RandomState(7)
    est = case.make(random_state=source, coefs_init=[np.zeros((1, 1))],
                    intercepts_init=[np.zeros(1)])
    with pytest.raises(ValueError, match=r"coefs_init\[0\] has shape"):
        _fit(case, est, X, y)  # after the weights were drawn from the generator
    np.testing.assert_array_equal(source.get_state()[1], np.random.RandomState(7).get_state()[1])
    a = _fit(case, case.make(random_state=source), X, y)
    b = _fit(case, case.make(random_state=np.random.RandomState(7)), X, y)
    np.testing.assert_array_equal(a._net.params, b._net.params)


def test_the_message_for_a_stack_on_images_from_X_says_where_the_shape_came_from():
    from tests._estimators import digits

    from sknetphys import ConvClassifier

    X, y = digits(60)
    stack = [Conv2D(3, 3), MaxPool2D(2), MaxPool2D(2), MaxPool2D(2)]
    with pytest.raises(ValueError) as four_d:
        ConvClassifier(stack, max_iter=1).fit(X.reshape(60, 8, 8, 1), y)
    assert "taken from the shape of X" in str(four_d.value)
    assert "inferred" not in str(four_d.value) and "square single-channel" not in str(four_d.value)
    with pytest.raises(ValueError) as rows:
        ConvClassifier(stack, max_iter=1).fit(X, y)
    assert "square single-channel images" in str(rows.value)
    with pytest.raises(ValueError) as given:
        ConvClassifier(stack, input_shape=(8, 8, 1), max_iter=1).fit(X, y)
    assert "given as input_shape" in str(given.value)


def test_channels_first_images_are_refused_unless_the_shape_is_given():
    from tests._estimators import digits

    from sknetphys import ConvClassifier

    X, y = digits(60)
    for shape in [(60, 1, 8, 8), (60, 3, 8, 8)]:
        Xc = np.repeat(X.reshape(60, 1, 8, 8), shape[1], axis=1)
        with pytest.raises(ValueError, match=r"channels-first \(NCHW.*X.transpose\(0, 2, 3, 1\)"):
            ConvClassifier(_stack(), max_iter=1).fit(Xc, y)
        # said explicitly, the (odd) layout is taken as given
        clf = ConvClassifier(_stack(), input_shape=shape[1:], max_iter=1).fit(Xc, y)
        assert clf.input_shape_ == shape[1:]
    # channels-last shapes that merely start small are no channels-first images
    for shape in [(60, 1, 16, 4), (60, 4, 4, 4), (60, 2, 32, 1)]:
        clf = ConvClassifier([Flatten()], max_iter=1).fit(X.reshape(shape), y)
        assert clf.input_shape_ == shape[1:]


def _stack():
    return [Conv2D(2, 1), Flatten()]


# --- divergence ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", NETWORKS, ids=ids(NETWORKS))
def test_divergence_names_the_learning_rate_and_keeps_the_best_finite_weights(case, fitted):
    from sknetphys import DivergenceError
    from sknetphys.optimizers import SGD

    X, y = case.data()
    # continuing a fit: the weights it had are the best so far, and stay
    est = _copy(fitted, case)
    best = est._history.best_params.copy()
    est.set_params(warm_start=True, optimizer=SGD(learning_rate=1e4))
    with pytest.raises(DivergenceError, match=r"learning_rate=10000\.0"):
        _fit(case, est, X, y)
    np.testing.assert_array_equal(est._net.params, best)
    for name, value in case.outputs(est, X, y).items():
        assert np.all(np.isfinite(value)), name
    # a fresh fit keeps the weights of its best epoch (or the initial ones), and predicts
    fresh = case.make(optimizer=SGD(learning_rate=1e4))
    with pytest.raises(DivergenceError, match=r"learning_rate=10000\.0"):
        _fit(case, fresh, X, y)
    np.testing.assert_array_equal(fresh._net.params, fresh._history.best_params)
    assert len(fresh.loss_curve_) == fresh.n_iter_ and np.all(np.isfinite(fresh.loss_curve_))
    for name, value in case.outputs(fresh, X, y).items():
        assert np.all(np.isfinite(value)), name


@pytest.mark.parametrize("name", ["Autoencoder", "ConvAutoencoder"])
def test_divergence_in_greedy_pretraining_names_the_stage(name):
    from sknetphys import DivergenceError
    from sknetphys.optimizers import SGD

    case = BY_NAME[name]
    X, _ = case.data()
    est = case.make(pretrain="greedy", optimizer=SGD(learning_rate=1e4))
    with pytest.raises(DivergenceError, match=r"^Greedy pretraining, stage 1 of 2: The training "
                                              r"loss .* learning_rate=10000\.0\. Lower"):
        _fit(case, est, X, None)
    # the stage's curve so far is recorded, fine-tuning never started, the weights are finite
    assert len(est.pretrain_loss_curves_) == 1 and est.n_iter_ == 0
    np.testing.assert_array_equal(est._net.params, est._history.best_params)
    for method, value in case.outputs(est, X).items():
        assert np.all(np.isfinite(value)), method


@pytest.mark.parametrize("optimizer", ["Adam(learning_rate=10)", "SGD(learning_rate=1e4)"])
def test_a_finite_loss_that_explodes_raises_naming_the_learning_rate(optimizer):
    """The issue's cases, as a new user tried them: a loss that stays finite but ends far
    above where it started (Adam: 2.3 -> 2e4 in the first epoch, accuracy 0.11 after 10)
    must not come back as a fitted model with only a ConvergenceWarning."""
    from sklearn.datasets import load_digits

    from sknetphys import DivergenceError, MLPClassifier
    from sknetphys.optimizers import SGD, Adam  # noqa: F401 (eval)

    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier((64,), optimizer=eval(optimizer), max_iter=10, random_state=0)
    rate = re.escape(repr(clf.optimizer.learning_rate))
    with pytest.raises(DivergenceError, match=rf"grew to .* times its value at the start of "
                                              rf"training .*learning_rate={rate}\. Lower"):
        clf.fit(X / 16, y)
    assert clf.n_iter_ == 0  # caught in the first epoch, weights as initialised
    assert np.all(np.isfinite(clf.predict_proba(X / 16)))


def test_healthy_training_is_no_explosion():
    """The yardstick leaves good training alone: rates up to 10x the usual on digits, SGD
    with momentum, a strong L2 penalty, batches of one sample."""
    from sklearn.datasets import load_digits

    from sknetphys import MLPClassifier, MLPRegressor
    from sknetphys.optimizers import SGD, Adam

    X, y = load_digits(return_X_y=True)
    X = X[:400] / 16
    y = y[:400]
    for est in [MLPClassifier((32,), optimizer=Adam(learning_rate=0.1), max_iter=5),
                MLPClassifier((32,), optimizer=SGD(learning_rate=0.1, momentum=0.9),
                              max_iter=5),
                MLPClassifier((32,), alpha=10.0, max_iter=5),
                MLPRegressor((32,), batch_size=1, optimizer=Adam(learning_rate=0.01),
                             max_iter=2)]:
        est.set_params(random_state=0).fit(X, y if is_classifier(est) else y / 9)
        assert est.n_iter_ == est.max_iter
