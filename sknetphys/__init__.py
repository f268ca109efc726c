"""sknetphys: scikit-learn-compatible neural networks for physicists, on a Numba core."""

from ._core.training import DivergenceError
from .layers import (
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    RandomShiftRotate,
    UpSampling2D,
)
from .manifold import TSNEEmbedding
from .neural_network import ConvClassifier, ConvRegressor, MLPClassifier, MLPRegressor
from .optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop

__version__ = "0.1.0"

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "AvgPool2D",
    "Conv2D",
    "ConvClassifier",
    "ConvRegressor",
    "Dense",
    "DivergenceError",
    "Dropout",
    "Flatten",
    "MLPClassifier",
    "MLPRegressor",
    "MaxPool2D",
    "RMSprop",
    "RandomShiftRotate",
    "SGD",
    "TSNEEmbedding",
    "UpSampling2D",
]
