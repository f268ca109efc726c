"""Every optimizer's first steps against its formula, written out here in numpy."""

import numpy as np
import pytest
from sklearn.base import clone

from sknetphys._core.optimizers import get_optimizer
from sknetphys.optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop

N, N_DECAY, L2 = 12, 8, 0.05


def _reference(opt, p, grads_seq):
    """Yield the parameters after each step, by the textbook formulas."""
    p = p.copy()
    s1, s2 = np.zeros_like(p), np.zeros_like(p)
    lr = opt.learning_rate
    for t, g in enumerate(grads_seq, start=1):
        g = g.copy()
        g[:N_DECAY] += L2 * p[:N_DECAY]
        if isinstance(opt, SGD):
            s1 = opt.momentum * s1 - lr * g
            p = p + (opt.momentum * s1 - lr * g if opt.nesterov else s1)
        elif isinstance(opt, Adagrad):
            s1 = s1 + g**2
            p = p - lr * g / (np.sqrt(s1) + opt.epsilon)
        elif isinstance(opt, RMSprop):
            s1 = opt.rho * s1 + (1 - opt.rho) * g**2
            p = p - lr * g / (np.sqrt(s1) + opt.epsilon)
        elif isinstance(opt, Adadelta):
            s1 = opt.rho * s1 + (1 - opt.rho) * g**2
            dx = -np.sqrt(s2 + opt.epsilon) / np.sqrt(s1 + opt.epsilon) * g
            s2 = opt.rho * s2 + (1 - opt.rho) * dx**2
            p = p + lr * dx
        elif isinstance(opt, Adam):
            s1 = opt.beta_1 * s1 + (1 - opt.beta_1) * g
            s2 = opt.beta_2 * s2 + (1 - opt.beta_2) * g**2
            m_hat = s1 / (1 - opt.beta_1**t)
            v_hat = s2 / (1 - opt.beta_2**t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + opt.epsilon)
        yield p


OPTIMIZERS = [
    SGD(learning_rate=0.1),
    SGD(learning_rate=0.1, momentum=0.9),
    SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
    Adagrad(learning_rate=0.05),
    RMSprop(learning_rate=0.01, rho=0.8),
    Adadelta(),
    Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.9),
]


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_first_steps_match_formula(opt, dtype):
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=N)
    grads_seq = [rng.normal(size=N) for _ in range(4)]
    params = p0.astype(dtype)
    state = opt.init_state(N, dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for t, (g, expected) in enumerate(zip(grads_seq, _reference(opt, p0, grads_seq)), start=1):
        gd = g.astype(dtype)
        opt.step(params, gd, state, L2, N_DECAY)
        np.testing.assert_allclose(params, expected, rtol=tol, atol=tol)
        np.testing.assert_array_equal(gd, g.astype(dtype))  # gradients are left untouched
        assert state["t"] == t
        assert params.dtype == dtype


def test_subnormal_state_is_flushed():
    opt = Adam()
    params, state = np.ones(4, np.float32), opt.init_state(4, np.float32)
    opt.step(params, np.full(4, 1e-20, np.float32), state)
    for _ in range(800):  # momenta of a silent input decay geometrically
        opt.step(params, np.zeros(4, np.float32), state)
    for s in (state["m"], state["v"]):
        assert np.all((s == 0) | (np.abs(s) >= np.finfo(np.float32).tiny))  # no subnormals
        assert np.all(np.abs(s) < 1e-35)


def test_optimizers_are_cloneable_parameter_objects():
    opt = Adam(learning_rate=0.01)
    assert clone(opt).get_params() == opt.get_params()
    assert opt.set_params(beta_1=0.5).beta_1 == 0.5
    with pytest.raises(ValueError, match="Invalid parameter"):
        opt.set_params(momentum=0.9)
    assert repr(SGD(momentum=0.9)) == "SGD(momentum=0.9)"


def test_get_optimizer():
    assert isinstance(get_optimizer("adam"), Adam)
    assert isinstance(get_optimizer("SGD"), SGD)
    user = RMSprop(learning_rate=0.1)
    copy = get_optimizer(user)
    assert copy == user and copy is not user
    with pytest.raises(ValueError, match="Unknown optimizer"):
        get_optimizer("lbfgs")
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        get_optimizer(SGD(learning_rate=-1))


@pytest.mark.parametrize("opt", OPTIMIZERS, ids=repr)
def test_steps_use_the_scheduled_learning_rate(opt):
    # a schedule scales the rate through state["lr_scale"]: the steps must be those of the
    # optimizer with learning_rate * lr_scale, in every optimizer (and Adam's fused path
    # shares the same scalars, see test_training)
    rng = np.random.default_rng(1)
    p0 = rng.normal(size=N)
    grads_seq = [rng.normal(size=N) for _ in range(3)]
    params, state = p0.copy(), opt.init_state(N, np.float64)
    state["lr_scale"] = 0.25
    scaled = clone(opt).set_params(learning_rate=opt.learning_rate * 0.25)
    for g, expected in zip(grads_seq, _reference(scaled, p0, grads_seq)):
        opt.step(params, g, state, L2, N_DECAY)
        np.testing.assert_allclose(params, expected, rtol=1e-12, atol=1e-12)


def test_invscaling_schedule_follows_samples_seen():
    opt = SGD(learning_rate=0.5, schedule="invscaling", power_t=0.25)
    state = opt.init_state(3, np.float64)
    assert opt.current_learning_rate(state) == 0.5
    opt.end_epoch(state, 99)
    assert opt.current_learning_rate(state) == pytest.approx(0.5 / 100**0.25)
    constant = SGD(learning_rate=0.5)
    opt.plateau(state)  # invscaling does not react to plateaus
    assert constant.plateau(state) is True
    constant.end_epoch(state, 10**6)  # nor does constant to epochs
    assert opt.current_learning_rate(state) == pytest.approx(0.5 / 100**0.25)


def test_adaptive_schedule_divides_by_five_down_to_1e6():
    opt = Adam(learning_rate=1e-4, schedule="adaptive")
    state = opt.init_state(3, np.float64)
    rates = []
    while not opt.plateau(state):
        rates.append(opt.current_learning_rate(state))
    # 1e-4 -> 2e-5 -> 4e-6 -> 8e-7 (<= 1e-6: the next plateau stops)
    np.testing.assert_allclose(rates, [2e-5, 4e-6, 8e-7])


@pytest.mark.parametrize("bad, match", [({"schedule": "step"}, "schedule must be one of"),
                                        ({"power_t": -1}, "power_t must be >= 0")])
def test_invalid_schedules_are_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        get_optimizer(SGD(**bad))
