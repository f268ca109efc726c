"""Every sknetphys estimator, small and quick, with data to fit it on: the cases of the
estimator-wide test matrices (faults, persistence, concurrency, Dask).

A new estimator joins every matrix by one entry in ``CASES``.
"""

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits

from sknetphys import (
    Autoencoder,
    Conv2D,
    ConvAutoencoder,
    ConvClassifier,
    ConvRegressor,
    Flatten,
    MaxPool2D,
    MLPClassifier,
    MLPRegressor,
    TSNEEmbedding,
)
from sknetphys.optimizers import Adam


def digits(n=300):
    """The first ``n`` of sklearn's digits in a fixed shuffled order (the file is sorted by
    writer), as rows in [0, 1], and the labels."""
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))[:n]
    return X[order] / 16.0, y[order]


@dataclass
class Case:
    """One estimator: ``kind`` is "classifier", "regressor" or "transformer" (t-SNE and the
    autoencoders, fitted on X alone)."""

    estimator: object
    kind: str
    network: bool = True  # a BaseNetwork (partial_fit, layers, optimizers)
    images: bool = False  # takes images (3-D/4-D X)
    methods: tuple = field(default=())  # public inference methods, run by ``call``
    n_samples: int = 300  # of the data it is fitted on

    @property
    def name(self):
        return type(self.estimator).__name__

    def make(self, **params):
        return clone(self.estimator).set_params(**params)

    def data(self, n=None):
        X, y = digits(n or self.n_samples)
        if self.kind == "regressor":
            return X, y / 9.0
        return X, (None if self.kind == "transformer" else y)

    def fit(self, est, X, y):
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return est.fit(X) if y is None else est.fit(X, y)

    @property
    def autoencoder(self):
        return self.network and self.kind == "transformer"

    @staticmethod
    def call(est, name, X, y=None):
        """``est.<name>`` on X: ``score`` with y too, ``inverse_transform`` on the codes of X
        (in X's dtype, so that float32 data decode in float32 as well)."""
        method = getattr(est, name)
        if name == "score":
            return method(X, y)
        if name == "inverse_transform":
            return method(est.transform(X).astype(X.dtype))
        return method(X)

    def outputs(self, est, X, y=None):
        """Every inference method's result on X, by name."""
        return {name: self.call(est, name, X, y) for name in self.methods}


_SMALL_CONV = [Conv2D(3, 3, padding="same"), MaxPool2D(2), Flatten()]
_CLASSIFIER_METHODS = ("predict", "predict_proba", "predict_log_proba", "score",
                       "layer_activations")
_REGRESSOR_METHODS = ("predict", "score", "layer_activations")
_AUTOENCODER_METHODS = ("transform", "inverse_transform", "score", "layer_activations")
# pooling in the encoder, upsampling in its mirrored decoder: 8x8 digits give 4x4x2 codes
SMALL_ENCODER = [Conv2D(4, 3, padding="same"), MaxPool2D(2), Conv2D(2, 3, padding="same")]

_ADAM = Adam(learning_rate=0.01)
CASES = [
    Case(MLPClassifier((8,), max_iter=3, batch_size=50, optimizer=_ADAM,
                       random_state=0), "classifier",
         methods=_CLASSIFIER_METHODS),
    Case(MLPRegressor((8,), max_iter=3, batch_size=50, optimizer=_ADAM,
                       random_state=0), "regressor",
         methods=_REGRESSOR_METHODS),
    Case(ConvClassifier(_SMALL_CONV, max_iter=2, batch_size=50,
                        optimizer=_ADAM, random_state=0), "classifier", images=True,
         methods=_CLASSIFIER_METHODS),
    Case(ConvRegressor(_SMALL_CONV, max_iter=2, batch_size=50,
                        optimizer=_ADAM, random_state=0), "regressor", images=True,
         methods=_REGRESSOR_METHODS),
    # denoising, a sparse sigmoid code and greedy pretraining: every random draw and
    # every extra part of training in the matrices
    Case(Autoencoder((16, 8), code_activation="sigmoid", sparsity_weight=0.1, noise="masking",
                     noise_level=0.2, pretrain="greedy", pretrain_max_iter=1, max_iter=3,
                     batch_size=50, optimizer=_ADAM, random_state=0), "transformer",
         methods=_AUTOENCODER_METHODS),
    Case(ConvAutoencoder(SMALL_ENCODER, noise="gaussian", max_iter=2, batch_size=50,
                         optimizer=_ADAM, random_state=0), "transformer", images=True,
         methods=_AUTOENCODER_METHODS),
    Case(TSNEEmbedding(perplexity=5, max_iter=100, early_exaggeration_iter=50, random_state=0),
         "transformer", network=False, methods=("transform",), n_samples=120),
]
NETWORKS = [case for case in CASES if case.network]
BY_NAME = {case.name: case for case in CASES}


def fingerprint(case):
    """A hash of what ``case``'s estimator, fitted on its data, learned and outputs."""
    import hashlib

    X, y = case.data()
    est = case.fit(case.make(), X, y)
    h = hashlib.sha256(np.ascontiguousarray(est._net.params if case.network
                                            else est.embedding_).tobytes())
    for value in case.outputs(est, X, y).values():
        h.update(np.asarray(value, dtype=float).tobytes())
    return h.hexdigest()


def ids(cases):
    return [case.name for case in cases]
