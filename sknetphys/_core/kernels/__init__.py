"""Numba kernels. Every function here is ``@njit(cache=True)`` and takes arrays, never objects.

Kernels that divide use ``error_model="numpy"``: numba's default Python error model checks
every division for zero (to raise ZeroDivisionError), which stops LLVM from vectorising the
loop; measured on the Adam step, 5x slower.

Kernels that run inside a data-parallel pass (layers, losses, dropout; see ``_threads.py``)
release the GIL (``nogil=True``) so that the threads compute at the same time.
"""
