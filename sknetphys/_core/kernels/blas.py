"""Matrix products callable from numba kernels: BLAS ``?gemm`` and ``?gemv``, no copies.

A layer's pass is then one numba call (im2col, GEMM and activation per cache-sized chunk)
instead of a few Python calls per chunk. That matters for data-parallel passes: every return
to Python is a meeting point at the GIL for the threads (see ``_threads.py``).

numba's own ``np.dot`` copies non-contiguous operands, allocates its result and goes through
scipy's BLAS. We call the Fortran BLAS routines through symbols registered with LLVM (which
keeps the calling kernels cacheable), from numpy's own OpenBLAS when we find it, else from
the table scipy exports for Cython (``scipy.linalg.cython_blas``). The order matters: with the
wheels here, scipy's OpenBLAS 0.3.30 was 1.3-1.6x slower than numpy's 0.3.31 on half of the
conv layers' products (transposed operands; 25 x 1568 @ 1568 x 128), and equal on the rest.
Both are libraries threadpoolctl limits.

``SKNETPHYS_BLAS=scipy`` in the environment forces the fallback (tests run it; also a way
out should a numpy build's library be found but misbehave).

Integer arguments are passed as pointers to int64: an LP64 library (32-bit ints, scipy's)
reads their low halves, which on little-endian machines are the same numbers.
"""

import ctypes
import glob
import os
import sys

import llvmlite.binding as llvm
import numpy as np
from numba import njit, types


def _numpy_openblas():
    """``{"sgemm": address, ...}`` from the OpenBLAS bundled with numpy's wheel, or None."""
    here = os.path.dirname(np.__file__)
    for pattern in ("../numpy.libs/*openblas*", ".dylibs/*openblas*"):
        for path in sorted(glob.glob(os.path.join(here, pattern))):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            # ILP64 builds only (numpy's): symbol suffix 64_
            for prefix in ("scipy_", ""):
                try:
                    funcs = {name: getattr(lib, f"{prefix}{name}_64_")
                             for name in ("sgemm", "dgemm", "sgemv", "dgemv")}
                except AttributeError:
                    continue
                return {name: ctypes.cast(f, ctypes.c_void_p).value for name, f in funcs.items()}
    return None


def _scipy_blas():
    from numba.extending import get_cython_function_address

    if sys.byteorder != "little":  # pragma: no cover - see the module docstring
        raise ImportError("sknetphys needs numpy's ILP64 OpenBLAS on big-endian machines")
    return {name: get_cython_function_address("scipy.linalg.cython_blas", name)
            for name in ("sgemm", "dgemm", "sgemv", "dgemv")}


BLAS_SOURCE = "numpy"
_ADDRESSES = None if os.environ.get("SKNETPHYS_BLAS") == "scipy" else _numpy_openblas()
if _ADDRESSES is None:  # numpy built against another BLAS, or asked for
    BLAS_SOURCE, _ADDRESSES = "scipy", _scipy_blas()
for _name, _address in _ADDRESSES.items():
    llvm.add_symbol("sknetphys_" + _name, _address)
# Fortran BLAS: every argument by reference
_sgemm = types.ExternalFunction("sknetphys_sgemm", types.void(*([types.voidptr] * 13)))
_dgemm = types.ExternalFunction("sknetphys_dgemm", types.void(*([types.voidptr] * 13)))
_sgemv = types.ExternalFunction("sknetphys_sgemv", types.void(*([types.voidptr] * 11)))
_dgemv = types.ExternalFunction("sknetphys_dgemv", types.void(*([types.voidptr] * 11)))

# Transpose flags for kernels that call gemm: numba types a literal True or False as a
# constant of its own type and compiles gemm once per combination (three per dtype in the
# conv kernels), while numpy bools are plain booleans: one gemm per dtype.
TRANS, NO_TRANS = np.bool_(True), np.bool_(False)
_T, _N = ord("T"), ord("N")  # BLAS' flags (ord() inside a kernel costs compile time)


@njit(cache=True, nogil=True)
def _lead(a):
    """A row-major matrix' leading dimension as BLAS wants it (at least 1 and the width)."""
    return max(a.strides[0] // a.itemsize, a.shape[1], 1)


@njit(cache=True, nogil=True)
def gemm(trans_a, trans_b, alpha, a, b, beta, c):
    """``c = alpha * op(a) @ op(b) + beta * c`` for 2-D arrays of one dtype (float32 or
    float64) with contiguous rows (any row stride: views of bigger matrices are fine);
    ``op(a)`` is ``a.T`` when ``trans_a``.

    Row-major ``c`` is column-major ``c.T``, so this asks BLAS for ``c.T = op(b).T @ op(a).T``:
    the operands swap places and keep their transpose flags.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.ones((2, 3), np.float32), np.ones((2, 4), np.float32)
    >>> c = np.zeros((3, 4), np.float32)
    >>> gemm(True, False, 1.0, a, b, 0.0, c)
    >>> c[0]
    array([2., 2., 2., 2.], dtype=float32)
    """
    m, n = c.shape
    k = a.shape[0] if trans_a else a.shape[1]
    if m == 0 or n == 0:
        return
    if k == 0:  # BLAS would leave c untouched
        for i in range(m):  # loops: an array expression here took 5 s to compile
            for j in range(n):
                c[i, j] *= beta
        return
    flags = np.empty(2, np.uint8)
    flags[0] = _T if trans_b else _N
    flags[1] = _T if trans_a else _N
    ints = np.empty(6, np.int64)  # BLAS' m, n, k and leading dimensions
    ints[0], ints[1], ints[2] = n, m, k
    ints[3], ints[4], ints[5] = _lead(b), _lead(a), _lead(c)
    scalars = np.empty(2, c.dtype)
    scalars[0], scalars[1] = alpha, beta
    args = (flags[0:].ctypes, flags[1:].ctypes, ints[0:].ctypes, ints[1:].ctypes,
            ints[2:].ctypes, scalars[0:].ctypes, b.ctypes, ints[3:].ctypes, a.ctypes,
            ints[4:].ctypes, scalars[1:].ctypes, c.ctypes, ints[5:].ctypes)
    if c.itemsize == 4:
        _sgemm(*args)
    else:
        _dgemm(*args)


@njit(cache=True, nogil=True)
def column_sums(a, out):
    """``out[j] = sum_i a[i, j]`` for a 2-D array with contiguous rows: a bias gradient.
    BLAS' matrix-vector product, as ``a.T @ ones`` (a plain loop stays scalar for few
    columns; a one-row GEMM is 2.5x slower)."""
    m, n = a.shape
    if n == 0:
        return
    if m == 0:
        out[:] = 0
        return
    ones = np.ones(m, a.dtype)
    flags = np.empty(1, np.uint8)
    flags[0] = _N  # a row-major is a.T column-major, the matrix we want
    ints = np.empty(4, np.int64)  # m, n, lda, increment
    ints[0], ints[1], ints[2], ints[3] = n, m, _lead(a), 1
    scalars = np.empty(2, a.dtype)
    scalars[0], scalars[1] = 1.0, 0.0
    args = (flags.ctypes, ints[0:].ctypes, ints[1:].ctypes, scalars[0:].ctypes, a.ctypes,
            ints[2:].ctypes, ones.ctypes, ints[3:].ctypes, scalars[1:].ctypes, out.ctypes,
            ints[3:].ctypes)
    if a.itemsize == 4:
        _sgemv(*args)
    else:
        _dgemv(*args)
