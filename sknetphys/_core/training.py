"""The epoch loop: batches, shuffling, validation, early stopping, divergence and Ctrl-C.

``train`` knows nothing of estimators. It works on a built ``Network``, a ``Loss``, an
optimizer with its state, and a ``History`` that the estimator keeps between calls (so
``partial_fit`` and ``warm_start`` continue where they stopped).
"""

import math
import time

import numpy as np


class DivergenceError(FloatingPointError):
    """The training loss became NaN or infinite; the best weights so far were kept."""


class History:
    """What the loop records; the estimator exposes it as its fitted attributes."""

    def __init__(self, early_stopping):
        self.early_stopping = early_stopping
        self.loss_curve = []
        self.validation_scores = []
        self.validation_loss_curve = []
        self.best_loss = np.inf
        self.best_validation_score = -np.inf
        self.no_improvement_count = 0
        self.n_iter = 0
        self.t = 0
        self.best_params = None  # snapshot of the best weights seen


def predict_raw(net, X, batch_size=1024):
    """Raw network outputs for all rows of X, computed in chunks into one new array."""
    n = X.shape[0]
    out = np.empty((n,) + net.output_shape, dtype=net.dtype)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        out[start:stop] = net.forward(X[start:stop], training=False)
    return out


def train(net, loss, optimizer, state, X, T, history, *, batch_size, max_iter, shuffle, rng,
          alpha=0.0, validation=None, tol=1e-4, n_iter_no_change=10, verbose=False,
          check_convergence=True):
    """Run up to ``max_iter`` epochs; return ``"converged"``, ``"max_iter"`` or ``"interrupted"``.

    ``validation`` is ``None`` or ``(X_val, T_val, score)`` where ``score(raw_outputs)`` returns
    the validation score (higher is better). With it the best weights are those of the best
    validation score, and early stopping watches that score; without it, the training loss.
    On Ctrl-C the best weights so far are restored; on a non-finite loss too, and
    ``DivergenceError`` is raised.
    """
    n = X.shape[0]
    batch_size = min(batch_size, n)
    net.allocate(batch_size)
    xbuf = np.empty((batch_size,) + X.shape[1:], dtype=X.dtype) if shuffle and not _sparse(X) else None
    tbuf = np.empty((batch_size,) + T.shape[1:], dtype=T.dtype)
    delta = np.empty((batch_size,) + net.output_shape, dtype=net.dtype)
    if history.best_params is None:
        history.best_params = net.params.copy()
    l2 = float(alpha)
    n_decay = net.n_weights if l2 > 0 else 0
    order = np.arange(n)
    # Overflow is detected below and reported as DivergenceError, not as numpy warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        return _epochs(net, loss, optimizer, state, X, T, history, batch_size, max_iter,
                       shuffle, rng, l2, n_decay, order, xbuf, tbuf, delta, validation, tol,
                       n_iter_no_change, verbose, check_convergence)


def _epochs(net, loss, optimizer, state, X, T, history, batch_size, max_iter, shuffle, rng,
            l2, n_decay, order, xbuf, tbuf, delta, validation, tol, n_iter_no_change, verbose,
            check_convergence):
    n = X.shape[0]
    try:
        for _ in range(max_iter):
            t0 = time.perf_counter()
            if shuffle:
                rng.shuffle(order)
            total = 0.0
            for start in range(0, n, batch_size):
                stop = min(start + batch_size, n)
                m = stop - start
                if shuffle:
                    idx = order[start:stop]
                    if xbuf is None:
                        xb = X[idx]
                    else:
                        xb = np.take(X, idx, axis=0, out=xbuf[:m])
                    tb = np.take(T, idx, axis=0, out=tbuf[:m])
                else:
                    xb, tb = X[start:stop], T[start:stop]
                out = net.forward(xb, training=True, rng=rng)
                batch_loss = loss(out, tb, delta[:m])
                net.backward(delta[:m])
                ss = optimizer.step(net.params, net.grads, state, l2 / m, n_decay)
                batch_loss += 0.5 * l2 * ss / m
                if not math.isfinite(batch_loss):
                    np.copyto(net.params, history.best_params)
                    lr = getattr(optimizer, "learning_rate", None)
                    raise DivergenceError(
                        f"The training loss became {batch_loss} in epoch {history.n_iter + 1}: "
                        f"training diverged with learning_rate={lr!r}. Lower the learning rate "
                        "(or scale the inputs). The best weights so far were kept."
                    )
                total += batch_loss * m
            history.n_iter += 1
            history.t += n
            epoch_loss = total / n
            history.loss_curve.append(epoch_loss)
            stop_now = _end_of_epoch(net, loss, history, epoch_loss, validation, tol,
                                     n_iter_no_change, check_convergence)
            if verbose:
                msg = f"Epoch {history.n_iter}: loss = {epoch_loss:.6f}"
                if validation is not None:
                    msg += (f", validation loss = {history.validation_loss_curve[-1]:.6f}"
                            f", validation score = {history.validation_scores[-1]:.6f}")
                print(msg + f", {time.perf_counter() - t0:.2f} s", flush=True)
            if stop_now:
                if validation is not None:
                    np.copyto(net.params, history.best_params)
                return "converged"
    except KeyboardInterrupt:
        if history.n_iter > 0:  # else the current weights are all there is
            np.copyto(net.params, history.best_params)
        if verbose:
            print("Interrupted: kept the best weights so far.", flush=True)
        return "interrupted"
    if validation is not None:
        np.copyto(net.params, history.best_params)
    return "max_iter"


def _end_of_epoch(net, loss, history, epoch_loss, validation, tol, n_iter_no_change, check):
    """Update the best-so-far records; return True when training should stop."""
    if validation is None:
        improved = epoch_loss < history.best_loss - tol
        if epoch_loss < history.best_loss:
            history.best_loss = epoch_loss
            np.copyto(history.best_params, net.params)
    else:
        X_val, T_val, score = validation
        raw = predict_raw(net, X_val)
        history.validation_loss_curve.append(loss(raw, T_val, np.empty_like(raw)))
        val_score = score(raw)
        history.validation_scores.append(val_score)
        improved = val_score > history.best_validation_score + tol
        if val_score > history.best_validation_score:
            history.best_validation_score = val_score
            np.copyto(history.best_params, net.params)
    history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
    return check and history.no_improvement_count > n_iter_no_change


def _sparse(X):
    return hasattr(X, "tocsr")
