"""Fixtures shared by all tests."""

import os
import signal

import pytest

from sknetphys.datasets import find_mnist_dir, load_mnist


@pytest.fixture(scope="session")
def mnist_dir():
    """The folder holding the four MNIST IDX files (found through ``$SKNETPHYS_DATA``).

    Skips when the files are not found, except on CI (env var ``CI`` set), where a missing
    dataset is an error rather than a silently skipped test.
    """
    folder = find_mnist_dir()
    if folder is None:
        msg = ("MNIST not found: set SKNETPHYS_DATA to the folder holding the four IDX files "
               "(or a mnist/ subfolder with them).")
        if os.environ.get("CI"):
            pytest.fail(msg + " (CI is set, so this is an error, not a skip.)")
        pytest.skip(msg)
    return folder


@pytest.fixture(scope="session")
def mnist(mnist_dir):
    """(X_train, y_train, X_test, y_test) as float32 rows in [0, 1] and int64 labels."""
    X, y = load_mnist(mnist_dir, subset="train", return_X_y=True)
    Xt, yt = load_mnist(mnist_dir, subset="test", return_X_y=True)
    return X, y, Xt, yt


@pytest.fixture(autouse=True, scope="session")
def _ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt in every test, as in a terminal. A process that a
    non-interactive shell starts in the background inherits SIGINT ignored, and Python then
    installs no handler: the Ctrl-C tests (a SIGINT sent to the main thread, or
    ``_thread.interrupt_main``) would see nothing happen."""
    previous = signal.getsignal(signal.SIGINT)
    if previous == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
