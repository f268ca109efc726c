"""Dense networks: MLPClassifier and MLPRegressor, with scikit-learn's constructor (the
optimization by scikit-learn's parameters or an optimizer object: see ``_solver.py``).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import StrOptions

from .._core.layers import ACTIVATIONS, Dense, Dropout, activation_code
from ._base import BaseNetwork, ClassifierNetworkMixin, RegressorNetworkMixin, _resolve_dtype
from ._solver import SolverMixin


class _BaseMLP(SolverMixin, BaseNetwork):
    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        **SolverMixin._solver_constraints,
        "hidden_layer_sizes": ["array-like", Integral],
        "activation": [str, list, tuple],
        "dropout": [Real, list, tuple],
    }

    # MLPClassifier's constructor (MLPRegressor's differs in ``loss`` and adds
    # ``output_activation``): scikit-learn's parameters in its order, then ours.
    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="log_loss",
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000,
                 optimizer=None, dropout=0.0, dtype="float32", weight_init="sklearn",
                 coefs_init=None, intercepts_init=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
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
        if isinstance(self.activation, str):  # checked even without hidden layers
            activation_code(self.activation)
        rates = _per_layer(self.dropout, len(sizes), "dropout")
        specs = []
        for size, act, rate in zip(sizes, activations, rates):
            specs.append(Dense(int(size), activation=act))
            if rate:
                specs.append(Dropout(float(rate)))
        return specs

    def _validate_params(self):
        super()._validate_params()  # the optimizer's settings too (SolverMixin)
        self._output_specs(1)

    # --- estimators from given weights ----------------------------------------------------
    @classmethod
    def _from_checked_weights(cls, coefs, intercepts, activation, params, y):
        taken = sorted({"hidden_layer_sizes", "coefs_init", "intercepts_init"} & set(params))
        if taken:
            raise TypeError(f"from_weights sets {taken} from the weights.")
        est = cls(**{"dtype": "float64", **params},
                  hidden_layer_sizes=tuple(W.shape[1] for W in coefs[:-1]),
                  activation=activation)
        return _assemble(est, coefs, intercepts, y)


def _per_layer(value, n, name):
    if isinstance(value, (str, Real)):
        return [value] * n
    value = list(value)
    if len(value) != n:
        raise ValueError(f"{name} lists {len(value)} values for {n} hidden layers.")
    return value


def _check_weights(coefs, intercepts):
    """``coefs`` and ``intercepts`` as float64 copies, checked to form a network:
    ``coefs[i]`` of shape (n_in, n_out), ``intercepts[i]`` of shape (n_out,), each layer's
    n_out the next one's n_in."""
    for name, arrays in (("coefs", coefs), ("intercepts", intercepts)):
        if not isinstance(arrays, (list, tuple)) or not arrays:
            raise TypeError(f"{name} must be a non-empty list of arrays (one per layer), got "
                            f"{type(arrays).__name__}.")
    if len(coefs) != len(intercepts):
        raise ValueError(f"coefs has {len(coefs)} arrays but intercepts {len(intercepts)}; "
                         "give one weight matrix and one bias vector per layer.")
    out_W, out_b = [], []
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        try:
            W, b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"coefs[{i}] and intercepts[{i}] must be numeric arrays.") from None
        if W.ndim != 2 or 0 in W.shape:
            raise ValueError(f"coefs[{i}] must be a 2-D array (n_in, n_out), got shape "
                             f"{W.shape}.")
        if b.shape != (W.shape[1],):
            raise ValueError(f"intercepts[{i}] must have shape ({W.shape[1]},) to match "
                             f"coefs[{i}] of shape {W.shape}, got {b.shape}.")
        if i and W.shape[0] != out_W[-1].shape[1]:
            raise ValueError(f"coefs[{i}] has {W.shape[0]} rows, but layer {i - 1} has "
                             f"{out_W[-1].shape[1]} outputs.")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
            raise ValueError(f"coefs[{i}] or intercepts[{i}] holds NaN or infinite values.")
        out_W.append(W)
        out_b.append(b)
    return out_W, out_b


def _assemble(est, coefs, intercepts, y):
    """Make ``est`` (parameters set, never fitted) a fitted estimator of exactly these
    weights. ``y`` is a stand-in target that sets up the target encoding (classes, number
    of outputs). The weights also become ``coefs_init``/``intercepts_init``, so that
    ``get_params()`` describes the network and a clone starts from it."""
    est.set_params(coefs_init=coefs, intercepts_init=intercepts)
    est._validate_params()
    T = est._encode_targets(y, continuing=False, incremental=False, classes=None)
    dtype = _resolve_dtype(est.dtype)
    est._init_network(np.empty((0, coefs[0].shape[0]), dtype), T.astype(dtype), dtype)
    est._history.best_params = est._net.params.copy()
    est.n_features_in_ = coefs[0].shape[0]
    est._publish(est._history, early_stopping=False)
    est.loss_ = est.best_loss_ = None  # no loss was ever measured
    return est


_LAYERS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer (``()``: none, a single-layer perceptron).
    activation : str or list of str, default="relu"
        Hidden-layer activation, one name or one per hidden layer: ``identity``,
        ``sigmoid`` (alias ``logistic``), ``tanh``, ``relu``, ``leaky_relu``, ``softplus``, ``elu``.
"""

_PARAMS_DOC = """    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        As scikit-learn's: Adam or stochastic gradient descent on minibatches, or
        full-batch L-BFGS (scipy's L-BFGS-B over the flat parameter vector), which often
        converges faster and better on small data. L-BFGS always optimizes in float64
        (its line searches need accurate losses; the weights are then stored in
        ``dtype``), ignores ``batch_size``, ``shuffle`` and ``early_stopping``, and has no
        ``partial_fit``. Ignored when ``optimizer`` is given (it may then name the
        optimizer's kind, "sgd" for :class:`~sknetphys.optimizers.SGD`).
    alpha : float, default=1e-4
        L2 penalty: ``0.5 * alpha * ||W||^2 / batch_size`` is added to each batch's loss
        (the whole data is the batch for L-BFGS).
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        The learning-rate schedule of ``solver="sgd"``: constant; after each epoch
        ``learning_rate_init / (n_samples_seen + 1) ** power_t``; or divided by 5 each
        time training stops improving for ``n_iter_no_change`` epochs, until 1e-6.
    learning_rate_init : float, default=0.001
        Initial learning rate of "sgd" and "adam".
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Maximum number of epochs (of iterations for L-BFGS).
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, validation split and dropout.
    tol : float, default=1e-4
        Minimum improvement of the loss (or validation score) that counts; for L-BFGS,
        the gradient (largest component) below which it has converged.
    verbose : bool, default=False
        Print one line per epoch (L-BFGS: per iteration): loss, validation score, time.
    warm_start : bool, default=False
        Continue from the previous fit, optimizer state included.
    momentum : float in [0, 1], default=0.9
        Momentum of "sgd".
    nesterovs_momentum : bool, default=True
        Nesterov's momentum for "sgd" (when ``momentum > 0``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score stops improving for
        ``n_iter_no_change`` epochs, and restore the best weights.
    validation_fraction : float, default=0.1
        Fraction of the data held out for early stopping.
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
        Decay rates of the first and second moment estimates of "adam".
    epsilon : float, default=1e-8
        Numerical stability term of "adam".
    n_iter_no_change : int, default=10
        Epochs without improvement (by ``tol``) before stopping.
    max_fun : int, default=15000
        Maximum number of loss evaluations of "lbfgs".
    optimizer : optimizer object, str or None, default=None
        An object from :mod:`sknetphys.optimizers` (``SGD``, ``Adagrad``, ``RMSprop``,
        ``Adadelta``, ``Adam``) or its name ("sgd", "adagrad", "rmsprop", "adadelta",
        "adam": the object with its defaults), the richer way to set the optimization; it then wins over
        scikit-learn's parameters above, which must keep their defaults (a changed one
        raises ValueError rather than being ignored). None: the optimizer that ``solver``
        and those parameters describe. ``set_params(optimizer__learning_rate=0.01)`` (and
        the key in a ``GridSearchCV`` grid) works either way: with None, the optimizer
        becomes that object, and scikit-learn's parameters return to their defaults.
    dropout : float or list of float, default=0.0
        Inverted-dropout rate after each hidden layer (training only; not with "lbfgs").
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
    Unlike scikit-learn's MLPs, ``fit`` takes no ``sample_weight`` (repeat samples
    instead). A weighted loss was built and tried: scikit-learn's check that weights equal
    repeated samples then fails for float32 training with a stochastic solver (the
    regressor by 1.6e-7 relative against its tolerance of 1e-7, the conv nets, whose
    batches run in parts, by about 1%), while it passes in float64 and with ``lbfgs``;
    ``check_estimator`` without expected failures came first.
"""

_ATTRS_DOC = """
    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (n_in, n_out): views into the flat parameter vector.
    intercepts_ : list of ndarray
    loss_ : float or None
        Loss of the last epoch or L-BFGS iteration (None for a network from
        ``from_weights`` that was never trained).
    loss_curve_ : list of float
        Training loss (penalty included) per epoch or L-BFGS iteration.
    best_loss_ : float or None
        Best training loss (None with early stopping, or never trained).
    validation_scores_ : list of float or None
        Validation score per epoch (with early stopping).
    validation_loss_curve_ : list of float
        Validation loss per epoch (only with early stopping).
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs (L-BFGS: iterations) run. ``t_``: samples seen (by every loss evaluation).
    n_layers_, n_outputs_, out_activation_, n_features_in_, feature_names_in_
"""

_FROM_WEIGHTS_DOC = """
        The lecture's hand-built networks (AND, XOR, the quarter-space step) written down
        weight by weight. The result is a fitted estimator whose predictions compute
        exactly that network: ``predict``, ``score``, ``layer_activations``, pickling, and
        further training with ``warm_start=True`` or ``partial_fit`` all work. It was never
        trained: ``n_iter_ = t_ = 0``, ``loss_curve_ = []``, ``loss_ = best_loss_ = None``.
        ``get_params()`` describes it: ``hidden_layer_sizes`` and ``activation`` follow the
        weights, which are also ``coefs_init``/``intercepts_init`` (a clone starts from them).

        Parameters
        ----------
        coefs : list of array-like
            ``coefs[i]`` of shape (n_in, n_out), as ``coefs_``: layer i computes
            ``f(x @ coefs[i] + intercepts[i])``.
        intercepts : list of array-like
            ``intercepts[i]`` of shape (n_out,).
        activation : str or list of str, default="sigmoid"
            The hidden layers' activation (one per hidden layer, or one for all).
"""


class MLPClassifier(ClassifierNetworkMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron classifier trained by backpropagation.

    Softmax outputs for multiclass targets, sigmoid outputs for binary and multilabel
    targets, with cross-entropy (``loss="log_loss"``) or the quadratic cost.
    """
        + _LAYERS_DOC
        + """    loss : {"log_loss", "squared_error"}, default="log_loss"
        Cross-entropy, or the quadratic cost ``1/(2N) sum ||p - t||^2`` on the softmax or
        sigmoid outputs (the lecture's comparison: it learns slowly from confidently wrong
        outputs).
"""
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """    classes_ : ndarray

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknetphys import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = MLPClassifier((64,), max_iter=50, random_state=0).fit(X / 16, y)
    >>> clf.score(X / 16, y) > 0.95
    True
    """
    )

    _parameter_constraints = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"log_loss", "squared_error"})],
    }

    @classmethod
    def from_weights(cls, coefs, intercepts, activation="sigmoid", output_activation=None, *,
                     classes=None, **params):
        coefs, intercepts = _check_weights(coefs, intercepts)
        k = coefs[-1].shape[1]
        out = {"sigmoid": "logistic", None: "logistic" if k == 1 else "softmax"}.get(
            output_activation, output_activation)
        if out not in ("logistic", "softmax") or (out == "softmax" and k < 2):
            raise ValueError(
                "output_activation must be 'sigmoid' (one output: two classes; k outputs: "
                f"k labels, multilabel) or 'softmax' (k >= 2 outputs, k classes), got "
                f"{output_activation!r} with {k} outputs."
            )
        if out == "logistic" and k > 1:  # multilabel: classes_ are the label indices
            if classes is not None and not np.array_equal(classes, np.arange(k)):
                raise ValueError(f"{k} sigmoid outputs are {k} labels (multilabel), whose "
                                 f"classes are 0..{k - 1}; leave classes=None.")
            y = np.eye(k, dtype=int)
        else:
            n_classes = max(k, 2)
            classes = np.arange(n_classes) if classes is None else np.asarray(classes)
            if classes.shape != (n_classes,) or len(np.unique(classes)) != n_classes:
                raise ValueError(f"classes must hold {n_classes} distinct labels, one per "
                                 f"output probability, got {classes!r}.")
            # the estimator keeps its classes sorted (classes_): order the outputs alike
            order = np.argsort(classes, kind="stable")
            if out == "softmax":
                coefs[-1], intercepts[-1] = coefs[-1][:, order], intercepts[-1][order]
                if k == 2:  # softmax over two logits is the sigmoid of their difference
                    coefs[-1] = coefs[-1][:, 1:] - coefs[-1][:, :1]
                    intercepts[-1] = intercepts[-1][1:] - intercepts[-1][:1]
            elif order[0] == 1:  # the sigmoid gives P(classes[1]), now the first class
                coefs[-1], intercepts[-1] = -coefs[-1], -intercepts[-1]
            y = classes
        return cls._from_checked_weights(coefs, intercepts, activation, params, y)

    from_weights.__func__.__doc__ = (
        """A fitted classifier that computes the network of the given weights.
""" + _FROM_WEIGHTS_DOC + """        output_activation : {"sigmoid", "softmax"} or None, default=None
            What turns the last layer's outputs into probabilities; None: "sigmoid" for
            one output, "softmax" for more. One sigmoid output gives P(``classes[1]``) of
            two classes; k sigmoid outputs, k independent labels (multilabel); k softmax
            outputs, k classes (for k = 2 the estimator keeps one sigmoid output of the
            logits' difference, which gives the same probabilities).
        classes : array-like or None, default=None
            The labels, in the order of the output probabilities; None: 0, 1, ...
        **params
            Further constructor parameters (``loss``, ``solver``, ... for later training;
            ``dtype`` defaults to "float64" here, for an exact network).

        Returns
        -------
        MLPClassifier

        Examples
        --------
        XOR from two hidden sigmoid neurons (OR and NAND) and their AND:

        >>> import numpy as np
        >>> from sknetphys import MLPClassifier
        >>> xor = MLPClassifier.from_weights(
        ...     coefs=[[[20, -20], [20, -20]], [[20], [20]]],
        ...     intercepts=[[-10, 30], [-30]])
        >>> xor.predict([[0, 0], [0, 1], [1, 0], [1, 1]])
        array([0, 1, 1, 0])
        >>> xor.get_params()["hidden_layer_sizes"]
        (2,)
        """)


class MLPRegressor(RegressorNetworkMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor trained by backpropagation.

    Identity output with the quadratic cost ``C = 1/(2N) sum ||F(x) - y||^2`` (any number of
    outputs), or exponential outputs with the Poisson deviance.
    """
        + _LAYERS_DOC
        + """    loss : {"squared_error", "poisson"}, default="squared_error"
        The quadratic cost, or (as scikit-learn's) the half Poisson deviance
        ``1/N sum (y log(y / F) - y + F)`` with ``F = exp(z)`` (a log link), for counts and
        rates (y >= 0). Keyword-only here: scikit-learn 1.7+ also takes it as the first
        positional argument, we keep ``hidden_layer_sizes`` first.
    output_activation : str, default="identity"
        Activation of the output layer, one of the hidden activations (for instance
        "sigmoid" for targets in [0, 1], as the lecture's hand-built networks);
        scikit-learn's MLP has the identity. Must be "identity" with ``loss="poisson"``
        (whose exponential is the output activation, ``out_activation_ = "exp"``).
"""
        + _PARAMS_DOC
        + _ATTRS_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sknetphys import MLPRegressor
    >>> X = np.linspace(-1, 1, 200).reshape(-1, 1)
    >>> reg = MLPRegressor((32, 32), "tanh", learning_rate_init=0.01, max_iter=500, tol=1e-6,
    ...                    random_state=0).fit(X, X[:, 0] ** 2)
    >>> reg.score(X, X[:, 0] ** 2) > 0.99
    True
    >>> lbfgs = MLPRegressor((16,), "tanh", solver="lbfgs", random_state=0).fit(X, X[:, 0] ** 2)
    >>> lbfgs.score(X, X[:, 0] ** 2) > 0.99
    True
    """
    )

    _parameter_constraints = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
        "output_activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, loss="squared_error",
                 output_activation="identity", solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200,
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, optimizer=None, dropout=0.0,
                 dtype="float32", weight_init="sklearn", coefs_init=None,
                 intercepts_init=None):
        super().__init__(
            hidden_layer_sizes, activation, loss=loss, solver=solver, alpha=alpha,
            batch_size=batch_size, learning_rate=learning_rate,
            learning_rate_init=learning_rate_init, power_t=power_t, max_iter=max_iter,
            shuffle=shuffle, random_state=random_state, tol=tol, verbose=verbose,
            warm_start=warm_start, momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            max_fun=max_fun, optimizer=optimizer, dropout=dropout, dtype=dtype,
            weight_init=weight_init, coefs_init=coefs_init, intercepts_init=intercepts_init)
        self.output_activation = output_activation

    def _output_specs(self, n_outputs):
        if self.loss == "poisson" and self.output_activation != "identity":
            raise ValueError(
                "loss='poisson' has the exponential as its output activation; set "
                f"output_activation='identity' (got {self.output_activation!r})."
            )
        return [Dense(n_outputs, activation=self.output_activation)]

    def _publish(self, history, early_stopping):
        super()._publish(history, early_stopping)
        if self.loss != "poisson":
            self.out_activation_ = self.output_activation

    @classmethod
    def from_weights(cls, coefs, intercepts, activation="sigmoid", output_activation="identity",
                     **params):
        coefs, intercepts = _check_weights(coefs, intercepts)
        if output_activation == "exp":
            params = {**params, "loss": "poisson"}
            output_activation = "identity"
        k = coefs[-1].shape[1]
        y = np.zeros(1) if k == 1 else np.zeros((1, k))
        return cls._from_checked_weights(coefs, intercepts, activation,
                                         {**params, "output_activation": output_activation}, y)

    from_weights.__func__.__doc__ = (
        """A fitted regressor that computes the network of the given weights.
""" + _FROM_WEIGHTS_DOC + """        output_activation : str, default="identity"
            The output layer's activation: a hidden activation name (see
            ``output_activation`` of the constructor), or "exp" (``loss="poisson"``).
        **params
            Further constructor parameters (``solver``, ``alpha``, ... for later
            training; ``dtype`` defaults to "float64" here, for an exact network).

        Returns
        -------
        MLPRegressor

        Examples
        --------
        The quarter-space step: 1 where x > 0 and y > 0, else 0 (sigmoids of large weights):

        >>> from sknetphys import MLPRegressor
        >>> step = MLPRegressor.from_weights(
        ...     coefs=[[[50, 0], [0, 50]], [[50], [50]]], intercepts=[[0, 0], [-75]],
        ...     output_activation="sigmoid")
        >>> step.predict([[0.5, 0.5], [-0.5, 0.5], [0.5, -0.5]]).round(3)
        array([1., 0., 0.])
        """)
