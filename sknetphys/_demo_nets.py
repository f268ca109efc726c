"""The demo's convolutional networks as layer specs, and warm-ups that compile their layers
(and t-SNE's tree) without the estimators.

Nothing here imports scikit-learn, so that a worker process of the demo's first run
(``python -m sknetphys``, see ``__main__._prepare``) starts compiling about 2 s sooner than
one that imports the estimators.
"""

import numpy as np

from .compile import run_layers
from .layers import AvgPool2D, Conv2D, Flatten, MaxPool2D

INPUT_SHAPE = (8, 8, 1)  # the digits


def conv_nets():
    """``[(name, layer specs), ...]``: the conv nets the demo times (ConvClassifier adds
    the output layer)."""
    return [
        ("ConvClassifier [Conv2D(8,3), AvgPool2D(2)]",
         [Conv2D(8, 3, padding="same"), AvgPool2D(2), Flatten()]),
        ("ConvClassifier [Conv2D(16,3), MaxPool2D(2), ...]",
         [Conv2D(16, 3, padding="same"), MaxPool2D(2), Conv2D(32, 3, padding="same"),
          MaxPool2D(2), Flatten()]),
    ]


def _run_layers(kinds, where=None):
    for _, specs in conv_nets():
        run_layers(specs, INPUT_SHAPE, np.float32, kinds, where=where)


def warm_up_conv_layers():
    """The conv layers off the Winograd path (the input layers: few channels)."""
    _run_layers(Conv2D, where=lambda layer: not getattr(layer, "winograd", False))


def warm_up_winograd():
    _run_layers(Conv2D, where=lambda layer: layer.winograd)


def warm_up_pooling():
    _run_layers((AvgPool2D, MaxPool2D))


def warm_up_tsne_tree():
    """The Barnes-Hut tree of a t-SNE map (``build_tree``, 1.3-1.4 s of compiling), as the
    map's gradient builds it: float64 points in 2-D."""
    from .manifold._gradients import build_bh_tree

    build_bh_tree(np.random.default_rng(0).normal(size=(150, 2)))
