"""Training-only layers of the autoencoders: input corruption (denoising) and the sparsity
penalty. At prediction all of them are the identity."""

import numpy as np

from ..kernels.noise import replace_noise, replace_noise_backward
from ..kernels.sparsity import kl_sparsity, kl_sparsity_backward
from ._base import Layer, LayerSpec
from .dense import _DropoutLayer


def _check_rate(rate, name):
    if not (np.isscalar(rate) and 0.0 <= float(rate) < 1.0):
        raise ValueError(f"{name} rate must be in [0, 1), got {rate!r}.")
    return float(rate)


class GaussianNoise(LayerSpec):
    """Training-time additive noise: ``x + stddev * N(0, 1)``, drawn afresh every batch; at
    prediction the identity. As the first layer of an autoencoder it makes it denoising.

    Parameters
    ----------
    stddev : float, default=0.1
        Standard deviation of the noise, in the units of the data.

    Examples
    --------
    >>> from sknetphys.layers import GaussianNoise
    >>> GaussianNoise(0.3)
    GaussianNoise(stddev=0.3)
    """

    def __init__(self, stddev=0.1):
        self.stddev = stddev

    def build(self, input_shape, dtype):
        if not (np.isscalar(self.stddev) and float(self.stddev) >= 0):
            raise ValueError(f"GaussianNoise stddev must be >= 0, got {self.stddev!r}.")
        return _GaussianNoiseLayer(input_shape, float(self.stddev), dtype)


class _GaussianNoiseLayer(Layer):
    training_only = True

    def __init__(self, shape, stddev, dtype):
        super().__init__(shape, shape, dtype)
        self.stddev = stddev

    def allocate(self, capacity):
        super().allocate(capacity)
        self._y = self._buffer(self.output_shape)

    def forward(self, x, training=False, rng=None):
        if not training or self.stddev == 0:
            return x
        y = self._y[: x.shape[0]]
        rng.standard_normal(out=y.reshape(-1), dtype=self.dtype.type)
        y *= self.dtype.type(self.stddev)
        y += x
        return y

    def backward(self, dy, need_dx):
        return dy if need_dx else None  # d(x + noise)/dx = 1


class MaskingNoise(LayerSpec):
    """Training-time masking noise: each input is set to 0 with probability ``rate``, drawn
    afresh every batch (unlike :class:`Dropout`, the survivors are not rescaled: the
    corrupted image is what a denoising autoencoder learns to restore); at prediction the
    identity.

    Parameters
    ----------
    rate : float in [0, 1), default=0.1

    Examples
    --------
    >>> from sknetphys.layers import MaskingNoise
    >>> MaskingNoise(0.25)
    MaskingNoise(rate=0.25)
    """

    def __init__(self, rate=0.1):
        self.rate = rate

    def build(self, input_shape, dtype):
        return _ReplaceNoiseLayer(input_shape, _check_rate(self.rate, "MaskingNoise"), 0.0,
                                  0.0, dtype)


class SaltPepperNoise(LayerSpec):
    """Training-time salt-and-pepper noise: each input is set to ``low`` with probability
    ``rate / 2`` and to ``high`` with probability ``rate / 2``, drawn afresh every batch; at
    prediction the identity.

    Parameters
    ----------
    rate : float in [0, 1), default=0.1
    low, high : float, default=0.0 and 1.0
        The pepper and salt values (the autoencoders use the training data's minimum and
        maximum).

    Examples
    --------
    >>> from sknetphys.layers import SaltPepperNoise
    >>> SaltPepperNoise(0.2, low=-1.0)
    SaltPepperNoise(low=-1.0, rate=0.2)
    """

    def __init__(self, rate=0.1, low=0.0, high=1.0):
        self.rate = rate
        self.low = low
        self.high = high

    def build(self, input_shape, dtype):
        return _ReplaceNoiseLayer(input_shape, _check_rate(self.rate, "SaltPepperNoise"),
                                  float(self.low), float(self.high), dtype)


class _ReplaceNoiseLayer(_DropoutLayer):
    """Dropout's draws and buffers, another mask: replaced inputs, survivors unscaled."""

    def __init__(self, shape, rate, low, high, dtype):
        super().__init__(shape, rate, dtype)
        self.low, self.high = low, high

    def _mask(self, x, u, y):
        replace_noise(x, u, self.rate, self.low, self.high, y)

    def _mask_backward(self, dy, u, dx):
        replace_noise_backward(dy, u, self.rate, dx)


class KLSparsity(LayerSpec):
    """The sparse autoencoder's penalty on the activations that pass through (the identity):
    training adds ``weight * sum_j KL(target || mean_j)`` to each batch's loss, where
    ``mean_j`` is unit j's mean activation over the batch, which must lie in (0, 1) (put it
    after a sigmoid layer). A batch statistic, so the network trains such batches in one
    part (see ``Network.parts``).

    Parameters
    ----------
    target : float in (0, 1), default=0.05
    weight : float >= 0, default=1.0
    """

    def __init__(self, target=0.05, weight=1.0):
        self.target = target
        self.weight = weight

    def build(self, input_shape, dtype):
        if not (np.isscalar(self.target) and 0.0 < float(self.target) < 1.0):
            raise ValueError(f"The sparsity target must be in (0, 1), got {self.target!r}.")
        if not (np.isscalar(self.weight) and float(self.weight) >= 0):
            raise ValueError(f"The sparsity weight must be >= 0, got {self.weight!r}.")
        return _KLSparsityLayer(input_shape, float(self.target), float(self.weight), dtype)


class _KLSparsityLayer(Layer):
    training_only = True
    batch_statistics = True

    def __init__(self, shape, target, weight, dtype):
        super().__init__(shape, shape, dtype)
        self.target, self.weight = target, weight
        self._mean = np.zeros(int(np.prod(shape)))

    def forward(self, x, training=False, rng=None):
        self._active = training and self.weight > 0
        if not self._active:
            self.penalty = 0.0
            return x
        self._n = x.shape[0]
        y = np.ascontiguousarray(x).reshape(self._n, -1)
        self.penalty = self.weight * kl_sparsity(y, self.target, self._mean)
        return x

    def backward(self, dy, need_dx):
        if not need_dx:
            return None
        if self._active:
            dy = np.ascontiguousarray(dy)
            kl_sparsity_backward(dy.reshape(dy.shape[0], -1), self._mean, self.target,
                                 self.weight / self._n)
        return dy
