"""The BLAS calls numba kernels make, against numpy."""

import dis
import glob
import os
import subprocess
import sys

import numpy as np
import pytest
from numba import njit, types

from sknetphys._core.kernels import blas
from sknetphys._core.kernels.blas import NO_TRANS, TRANS, column_sums, gemm
from sknetphys.compile import kernel_modules


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
def test_gemm_matches_numpy_on_views(dtype, trans_a, trans_b):
    rng = np.random.default_rng(0)
    m, k, n = 5, 7, 3
    # every operand a view with a row stride wider than its rows
    a = rng.standard_normal((k + 2, m + 3) if trans_a else (m + 2, k + 3)).astype(dtype)
    b = rng.standard_normal((n + 2, k + 1) if trans_b else (k + 2, n + 1)).astype(dtype)
    c = rng.standard_normal((m + 1, n + 4)).astype(dtype)
    av = a[1 : 1 + k, 2 : 2 + m] if trans_a else a[1 : 1 + m, 2 : 2 + k]
    bv = b[1 : 1 + n, :k] if trans_b else b[1 : 1 + k, :n]
    cv = c[1:, 3 : 3 + n]
    before = c.copy()
    ref = 0.5 * (av.T if trans_a else av) @ (bv.T if trans_b else bv) - 2.0 * cv
    gemm(trans_a, trans_b, 0.5, av, bv, -2.0, cv)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(cv, ref, rtol=tol, atol=tol)
    outside = np.ones(c.shape, bool)
    outside[1:, 3 : 3 + n] = False
    np.testing.assert_array_equal(c[outside], before[outside])  # nothing else written


def test_kernels_pass_gemm_flags_that_compile_one_variant():
    # numba compiles a kernel once per argument types, and a literal True or False has a
    # type of its own: kernels pass TRANS / NO_TRANS, plain booleans to numba
    @njit
    def caller(a, c):
        gemm(TRANS, NO_TRANS, 1.0, a, a, 0.0, c)

    a = np.ones((3, 2))
    caller(a, np.zeros((2, 2)))
    assert all(not isinstance(t, types.Literal) for sig in gemm.signatures for t in sig[:2])
    calls = 0
    for module in kernel_modules():
        for value in vars(module).values():
            code = getattr(getattr(value, "py_func", None), "__code__", None)
            if code is None or "gemm" not in code.co_names:
                continue
            ops = list(dis.get_instructions(code))
            for i, op in enumerate(ops):
                if op.opname == "LOAD_GLOBAL" and op.argval == "gemm":
                    calls += 1
                    flags = ops[i + 1 : i + 3]
                    assert [f.opname for f in flags] == ["LOAD_GLOBAL"] * 2, value
                    assert {f.argval for f in flags} <= {"TRANS", "NO_TRANS"}, value
    assert calls >= 10


def test_gemm_degenerate_sizes():
    c = np.full((2, 3), 4.0)
    gemm(False, False, 1.0, np.empty((2, 0)), np.empty((0, 3)), 0.5, c)  # k = 0: c *= beta
    np.testing.assert_array_equal(c, 2.0)
    gemm(False, False, 1.0, np.empty((0, 4)), np.empty((4, 3)), 0.0, np.empty((0, 3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_sums_matches_numpy(dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((300, 9)).astype(dtype)
    out = np.full(7, np.nan, dtype)
    column_sums(a[5:, 1:8], out)
    np.testing.assert_allclose(out, a[5:, 1:8].sum(axis=0), rtol=1e-5, atol=1e-4)
    column_sums(a[:0, :7], out)
    np.testing.assert_array_equal(out, 0)


def test_scipy_fallback_computes_the_same():
    """With numpy's OpenBLAS out of the way, the kernels call scipy's (LP64: it reads the
    low halves of the int64 arguments). A fresh process, since the symbols are bound at
    import; the cached kernels resolve them again when loaded."""
    code = (
        "import numpy as np\n"
        "from sknetphys._core.kernels import blas\n"
        "assert blas.BLAS_SOURCE == 'scipy', blas.BLAS_SOURCE\n"
        "rng = np.random.default_rng(0)\n"
        "for dt in (np.float32, np.float64):\n"
        "    a, b = rng.random((40, 30)).astype(dt), rng.random((20, 30)).astype(dt)\n"
        "    c = np.zeros((40, 20), dt)\n"
        "    blas.gemm(False, True, 1.0, a, b, 0.0, c)\n"
        "    assert np.allclose(c, a @ b.T, rtol=1e-5), dt\n"
        "    s = np.zeros(30, dt)\n"
        "    blas.column_sums(a, s)\n"
        "    assert np.allclose(s, a.sum(axis=0), rtol=1e-5), dt\n"
    )
    env = dict(os.environ, SKNETPHYS_BLAS="scipy")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_numpy_openblas_is_found_when_numpy_bundles_it():
    # numpy's wheels bundle OpenBLAS: the kernels then use the library np.matmul uses
    bundled = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs",
                                     "*openblas*"))
    if not bundled or os.environ.get("SKNETPHYS_BLAS") == "scipy":
        pytest.skip("numpy here does not bundle OpenBLAS, or the fallback is forced")
    assert blas.BLAS_SOURCE == "numpy"
