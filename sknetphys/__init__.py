"""sknetphys: scikit-learn-compatible neural networks for physicists, on a Numba core."""

from ._version import __version__
from .exceptions import DivergenceError, InconsistentVersionWarning
from .layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    RandomShiftRotate,
    Reshape,
    UpSampling2D,
)
from .neural_network import (
    Autoencoder,
    ConvAutoencoder,
    ConvClassifier,
    ConvRegressor,
    MLPClassifier,
    MLPRegressor,
    prune_neurons,
)
from .optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop


def __getattr__(name):
    # t-SNE and its kernels load on first use: importing them costs the MLP user's first fit
    # about 0.1 s (benchmarks/bench_mlp.py, first fit).
    if name == "TSNEEmbedding":
        from .manifold import TSNEEmbedding

        return TSNEEmbedding
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"TSNEEmbedding"})


__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "Autoencoder",
    "AvgPool2D",
    "Conv2D",
    "ConvAutoencoder",
    "ConvClassifier",
    "ConvRegressor",
    "Dense",
    "DivergenceError",
    "Dropout",
    "Flatten",
    "InconsistentVersionWarning",
    "MLPClassifier",
    "MLPRegressor",
    "MaxPool2D",
    "RMSprop",
    "RandomShiftRotate",
    "Reshape",
    "SGD",
    "TSNEEmbedding",
    "UpSampling2D",
    "prune_neurons",
]
