"""Errors and warnings that sknetphys raises, importable in one place."""

from ._core.training import DivergenceError


class InconsistentVersionWarning(UserWarning):
    """A model saved by one version of sknetphys was loaded by another.

    Like scikit-learn's warning of the same name: the model may still work, but nothing
    guarantees it; refit it, or load it with the version it was saved by.

    Attributes
    ----------
    estimator_name : str
    original_version : str
        The sknetphys version that saved the model ("unknown" for a file without one).
    current_version : str
        The sknetphys version that loaded it.

    Examples
    --------
    >>> import pickle, warnings
    >>> from sknetphys import InconsistentVersionWarning, MLPClassifier
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", InconsistentVersionWarning)
    ...     model = pickle.loads(pickle.dumps(MLPClassifier()))  # same version: silent
    >>> model
    MLPClassifier()
    """

    def __init__(self, *, estimator_name, original_version, current_version):
        self.estimator_name = estimator_name
        self.original_version = original_version
        self.current_version = current_version

    def __str__(self):
        return (
            f"Loading {self.estimator_name} saved by sknetphys {self.original_version} with "
            f"sknetphys {self.current_version}: this may give wrong results or fail. Refit the "
            "model, or load it with the version that saved it."
        )


__all__ = ["DivergenceError", "InconsistentVersionWarning"]
