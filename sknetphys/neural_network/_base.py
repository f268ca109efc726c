"""The estimator layer over the engine: one ``_fit`` for ``fit`` and ``partial_fit``.

``BaseNetwork`` validates input, builds the network, runs ``_core.training.train`` and
exposes what it recorded as sklearn-style fitted attributes. Subclasses say what is
specific to them:

- the hidden stack: ``_hidden_specs()`` (a list of layer specs);
- how rows of X become network inputs: ``_reshape_X(X)`` (the network is built on the
  shape of one reshaped sample);
- the task, through ``ClassifierNetworkMixin`` or ``RegressorNetworkMixin``: target
  encoding, the output loss, decoding predictions and the validation score.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .._core.layers import INITIALIZERS, Dense
from .._core.lbfgs import train_lbfgs
from .._core.losses import (
    PoissonLoss,
    SigmoidCrossEntropy,
    SigmoidSquaredLoss,
    SoftmaxCrossEntropy,
    SoftmaxSquaredLoss,
    SquaredLoss,
)
from .._core.network import Network
from .._core.optimizers import OPTIMIZERS, Optimizer, get_optimizer
from .._core.training import History, train

_DTYPES = {"float32": np.float32, "float64": np.float64}


def _resolve_dtype(dtype):
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in _DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}.")
    return _DTYPES[name]


class BaseNetwork(BaseEstimator):
    """Shared fit/predict machinery of all sknetphys networks (not used directly)."""

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), Optimizer],
        "dtype": [StrOptions(set(_DTYPES)), type],
        "weight_init": [StrOptions(set(INITIALIZERS))],
        "coefs_init": [list, tuple, None],
        "intercepts_init": [list, tuple, None],
    }

    # --- hooks for subclasses -------------------------------------------------------------
    def _hidden_specs(self):
        raise NotImplementedError

    def _reshape_X(self, X):
        return X

    _accept_sparse = ("csr", "csc")

    # True to fit by full-batch L-BFGS instead of the minibatch loop (MLPs' solver="lbfgs")
    _full_batch = False

    def _build_optimizer(self):
        """A fresh optimizer as the parameters describe it (None for full-batch L-BFGS)."""
        return get_optimizer(self.optimizer)

    def _materialize_optimizer(self):
        """Replace an optimizer given by name with the object it stands for, so that its
        hyperparameters can be set (``optimizer__learning_rate``)."""
        self.optimizer = self._build_optimizer()

    def _check_stochastic(self):
        """``partial_fit`` exists only for minibatch training (``available_if``)."""
        return True

    def set_params(self, **params):
        """Set parameters; ``optimizer__<name>`` keys also work while ``optimizer`` is a name
        (or None): the optimizer then becomes the object it stands for, with that
        hyperparameter changed.

        Returns
        -------
        self
        """
        nested = {k.partition("__")[2]: params.pop(k) for k in list(params)
                  if k.startswith("optimizer__")}
        super().set_params(**params)
        if nested:
            if not isinstance(self.optimizer, Optimizer):
                self._materialize_optimizer()
            self.optimizer.set_params(**nested)
        return self

    # --- fitting ------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network to data (X, y); with ``warm_start``, continue the last fit.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        return self._fit(X, y, incremental=False)

    def _fit(self, X, y, incremental, classes=None):
        continuing = hasattr(self, "_net") and (incremental or self.warm_start)
        X, y = self._validate_xy(X, y, reset=not continuing)
        T = self._encode_targets(y, continuing, incremental, classes)
        n_outputs = math.prod(self._net.output_shape) if continuing else None
        if continuing and T.shape[1] != n_outputs:
            raise ValueError(
                f"y has {T.shape[1]} outputs but the fitted network has {n_outputs}; fit "
                "anew (warm_start=False)."
            )
        dtype = _resolve_dtype(self.dtype)
        data_dtype = np.float64 if self._full_batch else dtype  # L-BFGS runs in float64
        X = self._reshape_X(X.astype(data_dtype, copy=False))
        T = T.astype(data_dtype, copy=False)

        if not continuing:
            self._init_network(X, T, dtype)
        else:  # new hyperparameters (say, a lower learning rate) apply; the state carries on
            self._adopt_architecture(dtype)
            optimizer = self._build_optimizer()
            if optimizer is not None and type(optimizer) is not type(self._optimizer):
                self._opt_state = optimizer.init_state(self._net.n_params, self._net.dtype)
            self._optimizer = optimizer
        rng = np.random.default_rng(self._rng_source.randint(np.iinfo(np.int32).max))

        early_stopping = self.early_stopping and not incremental and not self._full_batch
        validation = None
        if early_stopping:
            X, T, validation = self._validation_split(X, T, y, rng)
        history = self._history
        history.no_improvement_count = 0
        n = X.shape[0]
        batch_size = min(200, n) if self.batch_size == "auto" else min(self.batch_size, n)
        try:
            if self._full_batch:
                outcome, message = train_lbfgs(
                    self._net, self._loss, X, T, history, alpha=self.alpha,
                    max_iter=self.max_iter, max_fun=self.max_fun, tol=self.tol,
                    verbose=self.verbose)
            else:
                outcome = self._train(
                    X, T, batch_size=batch_size, max_iter=1 if incremental else self.max_iter,
                    shuffle=self.shuffle, rng=rng, alpha=self.alpha, validation=validation,
                    tol=self.tol, n_iter_no_change=self.n_iter_no_change, verbose=self.verbose,
                    check_convergence=not incremental,
                )
        finally:  # even on DivergenceError the estimator keeps a usable state
            self._publish(history, early_stopping)
        if outcome == "max_iter" and self._full_batch:
            warnings.warn(
                f"lbfgs failed to converge after {self.n_iter_} iteration(s) ({message}). "
                f"Increase max_iter ({self.max_iter}) or max_fun ({self.max_fun}), or scale "
                "the data.",
                ConvergenceWarning,
            )
        elif outcome == "max_iter" and not incremental:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
            )
        return self

    def _train(self, X, T, **options):
        """Run the training loop on the estimator's network, loss, optimizer and history;
        returns its outcome (a hook: the autoencoders pretrain first)."""
        return train(self._net, self._loss, self._optimizer, self._opt_state, X, T,
                     self._history, **options)

    def _validate_xy(self, X, y, reset):
        X, y = validate_data(
            self, X, y, reset=reset, accept_sparse=self._accept_sparse, multi_output=True,
            dtype=(np.float64, np.float32), y_numeric=not self._is_classifier,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if hasattr(X, "tocsr"):
            X = X.tocsr()
        return X, y

    def _output_specs(self, n_outputs):
        """The layers the estimator puts after the hidden stack; the loss applies the
        output activation to what they give."""
        return [Dense(n_outputs, activation="identity")]

    def _init_network(self, X, T, dtype):
        self._rng_source = check_random_state(self.random_state)
        output = self._output_specs(T.shape[1])
        self._n_output_layers = len(output)
        specs = list(self._hidden_specs()) + output
        self._net = Network(specs, X.shape[1:], dtype)
        self._net.init_params(np.random.default_rng(self._rng_source.randint(np.iinfo(np.int32).max)),
                              self.weight_init)
        self._set_initial_weights(self._net)
        self._optimizer = self._build_optimizer()
        self._opt_state = ({} if self._optimizer is None else
                           self._optimizer.init_state(self._net.n_params, dtype))
        self._history = History()

    def _set_initial_weights(self, net):
        """Start the first weighted layers from ``coefs_init``/``intercepts_init`` (say, a
        fitted autoencoder's encoder), the rest as ``weight_init`` drew them."""
        coefs = [] if self.coefs_init is None else list(self.coefs_init)
        intercepts = [] if self.intercepts_init is None else list(self.intercepts_init)
        if len(coefs) != len(intercepts):
            raise ValueError(
                f"coefs_init has {len(coefs)} arrays but intercepts_init {len(intercepts)}; "
                "give one weight array and one bias vector per layer."
            )
        layers = net.weighted_layers
        if len(coefs) > len(layers):
            raise ValueError(
                f"coefs_init has {len(coefs)} arrays but the network has only {len(layers)} "
                "weighted layers."
            )
        for i, (layer, W, b) in enumerate(zip(layers, coefs, intercepts)):
            for name, value, view in (("coefs_init", W, layer.params[0]),
                                      ("intercepts_init", b, layer.params[1])):
                value = np.asarray(value)
                if value.shape != view.shape:
                    raise ValueError(
                        f"{name}[{i}] has shape {value.shape}, but weighted layer {i} of the "
                        f"network needs {view.shape}."
                    )
                if not np.all(np.isfinite(value)):
                    raise ValueError(f"{name}[{i}] holds NaN or infinite values.")
                view[...] = value

    def _adopt_architecture(self, dtype):
        """Continuing a fit (warm_start, partial_fit) after ``set_params``: the network
        follows the parameters that shape it. Changes that keep every weight's shape
        (dropout rates, activations, dtype) rebuild it with the learned weights; changes that
        do not (layer sizes, kernels) cannot continue and raise."""
        net = self._net
        specs = list(self._hidden_specs()) + self._output_specs(net.output_shape[0])
        if specs == net.specs and np.dtype(dtype) == net.dtype:
            return
        new = Network(specs, net.input_shape, dtype)
        shapes = [layer.param_shapes for layer in new.weighted_layers]
        if shapes != [layer.param_shapes for layer in net.weighted_layers]:
            raise ValueError(
                f"{type(self).__name__} cannot continue the fitted network (warm_start=True "
                "or partial_fit): the parameters now give layers with weights of shapes "
                f"{shapes}, the fitted network has {[l.param_shapes for l in net.weighted_layers]}. "
                "Fit anew with warm_start=False, or restore the parameters."
            )
        new.params[...] = net.params
        for key, value in self._opt_state.items():
            if isinstance(value, np.ndarray):
                self._opt_state[key] = value.astype(new.dtype, copy=False)
        self._history.best_params = self._history.best_params.astype(new.dtype, copy=False)
        self._net = new

    def _validation_split(self, X, T, y, rng):
        stratify = y if self._is_classifier and y.ndim == 1 else None
        seed = int(rng.integers(np.iinfo(np.int32).max))
        try:
            X, X_val, T, T_val = train_test_split(
                X, T, test_size=self.validation_fraction, random_state=seed, stratify=stratify
            )
        except ValueError:  # too few samples of some class to stratify
            X, X_val, T, T_val = train_test_split(
                X, T, test_size=self.validation_fraction, random_state=seed
            )
        if X_val.shape[0] < 2:
            raise ValueError(
                f"The validation set is too small ({X_val.shape[0]} samples) for "
                f"validation_fraction={self.validation_fraction}; raise it or set "
                "early_stopping=False."
            )
        return X, T, (X_val, T_val, lambda raw: self._score_raw(raw, T_val))

    def _publish(self, history, early_stopping):
        self.n_iter_ = history.n_iter
        self.t_ = history.t
        self.loss_ = history.loss_curve[-1] if history.loss_curve else np.nan
        self.loss_curve_ = list(history.loss_curve)
        self.n_layers_ = len(self._net.weighted_layers) + 1
        self.n_outputs_ = math.prod(self._net.output_shape)
        self.out_activation_ = self._loss.output_activation
        if early_stopping:
            self.validation_scores_ = list(history.validation_scores)
            self.validation_loss_curve_ = list(history.validation_loss_curve)
            self.best_validation_score_ = history.best_validation_score
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = history.best_loss
            if hasattr(self, "validation_loss_curve_"):
                del self.validation_loss_curve_

    # --- fitted views ---------------------------------------------------------------------
    @property
    def coefs_(self):
        """Weights of each weighted layer, views into the flat parameter vector."""
        self._require_fitted("coefs_")
        return self._net.coefs

    @property
    def intercepts_(self):
        """Biases of each weighted layer, views into the flat parameter vector."""
        self._require_fitted("intercepts_")
        return self._net.intercepts

    def _require_fitted(self, name):
        if "_net" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r} before fit.")

    # --- inference (thread-safe: Network.predict never touches the training buffers) ------
    def _inference_input(self, X):
        """The network to run and X as its input: validated, cast and reshaped."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=self._accept_sparse,
                          dtype=(np.float64, np.float32))
        if hasattr(X, "tocsr"):
            X = X.tocsr()
        # Inference runs in the precision of the data (or of the network, if higher), as
        # sklearn's MLP does: float32 X, such as MNIST as loaded, runs the float32 network at
        # full speed. float64 X runs in float64, where a sample's prediction does not depend
        # on which others are predicted with it: BLAS rounds a row differently by its
        # position in a product, which at float32's 1e-7 fails sklearn's
        # check_methods_subset_invariance. Results leave in float64.
        net = self._inference_net(X.dtype)
        return net, self._reshape_X(X.astype(net.dtype, copy=False))

    def _inference_net(self, dtype):
        """The network in the precision of data of ``dtype``, or of the network if higher
        (a copy when it differs: the fitted network is never changed)."""
        dtype = np.result_type(dtype, self._net.dtype)
        return self._net if self._net.dtype == dtype else self._net.astype(dtype)

    def _forward(self, X):
        net, X = self._inference_input(X)
        return self._loss.transform(net.predict(X).astype(np.float64, copy=False))

    def _hidden_layers(self):
        """Positions in the network's layers of what ``layer_activations`` calls the hidden
        layers: all but the output layers, leaving out those that are the identity at
        inference (dropout, augmentation)."""
        layers = self._net.layers[: len(self._net.layers) - self._n_output_layers]
        return [i for i, layer in enumerate(layers) if not layer.training_only]

    def layer_activations(self, X, layer=-1):
        """Activations of a hidden layer for X: what that layer passes on to the next.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        layer : int, default=-1
            Which hidden layer, counted from 0 (negative: from the last). For dense
            networks the hidden layers are those of ``hidden_layer_sizes``; for
            convolutional networks, the layers of the stack in order, leaving out
            ``Dropout`` and augmentation (the identity at inference).

        Returns
        -------
        ndarray of shape (n_samples, units) or, for image layers, (n_samples, height,
        width, channels)
        """
        check_is_fitted(self)
        hidden = self._hidden_layers()
        if not isinstance(layer, (Integral, np.integer)) or not -len(hidden) <= layer < len(hidden):
            raise ValueError(
                f"layer must be an int in [{-len(hidden)}, {len(hidden) - 1}] (this network "
                f"has {len(hidden)} hidden layers), got {layer!r}."
            )
        net, X = self._inference_input(X)
        return net.predict(X, stop=hidden[layer] + 1).astype(np.float64, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = "csr" in self._accept_sparse
        return tags


# loss parameter -> (sigmoid output loss for binary and multilabel, softmax output loss);
# estimators without a ``loss`` parameter use the first
_CLASSIFIER_LOSSES = {"log_loss": (SigmoidCrossEntropy, SoftmaxCrossEntropy),
                      "squared_error": (SigmoidSquaredLoss, SoftmaxSquaredLoss)}
_REGRESSOR_LOSSES = {"squared_error": SquaredLoss, "poisson": PoissonLoss}


class ClassifierNetworkMixin(ClassifierMixin):
    """Targets as one-hot (softmax) or 0/1 columns (sigmoid: binary and multilabel)."""

    _is_classifier = True

    def _encode_targets(self, y, continuing, incremental, classes):
        if incremental and _check_partial_fit_first_call(self, classes):
            continuing = False
            self._label_binarizer = LabelBinarizer().fit(self.classes_)
        elif not continuing:
            target = type_of_target(y, input_name="y")
            if target not in ("binary", "multiclass", "multilabel-indicator"):
                raise ValueError(f"Unknown label type: {target!r}; y must hold class labels.")
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        if continuing or incremental:
            seen = unique_labels(y)
            unknown = np.setdiff1d(seen, self.classes_)
            if len(unknown):
                raise ValueError(
                    f"y holds labels {unknown.tolist()} that are not among the classes "
                    f"{self.classes_.tolist()} seen at the first fit."
                )
        if len(self.classes_) < 2 and self._label_binarizer.y_type_ != "multilabel-indicator":
            raise ValueError(
                f"A classifier needs samples of at least 2 classes; got 1 class "
                f"({self.classes_[0]!r})."
            )
        multilabel = self._label_binarizer.y_type_ == "multilabel-indicator"
        binary = len(self.classes_) == 2 and not multilabel
        sigmoid, softmax = _CLASSIFIER_LOSSES[getattr(self, "loss", "log_loss")]
        self._loss = sigmoid() if (multilabel or binary) else softmax()
        return self._label_binarizer.transform(y)

    def _decode(self, proba):
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return self._label_binarizer.inverse_transform(proba, threshold=0.5)
        if proba.shape[1] == 1:
            return self.classes_[(proba[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(proba, axis=1)]

    def _score_raw(self, raw, T_val):
        pred = self._decode(self._loss.transform(raw.copy()))
        return accuracy_score(self._label_binarizer.inverse_transform(T_val), pred)

    def predict(self, X):
        """Predicted class labels (a 0/1 indicator matrix for multilabel targets)."""
        return self._decode(self._forward(X))

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes); columns in ``classes_`` order."""
        proba = self._forward(X)
        if proba.shape[1] == 1 and self._label_binarizer.y_type_ != "multilabel-indicator":
            return np.hstack([1 - proba, proba])
        return proba

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(lambda est: est._check_stochastic())
    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y), continuing from the current state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
        classes : array-like, required on the first call
            All labels that will ever appear.

        Returns
        -------
        self
        """
        self._validate_params()
        return self._fit(X, y, incremental=True, classes=classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class RegressorNetworkMixin(RegressorMixin):
    """Real-valued targets with the quadratic cost and an identity output."""

    _is_classifier = False

    def _encode_targets(self, y, continuing, incremental, classes):
        if continuing and (y.ndim == 1) != (self._y_ndim == 1):
            raise ValueError("y has a different number of outputs than at the first fit.")
        name = getattr(self, "loss", "squared_error")
        if name == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs targets y >= 0 (counts or rates).")
        self._y_ndim = y.ndim
        self._loss = _REGRESSOR_LOSSES[name]()
        return y.reshape(len(y), -1)

    def _score_raw(self, raw, T_val):
        return r2_score(T_val, self._loss.transform(raw.copy()))

    def predict(self, X):
        """Predicted values, shape (n_samples,) or (n_samples, n_outputs)."""
        out = self._forward(X)
        return out.ravel() if out.shape[1] == 1 else out

    @available_if(lambda est: est._check_stochastic())
    def partial_fit(self, X, y):
        """One epoch over (X, y), continuing from the current state.

        Returns
        -------
        self
        """
        self._validate_params()
        return self._fit(X, y, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
