"""sknetphys: scikit-learn-compatible neural networks for physicists, on a Numba core."""

from ._core.training import DivergenceError
from .layers import Dense, Dropout, Flatten
from .neural_network import MLPClassifier, MLPRegressor
from .optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Dense",
    "DivergenceError",
    "Dropout",
    "Flatten",
    "MLPClassifier",
    "MLPRegressor",
    "RMSprop",
]
