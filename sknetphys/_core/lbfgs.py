"""Full-batch L-BFGS over the flat parameter vector (scipy's L-BFGS-B), as scikit-learn's
``solver="lbfgs"``.

The objective is the mean loss over all of (X, T) plus the L2 penalty
``0.5 * alpha * ||W||^2 / n`` (the training loop's penalty with the whole data as one
batch); its gradient is one backward pass. Because the parameters are one contiguous
vector, scipy works on it directly: no packing and unpacking of layers.

L-BFGS compares losses along a line search and builds curvature from gradient differences,
which float32's rounding (relative 1e-7, about scipy's stopping threshold ``ftol``) turns
into noise and spurious line-search failures: the optimization always runs in float64, on
a float64 copy of a float32 network, and writes the result back.

BLAS runs on one thread meanwhile: scipy's L-BFGS-B makes small BLAS calls every
iteration, which a multi-threaded OpenBLAS slowed here from 0.04 to 2.4 ms per loss
evaluation (27 parameters, 2 vCPUs under load), more than the network's own gradient
costs on the small data L-BFGS is meant for.
"""

import math

import numpy as np
from scipy.optimize import minimize

from ._threads import single_threaded_blas


def train_lbfgs(net, loss, X, T, history, *, alpha=0.0, max_iter=200, max_fun=15000, tol=1e-4,
                verbose=False):
    """Minimize the full-batch objective from ``net``'s current parameters.

    ``X`` and ``T`` must be float64. Every L-BFGS iteration appends its loss to
    ``history.loss_curve`` (and counts in ``history.n_iter``); ``history.t`` counts the
    samples of every loss evaluation. Returns ``(outcome, message)``: ``"converged"``
    (scipy's status 0), ``"max_iter"`` (any other status: the iteration or evaluation limit,
    or a line search that found no decrease, with scipy's ``message``), or
    ``"interrupted"`` (Ctrl-C: the last completed iteration is kept).
    """
    work = net if net.dtype == np.float64 else net.astype(np.float64)
    n = X.shape[0]
    l2 = float(alpha)
    n_decay = work.n_weights if l2 > 0 else 0
    delta = np.empty((n,) + work.output_shape)

    def objective(p):
        np.copyto(work.params, p)
        with np.errstate(over="ignore", invalid="ignore"):
            value, _ = work.train_batch(X, T, loss, delta)
        history.t += n
        grad = work.grads.copy()
        if n_decay:
            w = p[:n_decay]
            value += 0.5 * l2 * float(np.dot(w, w)) / n
            grad[:n_decay] += (l2 / n) * w
        if not math.isfinite(value):  # an overflow: the line search backs off from it
            return np.inf, np.zeros_like(grad)
        return value, grad

    last = {"x": work.params.copy()}

    def callback(intermediate_result):
        last["x"] = intermediate_result.x.copy()
        history.n_iter += 1
        history.loss_curve.append(float(intermediate_result.fun))
        if verbose:
            print(f"Iteration {history.n_iter}: loss = {intermediate_result.fun:.6f}", flush=True)

    try:
        with single_threaded_blas():
            result = minimize(objective, work.params.copy(), method="L-BFGS-B", jac=True,
                              callback=callback,
                              options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol})
    except KeyboardInterrupt:
        _keep(net, last["x"], history)
        if verbose:
            print("Interrupted: kept the last completed iteration.", flush=True)
        return "interrupted", None
    _keep(net, result.x, history)
    history.best_loss = min(history.best_loss, float(result.fun))
    return ("converged" if result.status == 0 else "max_iter"), str(result.message)


def _keep(net, x, history):
    np.copyto(net.params, x)  # in the network's dtype
    history.best_params = net.params.copy()
