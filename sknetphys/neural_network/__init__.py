"""scikit-learn estimators over the engine."""

from ._conv import ConvClassifier, ConvRegressor
from ._mlp import MLPClassifier, MLPRegressor

__all__ = ["ConvClassifier", "ConvRegressor", "MLPClassifier", "MLPRegressor"]
