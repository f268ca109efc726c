"""Layer specs (user-facing parameter objects) and the runtime layers they build."""

from ._base import ACTIVATIONS, INITIALIZERS, Layer, LayerSpec, activation_code
from .conv import AvgPool2D, Conv2D, MaxPool2D, RandomShiftRotate, UpSampling2D
from .dense import Dense, Dropout, Flatten, Reshape
from .noise import GaussianNoise, KLSparsity, MaskingNoise, SaltPepperNoise

__all__ = [
    "ACTIVATIONS",
    "AvgPool2D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "GaussianNoise",
    "INITIALIZERS",
    "Layer",
    "LayerSpec",
    "MaskingNoise",
    "MaxPool2D",
    "RandomShiftRotate",
    "Reshape",
    "SaltPepperNoise",
    "UpSampling2D",
    "activation_code",
]
