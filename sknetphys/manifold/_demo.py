"""A t-SNE map of handwritten digits for ``python -m sknetphys``, beside scikit-learn's."""

import time

import numpy as np

_PERPLEXITY = 30.0  # both estimators' default


def _digits(X, y):
    if X is None:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
    return np.asarray(X, dtype=np.float64), y


def _report(X, y, Y, elapsed, method, reported_kl):
    """The figures both demos return; the KL is recomputed the same way for every map."""
    from ._affinity import joint_probabilities_knn
    from ._metrics import kl_divergence, knn_accuracy

    P = joint_probabilities_knn(X, _PERPLEXITY)
    return {
        "n_samples": X.shape[0],
        "method": method,
        "time_s": elapsed,
        "kl_divergence": kl_divergence(P, Y),
        "kl_divergence_reported": reported_kl,
        "knn_accuracy": knn_accuracy(Y, y, 10) if y is not None else None,
        "embedding": Y,
    }


def tsne_demo(X=None, y=None, out_png=None, random_state=0):
    """Fit a t-SNE map of digits and report its time and quality; optionally save a figure.

    Parameters
    ----------
    X, y : ndarray, optional
        Data and integer labels; default: scikit-learn's 8x8 digits (1,797 images, a few
        seconds to fit).
    out_png : str or Path, optional
        Where to write a scatter plot of the map, coloured by label. Skipped (with
        ``"png": None`` in the result) when matplotlib is not installed.
    random_state : int, default=0
        Seed of the map.

    Returns
    -------
    result : dict
        ``n_samples``; ``method``; ``compile_s``, the time of a small warm-up fit that
        compiles (or loads from numba's cache) the kernels, so that ``time_s``, the fit's wall
        time, is of the work alone; ``kl_divergence``, the exact KL of the map under the
        exact 90-nearest-neighbour P at perplexity 30 with Z over all pairs (the same figure
        :func:`sklearn_tsne_demo` reports, so the two compare); ``kl_divergence_reported``,
        the estimator's own ``kl_divergence_``; ``knn_accuracy`` (leave-one-out 10-NN label
        accuracy in the map); ``png``; ``embedding``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknetphys.manifold._demo import tsne_demo
    >>> X, y = load_digits(return_X_y=True)
    >>> res = tsne_demo(X[:500], y[:500])
    >>> res["knn_accuracy"] > 0.9
    True
    """
    from ._tsne import TSNEEmbedding

    X, y = _digits(X, y)
    est = TSNEEmbedding(perplexity=_PERPLEXITY, random_state=random_state)
    t = time.perf_counter()
    # the same kernels as the map below, on a few points
    TSNEEmbedding(perplexity=_PERPLEXITY, method=est._resolve_method(X.shape[0]), max_iter=2,
                  random_state=random_state).fit(X[:200])
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    Y = est.fit_transform(X)
    result = _report(X, y, Y, time.perf_counter() - t, est._method, est.kl_divergence_)
    result["compile_s"] = compile_s
    result["png"] = None
    if out_png is not None:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            return result
        fig, ax = plt.subplots(figsize=(6, 6))
        ax.scatter(Y[:, 0], Y[:, 1], c=y, cmap="tab10", s=3)
        if y is not None:
            for label in np.unique(y):
                cx, cy = np.median(Y[y == label], axis=0)
                ax.text(cx, cy, str(label), fontsize=14, weight="bold", ha="center")
        ax.set_title(f"t-SNE of {X.shape[0]} digits: {result['time_s']:.1f} s, "
                     f"10-NN accuracy {result['knn_accuracy']:.3f}")
        ax.set_xticks([])
        ax.set_yticks([])
        fig.tight_layout()
        fig.savefig(out_png, dpi=100)
        plt.close(fig)
        result["png"] = str(out_png)
    return result


def sklearn_tsne_demo(X=None, y=None, random_state=0):
    """scikit-learn's ``TSNE`` on the same data, reported as :func:`tsne_demo` reports ours.

    scikit-learn's estimator runs at its defaults (Barnes-Hut, perplexity 30, PCA start,
    1,000 iterations), as a user would run it.

    Returns
    -------
    result : dict
        The keys of :func:`tsne_demo` except ``compile_s`` and ``png``; ``kl_divergence`` is
        computed exactly as there (same P, same Z), ``kl_divergence_reported`` is
        scikit-learn's own figure (its own P and Barnes-Hut Z).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknetphys.manifold._demo import sklearn_tsne_demo, tsne_demo
    >>> X, y = load_digits(return_X_y=True)
    >>> ours, theirs = tsne_demo(X[:500], y[:500]), sklearn_tsne_demo(X[:500], y[:500])
    >>> abs(ours["kl_divergence"] - theirs["kl_divergence"]) < 0.1
    True
    """
    from sklearn.manifold import TSNE

    X, y = _digits(X, y)
    est = TSNE(perplexity=_PERPLEXITY, random_state=random_state)
    t = time.perf_counter()
    Y = est.fit_transform(X)
    return _report(X, y, Y, time.perf_counter() - t, "sklearn barnes_hut",
                   float(est.kl_divergence_))
