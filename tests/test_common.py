"""scikit-learn's estimator checks over every sknetphys estimator, no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknetphys import Autoencoder, ConvAutoencoder, MLPClassifier, MLPRegressor

# The default constructors; only max_iter is lowered, for speed. Full-batch L-BFGS takes
# another path through fit (no partial_fit).
ESTIMATORS = [MLPClassifier(max_iter=100), MLPRegressor(max_iter=100),
              MLPClassifier(solver="lbfgs", max_iter=100), MLPRegressor(solver="lbfgs", max_iter=100),
              Autoencoder(max_iter=100), ConvAutoencoder(max_iter=50)]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
