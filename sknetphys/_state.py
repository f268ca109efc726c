"""Estimator state: saved with the sknetphys version that saved it (pickle and skops
alike), and left unchanged by a call that fails."""

import warnings
from contextlib import contextmanager

import numpy as np

from . import _version
from .exceptions import InconsistentVersionWarning


class VersionedStateMixin:
    """Adds ``_sknetphys_version`` to the pickled state and warns with
    ``InconsistentVersionWarning`` when a model from another version is loaded. Put it
    before ``BaseEstimator`` in the bases (scikit-learn's own check only covers classes in
    ``sklearn.*`` modules)."""

    def __getstate__(self):
        return {**super().__getstate__(), "_sknetphys_version": _version.__version__}

    def __setstate__(self, state):
        state = dict(state)
        saved_by = state.pop("_sknetphys_version", "unknown")
        if saved_by != _version.__version__:
            warnings.warn(InconsistentVersionWarning(
                estimator_name=type(self).__name__, original_version=saved_by,
                current_version=_version.__version__))
        super().__setstate__(state)


@contextmanager
def unchanged_on_error(est):
    """Undo everything a failing call did to ``est``: its attributes, and the state of a
    ``random_state`` that is a generator of the user's.

    Cheap (a dict of references; a generator's state only when the user passed one, as it
    costs 0.1 ms), so it covers only work that replaces attributes and writes no array in
    place: validation and set-up, not the training loop. The estimators draw from their own
    generators only after the last step that may fail."""
    saved = dict(est.__dict__)
    source = getattr(est, "random_state", None)
    state = source.get_state() if isinstance(source, np.random.RandomState) else None
    try:
        yield
    except BaseException:
        est.__dict__.clear()
        est.__dict__.update(saved)
        if state is not None:
            source.set_state(state)
        raise
