"""scikit-learn's optimization parameters (``solver``, ``learning_rate_init``, ...) for the
dense estimators: the MLPs and the dense autoencoder.

The optimization is set either by these parameters (``optimizer=None``, the default) or by
an optimizer object or name (``optimizer=Adam(...)``, ``optimizer="rmsprop"``), which then
wins: the scikit-learn parameters must keep their defaults (``solver`` may name the
optimizer's own kind), as anything else would be ignored.
"""

import inspect
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._core.optimizers import OPTIMIZERS, SCHEDULES, SGD, Adam, Optimizer, get_optimizer

# the parameters that describe the optimizer when ``optimizer`` is None
_SOLVER_PARAMS = ("learning_rate", "learning_rate_init", "power_t", "momentum",
                  "nesterovs_momentum", "beta_1", "beta_2", "epsilon")


class SolverMixin:
    """``_build_optimizer`` and friends from scikit-learn's parameters; the estimator's
    ``__init__`` takes them (``solver``, :data:`_SOLVER_PARAMS` and ``max_fun``) with
    scikit-learn's defaults, which are read from its signature."""

    _solver_constraints = {
        "solver": [StrOptions({"adam", "sgd", "lbfgs"})],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), Optimizer, None],
    }

    def _validate_params(self):
        super()._validate_params()
        # combinations the constraints cannot express raise before anything changes
        self._build_optimizer()

    @classmethod
    def _defaults(cls):
        params = inspect.signature(cls.__init__).parameters
        return {name: params[name].default for name in ("solver",) + _SOLVER_PARAMS}

    @property
    def _full_batch(self):
        return self.solver == "lbfgs"

    def _check_full_batch(self):
        """Raise for settings that L-BFGS's one deterministic objective cannot have."""
        if np.any(np.ravel(self.dropout)):
            raise ValueError(
                "dropout needs minibatch training: with solver='lbfgs' (one deterministic "
                "full-batch objective) set dropout=0, or use solver='adam' or 'sgd'."
            )

    def _build_optimizer(self):
        """The optimizer object (None for L-BFGS); raises for conflicting settings."""
        if self.optimizer is None:
            if self.solver == "lbfgs":
                self._check_full_batch()
            return self._solver_optimizer()
        defaults = self._defaults()
        conflicts = {name: getattr(self, name) for name in _SOLVER_PARAMS
                     if getattr(self, name) != defaults[name]}
        optimizer = get_optimizer(self.optimizer)
        if self.solver != defaults["solver"] and not isinstance(
                optimizer, OPTIMIZERS.get(self.solver, ())):
            conflicts = {"solver": self.solver, **conflicts}
        if conflicts:
            settings = ", ".join(f"{k}={v!r}" for k, v in conflicts.items())
            raise ValueError(
                f"optimizer={self.optimizer!r} sets the optimization, so {settings} would be "
                "ignored. Give these settings to the optimizer object (for example "
                "optimizer=Adam(learning_rate=0.01), optimizer=SGD(momentum=0.9)), or leave "
                "optimizer=None to use scikit-learn's parameters."
            )
        return optimizer

    def _solver_optimizer(self):
        """The optimizer scikit-learn's parameters describe, as scikit-learn uses them (the
        schedule and momentum only for 'sgd', the betas and epsilon only for 'adam')."""
        if self.solver == "lbfgs":
            return None
        if self.solver == "sgd":
            return SGD(learning_rate=self.learning_rate_init, momentum=self.momentum,
                       nesterov=self.nesterovs_momentum, schedule=self.learning_rate,
                       power_t=self.power_t)
        return Adam(learning_rate=self.learning_rate_init, beta_1=self.beta_1,
                    beta_2=self.beta_2, epsilon=self.epsilon)

    def _materialize_optimizer(self):
        """``optimizer__<name>`` keys with ``optimizer=None``: the optimizer becomes the
        object scikit-learn's parameters describe, and those return to their defaults (the
        object now holds them); with a name, the object it names."""
        if isinstance(self.optimizer, str):
            self.optimizer = get_optimizer(self.optimizer)
            return
        if self.solver == "lbfgs":
            raise ValueError(
                "solver='lbfgs' uses no optimizer object whose parameters could be set "
                "(optimizer__...); its settings are max_iter, max_fun and tol."
            )
        self.optimizer = self._solver_optimizer()
        defaults = self._defaults()
        for name in _SOLVER_PARAMS:
            setattr(self, name, defaults[name])

    def _check_stochastic(self):
        if self.solver == "lbfgs":
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers; lbfgs is not "
                "stochastic."
            )
        return True
