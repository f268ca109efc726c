"""The epoch loop: batches, shuffling, validation, early stopping, divergence and Ctrl-C.

``train`` knows nothing of estimators. It works on a built ``Network``, a ``Loss``, an
optimizer with its state, and a ``History`` that the estimator keeps between calls (so
``partial_fit`` and ``warm_start`` continue where they stopped).
"""

import math
import time

import numpy as np

from .losses import loss_value


class DivergenceError(FloatingPointError):
    """Training diverged; the estimator keeps the best weights so far (finite ones).

    Raised when a batch's loss or, at the end of an epoch, a weight is NaN or infinite,
    and when an epoch's mean training loss is more than ``EXPLOSION`` (100) times the
    untrained network's loss. The last case raises rather than warns because such a model
    is worse than the untrained one (one-hot probabilities, chance accuracy): returned with
    a warning it would be used, while an error says at once to lower the learning rate, and
    ``GridSearchCV`` scores the candidate as failed (``error_score``) instead of fitting it.
    The message names the learning rate.
    """


# An epoch whose mean training loss is this many times the untrained network's loss has
# diverged, finite or not. Measured on digits (tests/_estimators.py nets, Adam and SGD at
# 1e-3 to 1e4): training that learns stays within 1.8x its start in any batch and 4x in any
# epoch (SGD(1) on MLPRegressor: 3.9x, then 0.02x), while diverging runs reach 100x to 1e13x
# in their first epoch (the Adam(learning_rate=10): 8300x, SGD(learning_rate=1e4):
# 7e18x; ConvRegressor at SGD(1): 102x, and it never comes back below 0.78x). A model that
# far above the untrained one is worse than no training; it must not come back as fitted.
EXPLOSION = 100.0


class History:
    """What the loop records; the estimator exposes it as its fitted attributes."""

    def __init__(self):
        self.loss_curve = []
        self.validation_scores = []
        self.validation_loss_curve = []
        self.best_loss = np.inf
        self.best_validation_score = -np.inf
        self.no_improvement_count = 0
        self.n_iter = 0
        self.t = 0
        self.best_params = None  # snapshot of the best weights seen
        self.start_loss = None  # the untrained network's loss, the yardstick of divergence


def train(net, loss, optimizer, state, X, T, history, *, batch_size, max_iter, shuffle, rng,
          alpha=0.0, validation=None, tol=1e-4, n_iter_no_change=10, verbose=False,
          check_convergence=True):
    """Run up to ``max_iter`` epochs; return ``"converged"``, ``"max_iter"`` or ``"interrupted"``.

    ``validation`` is ``None`` or ``(X_val, T_val, score)`` where ``score(raw_outputs)`` returns
    the validation score (higher is better). With it the best weights are those of the best
    validation score, and early stopping watches that score; without it, the training loss.
    On Ctrl-C the best weights so far are restored. On divergence too, and
    ``DivergenceError`` is raised: a batch with a non-finite loss, an epoch that leaves a
    weight non-finite, or an epoch whose mean loss is ``EXPLOSION`` times the untrained
    network's (``history.start_loss``, measured once, at the first call on a history).
    """
    l2 = float(alpha)
    n_decay = net.n_weights if l2 > 0 else 0
    try:  # from the first statement on: Ctrl-C may come at any time
        batches = _Batches(X, T, min(batch_size, X.shape[0]), shuffle, rng)
        net.allocate(net.parts(batches.size)[0].stop)  # the rows of one pass
        delta = np.empty((batches.size,) + net.output_shape, dtype=net.dtype)
        if history.best_params is None:
            history.best_params = net.params.copy()
        if history.start_loss is None:
            history.start_loss = _start_loss(net, loss, X, T, l2, n_decay, batches.size)
        for _ in range(max_iter):
            t0 = time.perf_counter()
            # Overflow is caught below and reported as DivergenceError, not as numpy warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                total = 0.0
                for xb, tb in batches:
                    m = xb.shape[0]
                    if n_decay:  # the penalty of the weights this batch sees
                        w = net.params[:n_decay]
                        penalty = 0.5 * l2 * float(np.dot(w, w)) / m
                    # done: how many leading weights the input layer updated itself (fused)
                    batch_loss, done = net.train_batch(
                        xb, tb, loss, delta[:m], rng, optimizer.sparse_input_update(state, l2 / m))
                    if n_decay:
                        batch_loss += penalty
                    optimizer.step(net.params, net.grads, state, l2 / m, n_decay, start=done)
                    if not math.isfinite(batch_loss):
                        _diverged(net, optimizer, state, history, f"became {batch_loss}")
                    total += batch_loss * m
                epoch_loss = total / X.shape[0]
                # A weight the data never reach (a sparse input's column of zeros) can turn
                # NaN with the loss finite; it would give NaN predictions later.
                if not math.isfinite(float(np.sum(net.params))):
                    _diverged(net, optimizer, state, history,
                              f"was {epoch_loss:.6g} but some weights became NaN or infinite")
                if epoch_loss > EXPLOSION * history.start_loss > 0:
                    _diverged(net, optimizer, state, history,
                              f"grew to {epoch_loss:.6g}, more than {EXPLOSION:g} times its "
                              f"value at the start of training ({history.start_loss:.6g})")
            history.n_iter += 1
            history.t += X.shape[0]
            history.loss_curve.append(epoch_loss)
            optimizer.end_epoch(state, history.t)
            stop_now = _end_of_epoch(net, loss, history, epoch_loss, validation, tol,
                                     n_iter_no_change, check_convergence)
            if stop_now and not optimizer.plateau(state):  # the adaptive schedule goes on
                stop_now = False
                history.no_improvement_count = 0
            if verbose:
                _report(history, validation is not None, time.perf_counter() - t0)
            if stop_now:
                outcome = "converged"
                break
        else:
            outcome = "max_iter"
    except KeyboardInterrupt:
        if history.n_iter > 0:  # else the current weights are all there is
            np.copyto(net.params, history.best_params)
        if verbose:
            print("Interrupted: kept the best weights so far.", flush=True)
        return "interrupted"
    if validation is not None:
        np.copyto(net.params, history.best_params)
    return outcome


class _Batches:
    """Iterate over (X, T) in minibatches, gathering shuffled rows into reused buffers."""

    def __init__(self, X, T, size, shuffle, rng):
        self.X, self.T, self.size, self.shuffle, self.rng = X, T, size, shuffle, rng
        self.order = np.arange(X.shape[0])
        dense = not hasattr(X, "tocsr")
        self.xbuf = np.empty((size,) + X.shape[1:], X.dtype) if shuffle and dense else None
        self.tbuf = np.empty((size,) + T.shape[1:], T.dtype)

    def __iter__(self):
        X, T, n = self.X, self.T, self.X.shape[0]
        if self.shuffle:
            self.rng.shuffle(self.order)
        for start in range(0, n, self.size):
            stop = min(start + self.size, n)
            if not self.shuffle:
                yield X[start:stop], T[start:stop]
                continue
            idx = self.order[start:stop]
            m = stop - start
            xb = X[idx] if self.xbuf is None else np.take(X, idx, axis=0, out=self.xbuf[:m])
            yield xb, np.take(T, idx, axis=0, out=self.tbuf[:m])


def _start_loss(net, loss, X, T, l2, n_decay, batch_size):
    """The untrained network's training loss (penalty included), on up to 256 rows: a
    steadier yardstick than one small batch."""
    rows = min(X.shape[0], 256)
    with np.errstate(over="ignore", invalid="ignore"):
        value = loss_value(loss, net.predict(X[:rows]), T[:rows])
    if n_decay:
        w = net.params[:n_decay]
        value += 0.5 * l2 * float(np.dot(w, w)) / batch_size
    return value


def _diverged(net, optimizer, state, history, what):
    np.copyto(net.params, history.best_params)
    lr = getattr(optimizer, "learning_rate", None)
    now = optimizer.current_learning_rate(state) if lr is not None else None
    rate = f"learning_rate={lr!r}" + ("" if now == lr else f" (scheduled down to {now:.3g})")
    raise DivergenceError(
        f"The training loss {what} in epoch {history.n_iter + 1}: training diverged with "
        f"{rate}. Lower the learning rate (or scale the inputs). The best weights so far "
        "were kept."
    )


def _report(history, validation, seconds):
    msg = f"Epoch {history.n_iter}: loss = {history.loss_curve[-1]:.6f}"
    if validation:
        msg += (f", validation loss = {history.validation_loss_curve[-1]:.6f}"
                f", validation score = {history.validation_scores[-1]:.6f}")
    print(msg + f", {seconds:.2f} s", flush=True)


def _end_of_epoch(net, loss, history, epoch_loss, validation, tol, n_iter_no_change, check):
    """Update the best-so-far records; return True when training should stop."""
    if validation is None:
        improved = epoch_loss < history.best_loss - tol
        if epoch_loss < history.best_loss:
            history.best_loss = epoch_loss
            np.copyto(history.best_params, net.params)
    else:
        X_val, T_val, score = validation
        raw = net.predict(X_val)
        history.validation_loss_curve.append(loss_value(loss, raw, T_val))
        val_score = score(raw)
        history.validation_scores.append(val_score)
        improved = val_score > history.best_validation_score + tol
        if val_score > history.best_validation_score:
            history.best_validation_score = val_score
            np.copyto(history.best_params, net.params)
    history.no_improvement_count = 0 if improved else history.no_improvement_count + 1
    return check and history.no_improvement_count > n_iter_no_change
