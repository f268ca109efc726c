"""Fixtures shared by all tests."""

import os

import pytest

from sknetphys.datasets import find_mnist_dir, load_mnist


@pytest.fixture(scope="session")
def mnist():
    """(X_train, y_train, X_test, y_test) as float32 rows in [0, 1] and int64 labels.

    Skips when the MNIST files are not found, except on CI (env var ``CI`` set), where a
    missing dataset is an error rather than a silently skipped test.
    """
    folder = find_mnist_dir()
    if folder is None:
        msg = ("MNIST not found: put the IDX files in ../shared/data/mnist or set "
               "SKNETPHYS_DATA to their folder.")
        if os.environ.get("CI"):
            pytest.fail(msg + " (CI is set, so this is an error, not a skip.)")
        pytest.skip(msg)
    X, y = load_mnist(folder, subset="train")
    Xt, yt = load_mnist(folder, subset="test")
    return X, y, Xt, yt
