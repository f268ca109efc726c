"""The layer protocol: a *spec* (a parameter object the user writes) builds a *runtime layer*.

A spec such as ``Dense(128)`` holds hyperparameters only, so sklearn can clone it and
``GridSearchCV`` can search it. ``spec.build(input_shape, dtype)`` returns a runtime ``Layer``
that knows its shapes, owns its buffers and does the arithmetic.

Runtime contract (shapes exclude the batch axis; arrays are C-contiguous):

- ``input_shape``, ``output_shape``: tuples.
- ``param_shapes``: ``[weight_shape, bias_shape]`` for a weighted layer, ``[]`` otherwise.
  The network allocates one flat parameter vector (all weights first, then all biases, so the
  L2 penalty covers one contiguous slice) and hands each layer views via ``bind``.
- ``init_params(rng)``: fill the bound weight views (Glorot or He), biases to zero.
- ``allocate(capacity)``: allocate output/backprop buffers for up to ``capacity`` rows. Called
  only when the batch size grows; forward/backward then work in ``buffer[:n]`` views.
- ``forward(x, training, rng)``: return the output (a view of an owned buffer). Keep what the
  backward pass needs (usually the input and the output).
- ``backward(dy, need_dx)``: ``dy`` is dLoss/d(output) and may be overwritten. Write the
  parameter gradients into the bound gradient views (overwrite, never accumulate) and return
  dLoss/d(input) when ``need_dx`` (else ``None``).
"""

import math

import numpy as np

from .._params import ParamsMixin
from ..kernels.activations import (
    ELU,
    IDENTITY,
    LEAKY_RELU,
    RELU,
    SIGMOID,
    SOFTPLUS,
    TANH,
)

ACTIVATIONS = {
    "identity": IDENTITY,
    "linear": IDENTITY,
    "logistic": SIGMOID,
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "softplus": SOFTPLUS,
    "elu": ELU,
}
_HE_ACTIVATIONS = (RELU, LEAKY_RELU, ELU)


def activation_code(name):
    """Numeric code of an activation name, with a clear error for unknown names."""
    if name is None:
        return IDENTITY
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}."
        ) from None


def init_weights(rng, w, fan_in, fan_out, code):
    """Fill ``w`` in place: He-uniform for the ReLU family, Glorot-uniform otherwise."""
    if code in _HE_ACTIVATIONS:
        bound = math.sqrt(6.0 / fan_in)
    else:
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        if code == SIGMOID:  # as sklearn: the logistic's slope at 0 is 1/4
            bound *= math.sqrt(2.0)
    w[...] = rng.uniform(-bound, bound, size=w.shape)


def as_tuple(value, n=2, name="value"):
    """An int or a sequence of ``n`` ints as a tuple of positive ints."""
    if isinstance(value, (int, np.integer)):
        value = (int(value),) * n
    value = tuple(value)
    if len(value) != n or not all(isinstance(v, (int, np.integer)) and v > 0 for v in value):
        raise ValueError(f"{name} must be a positive int or {n} positive ints, got {value!r}.")
    return tuple(int(v) for v in value)


class LayerSpec(ParamsMixin):
    """Base of all layer specs: hyperparameters only; ``build`` makes the runtime layer."""

    def build(self, input_shape, dtype):  # pragma: no cover - abstract
        raise NotImplementedError


class Layer:
    """Base of runtime layers: no parameters, no buffers; subclasses override what they need."""

    param_shapes = ()
    fan = (1, 1)
    code = IDENTITY
    receives_input = False  # set by the network on its first layer (raw data comes in)

    def __init__(self, input_shape, output_shape, dtype):
        self.input_shape = tuple(input_shape)
        self.output_shape = tuple(output_shape)
        self.dtype = np.dtype(dtype)
        self.capacity = 0

    def bind(self, params, grads):
        self.params, self.grads = params, grads

    def init_params(self, rng):
        if self.param_shapes:
            init_weights(rng, self.params[0], self.fan[0], self.fan[1], self.code)
            self.params[1][...] = 0

    def allocate(self, capacity):
        self.capacity = capacity

    def row_bytes(self):
        """Bytes a training pass touches per row (image): output and input gradient."""
        return (int(np.prod(self.output_shape)) + int(np.prod(self.input_shape))) * self.dtype.itemsize

    def _buffer(self, shape):
        return np.empty((self.capacity,) + tuple(shape), dtype=self.dtype)
