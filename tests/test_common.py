"""scikit-learn's estimator checks over every sknetphys estimator, no expected failures; and
the estimators' parameter docs."""

import inspect
import re

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import sknetphys
from sknetphys import Autoencoder, ConvAutoencoder, MLPClassifier, MLPRegressor

# Every public estimator, as the package exports them (a new one is checked here unasked).
PUBLIC_ESTIMATORS = [cls for name in sknetphys.__all__
                     if isinstance(cls := getattr(sknetphys, name), type)
                     and issubclass(cls, BaseEstimator)]

# The default constructors; only max_iter is lowered, for speed. Full-batch L-BFGS takes
# another path through fit (no partial_fit). The conv nets and t-SNE have their checks in
# tests/neural_network/test_conv.py and tests/manifold/test_tsne.py.
ESTIMATORS = [MLPClassifier(max_iter=100), MLPRegressor(max_iter=100),
              MLPClassifier(solver="lbfgs", max_iter=100), MLPRegressor(solver="lbfgs", max_iter=100),
              Autoencoder(max_iter=100), Autoencoder(solver="lbfgs", max_iter=100),
              ConvAutoencoder(max_iter=50)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_the_public_estimators():
    assert sorted(cls.__name__ for cls in PUBLIC_ESTIMATORS) == [
        "Autoencoder", "ConvAutoencoder", "ConvClassifier", "ConvRegressor", "MLPClassifier",
        "MLPRegressor", "TSNEEmbedding"]


@pytest.mark.parametrize("cls", PUBLIC_ESTIMATORS, ids=lambda cls: cls.__name__)
def test_every_parameter_is_documented_once_in_signature_order(cls):
    doc = cls.__doc__
    section = doc[doc.index("Parameters\n"):]
    section = section[: re.search(r"\n    (Attributes|Examples|Notes|See Also)\n", section).start()]
    documented = [name.strip() for line in section.splitlines()
                  if (m := re.match(r"^    (\w[\w, ]*) :", line))
                  for name in m.group(1).split(",")]
    params = list(inspect.signature(cls.__init__).parameters)[1:]
    assert sorted(documented) == sorted(params)  # each one, once
    assert documented == params
