"""MNIST from its four IDX files (gzip-compressed or not), as scikit-learn's loaders behave."""

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch

ENV_VAR = "SKNETPHYS_DATA"

# stem: (shape in the IDX header, md5 of the uncompressed file). The checksums are those of
# LeCun, Cortes and Burges' original files.
_FILES = {
    "train-images-idx3-ubyte": ((60000, 28, 28), "6bbc9ace898e44ae57da46a324031adb"),
    "train-labels-idx1-ubyte": ((60000,), "a25bea736e30d166cdddb491f175f624"),
    "t10k-images-idx3-ubyte": ((10000, 28, 28), "2646ac647ad5339dbf082846283269ea"),
    "t10k-labels-idx1-ubyte": ((10000,), "27ae3e4e09519cfbb04c329615203637"),
}
_SUBSETS = {
    "train": [("train-images-idx3-ubyte", "train-labels-idx1-ubyte")],
    "test": [("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")],
}
_SUBSETS["all"] = _SUBSETS["train"] + _SUBSETS["test"]
# Mirrors of the original gzipped files (yann.lecun.com now refuses scripted downloads).
_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
# Files whose md5 matched, keyed by (path, size, mtime): the md5 of the training images costs
# about a quarter of their load time (0.07 s of 0.3 s here), so it is paid once per process
# and file version rather than on every load.
_VERIFIED = set()

DESCR = """.. _mnist_dataset:

MNIST handwritten digits
------------------------

**Data Set Characteristics:**

:Number of Instances: 60,000 training and 10,000 test images
:Number of Attributes: 784 (28 x 28 grey levels)
:Attribute Information: float32 in [0, 1] (the raw bytes divided by 255)
:Classes: 10 (the digits 0 to 9)
:Creator: Yann LeCun, Corinna Cortes, Christopher J. C. Burges

Size-normalised and centred handwritten digits, from NIST's Special Databases 1 and 3,
written by Census Bureau employees and high-school students; the writers of the training
and test sets are disjoint. Read from the four original IDX files
(``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``, gzipped or not), whose md5
checksums are verified.

.. rubric:: References

- Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning applied to
  document recognition", Proceedings of the IEEE 86(11), 2278-2324 (1998).
"""


def _candidates(data_home):
    """Base folders to search: an explicit ``data_home`` alone, else the environment."""
    if data_home is not None:
        return [Path(data_home)]
    bases = [Path(os.environ[ENV_VAR])] if os.environ.get(ENV_VAR) else []
    return bases + [Path(get_data_home())]


def _path(folder, stem):
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _find(data_home, stems):
    for base in _candidates(data_home):
        for folder in (base, base / "mnist"):
            if all(_path(folder, stem) is not None for stem in stems):
                return folder
    return None


def find_mnist_dir(data_home=None):
    """The folder holding the four MNIST IDX files, or ``None`` when none is found.

    Parameters
    ----------
    data_home : str or Path, optional
        Search only this folder (and its ``mnist/`` subfolder). By default ``$SKNETPHYS_DATA``
        is searched, then scikit-learn's :func:`~sklearn.datasets.get_data_home`, each
        itself and its ``mnist/`` subfolder.

    Returns
    -------
    folder : Path or None

    Examples
    --------
    >>> from sknetphys.datasets import find_mnist_dir
    >>> find_mnist_dir("/nonexistent") is None
    True
    """
    return _find(data_home, list(_FILES))


def _read_idx(path, stem):
    """Read MNIST's IDX file ``stem`` from ``path``, checking header, size and checksum."""
    shape, md5 = _FILES[stem]
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                data = f.read()
        else:
            data = path.read_bytes()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise OSError(f"{path} is truncated or not a gzip file ({exc}); delete it and "
                      "load again, or replace it.") from exc
    ndim = len(shape)
    if data[:4] != bytes([0, 0, 8, ndim]):
        raise OSError(f"{path} is not an IDX file of unsigned bytes with {ndim} dimensions "
                      f"(magic number {data[:4].hex()}, expected 0000080{ndim}).")
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    if dims != shape:
        raise OSError(f"{path}: its header says shape {dims}, MNIST's is {shape}.")
    if len(data) != header + int(np.prod(shape)):
        raise OSError(f"{path} holds {len(data) - header} values, its header says "
                      f"{int(np.prod(shape))}: the file is truncated or damaged.")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        if hashlib.md5(data).hexdigest() != md5:
            raise OSError(f"{path}: md5 checksum {hashlib.md5(data).hexdigest()} differs from "
                          f"MNIST's {md5}; the file is damaged: delete it and load again, "
                          "or replace it.")
        _VERIFIED.add(key)
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def _download(stems, folder):
    """Fetch the gzipped IDX files into ``folder``; each is checked before it is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        if _path(folder, stem) is not None:
            continue
        errors = []
        for mirror in _MIRRORS:
            fd, tmp = tempfile.mkstemp(suffix=".gz", dir=folder)
            try:
                with os.fdopen(fd, "wb") as out, urllib.request.urlopen(
                    mirror + stem + ".gz", timeout=60
                ) as response:
                    shutil.copyfileobj(response, out)
                _read_idx(Path(tmp), stem)
                os.replace(tmp, folder / (stem + ".gz"))
                break
            except OSError as exc:  # URLError, a timeout and a damaged file are all OSErrors
                errors.append(f"{mirror}: {exc}")
            finally:
                Path(tmp).unlink(missing_ok=True)
        else:
            raise OSError("; ".join(errors))


def _not_found(data_home, stems, dest, reason):
    searched = ", ".join(str(base) for base in _candidates(data_home))
    files = ", ".join(stem + ".gz" for stem in stems)
    where = ("" if data_home is not None
             else f", or set ${ENV_VAR} to a folder holding them or a mnist/ subfolder with them")
    return FileNotFoundError(f"MNIST not found in {searched} (nor in their mnist/ subfolders); "
                             f"{reason}. Put {files} (gzipped or not) in {dest}{where}.")


def load_mnist(data_home=None, subset="train", *, return_X_y=False, as_frame=False,
               download_if_missing=True, flatten=True, scale=True):
    """Load the MNIST handwritten digits (classification).

    =================   ==============================
    Classes                                         10
    Samples             60,000 train + 10,000 test
    Dimensionality                    784 (28 x 28)
    Features            float32 in [0, 1] (or uint8)
    =================   ==============================

    The four IDX files (gzipped or not) are looked for in ``data_home``, or, without it, in
    ``$SKNETPHYS_DATA``, then in scikit-learn's :func:`~sklearn.datasets.get_data_home`: each
    either holds the files or has them in a ``mnist/`` subfolder. Their header (magic number,
    shape) and md5 checksum are verified; the checksum once per process and file version.

    Parameters
    ----------
    data_home : str or Path, optional
        Folder with the files or with a ``mnist/`` subfolder holding them. When given, only
        this folder is searched, and downloads go into its ``mnist/`` subfolder.
    subset : {"train", "test", "all"}, default="train"
        The 60,000 training images, the 10,000 test images, or all 70,000 (training first).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        ``data`` as a pandas DataFrame (columns ``pixel_<row>_<col>``), ``target`` as a Series
        named ``"target"``, and ``frame`` holding both, as scikit-learn's loaders give them.
    download_if_missing : bool, default=True
        If the files are not found, download the missing ones into ``<data_home>/mnist``
        (``data_home`` defaulting to ``$SKNETPHYS_DATA``, then
        :func:`~sklearn.datasets.get_data_home`), verifying each; else raise.
    flatten : bool, default=True
        ``data`` as rows of 784 pixels; ``False`` keeps them ``(n_samples, 28, 28)``.
    scale : bool, default=True
        ``data`` (and ``images``) as float32 in [0, 1]; ``False`` keeps the raw uint8.

    Returns
    -------
    data : Bunch
        ``data`` : ndarray of shape (n_samples, 784), float32 (or DataFrame with as_frame);
        ``target`` : ndarray of shape (n_samples,), int64 (or Series);
        ``images`` : ndarray of shape (n_samples, 28, 28), the same pixels as ``data``
        (a view of it unless as_frame); ``frame`` : DataFrame or None;
        ``feature_names`` : list of str; ``target_names`` : ndarray of int64, 0 to 9;
        ``DESCR`` : str.
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If the files are missing and could not be downloaded (offline, or
        ``download_if_missing=False``); the message says which files to put where.
    OSError
        If a file is truncated, is not an IDX file of MNIST's shape, or fails its checksum.

    Examples
    --------
    >>> from sknetphys.datasets import find_mnist_dir, load_mnist
    >>> if find_mnist_dir() is not None:
    ...     X, y = load_mnist(subset="test", return_X_y=True)
    ...     assert X.shape == (10000, 784) and y[:3].tolist() == [7, 2, 1]
    """
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be 'train', 'test' or 'all', got {subset!r}.")
    if as_frame and not flatten:
        raise ValueError("as_frame=True needs flatten=True (a DataFrame has one row per image).")
    stems = [stem for pair in _SUBSETS[subset] for stem in pair]
    folder = _find(data_home, stems)
    if folder is None:
        dest = _candidates(data_home)[0] / "mnist"
        if not download_if_missing:
            raise _not_found(data_home, stems, dest, "download_if_missing is False")
        try:
            _download(stems, dest)
        except OSError as exc:
            raise _not_found(data_home, stems, dest, f"downloading failed ({exc})") from exc
        folder = dest
    pairs = [(_read_idx(_path(folder, im), im), _read_idx(_path(folder, lab), lab))
             for im, lab in _SUBSETS[subset]]
    images = np.concatenate([im for im, _ in pairs]) if len(pairs) > 1 else pairs[0][0]
    target = np.concatenate([lab for _, lab in pairs]).astype(np.int64)
    if scale:
        images = np.divide(images, np.float32(255), dtype=np.float32)
    elif len(pairs) == 1:
        images = images.copy()  # a writable array, not a view of the file's bytes
    data = images.reshape(len(images), -1) if flatten else images
    feature_names = [f"pixel_{i}_{j}" for i in range(28) for j in range(28)]
    frame = None
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("load_mnist with as_frame=True needs pandas: pip install "
                              "pandas") from exc
        data = pd.DataFrame(data, columns=feature_names, copy=False)
        target = pd.Series(target, name="target")
        frame = pd.concat([data, target], axis=1)
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, frame=frame, feature_names=feature_names,
                 target_names=np.arange(10), images=images, DESCR=DESCR)
