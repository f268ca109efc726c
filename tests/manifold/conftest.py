"""Fixtures of the t-SNE tests."""

import os

import pytest

from sknetphys.datasets import find_mnist_dir, load_mnist


@pytest.fixture(scope="session")
def mnist():
    """(X_train, y_train, X_test, y_test): MNIST as float32 rows in [0, 1], int64 labels.

    Skips when the MNIST files are not found, except when the env var ``CI`` is set: there a
    missing dataset fails the test instead of silently skipping it.
    """
    folder = find_mnist_dir()
    if folder is None:
        msg = ("MNIST not found: put the IDX files in ../shared/data/mnist or set "
               "SKNETPHYS_DATA to their folder.")
        if os.environ.get("CI"):
            pytest.fail(msg + " (CI is set: a missing dataset is an error here.)")
        pytest.skip(msg)
    X, y = load_mnist(folder, subset="train")
    Xt, yt = load_mnist(folder, subset="test")
    return X, y, Xt, yt
