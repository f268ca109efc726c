"""Convolutional networks: ConvClassifier and ConvRegressor.

The estimators share everything with the MLPs (``BaseNetwork``); what is specific here is
how rows of X become images, the default layer stack, and data augmentation.
"""

import math
from numbers import Integral

import numpy as np

from .._core.layers import Conv2D, Dense, Flatten, LayerSpec, MaxPool2D, RandomShiftRotate
from ._base import BaseNetwork, ClassifierNetworkMixin, RegressorNetworkMixin

_AUGMENT_DEFAULTS = {"shift": 2, "rotation": 10.0}


def default_layers(input_shape):
    """The default hidden stack: the lecture's two-stage MNIST net, with the pooling windows
    clipped to the image so that it builds on any input (even a 1-pixel-high strip).

    ``[Conv2D(16, 5, "same"), MaxPool2D(2), Conv2D(32, 5, "same"), MaxPool2D(2), Flatten(),
    Dense(128)]``
    """
    h, w, _ = input_shape
    pool1 = (min(2, h), min(2, w))
    h2, w2 = h // pool1[0], w // pool1[1]
    pool2 = (min(2, h2), min(2, w2))
    return [
        Conv2D(16, 5, padding="same"),
        MaxPool2D(pool1),
        Conv2D(32, 5, padding="same"),
        MaxPool2D(pool2),
        Flatten(),
        Dense(128),
    ]


def layer_list(specs, name):
    """``specs`` as a list, or a clear error unless it is a non-empty list of layer objects."""
    specs = list(specs)
    if not specs or not all(isinstance(spec, LayerSpec) for spec in specs):
        raise ValueError(
            f"{name} must be a non-empty list of layer objects such as Conv2D(8, 3), "
            f"MaxPool2D(2), Flatten(), Dense(64); got {specs!r}."
        )
    return specs


class ImageInputMixin:
    """Rows of X as channels-last images, for the convolutional estimators: X as 2-D rows
    ``(n, h*w*c)`` with ``input_shape`` (or a square single-channel guess), or as 3-D
    ``(n, h, w)`` or 4-D ``(n, h, w, c)`` arrays; sets ``input_shape_`` at fit. Put it before
    the task mixin and ``BaseNetwork`` in the bases: it wraps their input validation."""

    def _flatten_images(self, X, reset):
        """3-D (n, h, w) and 4-D (n, h, w, c) arrays become rows (n, h*w*c), remembering the
        image shape; 2-D input passes through unchanged."""
        X_arr = X
        if isinstance(X, (list, tuple)):
            try:
                X_arr = np.asarray(X)
            except ValueError:  # ragged: let validate_data report it
                return X
        ndim = getattr(X_arr, "ndim", 2)
        if ndim in (3, 4):
            shape = tuple(int(s) for s in X_arr.shape[1:]) + ((1,) if ndim == 3 else ())
            if reset:
                self._image_shape_seen = shape
            elif hasattr(self, "input_shape_") and shape != self.input_shape_:
                raise ValueError(
                    f"X holds images of shape {shape}, but the network was fitted on "
                    f"{self.input_shape_}."
                )
            return X_arr.reshape(X_arr.shape[0], -1)
        if reset:
            self._image_shape_seen = None
        return X

    def _resolve_input_shape(self, n_features):
        seen = getattr(self, "_image_shape_seen", None)
        if self.input_shape is not None:
            shape = tuple(self.input_shape)
            if len(shape) == 2:
                shape = shape + (1,)
            if len(shape) != 3 or not all(
                isinstance(s, (Integral, np.integer)) and s > 0 for s in shape
            ):
                raise ValueError(
                    "input_shape must be (height, width, channels) of positive ints, got "
                    f"{self.input_shape!r}."
                )
            shape = tuple(int(s) for s in shape)
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"input_shape={shape} holds {math.prod(shape)} values per sample, but X "
                    f"has {n_features} features."
                )
            if seen is not None and seen != shape:
                raise ValueError(f"X holds images of shape {seen}, but input_shape={shape}.")
            return shape
        if seen is not None:
            return seen
        side = math.isqrt(n_features)
        if side * side == n_features:
            return (side, side, 1)  # square, single channel (MNIST rows: 784 -> 28x28x1)
        # Not a square: one row of pixels (a 1-D signal); an explicit stack that cannot be
        # built on it gets an error that says to pass input_shape.
        return (1, n_features, 1)

    def _validate_xy(self, X, y, reset):
        X = self._flatten_images(X, reset)
        X, y = super()._validate_xy(X, y, reset)
        if reset:
            self.input_shape_ = self._resolve_input_shape(X.shape[1])
        return X, y

    def _reshape_X(self, X):
        if hasattr(X, "toarray"):
            X = X.toarray()
        return np.ascontiguousarray(X).reshape((X.shape[0],) + self.input_shape_)

    def _inference_input(self, X):
        return super()._inference_input(self._flatten_images(X, reset=False))

    def _build_checked(self, specs, shape):
        """Build ``specs`` one after the other from ``shape`` to check them (cheap: no
        buffers yet); the runtime layers, or an error that says what the input shape was and
        how to change it."""
        layers, out = [], shape
        for spec in specs:
            try:
                layers.append(spec.build(out, np.float32))
                out = layers[-1].output_shape
            except ValueError as exc:
                how = (
                    "given as input_shape"
                    if self.input_shape is not None
                    else "inferred from X (square single-channel images when n_features is "
                    "a perfect square, else one row of pixels)"
                )
                raise ValueError(
                    f"Cannot build {spec!r} on input shape {out} (image shape "
                    f"{self.input_shape_} {how}): {exc} Pass input_shape=(height, width, "
                    "channels), or X as an array of shape (n, height, width[, channels])."
                ) from exc
        return layers


class _BaseConv(ImageInputMixin, BaseNetwork):
    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "layers": [list, tuple, None],
        "input_shape": [tuple, list, None],
        "augment": ["boolean", dict, None],
    }

    def __init__(self, layers=None, input_shape=None, *, augment=None, alpha=0.0001,
                 batch_size="auto", max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, optimizer="adam",
                 dtype="float32", weight_init="he_uniform", coefs_init=None,
                 intercepts_init=None):
        self.layers = layers
        self.input_shape = input_shape
        self.augment = augment
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
        self.dtype = dtype
        self.weight_init = weight_init
        self.coefs_init = coefs_init
        self.intercepts_init = intercepts_init

    # --- the stack ------------------------------------------------------------------------
    def _hidden_specs(self):
        shape = self.input_shape_
        specs = default_layers(shape) if self.layers is None else layer_list(self.layers, "layers")
        augment = self._augment_spec()
        if augment is not None:
            specs = [augment] + specs
        # flatten what is still an image before the estimator's output layer
        if len(self._build_checked(specs, shape)[-1].output_shape) != 1:
            specs.append(Flatten())
        return specs

    def _augment_spec(self):
        if self.augment is None or self.augment is False:
            return None
        if self.augment is True:
            return RandomShiftRotate(**_AUGMENT_DEFAULTS)
        unknown = set(self.augment) - set(_AUGMENT_DEFAULTS)
        if unknown:
            raise ValueError(
                f"augment accepts the keys {sorted(_AUGMENT_DEFAULTS)}, got {sorted(unknown)}."
            )
        return RandomShiftRotate(**{**_AUGMENT_DEFAULTS, **self.augment})


_PARAMS_DOC = """
    Parameters
    ----------
    layers : list of layer objects, default=None
        The hidden stack, e.g. ``[Conv2D(16, 5, padding="same"), MaxPool2D(2), Flatten(),
        Dense(128)]``. The output layer is added by the estimator; a ``Flatten()`` is appended
        if the stack ends on images. ``None``: the lecture's two-stage net ``[Conv2D(16, 5,
        "same"), MaxPool2D(2), Conv2D(32, 5, "same"), MaxPool2D(2), Flatten(), Dense(128)]``.
    input_shape : (height, width, channels), default=None
        Shape of one sample when X is 2-D ``(n, h*w*c)`` (channels-last, C order). ``None``:
        taken from 3-D ``(n, h, w)`` or 4-D ``(n, h, w, c)`` X; for 2-D X, square single-channel
        images when n_features is a perfect square, else one row of pixels ``(1, n, 1)``.
    augment : bool or dict, default=None
        Data augmentation during training only: every image of every batch gets a random
        shift of up to ``shift`` pixels and a rotation of up to ``rotation`` degrees. ``True``
        means ``{"shift": 2, "rotation": 10}``; a dict overrides either key.
    alpha : float, default=1e-4
        L2 penalty on all weights (kernels and dense matrices).
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    max_iter : int, default=200
        Maximum number of epochs.
    shuffle : bool, default=True
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, validation split, dropout and augmentation.
    tol : float, default=1e-4
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
        :mod:`sknetphys.optimizers`.
    dtype : {"float32", "float64"}, default="float32"
        Training precision. Predictions run in the higher precision of this and the data
        (float32 data: float32, fast; float64 data: float64), and are returned as float64.
    weight_init : str, default="he_uniform"
        Initial weights, as for :class:`MLPClassifier`; He-uniform was measured best for
        convolutional nets (benchmarks/RESULTS.md).
    coefs_init, intercepts_init : list of ndarray, default=None
        Starting weights of the first weighted layers, as for :class:`MLPClassifier`
        (Conv2D kernels ``(kernel_h, kernel_w, in_channels, filters)``): for instance a
        fitted :class:`ConvAutoencoder`'s encoder.

    With ``warm_start=True`` (and in ``partial_fit``) changes to ``layers`` that keep every
    weight's shape (activations, dropout rates) or to ``dtype`` apply to the fitted weights;
    others raise.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weights of the weighted layers in order: Conv2D kernels ``(kernel_h, kernel_w,
        in_channels, filters)``, Dense matrices ``(n_in, n_out)``; views into the flat
        parameter vector.
    intercepts_ : list of ndarray
    input_shape_ : tuple
        ``(height, width, channels)`` of one sample.
    loss_, loss_curve_, best_loss_, validation_scores_, best_validation_score_, n_iter_, t_,
    n_layers_, n_outputs_, out_activation_, n_features_in_
        As in :class:`MLPClassifier`.
"""


class ConvClassifier(ClassifierNetworkMixin, _BaseConv):
    __doc__ = (
        """Convolutional network classifier (channels-last images).

    Softmax output with cross-entropy for multiclass targets, sigmoid outputs with binary
    cross-entropy for binary and multilabel targets.
    """
        + _PARAMS_DOC
        + """    classes_ : ndarray

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknetphys import ConvClassifier
    >>> from sknetphys.layers import Conv2D, Flatten, MaxPool2D
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ConvClassifier([Conv2D(8, 3, padding="same"), MaxPool2D(2), Flatten()],
    ...                      batch_size=32, max_iter=10, random_state=0).fit(X / 16, y)
    >>> clf.input_shape_
    (8, 8, 1)
    >>> clf.score(X / 16, y) > 0.9
    True
    """
    )


class ConvRegressor(RegressorNetworkMixin, _BaseConv):
    __doc__ = (
        """Convolutional network regressor: identity outputs with the quadratic cost.
    """
        + _PARAMS_DOC
        + """
    Examples
    --------
    Where is the bright pixel? Regress its (row, column) from the image:

    >>> import numpy as np
    >>> from sknetphys import ConvRegressor
    >>> from sknetphys.layers import Conv2D, Flatten
    >>> rng = np.random.default_rng(0)
    >>> pos = rng.integers(0, 8, size=(500, 2))
    >>> images = np.zeros((500, 8, 8))
    >>> images[np.arange(500), pos[:, 0], pos[:, 1]] = 1
    >>> reg = ConvRegressor([Conv2D(8, 3, padding="same"), Flatten()], batch_size=32,
    ...                     max_iter=30, random_state=0).fit(images, pos / 7)
    >>> reg.score(images, pos / 7) > 0.95
    True
    """
    )
