"""Losses, each paired with its output activation (see ``kernels/losses.py``)."""

import numpy as np

from .kernels.activations import exp_neg_abs
from .kernels.losses import (
    poisson_loss,
    sigmoid_bce_loss,
    sigmoid_squared_loss,
    softmax_squared_loss,
    softmax_xent_loss,
    squared_loss,
)


class Loss:
    """``output_activation`` names what ``transform`` applies to raw outputs for prediction."""

    name = output_activation = None
    _kernel = None

    def __call__(self, z, t, delta, n=None):
        """Mean loss over a batch of ``n`` rows (default: the rows of ``z``; more when ``z``
        is one part of a batch); writes dLoss/dz into ``delta``. Rows may be images: the
        kernels see them flat."""
        m = z.shape[0]
        return float(self._flat(z.reshape(m, -1), t.reshape(m, -1), 1.0 / (m if n is None else n),
                                delta.reshape(m, -1)))

    def _flat(self, z, t, inv_n, delta):
        """The loss of 2-D rows (see ``__call__``)."""
        return self._kernel(z, t, inv_n, delta)

    def transform(self, z):
        """Raw outputs to predictions, in place. The transforms are numpy's, not kernels:
        prediction runs them in float64, which training never compiles, and a first
        ``predict`` spent 5 ms loading such a kernel from numba's cache (7.2 ms against
        1.6 ms for the digits' 450 rows)."""
        return z


class SquaredLoss(Loss):
    """The lecture's quadratic cost C = 1/(2N) sum_s ||F(y_s) - y_s_target||^2."""

    name, output_activation = "squared_error", "identity"
    _kernel = staticmethod(squared_loss)


class PoissonLoss(Loss):
    """Exponential outputs with the half Poisson deviance (counts, rates: targets >= 0), as
    scikit-learn's ``MLPRegressor(loss="poisson")``."""

    name, output_activation = "poisson", "exp"
    _kernel = staticmethod(poisson_loss)

    def transform(self, z):
        np.exp(z, out=z)
        return z


class SoftmaxCrossEntropy(Loss):
    """Softmax outputs with categorical cross-entropy (multiclass)."""

    name, output_activation = "log_loss", "softmax"
    _kernel = staticmethod(softmax_xent_loss)

    def transform(self, z):
        # On the transpose, numpy reduces over classes row by row, in the order the
        # former kernel summed (the same bits), where reducing each short row of z is
        # slow: 10k rows of 10 classes 0.97 ms (the kernel 0.75, row-wise 1.42); of 1000
        # classes 172 ms (the kernel 84, row-wise 114).
        zt = z.T.copy()
        zt -= zt.max(axis=0)
        np.exp(zt, out=zt)
        zt /= zt.sum(axis=0)
        z[...] = zt.T
        return z


class SigmoidCrossEntropy(Loss):
    """Sigmoid outputs with binary cross-entropy (binary and multilabel).

    The exponentials and logarithms are numpy's (SIMD loops) and the rest one kernel: for
    a 100 x 784 batch, float32, 0.5 ms where the kernel alone, calling libm's scalar
    ``exp`` twice and ``log1p`` once per output, took 2.9 ms."""

    name, output_activation = "binary_log_loss", "logistic"

    def _flat(self, z, t, inv_n, delta):
        e = exp_neg_abs(z, delta)  # read, then overwritten, by the kernel
        log_u = np.add(e, 1)  # a new array: data-parallel parts call at once
        np.log(log_u, out=log_u)
        return sigmoid_bce_loss(z, t, log_u, inv_n, e)

    def transform(self, z):
        with np.errstate(over="ignore"):  # exp(-z) = inf gives 1 / inf = 0, the limit
            np.exp(np.negative(z, out=z), out=z)
        z += 1
        return np.reciprocal(z, out=z)


class SigmoidSquaredLoss(SigmoidCrossEntropy):
    """Sigmoid outputs with the quadratic cost (binary, multilabel; data in [0, 1])."""

    name = "squared_error"

    def _flat(self, z, t, inv_n, delta):
        e = exp_neg_abs(z, delta)  # read, then overwritten, by the kernel
        return sigmoid_squared_loss(z, t, np.empty_like(e), inv_n, e)


class SoftmaxSquaredLoss(SoftmaxCrossEntropy):
    """Softmax outputs with the quadratic cost (multiclass)."""

    name = "squared_error"
    _kernel = staticmethod(softmax_squared_loss)


def loss_value(loss, z, t):
    """The loss without keeping a delta (validation, tests)."""
    return loss(z, t, np.empty_like(z))
