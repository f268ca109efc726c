import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy.special import ellipk

from sknetphys.datasets import (
    estimate_critical_temperature,
    ising_energy,
    ising_magnetization,
    make_ising,
)
from sknetphys.datasets import _kernels_ising as kernels

TC = 2 / np.log1p(np.sqrt(2))


def onsager_energy(T):
    """Energy per spin of the infinite lattice (Onsager)."""
    K = 1 / T
    q = 2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    return -1 / np.tanh(2 * K) * (1 + 2 / np.pi * (2 * np.tanh(2 * K) ** 2 - 1) * ellipk(q**2))


def yang_magnetization(T):
    """Spontaneous magnetisation of the infinite lattice below Tc (Yang)."""
    return (1 - np.sinh(2 / T) ** -4) ** 0.125


def exact_4x4(T):
    """<energy per spin> and <|m|> of the 4 x 4 lattice, summed over all 2^16 states."""
    states = (np.arange(2**16)[:, None] >> np.arange(16) & 1) * 2 - 1
    e, m = naive_energy(states), np.abs(states.mean(axis=1))
    w = np.exp(-16 * (e - e.min()) / T)
    return (w @ e) / w.sum(), (w @ m) / w.sum()


def naive_energy(configs):
    """Energy per spin by looping over the sites' right and lower bonds."""
    n, N = configs.shape
    L = int(round(N**0.5))
    s = configs.reshape(n, L, L)
    out = np.zeros(n)
    for r in range(L):
        for c in range(L):
            out -= s[:, r, c] * (s[:, r, (c + 1) % L] + s[:, (r + 1) % L, c])
    return out / N


def _within_error(samples, expected, z=4.0):
    """The mean of (nearly independent) samples is within z standard errors of expected."""
    err = samples.std(ddof=1) / np.sqrt(len(samples))
    assert abs(samples.mean() - expected) < z * err + 1e-12, (samples.mean(), expected, err)


def test_neighbours_match_numpy_rolls():
    L = 5
    sites = np.arange(L * L).reshape(L, L)
    expected = np.stack([np.roll(sites, -1, 1), np.roll(sites, 1, 1),
                         np.roll(sites, -1, 0), np.roll(sites, 1, 0)], axis=-1)
    np.testing.assert_array_equal(kernels.neighbours(L), expected.reshape(-1, 4))


def _component(s, nbr, start):
    """Sites connected to ``start`` through equal spins (breadth-first search)."""
    seen, todo = {start}, [start]
    while todo:
        i = todo.pop()
        for j in nbr[i]:
            if s[j] == s[start] and j not in seen:
                seen.add(j)
                todo.append(j)
    return sorted(seen)


@pytest.mark.parametrize("seed", range(3))
def test_wolff_flip_limits(seed):
    rng = np.random.default_rng(seed)
    L = 7
    nbr, stack = kernels.neighbours(L), np.empty(L * L, np.int32)
    s = rng.choice(np.array([-1, 1], np.int8), L * L)
    start = int(rng.integers(L * L))
    # p_add = 1 (T -> 0): the whole connected like-spin component, across the boundaries
    flipped = s.copy()
    size = kernels.wolff_flip(flipped, nbr, 1.0, start, stack)
    component = _component(s, nbr, start)
    assert size == len(component)
    np.testing.assert_array_equal(np.flatnonzero(flipped != s), component)
    # p_add = 0 (T -> infinity): the start site alone
    flipped = s.copy()
    assert kernels.wolff_flip(flipped, nbr, 0.0, start, stack) == 1
    np.testing.assert_array_equal(np.flatnonzero(flipped != s), [start])


def test_metropolis_sweep_limits():
    rng = np.random.default_rng(0)
    L = 6
    nbr = kernels.neighbours(L)
    s = rng.choice(np.array([-1, 1], np.int8), L * L)
    # beta = 0: every flip is accepted, so one sweep flips every spin once
    flipped = s.copy()
    kernels.metropolis_sweeps(flipped, nbr, 0.0, 1)
    np.testing.assert_array_equal(flipped, -s)
    # beta -> infinity: a flip is accepted iff it does not raise the energy, in site order
    expected = s.astype(int)
    for i in range(L * L):
        if expected[i] * expected[nbr[i]].sum() <= 0:
            expected[i] *= -1
    kernels.metropolis_sweeps(s, nbr, 50.0, 1)
    np.testing.assert_array_equal(s, expected)


def test_energy_and_magnetization_helpers():
    rng = np.random.default_rng(0)
    X = rng.choice([-1.0, 1.0], size=(20, 36))
    np.testing.assert_allclose(ising_energy(X), naive_energy(X))
    np.testing.assert_allclose(ising_energy(X.reshape(20, 6, 6)), naive_energy(X))
    np.testing.assert_allclose(ising_magnetization(X), X.sum(axis=1) / 36)
    assert ising_energy(np.ones((1, 16))).tolist() == [-2.0]
    with pytest.raises(ValueError, match="not square"):
        ising_energy(np.ones((2, 15)))
    with pytest.raises(ValueError, match=r"\+1 or -1"):
        ising_magnetization(np.zeros((2, 16)))
    with pytest.raises(ValueError, match="shape"):
        ising_energy(np.ones((2, 3, 4)))


@pytest.mark.parametrize("method", ["wolff", "metropolis"])
def test_4x4_against_exact_enumeration(method):
    temps = [1.8, TC, 3.0]
    X, T = make_ising(4, temps, 3000, random_state=0, method=method)
    e, m = ising_energy(X), np.abs(ising_magnetization(X))
    for t in temps:
        e_exact, m_exact = exact_4x4(t)
        _within_error(e[T == t], e_exact)
        _within_error(m[T == t], m_exact)


def test_32x32_against_onsager_and_yang():
    temps = [1.5, 2.0, 3.0, 3.5]
    X, T = make_ising(32, temps, 200, random_state=1)
    e, m = ising_energy(X), np.abs(ising_magnetization(X))
    for t in temps:
        _within_error(e[T == t], onsager_energy(t))
    for t in (1.5, 2.0):
        _within_error(m[T == t], yang_magnetization(t))
    assert m[T == 1.5].mean() > 0.98 and m[T == 3.5].mean() < 0.1


def test_wolff_and_metropolis_agree():
    temps = [2.0, TC, 2.6]
    runs = [make_ising(16, temps, 300, random_state=2, method=method)
            for method in ("wolff", "metropolis")]
    for t in temps:
        for observable in (ising_energy, lambda X: np.abs(ising_magnetization(X))):
            (a, b) = (observable(X[T == t]) for X, T in runs)
            err = np.hypot(a.std(ddof=1), b.std(ddof=1)) / np.sqrt(len(a))
            assert abs(a.mean() - b.mean()) < 4 * err, (t, a.mean(), b.mean(), err)


@pytest.mark.parametrize("method", ["wolff", "metropolis"])
def test_default_sweeps_decorrelate_at_tc(method):
    X, _ = make_ising(16, [TC], 1000, random_state=3, method=method)
    for x in (ising_energy(X), np.abs(ising_magnetization(X))):
        x = x - x.mean()
        lag1 = (x[:-1] @ x[1:]) / (x @ x)
        assert abs(lag1) < 0.15, lag1
    # one sweep between samples leaves them clearly correlated: the check can fail
    X, _ = make_ising(16, [TC], 1000, random_state=3, method=method, n_between=1)
    x = np.abs(ising_magnetization(X))
    x = x - x.mean()
    assert (x[:-1] @ x[1:]) / (x @ x) > 0.2


def test_default_equilibration_forgets_the_ordered_start():
    # The first sample of 100 chains at T = 2.6 (just above Tc): with the default
    # equilibration its |m| matches the chains' long-run mean; without, it stays high.
    def first_samples(**kwargs):
        return np.array([np.abs(ising_magnetization(make_ising(
            16, [2.6], 1, random_state=seed, **kwargs)[0]))[0] for seed in range(100)])

    X, _ = make_ising(16, [2.6], 2000, random_state=0)
    equilibrium = np.abs(ising_magnetization(X)).mean()
    _within_error(first_samples(), equilibrium)
    unequilibrated = first_samples(method="metropolis", n_equilibrate=0, n_between=1)
    assert unequilibrated.mean() - equilibrium > 0.1


def test_layout_and_validation():
    X, T = make_ising(5, [3.0, 1.0], 4, random_state=0)
    assert X.shape == (8, 25) and X.dtype == np.float32 and set(np.unique(X)) == {-1.0, 1.0}
    assert T.tolist() == [3.0] * 4 + [1.0] * 4
    X, T = make_ising(3, n_per_temperature=1, random_state=0)
    np.testing.assert_allclose(T, np.linspace(1, 3.5, 26))
    for kwargs, match in [({"L": 1}, "L must be"), ({"temperatures": [1.0, -2.0]}, "> 0"),
                          ({"temperatures": []}, "> 0"), ({"n_per_temperature": 0}, ">= 1"),
                          ({"method": "glauber"}, "method"), ({"n_between": 0}, "n_between"),
                          ({"n_equilibrate": 1.5}, "n_equilibrate")]:
        with pytest.raises(ValueError, match=match):
            make_ising(**{"temperatures": [2.0], **kwargs})


def _digest(X):
    return hashlib.sha256(X.tobytes()).hexdigest()


@pytest.mark.parametrize("method", ["wolff", "metropolis"])
def test_random_state_determines_the_configurations(method):
    def run(random_state=7):
        return make_ising(8, [2.0, 2.5], 20, random_state=random_state, method=method)[0]

    X = run()
    np.testing.assert_array_equal(run(np.random.RandomState(7)), X)
    assert not np.array_equal(run(8), X)
    with ThreadPoolExecutor(2) as pool:  # numba's generator state is per thread
        for other in pool.map(lambda _: run(), range(4)):
            np.testing.assert_array_equal(other, X)
    if method == "wolff":  # and in a fresh process
        code = ("import hashlib; from sknetphys.datasets import make_ising; "
                "X = make_ising(8, [2.0, 2.5], 20, random_state=7)[0]; "
                "print(hashlib.sha256(X.tobytes()).hexdigest())")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        assert out.stdout.strip() == _digest(X)


def test_estimate_critical_temperature():
    # averaged per temperature: 1.0, 0.8, 0.4, 0.0 -> falls through 1/2 at 2.0 + 0.75 * 0.4
    T = [1.6, 2.0, 2.0, 2.4, 2.4, 2.8]
    p = [1.0, 0.7, 0.9, 0.2, 0.6, 0.0]
    assert estimate_critical_temperature(T, p) == pytest.approx(2.3)
    assert estimate_critical_temperature(T[::-1], p[::-1]) == pytest.approx(2.3)  # any order
    assert np.isnan(estimate_critical_temperature([1.0, 2.0], [0.9, 0.6]))
    with pytest.raises(ValueError, match="length"):
        estimate_critical_temperature([1.0, 2.0], [0.5])
