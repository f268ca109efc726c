"""A t-SNE map of handwritten digits for ``python -m sknetphys``."""

import time

import numpy as np


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
        ``n_samples``, ``method``, ``time_s`` (fit wall time), ``kl_divergence``,
        ``knn_accuracy`` (leave-one-out 10-NN label accuracy in the map), ``png``, and
        ``embedding``.

    Examples
    --------
    >>> from sknetphys.manifold._demo import tsne_demo
    >>> res = tsne_demo()
    >>> res["knn_accuracy"] > 0.9
    True
    """
    from ._metrics import knn_accuracy
    from ._tsne import TSNEEmbedding

    if X is None:
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    est = TSNEEmbedding(random_state=random_state)
    t = time.perf_counter()
    Y = est.fit_transform(X)
    elapsed = time.perf_counter() - t
    result = {
        "n_samples": X.shape[0],
        "method": est._method,
        "time_s": elapsed,
        "kl_divergence": est.kl_divergence_,
        "knn_accuracy": knn_accuracy(Y, y, 10) if y is not None else None,
        "png": None,
        "embedding": Y,
    }
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
        ax.set_title(f"t-SNE of {X.shape[0]} digits: {elapsed:.1f} s, "
                     f"10-NN accuracy {result['knn_accuracy']:.3f}")
        ax.set_xticks([])
        ax.set_yticks([])
        fig.tight_layout()
        fig.savefig(out_png, dpi=100)
        plt.close(fig)
        result["png"] = str(out_png)
    return result
