"""The layer protocol: a *spec* (a parameter object the user writes) builds a *runtime layer*.

A spec such as ``Dense(128)`` holds hyperparameters only, so sklearn can clone it and
``GridSearchCV`` can search it. ``spec.build(input_shape, dtype)`` returns a runtime ``Layer``
that knows its shapes, owns its buffers and does the arithmetic.

Runtime contract (shapes exclude the batch axis; arrays are C-contiguous):

- ``input_shape``, ``output_shape``: tuples.
- ``param_shapes``: ``[weight_shape, bias_shape]`` for a weighted layer, ``[]`` otherwise.
  The network allocates one flat parameter vector (all weights first, then all biases, so the
  L2 penalty covers one contiguous slice) and hands each layer views via ``bind``.
- ``init_params(rng, scheme)``: fill the bound weight and bias views (see ``init_weights``).
- ``allocate(capacity)``: allocate output/backprop buffers for up to ``capacity`` rows. Called
  only when the batch size grows; forward/backward then work in ``buffer[:n]`` views.
- ``forward(x, training, rng)``: return the output (a view of an owned buffer). Keep what the
  backward pass needs (usually the input and the output).
- ``backward(dy, need_dx)``: ``dy`` is dLoss/d(output) and may be overwritten. Write the
  parameter gradients into the bound gradient views (overwrite, never accumulate) and return
  dLoss/d(input) when ``need_dx`` (else ``None``).
- ``batch_statistics``: True for a layer whose training pass depends on the whole batch (the
  sparsity penalty of mean activations). The network then trains each batch in one part and
  adds the layer's ``penalty`` (set by its last training forward) to the batch's loss.
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


# Initial weights, by the names Keras gives them (biases start at zero), plus scikit-learn's
# MLP scheme. fan_in/fan_out count the connections into/out of one unit (a conv kernel's
# kh*kw*c_in and kh*kw*filters, as Keras).
INITIALIZERS = ("sklearn", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                "lecun_uniform", "lecun_normal")


def init_weights(rng, w, b, fan_in, fan_out, code, scheme):
    """Fill the weights ``w`` and biases ``b`` in place by ``scheme`` (one of INITIALIZERS).

    - ``"sklearn"``: scikit-learn's MLP: weights and biases uniform in
      ``+-sqrt(6 / (fan_in + fan_out))``, times sqrt(2) for the logistic (its slope at 0 is
      1/4).
    - ``"glorot_uniform"``, ``"he_uniform"``, ``"lecun_uniform"``: uniform in
      ``+-sqrt(6 / (fan_in + fan_out))``, ``+-sqrt(6 / fan_in)``, ``+-sqrt(3 / fan_in)``;
      biases zero.
    - ``"..._normal"``: a normal distribution truncated at two standard deviations, with the
      variance of the uniform one (``2 / (fan_in + fan_out)``, ``2 / fan_in``,
      ``1 / fan_in``), as Keras; biases zero.
    """
    family, _, shape = scheme.partition("_")
    variance = {"sklearn": 2.0 / (fan_in + fan_out), "glorot": 2.0 / (fan_in + fan_out),
                "he": 2.0 / fan_in, "lecun": 1.0 / fan_in}[family]
    if shape == "normal":
        w[...] = _truncated_normal(rng, w.shape) * (math.sqrt(variance) / _TRUNCATED_STD)
        b[...] = 0
        return
    bound = math.sqrt(3.0 * variance)
    if family == "sklearn" and code == SIGMOID:
        bound *= math.sqrt(2.0)
    w[...] = rng.uniform(-bound, bound, size=w.shape)
    b[...] = rng.uniform(-bound, bound, size=b.shape) if family == "sklearn" else 0


# The standard deviation of a standard normal truncated to [-2, 2].
_TRUNCATED_STD = 0.87962566103423978


def _truncated_normal(rng, shape):
    """Standard normal draws, redrawn until all lie within two standard deviations."""
    z = rng.standard_normal(shape)
    while True:
        out = np.abs(z) > 2
        if not out.any():
            return z
        z[out] = rng.standard_normal(int(out.sum()))


def check_initializer(scheme):
    """``scheme`` if it names an initializer, else a clear error."""
    if scheme not in INITIALIZERS:
        raise ValueError(f"Unknown weight_init {scheme!r}; choose one of {list(INITIALIZERS)}.")
    return scheme


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
    training_only = False  # True for layers that are the identity at inference (dropout)
    batch_statistics = False  # see the module docstring
    penalty = 0.0

    def __init__(self, input_shape, output_shape, dtype):
        self.input_shape = tuple(input_shape)
        self.output_shape = tuple(output_shape)
        self.dtype = np.dtype(dtype)
        self.capacity = 0

    def bind(self, params, grads):
        self.params, self.grads = params, grads

    def init_params(self, rng, scheme="glorot_uniform"):
        if self.param_shapes:
            init_weights(rng, self.params[0], self.params[1], *self.fan, self.code, scheme)

    def allocate(self, capacity):
        self.capacity = capacity

    def row_bytes(self):
        """Bytes a training pass touches per row (image): output and input gradient."""
        return (int(np.prod(self.output_shape)) + int(np.prod(self.input_shape))) * self.dtype.itemsize

    def _buffer(self, shape):
        return np.empty((self.capacity,) + tuple(shape), dtype=self.dtype)
