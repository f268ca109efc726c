"""Pruning: remove hidden neurons of a fitted dense network (the lecture's bonus homework)."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from .._core.losses import loss_value
from ._mlp import _BaseMLP, _assemble


def prune_neurons(estimator, layer, neurons=None, *, n_remove=None, X=None, y=None):
    """A smaller fitted network: ``estimator`` without some neurons of one hidden layer.

    Removing neuron ``j`` of hidden layer ``layer`` drops column ``j`` of that layer's
    weights and bias and row ``j`` of the next layer's weights; everything else is kept
    as it is. Either name the neurons, or let them be chosen greedily: ``n_remove`` times,
    the neuron whose removal raises the cost on (X, y) least goes (the cost is the
    estimator's loss, cross-entropy or quadratic, without the L2 penalty). The original
    estimator is not changed.

    Parameters
    ----------
    estimator : fitted MLPClassifier or MLPRegressor
    layer : int
        Which hidden layer, counted from 0 (negative: from the last), as in
        ``layer_activations``.
    neurons : array-like of int, default=None
        The neurons of that layer to remove (indices into its units).
    n_remove : int, default=None
        How many neurons to remove greedily on (X, y); instead of ``neurons``.
    X : array-like of shape (n_samples, n_features), default=None
        The data the greedy choice measures the cost on (needed with ``n_remove``).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
        Its targets.

    Returns
    -------
    pruned : MLPClassifier or MLPRegressor
        A fitted estimator of the same class and parameters, with
        ``hidden_layer_sizes[layer]`` reduced and the kept weights (also as
        ``coefs_init``/``intercepts_init``, so that ``get_params()`` describes it). Like a
        network from ``from_weights`` it was never trained as such (``n_iter_ = 0``,
        ``loss_curve_ = []``); ``warm_start=True`` fine-tunes it.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetphys import MLPRegressor, prune_neurons
    >>> X = np.linspace(-1, 1, 100).reshape(-1, 1)
    >>> reg = MLPRegressor((20,), "tanh", solver="lbfgs", random_state=0).fit(X, X[:, 0] ** 2)
    >>> small = prune_neurons(reg, 0, n_remove=15, X=X, y=X[:, 0] ** 2)
    >>> small.hidden_layer_sizes, small.coefs_[0].shape
    ((5,), (1, 5))
    >>> prune_neurons(reg, 0, neurons=range(10)).hidden_layer_sizes
    (10,)
    """
    if not isinstance(estimator, _BaseMLP):
        raise TypeError(f"prune_neurons works on MLPClassifier and MLPRegressor, got "
                        f"{type(estimator).__name__}.")
    check_is_fitted(estimator)
    hidden = estimator._hidden_layers()
    if not isinstance(layer, (Integral, np.integer)) or not -len(hidden) <= layer < len(hidden):
        raise ValueError(f"layer must be an int in [{-len(hidden)}, {len(hidden) - 1}] (this "
                         f"network has {len(hidden)} hidden layers), got {layer!r}.")
    i = int(layer) % len(hidden)  # the MLP's hidden layers are its first weighted layers
    coefs = [W.copy() for W in estimator.coefs_]
    intercepts = [b.copy() for b in estimator.intercepts_]
    units = coefs[i].shape[1]
    if (neurons is None) == (n_remove is None):
        raise ValueError("Give either neurons (which to remove) or n_remove (how many, chosen "
                         "greedily by the cost on X, y).")
    if neurons is not None:
        removed = _check_neurons(neurons, units)
    else:
        if not isinstance(n_remove, (Integral, np.integer)) or not 1 <= n_remove < units:
            raise ValueError(f"n_remove must be an int in [1, {units - 1}] (hidden layer {i} "
                             f"has {units} neurons), got {n_remove!r}.")
        if X is None or y is None:
            raise ValueError("n_remove chooses the neurons by the cost on data: give X and y.")
        removed = _greedy_removal(estimator, hidden[i], int(n_remove), X, y)
    keep = np.setdiff1d(np.arange(units), removed)
    coefs[i], intercepts[i] = coefs[i][:, keep], intercepts[i][keep]
    coefs[i + 1] = coefs[i + 1][keep]
    sizes = [W.shape[1] for W in coefs[:-1]]
    pruned = clone(estimator).set_params(hidden_layer_sizes=tuple(sizes))
    _assemble(pruned, coefs, intercepts, _target_stub(estimator))
    if hasattr(estimator, "feature_names_in_"):
        pruned.feature_names_in_ = estimator.feature_names_in_.copy()
    return pruned


def _check_neurons(neurons, units):
    neurons = np.asarray(neurons)
    if neurons.ndim != 1 or (neurons.size and not np.issubdtype(neurons.dtype, np.integer)):
        raise ValueError(f"neurons must be a list of neuron indices, got {neurons!r}.")
    if neurons.size == 0 or len(np.unique(neurons)) != neurons.size:
        raise ValueError("neurons must name at least one neuron, each once.")
    if neurons.min() < 0 or neurons.max() >= units or neurons.size >= units:
        raise ValueError(f"neurons must be indices in [0, {units - 1}], fewer than all {units} "
                         f"of the layer, got {neurons.tolist()}.")
    return np.sort(neurons)


def _greedy_removal(estimator, position, n_remove, X, y):
    """Remove, ``n_remove`` times, the neuron whose removal gives the lowest cost.

    Zeroing a neuron's activation is removing it (its outgoing weights then add nothing),
    so the hidden layer's activations are computed once and only the layers above it run
    for each candidate.
    """
    X, y = validate_data(estimator, X, y, reset=False, accept_sparse=estimator._accept_sparse,
                         multi_output=True, dtype=(np.float64, np.float32),
                         y_numeric=not estimator._is_classifier)
    T = _encode(estimator, y)
    net, X = estimator._inference_input(X)
    H = net.predict(X, stop=position + 1)
    T = T.astype(net.dtype)
    alive = list(range(H.shape[1]))
    removed = []
    for _ in range(n_remove):
        costs = []
        for j in alive:
            column = H[:, j].copy()
            H[:, j] = 0
            costs.append(loss_value(estimator._loss, net.predict(H, start=position + 1), T))
            H[:, j] = column
        best = alive.pop(int(np.argmin(costs)))
        H[:, best] = 0
        removed.append(best)
    return np.sort(removed)


def _encode(estimator, y):
    """y as the network's targets, for the cost (checked against the fitted encoding)."""
    if estimator._is_classifier:
        unknown = np.setdiff1d(unique_labels(y), estimator.classes_)
        if len(unknown):
            raise ValueError(f"y holds labels {unknown.tolist()} that are not among the "
                             f"classes {estimator.classes_.tolist()}.")
        return estimator._label_binarizer.transform(y)
    T = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if T.shape[1] != estimator.n_outputs_:
        raise ValueError(f"y has {T.shape[1]} outputs, the network {estimator.n_outputs_}.")
    return T


def _target_stub(estimator):
    """A target that gives a new estimator the fitted one's encoding (classes, outputs)."""
    if estimator._is_classifier:
        if estimator._label_binarizer.y_type_ == "multilabel-indicator":
            return np.eye(len(estimator.classes_), dtype=int)
        return estimator.classes_
    return np.zeros(1) if estimator._y_ndim == 1 else np.zeros((1, estimator.n_outputs_))
