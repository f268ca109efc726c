"""Configurations of the 2-D Ising model from Monte Carlo, and their observables."""

import math
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from . import _kernels_ising

_METHODS = ("wolff", "metropolis")


def _sweeps(method, L):
    """Default sweeps between samples: about three autocorrelation times at Tc.

    Measured here at T = Tc (integrated autocorrelation times, L = 8 to 64): Wolff's energy
    1.5 to 2.2 sweeps (~0.75 L^0.25; its |m| is quicker), Metropolis' |m| ~0.04 L^2 sweeps.
    """
    return math.ceil(2 * L ** 0.25) if method == "wolff" else math.ceil(L * L / 8)


def make_ising(L=16, temperatures=None, n_per_temperature=100, random_state=None,
               method="wolff", *, n_equilibrate=None, n_between=None):
    """Configurations of the 2-D Ising model, sampled by Monte Carlo at given temperatures.

    Spins +/-1 on an L x L square lattice with periodic boundaries and the energy
    ``E = -sum over nearest-neighbour pairs of s_i s_j`` (J = 1, units with k_B = 1), whose
    critical temperature is Onsager's Tc = 2 / ln(1 + sqrt 2) = 2.269. Each temperature runs
    one Markov chain, started ordered (all +1): ``n_equilibrate`` sweeps to equilibrate, then
    one stored configuration after every ``n_between`` sweeps. A Metropolis sweep is L*L
    single-spin updates in typewriter order. A Wolff sweep is as many cluster flips as flip
    L*L spins on average (a unit in which Wolff's autocorrelation time barely depends on the
    temperature): the mean cluster size over the second half of equilibration fixes that
    number, and the samples are then that many flips apart. (Counting flipped spins up to L*L
    instead would bias the samples towards states that large clusters lead to: on a 4 x 4
    lattice at T = 1.8, a mean energy of -1.94 against the exact -1.86.) Each stored
    configuration gets a random global sign (an exact symmetry of the energy; without it
    Metropolis chains below Tc would keep their start's).

    The default sweeps make consecutive samples nearly independent even at Tc, the worst case:
    ``n_between`` is about three autocorrelation times there (measured for L = 8 to 64: Wolff's
    energy decorrelates in 1.5 to 2.2 sweeps, so ``ceil(2 * L**0.25)``, e.g. 4 for L = 16;
    Metropolis' |magnetisation| in ~0.04 L^2 sweeps, so ``ceil(L**2 / 8)``, e.g. 32), and
    ``n_equilibrate`` is ten times ``n_between`` (both samplers reach equilibrium from the
    ordered start within about three autocorrelation times). Away from Tc they are generous.

    Parameters
    ----------
    L : int, default=16
        Side of the lattice (L >= 2).
    temperatures : array-like of float, default=None
        Temperatures (> 0), e.g. on both sides of Tc. Default: 1.0, 1.1, ..., 3.5.
    n_per_temperature : int, default=100
        Configurations per temperature.
    random_state : int, RandomState instance or None, default=None
        Seeds the chains: the same value gives identical configurations in any process or
        thread.
    method : {"wolff", "metropolis"}, default="wolff"
        Wolff cluster updates (fast near Tc), or single-spin Metropolis updates.
    n_equilibrate : int, default=None
        Sweeps before the first stored configuration (default: ``10 * n_between``); at least
        1 for Wolff, whose sweep length they measure.
    n_between : int, default=None
        Sweeps between stored configurations (default: see above).

    Returns
    -------
    X : ndarray of shape (len(temperatures) * n_per_temperature, L * L), float32
        Configurations, +1.0 or -1.0, each lattice flattened row by row (``X.reshape(-1, L,
        L)`` gives the lattices), ``n_per_temperature`` rows per temperature in the given
        order.
    T : ndarray of shape (len(X),), float64
        The temperature of each configuration.

    See Also
    --------
    ising_energy, ising_magnetization, estimate_critical_temperature

    Examples
    --------
    >>> import numpy as np
    >>> from sknetphys.datasets import ising_magnetization, make_ising
    >>> X, T = make_ising(L=16, temperatures=[1.5, 3.5], n_per_temperature=50, random_state=0)
    >>> X.shape, T[[0, -1]].tolist()
    ((100, 256), [1.5, 3.5])
    >>> m = np.abs(ising_magnetization(X))
    >>> bool(m[T == 1.5].mean() > 0.9 and m[T == 3.5].mean() < 0.2)
    True
    """
    if not isinstance(L, Integral) or L < 2:
        raise ValueError(f"L must be an integer >= 2, got {L!r}.")
    temps = np.round(np.linspace(1.0, 3.5, 26), 10) if temperatures is None else (
        np.asarray(temperatures, dtype=np.float64).ravel())
    if temps.size == 0 or not np.all(np.isfinite(temps) & (temps > 0)):
        raise ValueError(f"temperatures must be finite and > 0, got {temperatures!r}.")
    if not isinstance(n_per_temperature, Integral) or n_per_temperature < 1:
        raise ValueError(f"n_per_temperature must be an integer >= 1, got {n_per_temperature!r}.")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
    n_between = _sweeps(method, L) if n_between is None else n_between
    n_equilibrate = 10 * n_between if n_equilibrate is None else n_equilibrate
    for name, value, low in (("n_between", n_between, 1),
                             ("n_equilibrate", n_equilibrate, int(method == "wolff"))):
        if not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    seeds = check_random_state(random_state).randint(0, 2**31 - 1, size=temps.size)
    X = np.empty((temps.size * n_per_temperature, L * L), np.float32)
    for k, (T, seed) in enumerate(zip(temps, seeds)):
        rows = X[k * n_per_temperature:(k + 1) * n_per_temperature]
        _kernels_ising.sample(int(L), 1.0 / T, method == "wolff", int(n_equilibrate),
                              int(n_between), int(seed), rows)
    return X, np.repeat(temps, n_per_temperature)


def _lattices(configs):
    s = np.asarray(configs)
    if s.ndim == 2:
        L = math.isqrt(s.shape[1])
        if L * L != s.shape[1]:
            raise ValueError(f"configs of {s.shape[1]} spins are not square lattices.")
        s = s.reshape(len(s), L, L)
    if s.ndim != 3 or s.shape[1] != s.shape[2]:
        raise ValueError("configs must be of shape (n, L*L) or (n, L, L), got "
                         f"{np.shape(configs)}.")
    if not np.all(np.abs(s) == 1):
        raise ValueError("spins must be +1 or -1.")
    return s.astype(np.float64, copy=False)


def ising_energy(configs):
    """Energy per spin of Ising configurations (J = 1, periodic boundaries).

    ``-(1 / L^2) * sum over nearest-neighbour pairs of s_i s_j``: -2 for an ordered lattice,
    0 on average at infinite temperature.

    Parameters
    ----------
    configs : array-like of shape (n, L*L) or (n, L, L)
        Spins +1 or -1, as :func:`make_ising` returns them.

    Returns
    -------
    energy : ndarray of shape (n,), float64

    Examples
    --------
    >>> import numpy as np
    >>> from sknetphys.datasets import ising_energy
    >>> checkerboard = np.indices((4, 4)).sum(0) % 2 * 2 - 1
    >>> ising_energy(np.stack([np.ones((4, 4)), checkerboard])).tolist()
    [-2.0, 2.0]
    """
    s = _lattices(configs)
    bonds = s * (np.roll(s, -1, axis=1) + np.roll(s, -1, axis=2))  # lower and right bonds
    return -bonds.mean(axis=(1, 2))


def ising_magnetization(configs):
    """Magnetisation per spin (the mean spin) of Ising configurations, with its sign.

    Parameters
    ----------
    configs : array-like of shape (n, L*L) or (n, L, L)
        Spins +1 or -1.

    Returns
    -------
    magnetization : ndarray of shape (n,), float64
        In [-1, 1]; its absolute value is the order parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetphys.datasets import ising_magnetization
    >>> ising_magnetization(-np.ones((1, 9))).tolist()
    [-1.0]
    """
    return _lattices(configs).mean(axis=(1, 2))


def estimate_critical_temperature(temperatures, p_ordered):
    """The temperature where the probability of the ordered phase falls through 1/2.

    The probabilities are averaged per temperature, then linearly interpolated between the
    two temperatures around the first fall from >= 1/2 to < 1/2.

    Parameters
    ----------
    temperatures : array-like of shape (n,)
        Temperature of each sample (repeated values are averaged), e.g. ``T`` from
        :func:`make_ising`.
    p_ordered : array-like of shape (n,)
        Probability of "ordered" for each sample, e.g. a classifier's ``predict_proba``
        column.

    Returns
    -------
    tc : float
        The estimate, or nan if the averaged probability never falls through 1/2.

    Examples
    --------
    >>> from sknetphys.datasets import estimate_critical_temperature
    >>> estimate_critical_temperature([2.0, 2.0, 2.5, 3.0], [0.9, 0.7, 0.3, 0.0])
    2.3
    """
    T = np.asarray(temperatures, dtype=np.float64).ravel()
    p = np.asarray(p_ordered, dtype=np.float64).ravel()
    if T.shape != p.shape:
        raise ValueError(f"temperatures and p_ordered differ in length ({T.size}, {p.size}).")
    T_unique, which = np.unique(T, return_inverse=True)
    p_mean = np.bincount(which, weights=p) / np.bincount(which)
    falls = np.flatnonzero((p_mean[:-1] >= 0.5) & (p_mean[1:] < 0.5))
    if falls.size == 0:
        return float("nan")
    i = falls[0]
    frac = (p_mean[i] - 0.5) / (p_mean[i] - p_mean[i + 1])
    return float(T_unique[i] + frac * (T_unique[i + 1] - T_unique[i]))
