"""Read the MNIST IDX files (gzip-compressed or not) into numpy arrays."""

import gzip
import os
from pathlib import Path

import numpy as np

_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
ENV_VAR = "SKNETPHYS_DATA"


def find_mnist_dir(data_home=None):
    """The folder holding the MNIST IDX files, or ``None`` when none is found.

    Looked for, in order: ``data_home``, ``$SKNETPHYS_DATA``, and ``../shared/data`` beside
    the current directory and beside the source checkout; each either holds the files or
    has them in a ``mnist/`` subfolder.
    """
    here = Path(__file__).resolve().parents[2]
    candidates = [data_home, os.environ.get(ENV_VAR), Path.cwd().parent / "shared" / "data",
                  here.parent / "shared" / "data"]
    for base in candidates:
        if not base:
            continue
        for folder in (Path(base), Path(base) / "mnist"):
            if _path(folder, _FILES["train"][0]) is not None:
                return folder
    return None


def _path(folder, stem):
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _read_idx(path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\x00\x00" or data[2] != 8:
        raise ValueError(f"{path} is not an unsigned-byte IDX file.")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} but holds {arr.size} values.")
    return arr.reshape(shape)


def load_mnist(data_home=None, subset="train", flatten=True, scale=True):
    """Load MNIST digits.

    Parameters
    ----------
    data_home : str or Path, optional
        Folder with the four IDX files (``.gz`` or not), or with a ``mnist/`` subfolder.
        Defaults to ``$SKNETPHYS_DATA``, then ``../shared/data``.
    subset : {"train", "test"}
        60,000 training or 10,000 test images.
    flatten : bool, default=True
        Images as rows of 784 values; else ``(n, 28, 28)``.
    scale : bool, default=True
        float32 in [0, 1]; else the raw uint8.

    Returns
    -------
    X : ndarray, y : ndarray of int64

    Examples
    --------
    >>> from sknetphys.datasets import find_mnist_dir, load_mnist
    >>> if find_mnist_dir() is not None:
    ...     X, y = load_mnist(subset="test")
    ...     assert X.shape == (10000, 784)
    """
    if subset not in _FILES:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    folder = find_mnist_dir(data_home)
    if folder is None:
        raise FileNotFoundError(
            "MNIST IDX files not found; pass data_home or set $SKNETPHYS_DATA to the folder "
            "holding train-images-idx3-ubyte.gz and the other three files."
        )
    images, labels = (_read_idx(_path(folder, stem)) for stem in _FILES[subset])
    X = images.reshape(len(images), -1) if flatten else images
    if scale:
        X = X.astype(np.float32) / np.float32(255.0)
    return X, labels.astype(np.int64)
