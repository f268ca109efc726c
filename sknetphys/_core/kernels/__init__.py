"""Numba kernels. Every function here is ``@njit(cache=True)`` and takes arrays, never objects."""
