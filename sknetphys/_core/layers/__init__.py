"""Layer specs (user-facing parameter objects) and the runtime layers they build."""

from ._base import ACTIVATIONS, Layer, LayerSpec, activation_code
from .dense import Dense, Dropout, Flatten

__all__ = ["ACTIVATIONS", "Dense", "Dropout", "Flatten", "Layer", "LayerSpec", "activation_code"]
