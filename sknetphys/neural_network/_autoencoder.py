"""Autoencoders as scikit-learn transformers: Autoencoder (dense) and ConvAutoencoder.

An autoencoder learns to reproduce its input through a bottleneck, the code layer:
``transform`` gives the codes, ``inverse_transform`` the reconstructions of codes. Both
estimators run on the engine, training loop and optimizers of the MLPs and conv nets
(``BaseNetwork``). What is specific here:

- the task (``AutoencoderMixin``): the targets are the inputs; the reconstruction loss
  follows the output activation; the validation score is the negative reconstruction error;
- the layout (``_layout``): a training-only noise layer before the encoder (denoising), a
  sparsity penalty after the code layer, and a decoder that mirrors the encoder (or is
  given). A network is ``noise + encoder groups + decoder groups``, a group being one
  weighted layer with what follows it; with a mirrored decoder, encoder group i and decoder
  group -1-i form a shallow autoencoder, the stage that greedy pretraining trains.
"""

import math
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._core.kernels.activations import SIGMOID
from .._core.layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GaussianNoise,
    KLSparsity,
    MaskingNoise,
    MaxPool2D,
    Reshape,
    SaltPepperNoise,
    UpSampling2D,
    activation_code,
)
from .._core.layers._base import as_tuple
from .._core.losses import SigmoidCrossEntropy, SigmoidSquaredLoss, SquaredLoss
from .._core.network import Network
from .._core.training import DivergenceError, History, train
from ._base import BaseNetwork
from ._conv import ImageInputMixin, layer_list
from ._mlp import _per_layer
from ._solver import SolverMixin

_NOISES = ("gaussian", "masking", "salt_pepper")


class _Layout(NamedTuple):
    specs: list  # the whole network
    code_stop: int  # specs[:code_stop] give the codes
    stages: list  # [(encoder slice, decoder slice)] into specs, outermost first; or None


def _assemble(prefix, encoder, decoder, paired):
    """The layout of ``prefix + encoder groups + decoder groups``."""
    specs = list(prefix)
    slices = []
    for group in encoder + decoder:
        slices.append(slice(len(specs), len(specs) + len(group)))
        specs += group
    k = len(encoder)
    stages = [(slices[i], slices[-1 - i]) for i in range(k)] if paired else None
    return _Layout(specs, slices[k - 1].stop if k else len(prefix), stages)


def _copy_weights(source, target):
    for a, b in zip(source, target):
        for p, q in zip(a.params, b.params):
            q[...] = p


def _is_sigmoid(name):
    return activation_code(name) == SIGMOID


class AutoencoderMixin(ClassNamePrefixFeaturesOutMixin, TransformerMixin):
    """The unsupervised task: reconstruct X. Subclasses give ``_groups()`` -> (encoder
    groups, decoder groups, whether they pair as stages) and ``_output_activation()``."""

    _is_classifier = False

    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "output_activation": [StrOptions({"identity", "sigmoid"})],
        "loss": [StrOptions({"squared_error", "binary_crossentropy"})],
        "noise": [StrOptions(set(_NOISES)), None],
        "noise_level": [Interval(Real, 0, None, closed="left")],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "sparsity_weight": [Interval(Real, 0, None, closed="left")],
        "pretrain": [StrOptions({"greedy"}), None],
        "pretrain_max_iter": [Interval(Integral, 1, None, closed="left")],
    }

    # --- fitting ------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the autoencoder to reproduce X; with ``warm_start``, continue the last fit.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self
        """
        return self._fit(X, None, incremental=False)

    @available_if(lambda est: est._check_stochastic())
    def partial_fit(self, X, y=None):
        """One epoch over X, continuing from the current state.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._validate_params()
        return self._fit(X, None, incremental=True)

    def _validate_xy(self, X, y, reset):
        X = validate_data(self, X, reset=reset, accept_sparse=self._accept_sparse,
                          dtype=(np.float64, np.float32))
        if hasattr(X, "toarray"):  # the targets are X itself, and losses take dense targets
            X = X.toarray()
        if reset:  # salt-and-pepper noise sets inputs to the data's extremes
            self._data_range = (float(X.min()), float(X.max()))
        return X, X

    def _encode_targets(self, y, continuing, incremental, classes):
        self._loss = self._reconstruction_loss()
        if self.loss == "binary_crossentropy" and (y.min() < 0 or y.max() > 1):
            raise ValueError(
                "loss='binary_crossentropy' needs data in [0, 1] (X holds values in "
                f"[{y.min():g}, {y.max():g}]); scale X or use loss='squared_error'."
            )
        return y

    def _reconstruction_loss(self):
        out = self._output_activation()
        if self.loss == "binary_crossentropy":
            if not _is_sigmoid(out):
                raise ValueError(
                    "loss='binary_crossentropy' needs a sigmoid output (output_activation="
                    f"'sigmoid'); the output activation is {out!r}."
                )
            return SigmoidCrossEntropy()
        return SigmoidSquaredLoss() if _is_sigmoid(out) else SquaredLoss()

    def _score_raw(self, raw, T_val):
        out = self._loss.transform(raw.reshape(len(raw), -1).astype(np.float64))
        return -float(np.mean((out - T_val) ** 2))

    # --- the network --------------------------------------------------------------------
    def _layout(self):
        encoder, decoder, paired = self._groups()
        if self.sparsity_weight > 0:
            # after the code layer: the penalty sees the codes, before any dropout
            code = encoder[-1]
            at = len(code)
            while isinstance(code[at - 1], Dropout):
                at -= 1
            code.insert(at, KLSparsity(self.sparsity_target, self.sparsity_weight))
        return _assemble(self._noise_specs(), encoder, decoder, paired)

    def _noise_specs(self):
        if self.noise is None:
            return []
        level = float(self.noise_level)
        if self.noise == "gaussian":
            return [GaussianNoise(level)]
        if level >= 1:
            raise ValueError(
                f"noise_level is the fraction of inputs corrupted by noise={self.noise!r}: it "
                f"must be below 1, got {self.noise_level!r}."
            )
        if self.noise == "masking":
            return [MaskingNoise(level)]
        low, high = self._data_range
        return [SaltPepperNoise(level, low, high)]

    def _check_sparse_code(self, activation):
        if self.sparsity_weight > 0 and not _is_sigmoid(activation):
            raise ValueError(
                f"sparsity_weight > 0 needs codes in (0, 1), a sigmoid code layer; the code "
                f"layer's activation is {activation!r}."
            )

    def _hidden_specs(self):
        return self._layout().specs[:-1]

    def _output_specs(self, n_outputs):
        return self._layout().specs[-1:]

    def _init_network(self, X, T, dtype):
        layout = self._layout()
        if self.pretrain == "greedy" and layout.stages is None:
            raise ValueError(
                "pretrain='greedy' trains each encoder layer with its mirror in the decoder: "
                f"it needs the mirrored decoder ({self._unpaired_hint})."
            )
        super()._init_network(X, T, dtype)
        self._record_layout(layout)
        self._pretrain_pending = self.pretrain == "greedy"
        self.pretrain_loss_curves_ = [] if self._pretrain_pending else None

    def _adopt_architecture(self, dtype):
        super()._adopt_architecture(dtype)
        self._record_layout(self._layout())

    def _record_layout(self, layout):
        self._code_stop, self._stages = layout.code_stop, layout.stages
        self._code_shape = self._net.layers[layout.code_stop - 1].output_shape
        self.n_codes_ = math.prod(self._code_shape)

    # --- greedy layer-wise pretraining --------------------------------------------------
    def _train(self, X, T, **options):
        if self._pretrain_pending:
            self._pretrain_pending = False
            stage = self._pretrain(X, T, options)
            if stage is not None:  # for the warning
                self._interrupted_stage = stage
                return "interrupted"
        return super()._train(X, T, **options)

    def _pretrain(self, X, T, options):
        """Train each stage (an encoder group and its mirror, without dropout) as a shallow
        autoencoder of the previous stage's codes, for ``pretrain_max_iter`` epochs, and
        start the whole network from the stages' weights. Returns None, or the stage
        (counted from 1) that Ctrl-C interrupted: the network then keeps each stage's best
        weights so far, as it does when a stage diverges."""
        net, n_stages = self._net, len(self._stages)
        options = {**options, "max_iter": self.pretrain_max_iter, "validation": None,
                   "check_convergence": True}
        i = 0
        try:  # Ctrl-C may come between the stages' training loops too
            for i, (enc, dec) in enumerate(self._stages):
                if i == 0:  # the first stage reproduces X, through the noise layer
                    inputs, targets, loss, prefix = X, T, self._loss, net.specs[: enc.start]
                else:  # the next ones the previous stage's codes, with their own activation
                    inputs = net.predict(X, stop=self._stages[i - 1][0].stop)
                    targets, loss, prefix = inputs.reshape(len(inputs), -1), SquaredLoss(), []
                specs = [s for s in prefix + net.specs[enc] + net.specs[dec]
                         if not isinstance(s, Dropout)]
                stage = Network(specs, inputs.shape[1:], net.dtype)
                own = [layer for layer in net.layers[enc] + net.layers[dec]
                       if layer.param_shapes]
                _copy_weights(own, stage.weighted_layers)  # starts from the initial weights
                optimizer = self._build_optimizer()
                history = History()
                if self.verbose:
                    print(f"Pretraining stage {i + 1} of {n_stages}", flush=True)
                try:
                    outcome = train(stage, loss, optimizer,
                                    optimizer.init_state(stage.n_params, stage.dtype), inputs,
                                    targets, history, **options)
                except DivergenceError as exc:
                    raise DivergenceError(
                        f"Greedy pretraining, stage {i + 1} of {n_stages}: {exc}") from None
                finally:  # the stage's best weights so far, after Ctrl-C or divergence too
                    _copy_weights(stage.weighted_layers, own)
                    self.pretrain_loss_curves_.append(list(history.loss_curve))
                if outcome == "interrupted":
                    return i + 1
        except KeyboardInterrupt:
            return i + 1
        finally:  # fine-tuning starts from these weights: they are the best so far
            self._history.best_params = net.params.copy()
        return None

    def _interrupted_warning(self):
        stage = self.__dict__.pop("_interrupted_stage", None)
        if stage is None:
            return super()._interrupted_warning()
        return (
            f"{type(self).__name__}: greedy pretraining interrupted (KeyboardInterrupt) in "
            f"stage {stage} of {len(self._stages)}; the estimator keeps the weights so far "
            "(each stage's best). A fit with warm_start=True (or partial_fit) fine-tunes from "
            "them, without the remaining stages; fit anew to pretrain them all."
        )

    # --- the transformer ----------------------------------------------------------------
    def transform(self, X):
        """The codes of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_codes_)
            The code layer's activations (convolutional codes flattened channels-last).
        """
        net, X = self._inference_input(X)
        codes = net.predict(X, stop=self._code_stop)
        return codes.reshape(len(codes), -1).astype(np.float64, copy=False)

    def inverse_transform(self, X):
        """Reconstructions from codes: the decoder's output.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_codes_)
            Codes, as ``transform`` gives them.

        Returns
        -------
        ndarray of shape (n_samples, n_features_in_)
        """
        check_is_fitted(self)
        codes = check_array(X, dtype=(np.float64, np.float32), input_name="X", estimator=self)
        if codes.shape[1] != self.n_codes_:
            raise ValueError(
                f"X has {codes.shape[1]} columns, but {type(self).__name__} has "
                f"{self.n_codes_} codes (n_codes_)."
            )
        net = self._inference_net(codes.dtype)
        codes = np.ascontiguousarray(codes, dtype=net.dtype)
        codes = codes.reshape((len(codes),) + self._code_shape)
        out = net.predict(codes, start=self._code_stop)
        return self._loss.transform(out.reshape(len(out), -1).astype(np.float64))

    def score(self, X, y=None):
        """The negative mean squared reconstruction error of X (higher is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        float
            ``-mean((X - reconstruction(X)) ** 2)`` over all samples and features.
        """
        net, Xn = self._inference_input(X)
        out = self._loss.transform(net.predict(Xn).reshape(Xn.shape[0], -1).astype(np.float64))
        X = Xn.toarray() if hasattr(Xn, "toarray") else Xn.reshape(Xn.shape[0], -1)
        return -float(np.mean((out - X) ** 2))

    @property
    def _n_features_out(self):
        return self.n_codes_

    def encoder_init(self):
        """The encoder's weights, as the initial weights of a classifier or regressor.

        Returns
        -------
        dict
            ``{"coefs_init": [...], "intercepts_init": [...]}``: copies of the encoder's
            weights and biases (``coefs_`` and ``intercepts_`` up to the code layer), to pass
            to :class:`MLPClassifier`, :class:`ConvClassifier` (or their regressors) whose
            first layers match the encoder's shapes. Plain arrays, so ``clone`` and
            ``GridSearchCV`` keep them; the classifier then fine-tunes them.
        """
        check_is_fitted(self)
        layers = [layer for layer in self._net.layers[: self._code_stop] if layer.param_shapes]
        return {"coefs_init": [layer.params[0].copy() for layer in layers],
                "intercepts_init": [layer.params[1].copy() for layer in layers]}


def _sizes(value, name, allow_empty):
    sizes = [value] if isinstance(value, (Integral, np.integer)) else list(value)
    if (not sizes and not allow_empty) or not all(
            isinstance(s, (Integral, np.integer)) and s > 0 for s in sizes):
        raise ValueError(f"{name} must be {'' if allow_empty else 'one or more '}positive ints, "
                         f"got {value!r}.")
    return [int(s) for s in sizes]


_COMMON_DOC = """    loss : {"squared_error", "binary_crossentropy"}, default="squared_error"
        The reconstruction loss: the lecture's quadratic cost ``1/(2N) sum ||x_rec - x||^2``,
        or binary cross-entropy summed over the features (needs a sigmoid output and data in
        [0, 1]). A sigmoid output is computed inside the loss, from the last layer's
        pre-activations: cross-entropy then never takes the log of a sigmoid rounded to 0 or
        1, and its gradient is simply ``x_rec - x``. For images in [0, 1] prefer it to the
        quadratic cost on a sigmoid output, whose gradient carries the sigmoid's slope and
        can stall: on the lecture's circles, the conv net with a sigmoid output and the
        quadratic cost settles on black images (the same net in PyTorch too), where
        cross-entropy learns them.
    noise : {"gaussian", "masking", "salt_pepper"} or None, default=None
        A denoising autoencoder: during training only, every batch's inputs are corrupted
        afresh (``"gaussian"``: plus ``noise_level`` times standard normal noise;
        ``"masking"``: a fraction ``noise_level`` set to 0; ``"salt_pepper"``: a fraction
        ``noise_level`` set to the training data's minimum or maximum, half each) while the
        targets stay the clean inputs.
    noise_level : float, default=0.1
    sparsity_target, sparsity_weight : float, default=0.05 and 0.0
        A sparse autoencoder (``sparsity_weight`` > 0; needs a sigmoid code layer): each
        batch's loss gains ``sparsity_weight * sum_j KL(sparsity_target || mean_j)``, with
        ``mean_j`` code unit j's mean activation over the batch and
        ``KL(p || q) = p log(p/q) + (1-p) log((1-p)/(1-q))`` (Ng's sparse-autoencoder
        notes): most code units are then near zero most of the time.
    pretrain : {"greedy"} or None, default=None
        Greedy layer-wise pretraining of a new network, before the first epoch: each encoder
        layer and its mirror in the decoder are trained as a shallow autoencoder of the
        previous layer's codes (the first one of X, with the noise; the last one with the
        sparsity penalty; all without dropout), ``pretrain_max_iter`` epochs each; then the
        whole network is fine-tuned from these weights. Needs the mirrored decoder.
    pretrain_max_iter : int, default=10
"""

# Parameter docs shared by the training sections below
_BATCH_DOC = """    alpha : float, default=1e-4
        L2 penalty: ``0.5 * alpha * ||W||^2 / batch_size`` is added to each batch's loss.
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
"""
_LOOP_DOC = """    shuffle : bool, default=True
        Shuffle the samples every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, validation split, noise and dropout.
    tol : float, default=1e-4
        Minimum improvement of the loss (or validation score) that counts.
    verbose : bool, default=False
        Print one line per epoch.
    warm_start : bool, default=False
        Continue from the previous fit, optimizer state included.
"""
_STOP_DOC = """    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score (the negative
        mean squared reconstruction error) stops improving for ``n_iter_no_change`` epochs,
        and restore the best weights.
    validation_fraction : float, default=0.1
"""

_TRAINING_DOC = _BATCH_DOC + """    max_iter : int, default=200
        Maximum number of epochs.
""" + _LOOP_DOC + _STOP_DOC + """    n_iter_no_change : int, default=10
    optimizer : str or optimizer object, default="adam"
        "sgd", "adagrad", "rmsprop", "adadelta", "adam", or an object from
        :mod:`sknetphys.optimizers` (then ``optimizer__learning_rate`` is grid-searchable).
"""

_SOLVER_DOC = """    solver : {"adam", "sgd", "lbfgs"}, default="adam"
        As :class:`MLPRegressor`'s (scikit-learn's): Adam or stochastic gradient descent on
        minibatches, or full-batch L-BFGS (in float64; ignores ``batch_size``, ``shuffle``
        and ``early_stopping``; no ``partial_fit``, ``noise``, ``dropout`` or ``pretrain``,
        which need minibatches). Ignored when ``optimizer`` is given (it may then name the
        optimizer's kind).
""" + _BATCH_DOC + """    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        The learning-rate schedule of ``solver="sgd"``, as :class:`MLPRegressor`'s.
    learning_rate_init : float, default=0.001
        Initial learning rate of "sgd" and "adam".
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    max_iter : int, default=200
        Maximum number of epochs (of iterations for L-BFGS).
""" + _LOOP_DOC + """    momentum, nesterovs_momentum : float and bool, default=0.9 and True
        Momentum of "sgd", and whether it is Nesterov's.
""" + _STOP_DOC + """    beta_1, beta_2, epsilon : float, default=0.9, 0.999 and 1e-8
        Adam's moment decay rates and stability term.
    n_iter_no_change : int, default=10
    max_fun : int, default=15000
        Maximum number of loss evaluations of "lbfgs".
    optimizer : optimizer object, str or None, default=None
        An object from :mod:`sknetphys.optimizers` or its name ("sgd", "adagrad",
        "rmsprop", "adadelta", "adam"), which then wins over scikit-learn's parameters above
        (they must keep their defaults: a changed one raises ValueError). None: the
        optimizer ``solver`` and those parameters describe. ``optimizer__learning_rate`` is
        grid-searchable either way.
"""

_DTYPE_DOC = """    dtype : {"float32", "float64"}, default="float32"
        Training precision. ``transform`` and ``inverse_transform`` run in the higher
        precision of this and the data, and return float64.
"""

_TAIL_DOC = """    coefs_init, intercepts_init : list of ndarray, default=None
        Starting weights and biases of the first weighted layers, in the layout of
        ``coefs_`` and ``intercepts_``.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weights of the weighted layers, encoder then decoder; views into the flat parameter
        vector.
    intercepts_ : list of ndarray
    n_codes_ : int
        Number of codes: ``transform`` gives ``(n_samples, n_codes_)``.
    loss_ : float
        Loss of the last epoch.
    loss_curve_ : list of float
        Training loss (penalties included) per epoch.
    best_loss_ : float or None
        Best training loss (None with early stopping).
    validation_scores_ : list of float or None
        Negative mean squared reconstruction error of the validation set per epoch (with
        early stopping).
    best_validation_score_ : float or None
    pretrain_loss_curves_ : list of list of float or None
        The loss per epoch of each pretraining stage, outermost first (None without
        pretraining).
    n_iter_ : int
        Epochs run (pretraining not counted). ``t_``: samples seen.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has feature names.
"""


class Autoencoder(SolverMixin, AutoencoderMixin, BaseNetwork):
    __doc__ = (
        """Dense autoencoder: a scikit-learn transformer whose codes are the activations of
    its bottleneck layer.

    The encoder's layers are ``hidden_layer_sizes``, the last being the code layer; the
    decoder mirrors them back to the input (``(128, 32)`` gives 32 codes and the decoder
    ``(128,)``, then the output layer), or has ``decoder_layer_sizes``. ``transform`` gives
    the codes, ``inverse_transform`` the reconstructions, ``score`` the negative mean squared
    reconstruction error. Training is the MLPs' (optimizers, early stopping, Ctrl-C keeps
    the best weights so far, a diverging loss raises ``DivergenceError``), and so is
    ``partial_fit``.

    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of the encoder's layers, down to the code layer.
    activation : str or list of str, default="relu"
        Activation of the hidden layers (all but the output layer): one name, or one per
        hidden layer, encoder then decoder. ``identity``, ``sigmoid`` (``logistic``),
        ``tanh``, ``relu``, ``leaky_relu``, ``softplus``, ``elu``.
    output_activation : {"identity", "sigmoid"}, default="identity"
        ``"identity"`` for any real data (centred data, say); ``"sigmoid"`` for data in
        [0, 1].
    code_activation : str, default=None
        Activation of the code layer; None: as ``activation`` says. ``"identity"`` gives a
        linear bottleneck (with identity activations everywhere, the autoencoder finds the
        principal subspace, as PCA).
    decoder_layer_sizes : tuple of int, default=None
        Units of the decoder's hidden layers, code to output; None mirrors the encoder.
"""
        + _COMMON_DOC
        + _SOLVER_DOC
        + """    dropout : float or list of float, default=0.0
        Inverted-dropout rate after each hidden layer (training only; not with "lbfgs").
"""
        + _DTYPE_DOC
        + """    weight_init : str, default="sklearn"
        Initial weights, as for :class:`MLPClassifier`.
"""
        + _TAIL_DOC
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknetphys import Autoencoder
    >>> X = load_digits().data / 16
    >>> ae = Autoencoder((32,), output_activation="sigmoid", max_iter=30, random_state=0)
    >>> codes = ae.fit_transform(X)
    >>> codes.shape
    (1797, 32)
    >>> ae.inverse_transform(codes).shape
    (1797, 64)
    >>> baseline = float(((X - X.mean(axis=0)) ** 2).mean())  # the mean image's error
    >>> -ae.score(X) < 0.5 * baseline  # score: the negative mean squared error
    True

    Start a classifier from the encoder and fine-tune it:

    >>> from sknetphys import MLPClassifier
    >>> y = load_digits().target
    >>> clf = MLPClassifier((32,), batch_size=32, max_iter=20, random_state=0,
    ...                     **ae.encoder_init())
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    """
    )

    _parameter_constraints = {
        **AutoencoderMixin._parameter_constraints,
        **SolverMixin._solver_constraints,
        "hidden_layer_sizes": ["array-like", Integral],
        "activation": [str, list, tuple],
        "code_activation": [str, None],
        "decoder_layer_sizes": ["array-like", None],
        "dropout": [Real, list, tuple],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", output_activation="identity",
                 *, code_activation=None, decoder_layer_sizes=None, loss="squared_error",
                 noise=None, noise_level=0.1, sparsity_target=0.05, sparsity_weight=0.0,
                 pretrain=None, pretrain_max_iter=10, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8, n_iter_no_change=10, max_fun=15000, optimizer=None, dropout=0.0,
                 dtype="float32", weight_init="sklearn", coefs_init=None, intercepts_init=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output_activation = output_activation
        self.code_activation = code_activation
        self.decoder_layer_sizes = decoder_layer_sizes
        self.loss = loss
        self.noise = noise
        self.noise_level = noise_level
        self.sparsity_target = sparsity_target
        self.sparsity_weight = sparsity_weight
        self.pretrain = pretrain
        self.pretrain_max_iter = pretrain_max_iter
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

    def _check_full_batch(self):
        super()._check_full_batch()
        for name, value in (("noise", self.noise), ("pretrain", self.pretrain)):
            if value is not None:
                raise ValueError(
                    f"{name}={value!r} needs minibatch training: with solver='lbfgs' (one "
                    f"deterministic full-batch objective) set {name}=None, or use "
                    "solver='adam' or 'sgd'."
                )

    _unpaired_hint = "decoder_layer_sizes=None, or the encoder's sizes but the code's reversed"

    def _output_activation(self):
        return self.output_activation

    def _groups(self):
        encoder = _sizes(self.hidden_layer_sizes, "hidden_layer_sizes", allow_empty=False)
        mirror = encoder[-2::-1]
        decoder = (mirror if self.decoder_layer_sizes is None
                   else _sizes(self.decoder_layer_sizes, "decoder_layer_sizes", allow_empty=True))
        n_hidden = len(encoder) + len(decoder)
        activations = list(_per_layer(self.activation, n_hidden, "activation"))
        code = len(encoder) - 1
        if self.code_activation is not None:
            activations[code] = self.code_activation
        self._check_sparse_code(activations[code])
        rates = _per_layer(self.dropout, n_hidden, "dropout")
        groups = [[Dense(size, activation)] + ([Dropout(float(rate))] if rate else [])
                  for size, activation, rate in zip(encoder + decoder, activations, rates)]
        groups.append([Dense(self.n_features_in_, "identity")])  # the loss applies the sigmoid
        return groups[: len(encoder)], groups[len(encoder):], decoder == mirror


def default_encoder(input_shape):
    """The default encoder, the lecture's net for circles: ``[Conv2D(8, 5, "same"),
    AvgPool2D(2), Conv2D(8, 5, "same"), AvgPool2D(2), Conv2D(4, 3, "same")]`` (28x28 images:
    7x7x4 codes). A pooling halves only the sides that are even, and is left out where none
    is, so that the mirrored decoder gives back the input's shape, whatever it is (even a
    1-pixel-high strip)."""
    h, w, _ = input_shape
    specs = []
    for _ in range(2):
        specs.append(Conv2D(8, 5, padding="same"))
        pool = (2 if h % 2 == 0 else 1, 2 if w % 2 == 0 else 1)
        if pool != (1, 1):
            specs.append(AvgPool2D(pool))
            h, w = h // pool[0], w // pool[1]
    return specs + [Conv2D(4, 3, padding="same")]


class ConvAutoencoder(ImageInputMixin, AutoencoderMixin, BaseNetwork):
    __doc__ = (
        """Convolutional autoencoder on channels-last images: a scikit-learn transformer whose
    codes are the encoder's output feature maps, flattened channels-last.

    Parameters
    ----------
    encoder : list of layer objects, default=None
        The layers down to the code, e.g. the lecture's net for circles ``[Conv2D(8, 5,
        padding="same"), AvgPool2D(2), Conv2D(8, 5, padding="same"), AvgPool2D(2),
        Conv2D(4, 3, padding="same")]``, which gives 28x28 images a 7x7x4 code. None: that
        net, each pooling halving only the image's even sides (and left out where none is),
        so that it builds, and its mirror gives back the input's shape, on any input.
    decoder : list of layer objects, default=None
        None mirrors the encoder: backwards through it, each pooling becomes an
        ``UpSampling2D`` by its stride, each ``Conv2D`` a "same"-padded ``Conv2D`` back to
        that layer's input channels, each ``Dense`` (a dense code) a ``Dense`` back to its
        input's size, these with the activation of the layer before it (and, for the
        first, ``output_activation``: the decoder ends back at the input's channels), and
        each ``Flatten`` a ``Reshape`` back to the image it flattened. An explicit decoder
        is the whole way back from the code: it must give the input's shape, nothing is
        appended, and its last layer's activation is the output's (a sigmoid there is
        computed inside the loss, as ``loss`` says).
    input_shape : (height, width, channels), default=None
        Shape of one sample when X is 2-D ``(n, h*w*c)`` (channels-last, C order). None:
        taken from 3-D ``(n, h, w)`` or 4-D ``(n, h, w, c)`` X; for 2-D X, square
        single-channel images when n_features is a perfect square, else one row of pixels.
    output_activation : {"identity", "sigmoid"}, default="identity"
        The mirrored decoder's output activation. With an explicit decoder its last layer
        decides; ``"sigmoid"`` here must then agree with it.
"""
        + _COMMON_DOC
        + _TRAINING_DOC
        + _DTYPE_DOC
        + """    weight_init : str, default="he_uniform"
        Initial weights, as for :class:`ConvClassifier`.
"""
        + _TAIL_DOC
        + """    input_shape_ : tuple
        ``(height, width, channels)`` of one sample.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknetphys import ConvAutoencoder
    >>> X = load_digits().data[:500] / 16
    >>> cae = ConvAutoencoder(output_activation="sigmoid", batch_size=32, max_iter=5,
    ...                       random_state=0).fit(X)
    >>> cae.input_shape_, cae.n_codes_  # 8x8 images, codes 2x2x4
    ((8, 8, 1), 16)
    >>> cae.transform(X).shape, cae.inverse_transform(cae.transform(X)).shape
    ((500, 16), (500, 64))
    >>> cae.get_feature_names_out()[:2]
    array(['convautoencoder0', 'convautoencoder1'], dtype=object)

    A dense code: the mirror goes back through ``Dense`` and ``Reshape``.

    >>> from sknetphys import Conv2D, Dense, Flatten, MaxPool2D
    >>> encoder = [Conv2D(8, 3, padding="same"), MaxPool2D(2), Flatten(), Dense(12)]
    >>> dense_code = ConvAutoencoder(encoder, batch_size=32, max_iter=5, random_state=0).fit(X)
    >>> dense_code.transform(X).shape
    (500, 12)
    """
    )

    _parameter_constraints = {
        **AutoencoderMixin._parameter_constraints,
        "encoder": [list, tuple, None],
        "decoder": [list, tuple, None],
        "input_shape": [tuple, list, None],
    }

    def __init__(self, encoder=None, decoder=None, input_shape=None, output_activation="identity",
                 *, loss="squared_error", noise=None, noise_level=0.1, sparsity_target=0.05,
                 sparsity_weight=0.0, pretrain=None, pretrain_max_iter=10, alpha=0.0001,
                 batch_size="auto", max_iter=200, shuffle=True, random_state=None, tol=1e-4,
                 verbose=False, warm_start=False, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, optimizer="adam",
                 dtype="float32", weight_init="he_uniform", coefs_init=None,
                 intercepts_init=None):
        self.encoder = encoder
        self.decoder = decoder
        self.input_shape = input_shape
        self.output_activation = output_activation
        self.loss = loss
        self.noise = noise
        self.noise_level = noise_level
        self.sparsity_target = sparsity_target
        self.sparsity_weight = sparsity_weight
        self.pretrain = pretrain
        self.pretrain_max_iter = pretrain_max_iter
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

    _unpaired_hint = "decoder=None, or a decoder equal to the encoder's mirror"

    def _output_activation(self):
        if self.decoder is None:
            return self.output_activation
        last = getattr(layer_list(self.decoder, "decoder")[-1], "activation", "identity")
        if self.output_activation != "identity" and not _is_sigmoid(last):
            raise ValueError(
                f"output_activation={self.output_activation!r}, but the decoder's last layer "
                f"has activation {last!r}: with an explicit decoder, its last layer's "
                "activation is the output's; set it there."
            )
        return "sigmoid" if _is_sigmoid(last) else last

    def _groups(self):
        shape = self.input_shape_
        encoder = (default_encoder(shape) if self.encoder is None
                   else layer_list(self.encoder, "encoder"))
        built = self._build_checked(encoder, shape, name="encoder")
        code_shape = built[-1].output_shape
        activations = [s.activation for s in encoder if hasattr(s, "activation")]
        self._check_sparse_code(activations[-1] if activations else "identity")
        groups = []  # a weighted layer and what follows it
        for spec, layer in zip(encoder, built):
            if layer.param_shapes or not groups:
                groups.append([spec])
            else:
                groups[-1].append(spec)
        if self.decoder is None:
            mirror = self._mirror(encoder, built)
            decoder = [spec for group in mirror for spec in group]
        else:
            decoder = layer_list(self.decoder, "decoder")
        name = "mirrored decoder" if self.decoder is None else "decoder"
        out = self._build_checked(decoder, code_shape, name=name, origin=(
            f"the decoder starts from the codes, the encoder's output of shape {code_shape}"
        ))[-1].output_shape
        if out != shape:
            how = ("the mirror of a Conv2D is a 'same'-padded Conv2D, of a pooling an "
                   "UpSampling2D by its stride: use padding='same' and poolings that divide "
                   "the image, or pass decoder=[...]" if self.decoder is None else
                   "its last layer must give back the input's shape")
            raise ValueError(
                f"The decoder gives outputs of shape {out} from codes of shape {code_shape}, "
                f"but the input images have shape {shape}: {how}."
            )
        if self.decoder is None:
            return groups, mirror, True
        try:  # an explicit decoder that is the mirror pairs as stages too
            mirror = self._mirror(encoder, built)
        except ValueError:
            mirror = None
        if mirror is not None and decoder == [spec for group in mirror for spec in group]:
            return groups, mirror, True
        last = decoder[-1]
        if _is_sigmoid(getattr(last, "activation", "identity")):  # the loss applies it
            decoder[-1] = type(last)(**{**last.get_params(deep=False), "activation": "identity"})
        return groups, [decoder], False

    @staticmethod
    def _mirror(encoder, built):
        """The mirrored decoder's groups, code side first: each mirrors an encoder group."""
        if not isinstance(encoder[0], Conv2D):
            raise ValueError(
                "The mirrored decoder ends with the mirror of the encoder's first layer, a "
                f"Conv2D back to the input's channels; the encoder starts with {encoder[0]!r}. "
                "Start it with a Conv2D, or pass decoder=[...]."
            )
        groups, previous = [], "identity"  # the first Conv2D's mirror is the output layer
        for spec, layer in zip(encoder, built):
            if isinstance(spec, Conv2D):
                strides = as_tuple(spec.strides, 2, "strides")
                up = [UpSampling2D(strides)] if strides != (1, 1) else []
                groups.append(up + [Conv2D(layer.input_shape[2], spec.kernel_size,
                                           padding="same", activation=previous)])
                previous = spec.activation
            elif isinstance(spec, (MaxPool2D, AvgPool2D)):
                groups[-1].insert(0, UpSampling2D(
                    spec.pool_size if spec.strides is None else spec.strides))
            elif isinstance(spec, Flatten):  # a dense code: back to the image it flattened
                groups[-1].insert(0, Reshape(layer.input_shape))
            elif isinstance(spec, Dense):
                groups.append([Dense(layer.input_shape[0], activation=previous)])
                previous = spec.activation
            elif not isinstance(spec, Dropout):
                raise ValueError(
                    f"The mirrored decoder has no mirror for {spec!r} (it mirrors Conv2D, "
                    "MaxPool2D, AvgPool2D, Flatten, Dense and Dropout); pass decoder=[...]."
                )
        return groups[::-1]
