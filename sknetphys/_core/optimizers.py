"""Optimizers as parameter objects with a two-method contract.

An optimizer holds hyperparameters only (so sklearn can clone it and ``GridSearchCV`` can
search ``optimizer__learning_rate``). Its state lives in a dict made by ``init_state`` and kept
by the estimator, so it survives ``partial_fit`` and ``warm_start``:

- ``init_state(n_params, dtype)`` -> dict of arrays (plus the step counter ``"t"``);
- ``step(params, grads, state, l2=0.0, n_decay=0)`` -> updates ``params`` in place with one
  fused numba kernel, adding the L2 gradient ``l2 * params[:n_decay]`` on the fly.

Optionally, ``sparse_input_update(state, l2)`` returns an update that the input layer
applies to its weights while computing their gradient (Adam has one); ``step`` is then
called with ``start=`` the number of entries already updated.
"""

import numpy as np

from ._params import ParamsMixin
from .kernels.optim import (
    TINY,
    adadelta_step,
    adagrad_step,
    adam_sparse_rows_step,
    adam_step,
    rmsprop_step,
    sgd_plain_step,
    sgd_step,
)


class Optimizer(ParamsMixin):
    """Base class; subclasses list their state arrays in ``_state_names``."""

    _state_names = ()

    def init_state(self, n_params, dtype):
        state = {name: np.zeros(n_params, dtype=dtype) for name in self._state_names}
        state["t"] = 0
        return state

    def sparse_input_update(self, state, l2):
        """A fused update of the input layer's weights, or None (see :class:`Adam`)."""
        return None

    def _check(self):
        lr = self.learning_rate
        if not (isinstance(lr, (int, float, np.floating, np.integer)) and lr > 0):
            raise ValueError(f"{type(self).__name__}: learning_rate must be > 0, got {lr!r}.")


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    ``v = momentum * v - learning_rate * g``; then ``p += v``, or with Nesterov
    ``p += momentum * v - learning_rate * g``.

    Examples
    --------
    >>> from sknetphys.optimizers import SGD
    >>> SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    _state_names = ("velocity",)

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov

    def step(self, params, grads, state, l2=0.0, n_decay=0):
        state["t"] += 1
        c = params.dtype.type
        if self.momentum == 0:
            sgd_plain_step(params, grads, c(self.learning_rate), c(l2), n_decay)
        else:
            sgd_step(params, grads, state["velocity"], c(self.learning_rate), c(self.momentum),
                     bool(self.nesterov), c(l2), n_decay, c(TINY))


class Adagrad(Optimizer):
    """Adagrad: ``G += g**2``; ``p -= learning_rate * g / (sqrt(G) + epsilon)``.

    Examples
    --------
    >>> from sknetphys.optimizers import Adagrad
    >>> Adagrad(learning_rate=0.05)
    Adagrad(learning_rate=0.05)
    """

    _state_names = ("accumulator",)

    def __init__(self, learning_rate=0.01, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.epsilon = epsilon

    def step(self, params, grads, state, l2=0.0, n_decay=0):
        state["t"] += 1
        c = params.dtype.type
        adagrad_step(params, grads, state["accumulator"], c(self.learning_rate),
                     c(self.epsilon), c(l2), n_decay)


class RMSprop(Optimizer):
    """RMSprop: ``E = rho E + (1 - rho) g**2``; ``p -= learning_rate * g / (sqrt(E) + epsilon)``.

    Examples
    --------
    >>> from sknetphys.optimizers import RMSprop
    >>> RMSprop(rho=0.99)
    RMSprop(rho=0.99)
    """

    _state_names = ("mean_square",)

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon

    def step(self, params, grads, state, l2=0.0, n_decay=0):
        state["t"] += 1
        c = params.dtype.type
        rmsprop_step(params, grads, state["mean_square"], c(self.learning_rate), c(self.rho),
                     c(1 - self.rho), c(self.epsilon), c(l2), n_decay, c(TINY))


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012): step ``dx = -sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g``,
    scaled by ``learning_rate`` (1.0 is Zeiler's original).

    Examples
    --------
    >>> from sknetphys.optimizers import Adadelta
    >>> Adadelta()
    Adadelta()
    """

    _state_names = ("mean_square_grad", "mean_square_step")

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=1e-6):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon

    def step(self, params, grads, state, l2=0.0, n_decay=0):
        state["t"] += 1
        c = params.dtype.type
        adadelta_step(params, grads, state["mean_square_grad"], state["mean_square_step"],
                      c(self.learning_rate), c(self.rho), c(1 - self.rho), c(self.epsilon),
                      c(l2), n_decay, c(TINY))


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias-corrected moments.

    Examples
    --------
    >>> from sknetphys.optimizers import Adam
    >>> Adam(learning_rate=1e-3)
    Adam()
    """

    _state_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _scalars(self, t, dtype):
        b1, b2 = float(self.beta_1), float(self.beta_2)
        c = dtype.type
        return (c(self.learning_rate / (1 - b1**t)), c(1 / (1 - b2**t) ** 0.5), c(b1),
                c(1 - b1), c(b2), c(1 - b2), c(self.epsilon))

    def step(self, params, grads, state, l2=0.0, n_decay=0, start=0):
        state["t"] += 1
        c = params.dtype.type
        s = slice(start, None)
        adam_step(params[s], grads[s], state["m"][s], state["v"][s],
                  *self._scalars(state["t"], params.dtype), c(l2), max(n_decay - start, 0),
                  c(TINY))

    def sparse_input_update(self, state, l2):
        """The next step's update of an input layer's weights, fused with their gradient.

        Returns ``update(colptr, rowidx, vals, delta, W)``, which applies to ``W`` (the
        first ``W.size`` entries of the parameter vector, all penalised by ``l2``) the update
        that the next :meth:`step` would, from X given by columns; that ``step`` must then
        be called with ``start=W.size``.
        """

        def update(colptr, rowidx, vals, delta, W):
            n, c = W.size, W.dtype.type
            m, v = (state[k][:n].reshape(W.shape) for k in ("m", "v"))
            adam_sparse_rows_step(colptr, rowidx, vals, delta, W, m, v,
                                  *self._scalars(state["t"] + 1, W.dtype), c(l2), c(TINY))

        return update


OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adadelta": Adadelta, "adam": Adam}


def get_optimizer(optimizer):
    """A fresh optimizer from a name or a copy of an optimizer object."""
    if isinstance(optimizer, str):
        try:
            return OPTIMIZERS[optimizer.lower()]()
        except KeyError:
            raise ValueError(
                f"Unknown optimizer {optimizer!r}; choose one of {sorted(OPTIMIZERS)} "
                "or pass an optimizer object."
            ) from None
    if isinstance(optimizer, Optimizer):
        opt = type(optimizer)(**optimizer.get_params(deep=False))
        opt._check()
        return opt
    raise TypeError(f"optimizer must be a name or an Optimizer, got {optimizer!r}.")
