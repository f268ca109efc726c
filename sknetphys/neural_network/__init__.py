"""scikit-learn estimators over the engine."""

from ._autoencoder import Autoencoder, ConvAutoencoder
from ._conv import ConvClassifier, ConvRegressor
from ._mlp import MLPClassifier, MLPRegressor
from ._pruning import prune_neurons

__all__ = [
    "Autoencoder",
    "ConvAutoencoder",
    "ConvClassifier",
    "ConvRegressor",
    "MLPClassifier",
    "MLPRegressor",
    "prune_neurons",
]
