"""Optimizers as parameter objects with a two-method contract.

An optimizer holds hyperparameters only (so sklearn can clone it and ``GridSearchCV`` can
search ``optimizer__learning_rate``). Its state lives in a dict made by ``init_state`` and kept
by the estimator, so it survives ``partial_fit`` and ``warm_start``:

- ``init_state(n_params, dtype)`` -> dict of arrays (plus the step counter ``"t"``);
- ``step(params, grads, state, l2=0.0, n_decay=0, start=0)`` -> updates ``params[start:]`` in
  place with one fused numba kernel, adding the L2 gradient ``l2 * params[:n_decay]`` on the
  fly. Subclasses implement the kernel call, ``_apply``.

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


SCHEDULES = ("constant", "invscaling", "adaptive")
_SCHEDULE_DOC = """
    Every optimizer takes the learning-rate schedules of scikit-learn's MLP:

    - ``schedule="constant"``: ``learning_rate`` throughout.
    - ``"invscaling"``: after each epoch the rate becomes
      ``learning_rate / (n_samples_seen + 1) ** power_t``.
    - ``"adaptive"``: constant while training improves; each time it stops improving for
      ``n_iter_no_change`` epochs (the estimator's setting) the rate is divided by 5;
      training ends when it stops improving with the rate down to 1e-6 or below.

    The current rate lives in the optimizer state (``state["lr_scale"]``), so it carries on
    through ``partial_fit`` and ``warm_start``."""


class Optimizer(ParamsMixin):
    """Base class; subclasses list their state arrays in ``_state_names``."""

    _state_names = ()

    def init_state(self, n_params, dtype):
        state = {name: np.zeros(n_params, dtype=dtype) for name in self._state_names}
        state["t"] = 0
        state["lr_scale"] = 1.0
        return state

    def step(self, params, grads, state, l2=0.0, n_decay=0, start=0):
        """One update of ``params[start:]`` with one fused kernel, adding ``l2 * params`` to
        the gradient of the first ``n_decay`` entries. ``start`` > 0 when a fused update
        (``sparse_input_update``) took the entries before it."""
        state["t"] += 1
        s = slice(start, None)
        c = params.dtype.type
        self._apply(params[s], grads[s], {name: state[name][s] for name in self._state_names},
                    state, c(self.current_learning_rate(state)), c(l2), max(n_decay - start, 0))

    def _apply(self, p, g, s, state, lr, l2, n_decay):
        """The kernel call: ``s`` holds the state arrays, sliced like ``p``; ``lr`` and ``l2``
        come in ``p``'s dtype."""
        raise NotImplementedError

    def current_learning_rate(self, state):
        """``learning_rate`` scaled by the schedule so far."""
        return self.learning_rate * state.get("lr_scale", 1.0)

    def end_epoch(self, state, n_samples_seen):
        """Called by the training loop after every epoch (the invscaling schedule)."""
        if self.schedule == "invscaling":
            state["lr_scale"] = 1.0 / (n_samples_seen + 1) ** self.power_t

    def plateau(self, state):
        """Training stopped improving: return True to stop. The adaptive schedule divides
        the learning rate by 5 instead, until it is down to 1e-6 (as scikit-learn)."""
        if self.schedule == "adaptive" and self.current_learning_rate(state) > 1e-6:
            state["lr_scale"] = state.get("lr_scale", 1.0) / 5
            return False
        return True

    def sparse_input_update(self, state, l2):
        """A fused update of the input layer's weights, or None (see :class:`Adam`)."""
        return None

    def _check(self):
        lr = self.learning_rate
        if not (isinstance(lr, (int, float, np.floating, np.integer)) and lr > 0):
            raise ValueError(f"{type(self).__name__}: learning_rate must be > 0, got {lr!r}.")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"{type(self).__name__}: schedule must be one of {SCHEDULES}, "
                             f"got {self.schedule!r}.")
        if not (isinstance(self.power_t, (int, float, np.floating, np.integer))
                and self.power_t >= 0):
            raise ValueError(f"{type(self).__name__}: power_t must be >= 0, got "
                             f"{self.power_t!r}.")


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

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, schedule="constant",
                 power_t=0.5):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
        self.power_t = power_t

    def _apply(self, p, g, s, state, lr, l2, n_decay):
        c = p.dtype.type
        if self.momentum == 0:
            sgd_plain_step(p, g, lr, l2, n_decay)
        else:
            sgd_step(p, g, s["velocity"], lr, c(self.momentum), bool(self.nesterov), l2, n_decay,
                     c(TINY))


class Adagrad(Optimizer):
    """Adagrad: ``G += g**2``; ``p -= learning_rate * g / (sqrt(G) + epsilon)``.

    Examples
    --------
    >>> from sknetphys.optimizers import Adagrad
    >>> Adagrad(learning_rate=0.05)
    Adagrad(learning_rate=0.05)
    """

    _state_names = ("accumulator",)

    def __init__(self, learning_rate=0.01, epsilon=1e-8, schedule="constant", power_t=0.5):
        self.learning_rate = learning_rate
        self.epsilon = epsilon
        self.schedule = schedule
        self.power_t = power_t

    def _apply(self, p, g, s, state, lr, l2, n_decay):
        adagrad_step(p, g, s["accumulator"], lr, p.dtype.type(self.epsilon), l2, n_decay)


class RMSprop(Optimizer):
    """RMSprop: ``E = rho E + (1 - rho) g**2``; ``p -= learning_rate * g / (sqrt(E) + epsilon)``.

    Examples
    --------
    >>> from sknetphys.optimizers import RMSprop
    >>> RMSprop(rho=0.99)
    RMSprop(rho=0.99)
    """

    _state_names = ("mean_square",)

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-8, schedule="constant",
                 power_t=0.5):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.schedule = schedule
        self.power_t = power_t

    def _apply(self, p, g, s, state, lr, l2, n_decay):
        c = p.dtype.type
        rmsprop_step(p, g, s["mean_square"], lr, c(self.rho), c(1 - self.rho), c(self.epsilon),
                     l2, n_decay, c(TINY))


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

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=1e-6, schedule="constant",
                 power_t=0.5):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.schedule = schedule
        self.power_t = power_t

    def _apply(self, p, g, s, state, lr, l2, n_decay):
        c = p.dtype.type
        adadelta_step(p, g, s["mean_square_grad"], s["mean_square_step"], lr, c(self.rho),
                      c(1 - self.rho), c(self.epsilon), l2, n_decay, c(TINY))


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias-corrected moments.

    Examples
    --------
    >>> from sknetphys.optimizers import Adam
    >>> Adam(learning_rate=1e-3)
    Adam()
    """

    _state_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 schedule="constant", power_t=0.5):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.schedule = schedule
        self.power_t = power_t

    def _scalars(self, state, t, dtype):
        b1, b2 = float(self.beta_1), float(self.beta_2)
        c = dtype.type
        return (c(self.current_learning_rate(state) / (1 - b1**t)), c(1 / (1 - b2**t) ** 0.5),
                c(b1), c(1 - b1), c(b2), c(1 - b2), c(self.epsilon))

    def _apply(self, p, g, s, state, lr, l2, n_decay):
        adam_step(p, g, s["m"], s["v"], *self._scalars(state, state["t"], p.dtype), l2, n_decay,
                  p.dtype.type(TINY))

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
                                  *self._scalars(state, state["t"] + 1, W.dtype), c(l2), c(TINY))

        return update


for _cls in (SGD, Adagrad, RMSprop, Adadelta, Adam):  # one text for the shared schedules
    _cls.__doc__ = _cls.__doc__.replace("\n    Examples\n",
                                        _SCHEDULE_DOC + "\n\n    Examples\n", 1)

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
