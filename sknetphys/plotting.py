"""The lecture's pictures, drawn with matplotlib: loss and validation curves, a learned 2-D
function beside its target, conv filters and a layer's weights as images, images beside their
reconstructions, a 2-D embedding coloured by label, and the probability of the ordered phase
against temperature with the critical temperature read off it. matplotlib is the optional
``plot`` extra (``pip install sknetphys[plot]``) and is imported only when a function here is
called, so importing sknetphys never needs it. Each function takes fitted estimators or plain
arrays, draws into a given ``ax`` (or ``fig`` for a grid of images) or a new figure, and
returns the matplotlib ``Axes`` (or the ``Figure`` of a grid).
"""

import math

import numpy as np
from sklearn.utils import Bunch

from .datasets import estimate_critical_temperature

_ONSAGER_TC = 2 / math.log1p(math.sqrt(2))


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("sknetphys.plotting needs matplotlib: pip install sknetphys[plot]"
                          ) from exc
    return plt


def _weights(weights, layer):
    """A fitted network's ``coefs_[layer]``, or the array itself."""
    return np.asarray(weights.coefs_[layer] if hasattr(weights, "coefs_") else weights)


def _image_grid(images, fig, n_cols, cmap, symmetric, row_labels=None):
    """Draw a sequence of images into ``fig``, ``n_cols`` to a row, one per axes."""
    plt = _pyplot()
    n_rows = math.ceil(len(images) / n_cols)
    if fig is None:
        fig = plt.figure(figsize=(1.2 * n_cols + 0.4, 1.2 * n_rows + 0.2))
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    limit = float(np.abs(images).max()) if symmetric else None
    span = {"vmin": -limit, "vmax": limit} if symmetric else {}
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < len(images):
            ax.imshow(images[i], cmap=cmap, **span)
        else:
            ax.set_axis_off()
    for ax, label in zip(axes[:, 0], row_labels or []):
        ax.set_ylabel(label)
    return fig


def _as_images(X, image_shape):
    X = np.asarray(X)
    if X.ndim >= 3:
        return X
    if image_shape is None:
        side = math.isqrt(X.shape[1])
        if side * side != X.shape[1]:
            raise ValueError(f"rows of {X.shape[1]} values are not square images: pass "
                             "image_shape.")
        image_shape = (side, side)
    return X.reshape(len(X), *image_shape)


def plot_loss_curves(estimators, *, validation="loss", log=False, ax=None):
    """Training loss per epoch, with the validation loss or score, of fitted networks.

    Parameters
    ----------
    estimators : estimator, list of estimators, or dict of label to estimator
        Fitted networks with ``loss_curve_`` (sknetphys' and scikit-learn's). Listed ones
        are labelled by class name.
    validation : {"loss", "score"} or None, default="loss"
        Also draw ``validation_loss_curve_`` (dashed, on the same axis), or
        ``validation_scores_`` (dotted, on a second y axis at the right), where present
        (after fitting with ``early_stopping=True``).
    log : bool, default=False
        Logarithmic loss axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes
        The loss axis (the score axis is ``ax.right_ax`` when drawn).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from types import SimpleNamespace
    >>> from sknetphys.plotting import plot_loss_curves
    >>> net = SimpleNamespace(loss_curve_=[1.0, 0.5, 0.3], validation_loss_curve_=[1.1, 0.7, 0.6])
    >>> ax = plot_loss_curves({"adam": net})
    >>> [line.get_label() for line in ax.get_lines()]
    ['adam training', 'adam validation']
    """
    if validation not in ("loss", "score", None):
        raise ValueError(f"validation must be 'loss', 'score' or None, got {validation!r}.")
    if isinstance(estimators, dict):
        named = list(estimators.items())
    else:
        listed = estimators if isinstance(estimators, (list, tuple)) else [estimators]
        named = [(type(est).__name__, est) for est in listed]
    for label, est in named:
        if getattr(est, "loss_curve_", None) is None:
            raise ValueError(f"{label} has no loss_curve_: fit it first.")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    right = None
    for label, est in named:
        epochs = np.arange(1, len(est.loss_curve_) + 1)
        (line,) = ax.plot(epochs, est.loss_curve_, label=f"{label} training")
        if validation == "loss" and getattr(est, "validation_loss_curve_", None) is not None:
            ax.plot(epochs[:len(est.validation_loss_curve_)], est.validation_loss_curve_, "--",
                    color=line.get_color(), label=f"{label} validation")
        if validation == "score" and getattr(est, "validation_scores_", None) is not None:
            if right is None:
                right = ax.right_ax = ax.twinx()
                right.set_ylabel("validation score")
            right.plot(epochs[:len(est.validation_scores_)], est.validation_scores_, ":",
                       color=line.get_color(), label=f"{label} validation score")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if log:
        ax.set_yscale("log")
    handles = ax.get_lines() + (right.get_lines() if right is not None else [])
    ax.legend(handles=handles)
    return ax


def plot_function_image(learned, target, *, extent=None, axes=None, cmap="viridis"):
    """A learned 2-D function (a picture) beside its target, on one colour scale.

    Parameters
    ----------
    learned : fitted regressor or array-like of shape (rows, columns) or (rows * columns,)
        A model, evaluated on the grid's points, or its values there.
    target : Bunch or array-like of shape (rows, columns)
        The ``grid`` of :func:`sknetphys.datasets.make_function_image` (``return_grid=True``),
        or the target picture (then ``learned`` must be values, not a model).
    extent : (left, right, bottom, top), optional
        The square's coordinates (default: the grid's).
    axes : pair of matplotlib Axes, optional
        Where to draw the target and the learned picture.
    cmap : str, default="viridis"

    Returns
    -------
    axes : ndarray of two matplotlib Axes
        The target's and the learned picture's; the latter's title gives the mean squared
        difference over the grid.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknetphys.datasets import make_function_image
    >>> from sknetphys.plotting import plot_function_image
    >>> _, _, grid = make_function_image(np.hypot, 10, grid_size=20, return_grid=True)
    >>> axes = plot_function_image(0.9 * grid.target, grid)
    >>> axes[1].get_title()
    'learned (MSE 0.00166)'
    """
    grid = target if isinstance(target, Bunch) else None
    if grid is not None:
        target, extent = np.reshape(grid.target, grid.shape), extent or grid.extent
    target = np.asarray(target, dtype=np.float64)
    if target.ndim != 2:
        raise ValueError(f"target must be a 2-D picture or a grid, got shape {target.shape}.")
    if hasattr(learned, "predict"):
        if grid is None:
            raise ValueError("a model needs target to be the grid of make_function_image, "
                             "to know where to evaluate it.")
        learned = learned.predict(grid.data)
    learned = np.reshape(np.asarray(learned, dtype=np.float64), target.shape)
    plt = _pyplot()
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8, 3.8))
    axes = np.asarray(axes)
    span = {"vmin": target.min(), "vmax": target.max(), "cmap": cmap, "extent": extent}
    mse = np.mean((learned - target) ** 2)
    for ax, picture, title in ((axes[0], target, "target"),
                               (axes[1], learned, f"learned (MSE {mse:.3g})")):
        ax.imshow(picture, **span)
        ax.set_title(title)
    return axes


def plot_filters(kernels, *, layer=0, channel=None, fig=None, cmap="RdBu_r"):
    """Conv filters as a grid of images, on one symmetric colour scale.

    Parameters
    ----------
    kernels : fitted conv network or array-like of shape (kernel_h, kernel_w, in_channels,
            filters)
        A network's ``coefs_[layer]`` (a Conv2D kernel), or the kernel itself.
    layer : int, default=0
        Which of the network's weighted layers.
    channel : int, optional
        Draw the filters' weights on this input channel only. By default: one row per input
        channel with more than one, else a near-square grid of the filters.
    fig : matplotlib Figure or SubFigure, optional
    cmap : str, default="RdBu_r"
        A diverging map: zero is white, positive red, negative blue.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknetphys.plotting import plot_filters
    >>> fig = plot_filters(np.random.default_rng(0).normal(size=(5, 5, 1, 8)))
    >>> sum(len(ax.images) for ax in fig.axes)
    8
    """
    w = _weights(kernels, layer)
    if w.ndim != 4:
        raise ValueError("kernels must be of shape (kernel_h, kernel_w, in_channels, "
                         f"filters), got {w.shape}: is layer {layer} a Conv2D layer?")
    if channel is not None:
        w = w[:, :, channel:channel + 1]
    n_channels, n_filters = w.shape[2:]
    images = w.transpose(2, 3, 0, 1).reshape(-1, *w.shape[:2])  # channel by channel
    if n_channels == 1:
        return _image_grid(images, fig, math.ceil(math.sqrt(n_filters)), cmap, True)
    return _image_grid(images, fig, n_filters, cmap, True,
                       [f"in {c}" for c in range(n_channels)])


def plot_reconstructions(images, reconstructions, *, noisy=None, n_images=8, image_shape=None,
                         fig=None, cmap="gray"):
    """Images above their reconstructions (and the noisy inputs between, for denoising).

    Parameters
    ----------
    images : array-like of shape (n_samples, n_features) or (n_samples, height, width)
        The originals.
    reconstructions : array-like like ``images``, or a fitted transformer
        The reconstructions, or a model with ``transform`` and ``inverse_transform`` (an
        autoencoder, PCA) that reconstructs the inputs (``noisy`` if given, else ``images``).
    noisy : array-like like ``images``, optional
        The corrupted inputs the reconstructions were made from: drawn as a middle row.
    n_images : int, default=8
        How many of the first images to draw.
    image_shape : (int, int), optional
        Shape of one image, for flat rows that are not square images.
    fig : matplotlib Figure or SubFigure, optional
    cmap : str, default="gray"

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sknetphys.plotting import plot_reconstructions
    >>> X = load_digits().data
    >>> fig = plot_reconstructions(X, PCA(10).fit(X), n_images=5)
    >>> len(fig.axes)
    10
    """
    images = np.asarray(images)[:n_images]
    inputs = images if noisy is None else np.asarray(noisy)[:n_images]
    if hasattr(reconstructions, "inverse_transform"):
        flat = inputs.reshape(len(inputs), -1)
        reconstructions = reconstructions.inverse_transform(reconstructions.transform(flat))
    rows = [("original", images)] + ([] if noisy is None else [("noisy input", inputs)])
    rows.append(("reconstruction", np.asarray(reconstructions)[:n_images]))
    drawn = [_as_images(X, image_shape) for _, X in rows]
    if len({X.shape for X in drawn}) != 1:
        raise ValueError(f"images, noisy and reconstructions differ in shape: "
                         f"{[X.shape for X in drawn]}.")
    return _image_grid(np.concatenate(drawn), fig, len(images), cmap, False,
                       [label for label, _ in rows])


def plot_embedding(embedding, labels=None, *, ax=None, s=4, cmap=None):
    """A 2-D embedding (t-SNE, PCA, a code layer), its points coloured by label.

    Parameters
    ----------
    embedding : array-like of shape (n_samples, 2)
    labels : array-like of shape (n_samples,), optional
        Classes (integers, strings, or at most 20 distinct values): one colour each and a
        legend; or continuous values (e.g. temperatures): a colour scale with a colour bar.
    ax : matplotlib Axes, optional
    s : float, default=4
        Marker size.
    cmap : str, optional
        Colour map of continuous labels (default: matplotlib's).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknetphys.plotting import plot_embedding
    >>> ax = plot_embedding(np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 3)
    >>> len(ax.collections), [t.get_text() for t in ax.get_legend().get_texts()]
    (3, ['0', '1', '2'])
    """
    Y = np.asarray(embedding)
    if Y.ndim != 2 or Y.shape[1] != 2:
        raise ValueError(f"embedding must be of shape (n_samples, 2), got {Y.shape}.")
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    if labels is None:
        ax.scatter(Y[:, 0], Y[:, 1], s=s)
        return ax
    labels = np.asarray(labels)
    if len(labels) != len(Y):
        raise ValueError(f"{len(labels)} labels for {len(Y)} points.")
    classes = np.unique(labels)
    if labels.dtype.kind in "fc" and len(classes) > 20:
        points = ax.scatter(Y[:, 0], Y[:, 1], c=labels, s=s, cmap=cmap)
        ax.figure.colorbar(points, ax=ax)
        return ax
    for label in classes:
        mine = labels == label
        ax.scatter(Y[mine, 0], Y[mine, 1], s=s, label=str(label))
    ax.legend(markerscale=12 / s ** 0.5, fontsize="small")
    return ax


def plot_layer_weights(weights, *, layer=0, image_shape=None, units=None, ax=None, fig=None,
                       cmap="RdBu_r"):
    """A dense layer's weights as an image: the whole matrix, or each unit's as a picture.

    Parameters
    ----------
    weights : fitted network or array-like of shape (n_in, n_out)
        A network's ``coefs_[layer]``, or the matrix itself.
    layer : int, default=0
        Which of the network's weighted layers.
    image_shape : (int, int), optional
        Draw the weights into each unit reshaped to this shape (e.g. ``(28, 28)`` for the
        first layer of an MNIST net): one picture per unit, in a grid. By default the matrix
        is one image, inputs down, units across.
    units : array-like of int, optional
        Which units (columns) to draw; default all, at most the first 64 as pictures.
    ax : matplotlib Axes, optional
        For the matrix.
    fig : matplotlib Figure or SubFigure, optional
        For the pictures.
    cmap : str, default="RdBu_r"
        A diverging map on a symmetric scale: zero is white.

    Returns
    -------
    ax : matplotlib Axes
        With the matrix (and a colour bar), without ``image_shape``.
    fig : matplotlib Figure
        With the pictures, with ``image_shape``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknetphys.plotting import plot_layer_weights
    >>> W = np.random.default_rng(0).normal(size=(64, 10))
    >>> plot_layer_weights(W).images[0].get_array().shape
    (64, 10)
    >>> len(plot_layer_weights(W, image_shape=(8, 8), units=[0, 3]).axes)
    2
    """
    W = _weights(weights, layer)
    if W.ndim != 2:
        raise ValueError(f"weights must be a dense layer's (n_in, n_out) matrix, got shape "
                         f"{W.shape}: is layer {layer} a dense layer?")
    if units is None:
        units = np.arange(W.shape[1] if image_shape is None else min(W.shape[1], 64))
    W = W[:, np.asarray(units)]
    if image_shape is not None:
        if math.prod(image_shape) != W.shape[0]:
            raise ValueError(f"image_shape {tuple(image_shape)} does not hold the layer's "
                             f"{W.shape[0]} inputs.")
        return plot_filters(W.reshape(*image_shape, 1, -1), fig=fig, cmap=cmap)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    limit = float(np.abs(W).max())
    image = ax.imshow(W, cmap=cmap, vmin=-limit, vmax=limit, aspect="auto",
                      interpolation="nearest")
    ax.set_xlabel("unit")
    ax.set_ylabel("input")
    ax.figure.colorbar(image, ax=ax)
    return ax


def plot_phase_probability(temperatures, p_ordered, *, ax=None):
    """P(ordered) against temperature, with the critical temperature read off at 1/2.

    Draws the probability averaged per temperature, the estimate of
    :func:`sknetphys.datasets.estimate_critical_temperature` (where it falls through 1/2,
    a solid vertical line) and Onsager's exact Tc = 2 / ln(1 + sqrt 2) = 2.269 (dashed).

    Parameters
    ----------
    temperatures : array-like of shape (n_samples,)
        Temperature of each sample, e.g. ``T`` from :func:`sknetphys.datasets.make_ising`.
    p_ordered : array-like of shape (n_samples,)
        A classifier's probability of the ordered phase for each sample, e.g.
        ``clf.predict_proba(X)[:, 1]`` with the ordered class second.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes
        Its legend gives both critical temperatures (the estimate only if P falls through
        1/2; :func:`~sknetphys.datasets.estimate_critical_temperature` returns it).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknetphys.plotting import plot_phase_probability
    >>> T = np.linspace(1.5, 3.0, 16)
    >>> ax = plot_phase_probability(T, 1 / (1 + np.exp((T - 2.3) / 0.1)))
    >>> ax.get_legend().get_texts()[1].get_text()
    'estimated $T_c$ = 2.300'
    """
    T = np.asarray(temperatures, dtype=np.float64).ravel()
    p = np.asarray(p_ordered, dtype=np.float64).ravel()
    tc = estimate_critical_temperature(T, p)
    T_unique, which = np.unique(T, return_inverse=True)
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.plot(T_unique, np.bincount(which, weights=p) / np.bincount(which), "o-",
            label="P(ordered)")
    ax.axhline(0.5, color="gray", lw=0.8, ls=":")
    if not np.isnan(tc):
        ax.axvline(tc, color="C3", label=f"estimated $T_c$ = {tc:.3f}")
    ax.axvline(_ONSAGER_TC, color="k", ls="--", label=f"Onsager $T_c$ = {_ONSAGER_TC:.3f}")
    ax.set_xlabel("temperature $T$")
    ax.set_ylabel("P(ordered)")
    ax.set_ylim(-0.02, 1.02)
    ax.legend()
    return ax
