"""Monte Carlo of the 2-D Ising model (J = 1, periodic boundaries): numba kernels.

Spins are int8 +/-1 in a flat array of L*L sites (row-major). Each sampling call seeds
numba's generator (per-thread state) from its ``seed`` argument, so a call's result depends
on its arguments only, whatever thread or process runs it.
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, error_model="numpy")
def neighbours(L):
    """(L*L, 4) int32: the right, left, lower and upper neighbour of each site."""
    nbr = np.empty((L * L, 4), np.int32)
    for r in range(L):
        for c in range(L):
            i = r * L + c
            nbr[i, 0] = r * L + (c + 1) % L
            nbr[i, 1] = r * L + (c - 1) % L
            nbr[i, 2] = ((r + 1) % L) * L + c
            nbr[i, 3] = ((r - 1) % L) * L + c
    return nbr


@njit(cache=True, nogil=True, error_model="numpy")
def wolff_flip(s, nbr, p_add, start, stack):
    """Grow a Wolff cluster from site ``start`` and flip it; return its size.

    A neighbour with the cluster's (original) spin joins with probability ``p_add`` =
    1 - exp(-2 beta). Sites are flipped as they join, so none joins twice and the ``stack``
    (length L*L) never overflows.
    """
    s0 = s[start]
    s[start] = -s0
    stack[0] = start
    top = 1
    size = 1
    while top > 0:
        top -= 1
        i = stack[top]
        for k in range(4):
            j = nbr[i, k]
            if s[j] == s0 and np.random.random() < p_add:
                s[j] = -s0
                stack[top] = j
                top += 1
                size += 1
    return size


@njit(cache=True, nogil=True, error_model="numpy")
def _wolff_flips(s, nbr, p_add, n_flips, stack):
    flipped = 0
    for _ in range(n_flips):
        flipped += wolff_flip(s, nbr, p_add, np.random.randint(s.size), stack)
    return flipped


@njit(cache=True, nogil=True, error_model="numpy")
def _wolff_equilibrate(s, nbr, p_add, n_sweeps, stack):
    """Run ``n_sweeps`` sweeps of cluster flips; return the flips that make a sweep.

    A sweep is as many cluster flips as flip L*L spins on average, a unit in which Wolff's
    autocorrelation time barely depends on the temperature. Here the flips are counted
    until L*L * n_sweeps spins have flipped, and the mean cluster size of the second half
    fixes the flips per sweep for the samples: a count that depended on the clusters being
    flipped would bias the samples (towards states that large clusters lead to).
    """
    n = s.size
    flipped, half = 0, 0
    while flipped < n * n_sweeps / 2:
        flipped += _wolff_flips(s, nbr, p_add, 1, stack)
    n_flips = 0
    while half < n * n_sweeps / 2 or n_flips == 0:
        half += _wolff_flips(s, nbr, p_add, 1, stack)
        n_flips += 1
    return n * n_flips / half


@njit(cache=True, nogil=True, error_model="numpy")
def metropolis_sweeps(s, nbr, beta, n_sweeps):
    """``n_sweeps`` typewriter sweeps of single-spin Metropolis updates."""
    # acceptance of a flip by the spin times its neighbours' sum, (s * h + 4) // 2 in 0..4
    accept = np.empty(5)
    for k in range(5):
        accept[k] = min(1.0, np.exp(-2.0 * beta * (2 * k - 4)))
    for _ in range(n_sweeps):
        for i in range(s.size):
            sh = s[i] * (s[nbr[i, 0]] + s[nbr[i, 1]] + s[nbr[i, 2]] + s[nbr[i, 3]])
            k = (sh + 4) // 2
            if k <= 2 or np.random.random() < accept[k]:
                s[i] = -s[i]


@njit(cache=True, nogil=True, error_model="numpy")
def sample(L, beta, wolff, n_equilibrate, n_between, seed, out):
    """Fill ``out`` (n_samples, L*L) float32 with configurations of one Markov chain.

    The chain starts ordered (all +1), runs ``n_equilibrate`` sweeps (>= 1 for Wolff, whose
    sweep length they measure), then stores a configuration after every ``n_between``
    sweeps, each with a random global sign (an exact symmetry: Metropolis below Tc would
    otherwise keep the starting sign).
    """
    np.random.seed(seed)
    nbr = neighbours(L)
    s = np.ones(L * L, np.int8)
    stack = np.empty(L * L, np.int32)
    p_add = 1.0 - np.exp(-2.0 * beta)
    if wolff:
        flips_per_sweep = _wolff_equilibrate(s, nbr, p_add, n_equilibrate, stack)
        n_flips = max(1, int(round(n_between * flips_per_sweep)))
    else:
        metropolis_sweeps(s, nbr, beta, n_equilibrate)
    for row in range(out.shape[0]):
        if wolff:
            _wolff_flips(s, nbr, p_add, n_flips, stack)
        else:
            metropolis_sweeps(s, nbr, beta, n_between)
        sign = 1.0 if np.random.random() < 0.5 else -1.0
        for i in range(s.size):
            out[row, i] = sign * s[i]
