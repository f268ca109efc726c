"""The epoch loop: early stopping, divergence, Ctrl-C, history."""

import numpy as np
import pytest

from sknetphys._core.layers import Dense
from sknetphys._core.losses import SquaredLoss
from sknetphys._core.network import Network
from sknetphys._core.optimizers import SGD, Adam
from sknetphys._core.training import DivergenceError, History, train


def _problem(seed=0, n=64, activation="tanh"):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    T = np.sin(X @ rng.normal(size=(3, 2)))
    net = Network([Dense(8, activation), Dense(2, "identity")], (3,), np.float64)
    net.init_params(rng)
    return net, X, T, rng


def _run(net, X, T, rng, opt, history, **kw):
    kw = {"batch_size": 16, "max_iter": 5, "shuffle": True, "rng": rng, **kw}
    return train(net, SquaredLoss(), opt, opt.init_state(net.n_params, net.dtype), X, T,
                 history, **kw)


def test_loss_decreases_and_history_counts():
    net, X, T, rng = _problem()
    history = History()
    outcome = _run(net, X, T, rng, Adam(learning_rate=0.01), history, max_iter=30)
    assert outcome == "max_iter"
    assert history.n_iter == 30 and history.t == 30 * 64
    assert history.loss_curve[-1] < 0.5 * history.loss_curve[0]


def test_divergence_raises_and_keeps_finite_best_weights():
    net, X, T, rng = _problem(activation="relu")
    history = History()  # a linear-ish net and SGD at this rate blow up
    start = net.params.copy()
    with pytest.raises(DivergenceError, match=r"learning_rate=10\.0"):
        _run(net, X, T, rng, SGD(learning_rate=10.0), history, max_iter=50)
    # the weights of the best epoch so far, or the initial ones before any epoch ended
    np.testing.assert_array_equal(net.params, history.best_params if history.n_iter else start)
    if history.n_iter:
        assert history.best_loss == min(history.loss_curve)


class _InterruptAt(Adam):
    """Adam that simulates Ctrl-C at a given step."""

    def __init__(self, learning_rate=0.01, at=10):
        super().__init__(learning_rate=learning_rate)
        self.at = at

    def step(self, params, grads, state, l2=0.0, n_decay=0, start=0):
        if state["t"] + 1 == self.at:
            raise KeyboardInterrupt
        super().step(params, grads, state, l2, n_decay, start)


def test_ctrl_c_keeps_best_weights_so_far():
    net, X, T, rng = _problem()
    history = History()
    # 4 batches per epoch: the interrupt comes in the middle of epoch 3.
    outcome = _run(net, X, T, rng, _InterruptAt(at=10), history, max_iter=100)
    assert outcome == "interrupted"
    assert history.n_iter == 2
    np.testing.assert_array_equal(net.params, history.best_params)
    assert history.best_loss == min(history.loss_curve)


def test_ctrl_c_in_first_epoch_keeps_current_weights():
    net, X, T, rng = _problem()
    start = net.params.copy()
    outcome = _run(net, X, T, rng, _InterruptAt(at=3), History())
    assert outcome == "interrupted"
    assert not np.array_equal(net.params, start) and np.all(np.isfinite(net.params))


def test_early_stopping_restores_best_validation_weights():
    net, X, T, rng = _problem()
    X_val, T_val = X[:16] + 0.5, -T[:16]  # a validation set the model gets worse on
    history = History()
    best_seen = {}

    def score(raw):
        s = -np.mean((raw - T_val) ** 2)
        if s >= max(best_seen, default=-np.inf):
            best_seen[s] = net.params.copy()
        return s

    outcome = _run(net, X, T, rng, Adam(learning_rate=0.05), history, max_iter=200,
                   validation=(X_val, T_val, score), n_iter_no_change=3, tol=0.0)
    assert outcome == "converged"
    assert history.n_iter < 200
    assert history.best_validation_score == max(history.validation_scores)
    np.testing.assert_array_equal(net.params, best_seen[max(best_seen)])
    assert len(history.validation_loss_curve) == history.n_iter


def test_predict_chunks_match_one_pass():
    net, X, _, _ = _problem(n=600)  # chunks of 256, 256 and 88 rows
    np.testing.assert_allclose(net.predict(X), net.forward(X), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_fused_sparse_input_adam_step_equals_gradient_then_step(dtype, alpha):
    # Sparse inputs (20% nonzero) take the input layer's fused gradient + Adam update; the
    # parameters must be exactly those of computing every gradient and then stepping.
    rng = np.random.default_rng(7)
    X = rng.random((48, 30)) * (rng.random((48, 30)) < 0.2)
    T = rng.normal(size=(48, 2))
    specs = [Dense(16, "relu"), Dense(2, "identity")]
    fused = Network(specs, (30,), dtype)
    fused.init_params(np.random.default_rng(0))
    plain = Network(specs, (30,), dtype)
    plain.params[...] = fused.params
    opt = Adam(learning_rate=0.01)
    state_f = opt.init_state(fused.n_params, dtype)
    state_p = opt.init_state(plain.n_params, dtype)
    loss = SquaredLoss()
    delta = np.empty((16, 2), dtype)
    l2 = alpha / 16
    n_decay = plain.n_weights if alpha else 0
    done = []
    for start in range(0, 48, 16):
        xb, tb = X[start : start + 16].astype(dtype), T[start : start + 16].astype(dtype)
        for net, state in ((fused, state_f), (plain, state_p)):
            loss(net.forward(xb, training=True), tb, delta)
            if net is fused:
                done.append(net.backward(delta, opt.sparse_input_update(state, l2)))
                opt.step(net.params, net.grads, state, l2, n_decay, start=done[-1])
            else:
                net.backward(delta)
                opt.step(net.params, net.grads, state, l2, n_decay)
    assert done == [30 * 16] * 3  # every batch took the fused route
    np.testing.assert_array_equal(fused.params, plain.params)
    np.testing.assert_array_equal(state_f["m"], state_p["m"])
    np.testing.assert_array_equal(state_f["v"], state_p["v"])


def test_adaptive_schedule_lowers_the_rate_on_plateaus_until_it_stops():
    net, X, T, rng = _problem()
    history = History()
    opt = SGD(learning_rate=0.01, schedule="adaptive")
    state = opt.init_state(net.n_params, net.dtype)
    # tol so large that no epoch after the first counts as an improvement: a plateau every
    # 2 epochs
    outcome = train(net, SquaredLoss(), opt, state, X, T, history, batch_size=16, max_iter=100,
                    shuffle=True, rng=rng, tol=1e9, n_iter_no_change=1)
    # 0.01 / 5**k reaches 6.4e-7 <= 1e-6 at k = 6; the plateau after that stops training
    assert outcome == "converged"
    assert state["lr_scale"] == pytest.approx(5.0**-6)
    assert history.n_iter == 1 + 2 * 7


def test_invscaling_schedule_in_training():
    net, X, T, rng = _problem()
    opt = SGD(learning_rate=0.01, schedule="invscaling", power_t=0.5)
    state = opt.init_state(net.n_params, net.dtype)
    history = History()
    train(net, SquaredLoss(), opt, state, X, T, history, batch_size=16, max_iter=3,
          shuffle=True, rng=rng)
    assert history.t == 3 * 64
    assert opt.current_learning_rate(state) == pytest.approx(0.01 / (3 * 64 + 1) ** 0.5)


def test_a_weight_turned_nan_with_the_loss_finite_is_divergence():
    # A weight that the data never reach (input column 0 is always zero, and the sparse
    # input route skips zeros) keeps the loss finite; it would still give NaN predictions
    # for rows where that input is not zero.
    rng = np.random.default_rng(0)
    X = rng.random((64, 30)) * (rng.random((64, 30)) < 0.1)
    X[:, 0] = 0
    T = rng.normal(size=(64, 2))
    net = Network([Dense(8, "tanh"), Dense(2, "identity")], (30,), np.float64)
    net.init_params(rng)
    opt, history = Adam(learning_rate=0.01), History()
    state = opt.init_state(net.n_params, net.dtype)
    kw = dict(batch_size=16, max_iter=2, shuffle=True, rng=rng)
    train(net, SquaredLoss(), opt, state, X, T, history, **kw)
    best = history.best_params.copy()
    net.coefs[0][0, 3] = np.nan
    with pytest.raises(DivergenceError, match="weights became NaN or infinite.*learning_rate=0.01"):
        train(net, SquaredLoss(), opt, state, X, T, history, **kw)
    np.testing.assert_array_equal(net.params, best)
    assert history.n_iter == 2  # the diverged epoch is not counted


def test_the_explosion_yardstick_is_the_untrained_loss_measured_once():
    net, X, T, rng = _problem()
    history = History()
    opt = Adam(learning_rate=0.01)
    state = opt.init_state(net.n_params, net.dtype)
    expected = SquaredLoss()(net.predict(X[:256]), T[:256], np.empty_like(T[:256]))
    train(net, SquaredLoss(), opt, state, X, T, history, batch_size=16, max_iter=3,
          shuffle=True, rng=rng)
    assert history.start_loss == pytest.approx(expected, rel=1e-12)
    # continuing (partial_fit, warm_start) keeps the yardstick of the untrained network
    train(net, SquaredLoss(), opt, state, X, T, history, batch_size=16, max_iter=1,
          shuffle=True, rng=rng)
    assert history.start_loss == pytest.approx(expected, rel=1e-12)
