"""Full-batch L-BFGS over the flat parameter vector."""

import numpy as np
import pytest
from scipy.optimize import minimize

from sknetphys._core.layers import Dense
from sknetphys._core.lbfgs import train_lbfgs
from sknetphys._core.losses import SoftmaxCrossEntropy, SquaredLoss
from sknetphys._core.network import Network
from sknetphys._core.training import History
from tests._core import naive_dense
from tests._core.test_network import numeric_gradient, objective


def _problem(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    net = Network([Dense(5, "tanh"), Dense(2, "identity")], (3,), dtype)
    net.init_params(rng)
    X = rng.normal(size=(40, 3))
    T = np.stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]], axis=1)
    return net, X, T


def _naive_objective(net, X, T, alpha):
    """Loss + penalty of a plain numpy forward pass (tests/_core/naive_dense.py)."""
    (W1, W2), (b1, b2) = net.coefs, net.intercepts
    out = naive_dense.act("tanh", X @ W1 + b1) @ W2 + b2
    w = net.params[: net.n_weights]
    return naive_dense.squared_loss(out, T) + 0.5 * alpha * w @ w / len(X)


def test_reaches_a_stationary_point_of_loss_plus_penalty():
    net, X, T = _problem()
    # the gradient of the objective it minimises (numeric, from the numpy forward pass)
    start = numeric_gradient(net, lambda: _naive_objective(net, X, T, 0.1))
    history = History()
    outcome, _ = train_lbfgs(net, SquaredLoss(), X, T, history, alpha=0.1, max_iter=500, tol=1e-7)
    assert outcome == "converged"  # by scipy's relative reduction of the loss (ftol)
    grad = numeric_gradient(net, lambda: _naive_objective(net, X, T, 0.1))
    assert np.abs(grad).max() < 1e-4 < 1e-2 < np.abs(start).max()
    # one loss per iteration, decreasing, the last the objective at the result
    curve = history.loss_curve
    assert history.n_iter == len(curve) > 5 and all(np.diff(curve) <= 1e-12)
    assert curve[-1] == pytest.approx(_naive_objective(net, X, T, 0.1), rel=1e-10)
    assert history.best_loss == pytest.approx(curve[-1])
    np.testing.assert_array_equal(history.best_params, net.params)
    assert history.t % len(X) == 0 and history.t >= len(X) * len(curve)


def test_matches_scipy_on_the_same_objective():
    """The same minimisation, written directly against scipy with the tests' objective."""
    net, X, T = _problem()
    ref_net, _, _ = _problem()
    train_lbfgs(net, SquaredLoss(), X, T, History(), alpha=0.3, max_iter=30)

    def f(p):
        ref_net.params[...] = p
        return objective(ref_net, SquaredLoss(), X, T, 0.3)

    ref = minimize(f, ref_net.params.copy(), jac=True, method="L-BFGS-B",
                   options={"maxiter": 30, "maxfun": 15000, "gtol": 1e-4})
    np.testing.assert_allclose(net.params, ref.x, rtol=1e-8, atol=1e-10)


def test_limits_and_the_float32_network():
    net, X, T = _problem(np.float32)
    history = History()
    outcome, message = train_lbfgs(net, SquaredLoss(), X, T, history, max_iter=3)
    assert outcome == "max_iter" and "ITERATIONS" in message.upper()
    assert history.n_iter == 3 and net.dtype == np.float32
    # the iterations ran in float64 and the result was written back
    net64, _, _ = _problem(np.float64)
    train_lbfgs(net64, SquaredLoss(), X, T, History(), max_iter=3)
    np.testing.assert_allclose(net.params, net64.params.astype(np.float32), rtol=1e-6)
    outcome, _ = train_lbfgs(net, SquaredLoss(), X, T, History(), max_fun=4)
    assert outcome == "max_iter"


def test_ctrl_c_keeps_the_last_completed_iteration():
    net, X, T = _problem()
    loss, calls = SoftmaxCrossEntropy(), [0]
    T = np.eye(2)[(X[:, 0] > 0).astype(int)]

    def interrupting(z, t, delta, n=None):
        calls[0] += 1
        if calls[0] == 12:
            raise KeyboardInterrupt
        return loss(z, t, delta, n)

    interrupting.transform = loss.transform
    history = History()
    outcome, _ = train_lbfgs(net, interrupting, X, T, history)
    assert outcome == "interrupted" and 0 < history.n_iter < 12
    # the parameters are those of the last iteration, whose loss is the curve's last
    assert objective(net, loss, X, T)[0] == pytest.approx(history.loss_curve[-1], rel=1e-12)
