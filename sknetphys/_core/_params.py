"""A minimal sklearn-style parameter protocol, so the engine never imports sklearn.

Layer specs and optimizers are plain parameter objects: their constructor stores its arguments
unchanged, ``get_params``/``set_params`` expose them (nested with ``__``), and
``sklearn.base.clone`` copies them like any estimator.
"""

import inspect


class ParamsMixin:
    """get_params / set_params / repr / equality from the constructor signature."""

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )

    def get_params(self, deep=True):
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        valid = self._param_names()
        nested = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"Invalid parameter {name!r} for {type(self).__name__}. "
                    f"Valid parameters are: {valid}."
                )
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self):
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        args = []
        for name in self._param_names():
            value = getattr(self, name)
            default = defaults.get(name, inspect.Parameter.empty)
            if default is inspect.Parameter.empty or not _same(value, default):
                args.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    def __eq__(self, other):
        return type(self) is type(other) and all(
            _same(getattr(self, n), getattr(other, n)) for n in self._param_names()
        )

    def __hash__(self):
        return hash((type(self).__name__, repr(self)))


def _same(a, b):
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and the like
        return a is b
