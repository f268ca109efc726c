"""Tasks for tests/test_compile.py. The ``compile_*`` ones compile a new function at each
call (numba keeps compiled code per dispatcher, and these are not cached): a cache miss in
every process."""

import warnings

import numpy as np
from numba import njit


def dense_float64_fit():
    from sknetphys import MLPClassifier

    X = np.random.default_rng(0).random((64, 12))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLPClassifier((8,), max_iter=1, dtype="float64").fit(X, np.arange(64) % 3).predict(X)


def compile_one():
    njit(lambda x: x + 1)(1.0)


def compile_two():
    njit(lambda x: x * 2)(1.0)


def nothing():
    pass


def fails():
    raise ValueError("a task that fails")
