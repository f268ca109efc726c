"""Manifold learning: t-SNE maps with exact, Barnes-Hut and FFT-accelerated gradients."""

__all__ = ["TSNEEmbedding"]


def __getattr__(name):
    # The estimator (and scikit-learn with it) loads on first use, so that the kernels and
    # gradients can be imported without it (a worker compiling them, see _demo_nets.py).
    if name == "TSNEEmbedding":
        from ._tsne import TSNEEmbedding

        globals()[name] = TSNEEmbedding
        return TSNEEmbedding
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
