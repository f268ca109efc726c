"""sknetphys: scikit-learn-compatible neural networks for physicists, on a Numba core."""

import importlib

from ._version import __version__

# Every public name loads on first use (PEP 562): ``import sknetphys`` stays cheap, and a
# process that needs only the layers and kernels (a worker compiling them, see compile.py)
# never imports scikit-learn: 0.5 s instead of 2.7 s here.
_WHERE = {
    "DivergenceError": ".exceptions",
    "InconsistentVersionWarning": ".exceptions",
    **{name: ".layers" for name in ("AvgPool2D", "Conv2D", "Dense", "Dropout", "Flatten",
                                    "MaxPool2D", "RandomShiftRotate", "Reshape",
                                    "UpSampling2D")},
    **{name: ".neural_network" for name in ("Autoencoder", "ConvAutoencoder",
                                            "ConvClassifier", "ConvRegressor",
                                            "MLPClassifier", "MLPRegressor",
                                            "prune_neurons")},
    **{name: ".optimizers" for name in ("SGD", "Adadelta", "Adagrad", "Adam", "RMSprop")},
    "TSNEEmbedding": ".manifold",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
