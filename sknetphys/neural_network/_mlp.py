"""Dense networks: MLPClassifier and MLPRegressor."""

from numbers import Integral, Real

import numpy as np

from .._core.layers import Dense, Dropout
from ._base import BaseNetwork, ClassifierNetworkMixin, RegressorNetworkMixin


class _BaseMLP(BaseNetwork):
    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "hidden_layer_sizes": ["array-like", Integral],
        "activation": [str, list, tuple],
        "dropout": [Real, list, tuple],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, alpha=0.0001,
                 batch_size="auto", max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, optimizer="adam", dropout=0.0,
                 dtype="float32", weight_init="sklearn", coefs_init=None,
                 intercepts_init=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.optimizer = optimizer
        self.dropout = dropout
        self.dtype = dtype
        self.weight_init = weight_init
        self.coefs_init = coefs_init
        self.intercepts_init = intercepts_init

    def _hidden_specs(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, (Integral, np.integer)) else list(sizes)
        if not all(isinstance(s, (Integral, np.integer)) and s > 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive ints, got {sizes!r}.")
        activations = _per_layer(self.activation, len(sizes), "activation")
        rates = _per_layer(self.dropout, len(sizes), "dropout")
        specs = []
        for size, act, rate in zip(sizes, activations, rates):
            specs.append(Dense(int(size), activation=act))
            if rate:
                specs.append(Dropout(float(rate)))
        return specs


def _per_layer(value, n, name):
    if isinstance(value, (str, Real)):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(f"{name} lists {len(value)} values for {n} hidden layers.")
    return value


_PARAMS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.
    activation : str or list of str, default="relu"
        Hidden-layer activation, one name or one per hidden layer: ``identity``,
        ``sigmoid`` (alias ``logistic``), ``tanh``, ``relu``, ``leaky_relu``, ``softplus``, ``elu``.
    alpha : float, default=1e-4
        L2 penalty: ``0.5 * alpha * ||W||^2 / batch_size`` is added to each batch's loss.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, validation split and dropout.
    tol : float, default=1e-4
        Minimum improvement of the loss (or validation score) that counts.
    verbose : bool, default=False
        Print one line per epoch: loss, validation score, time.
    warm_start : bool, default=False
        Continue from the previous fit, optimizer state included.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score stops improving for
        ``n_iter_no_change`` epochs, and restore the best weights.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    optimizer : str or optimizer object, default="adam"
        "sgd", "adagrad", "rmsprop", "adadelta", "adam", or an object from
        :mod:`sknetphys.optimizers` (then ``optimizer__learning_rate`` is grid-searchable).
    dropout : float or list of float, default=0.0
        Inverted-dropout rate after each hidden layer (training only).
    dtype : {"float32", "float64"}, default="float32"
        Training precision. Predictions run in the higher precision of this and the data
        (float32 data: float32, fast; float64 data: float64), and are returned as float64.
    weight_init : str, default="sklearn"
        Initial weights. ``"sklearn"``: scikit-learn's MLP scheme, weights and biases uniform
        in ``+-sqrt(6 / (fan_in + fan_out))`` (times sqrt(2) for the logistic). Or by Keras'
        names, biases zero: ``"glorot_uniform"``, ``"glorot_normal"``, ``"he_uniform"``,
        ``"he_normal"``, ``"lecun_uniform"``, ``"lecun_normal"``. The default was chosen by
        cross-validated scores on scikit-learn's small datasets (benchmarks/RESULTS.md).
    coefs_init, intercepts_init : list of ndarray, default=None
        Starting weights and biases of the first ``len(coefs_init)`` layers, in the layout
        of ``coefs_`` and ``intercepts_`` (the remaining layers start from ``weight_init``):
        for instance a fitted :class:`Autoencoder`'s encoder, to fine-tune it as a
        classifier. Plain arrays, so ``clone`` and ``GridSearchCV`` keep them.

    With ``warm_start=True`` (and in ``partial_fit``) a changed ``dropout``, ``activation``
    or ``dtype`` applies to the fitted weights; a changed ``hidden_layer_sizes`` raises.
"""

_ATTRS_DOC = """
    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (n_in, n_out): views into the flat parameter vector.
    intercepts_ : list of ndarray
    loss_ : float
        Loss of the last epoch.
    loss_curve_ : list of float
        Training loss (penalty included) per epoch.
    best_loss_ : float or None
        Best training loss (None with early stopping).
    validation_scores_ : list of float or None
        Validation score per epoch (with early stopping).
    validation_loss_curve_ : list of float
        Validation loss per epoch (only with early stopping).
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run. ``t_``: samples seen.
    n_layers_, n_outputs_, out_activation_, n_features_in_, feature_names_in_
"""


class MLPClassifier(ClassifierNetworkMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron classifier trained by backpropagation.

    Softmax output with categorical cross-entropy for multiclass targets, sigmoid outputs with
    binary cross-entropy for binary and multilabel targets.
    """
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """    classes_ : ndarray

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknetphys import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier((64,), max_iter=20, random_state=0).fit(X / 16, y)
    >>> clf.score(X / 16, y) > 0.95
    True
    """
    )


class MLPRegressor(RegressorNetworkMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor trained by backpropagation.

    Identity output with the quadratic cost ``C = 1/(2N) sum ||F(x) - y||^2``; any number of
    outputs.
    """
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sknetphys import MLPRegressor
    >>> X = np.linspace(-1, 1, 200).reshape(-1, 1)
    >>> reg = MLPRegressor((32, 32), "tanh", max_iter=300, random_state=0).fit(X, X[:, 0] ** 2)
    >>> reg.score(X, X[:, 0] ** 2) > 0.9
    True
    """
    )
