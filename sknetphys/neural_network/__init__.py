"""scikit-learn estimators over the engine."""

from ._autoencoder import Autoencoder, ConvAutoencoder
from ._conv import ConvClassifier, ConvRegressor
from ._mlp import MLPClassifier, MLPRegressor

__all__ = [
    "Autoencoder",
    "ConvAutoencoder",
    "ConvClassifier",
    "ConvRegressor",
    "MLPClassifier",
    "MLPRegressor",
]
