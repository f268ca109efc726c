import gzip
import os
import urllib.error

import numpy as np
import pytest

from sknetphys.datasets import _mnist, find_mnist_dir, load_mnist

TEST_STEMS = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _idx(shape, values=None, magic_ndim=None):
    """The bytes of an unsigned-byte IDX file (zeros unless ``values``)."""
    ndim = len(shape) if magic_ndim is None else magic_ndim
    header = bytes([0, 0, 8, ndim]) + b"".join(n.to_bytes(4, "big") for n in shape)
    body = np.zeros(shape, np.uint8) if values is None else np.asarray(values, np.uint8)
    return header + body.tobytes()


def _folder(path, mnist_dir, **files):
    """``path`` with the test subset: the real files linked, those in ``files`` replaced.

    ``files`` maps a stem to the bytes of an uncompressed file, or to ``("gz", bytes)`` for
    the bytes of a ``.gz`` file.
    """
    path.mkdir(parents=True, exist_ok=True)
    for stem in TEST_STEMS:
        content = files.get(stem.split("-")[1])
        if content is None:
            (path / f"{stem}.gz").symlink_to(mnist_dir / f"{stem}.gz")
        elif isinstance(content, tuple):
            (path / f"{stem}.gz").write_bytes(content[1])
        else:
            (path / stem).write_bytes(content)
    return path


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No network, and no MNIST in the environment's folders."""
    def no_network(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(_mnist.urllib.request, "urlopen", no_network)
    monkeypatch.delenv(_mnist.ENV_VAR, raising=False)
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "sklearn_home"))


def test_reads_the_shared_files(mnist):
    X, y, Xt, yt = mnist
    assert X.shape == (60000, 784) and Xt.shape == (10000, 784)
    assert X.dtype == Xt.dtype == np.float32 and y.dtype == yt.dtype == np.int64
    assert X.min() == 0 and X.max() == 1
    # the first labels of each file, and the class counts of the test set, as published
    assert y[:5].tolist() == [5, 0, 4, 1, 9] and yt[:5].tolist() == [7, 2, 1, 0, 4]
    assert np.bincount(yt).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_bunch_frame_and_raw(mnist, mnist_dir):
    _, _, Xt, yt = mnist
    bunch = load_mnist(mnist_dir, subset="test")
    assert sorted(bunch) == ["DESCR", "data", "feature_names", "frame", "images", "target",
                             "target_names"]
    np.testing.assert_array_equal(bunch.data, Xt)
    np.testing.assert_array_equal(bunch.target, yt)
    np.testing.assert_array_equal(bunch.images.reshape(10000, -1), Xt)
    assert bunch.frame is None and "MNIST" in bunch.DESCR
    assert bunch.feature_names[29] == "pixel_1_1" and len(bunch.feature_names) == 784
    assert bunch.target_names.tolist() == list(range(10))

    framed = load_mnist(mnist_dir, subset="test", as_frame=True)
    assert framed.frame.shape == (10000, 785) and framed.frame.columns[-1] == "target"
    np.testing.assert_array_equal(framed.data.to_numpy(), Xt)
    assert framed.target.name == "target"
    X, y = load_mnist(mnist_dir, subset="test", as_frame=True, return_X_y=True)
    assert list(X.columns) == bunch.feature_names and (y.to_numpy() == yt).all()

    raw, _ = load_mnist(mnist_dir, "test", return_X_y=True, flatten=False, scale=False)
    assert raw.dtype == np.uint8 and raw.shape == (10000, 28, 28) and raw.flags.writeable
    np.testing.assert_array_equal(raw.reshape(10000, -1) / np.float32(255), Xt)


def test_all_is_train_then_test(mnist, mnist_dir):
    X, y, Xt, yt = mnist
    Xa, ya = load_mnist(mnist_dir, subset="all", return_X_y=True)
    assert Xa.shape == (70000, 784)
    np.testing.assert_array_equal(Xa[60000:], Xt)
    np.testing.assert_array_equal(Xa[:60000:997], X[::997])
    np.testing.assert_array_equal(ya, np.concatenate([y, yt]))


def test_search_order(mnist_dir, tmp_path, monkeypatch, offline):
    env, home = _folder(tmp_path / "env" / "mnist", mnist_dir), tmp_path / "sklearn_home"
    _folder(home / "mnist", mnist_dir)
    # the environment variable first, then scikit-learn's data home; each with mnist/ inside
    monkeypatch.setenv(_mnist.ENV_VAR, str(env.parent))
    assert _mnist._find(None, TEST_STEMS) == env
    assert find_mnist_dir() is None  # the training files are missing in both
    monkeypatch.delenv(_mnist.ENV_VAR)
    assert _mnist._find(None, TEST_STEMS) == home / "mnist"
    _, y = load_mnist(subset="test", return_X_y=True)
    assert y[:3].tolist() == [7, 2, 1]


def test_explicit_data_home_never_falls_back(mnist_dir, tmp_path, monkeypatch, offline):
    monkeypatch.setenv(_mnist.ENV_VAR, str(mnist_dir))  # MNIST is there, but not looked at
    empty = tmp_path / "empty"
    assert find_mnist_dir(empty) is None
    with pytest.raises(FileNotFoundError, match="download_if_missing is False") as err:
        load_mnist(empty, subset="test", download_if_missing=False)
    msg = str(err.value)
    assert str(empty / "mnist") in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert "SKNETPHYS_DATA" not in msg  # an explicit folder is the only place searched


def test_missing_files_offline(offline, tmp_path):
    with pytest.raises(FileNotFoundError, match="downloading failed") as err:
        load_mnist()
    msg = str(err.value)
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        assert name in msg
    assert "t10k" not in msg  # only the subset's files are asked for
    assert str(tmp_path / "sklearn_home" / "mnist") in msg and "SKNETPHYS_DATA" in msg
    assert not any((tmp_path / "sklearn_home" / "mnist").iterdir())  # nothing half-written


def test_download_verifies_each_file(mnist, mnist_dir, tmp_path, monkeypatch):
    # Mirrors as file:// URLs: the first serves a damaged label file, the second the real one.
    bad = _folder(tmp_path / "bad_mirror", mnist_dir,
                  labels=("gz", gzip.compress(_idx((10000,)))))
    mirrors = (bad.as_uri() + "/", mnist_dir.as_uri() + "/")
    monkeypatch.setattr(_mnist, "_MIRRORS", mirrors)
    X, y = load_mnist(tmp_path / "home", subset="test", return_X_y=True)
    np.testing.assert_array_equal(X, mnist[2])
    np.testing.assert_array_equal(y, mnist[3])
    assert sorted(p.name for p in (tmp_path / "home" / "mnist").iterdir()) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]

    # only the damaged mirror: a clear error naming the checksum, and no file kept
    monkeypatch.setattr(_mnist, "_MIRRORS", mirrors[:1])
    with pytest.raises(FileNotFoundError, match="md5 checksum"):
        load_mnist(tmp_path / "home2", subset="test")
    assert [p.name for p in (tmp_path / "home2" / "mnist").iterdir()] == [
        "t10k-images-idx3-ubyte.gz"]


@pytest.mark.parametrize("files, match", [
    ({"images": _idx((10000,), magic_ndim=1)}, "magic number 00000801"),
    ({"images": b"\x00\x00\x08"}, "magic number"),
    ({"labels": _idx((9999,))}, r"shape \(9999,\)"),
    ({"labels": _idx((10000,))[:5000]}, "truncated or damaged"),
    ({"labels": _idx((10000,))}, "md5 checksum"),
    ({"labels": ("gz", b"not gzip at all")}, "not a gzip file"),
])
def test_damaged_files(mnist_dir, tmp_path, files, match):
    folder = _folder(tmp_path, mnist_dir, **files)
    with pytest.raises(OSError, match=match) as err:
        load_mnist(folder, subset="test")
    assert "-ubyte" in str(err.value)  # names the file


def test_truncated_gzip(mnist_dir, tmp_path):
    gz = (mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()
    folder = _folder(tmp_path, mnist_dir, labels=("gz", gz[: len(gz) // 2]))
    with pytest.raises(OSError, match="t10k-labels-idx1-ubyte.gz is truncated"):
        load_mnist(folder, subset="test")


def test_checksum_is_rechecked_when_the_file_changes(mnist_dir, tmp_path):
    labels = gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    folder = _folder(tmp_path, mnist_dir, labels=labels)
    _, y = load_mnist(folder, subset="test", return_X_y=True)
    path = folder / "t10k-labels-idx1-ubyte"
    damaged = bytearray(labels)
    damaged[-1] = (damaged[-1] + 1) % 10  # same size, one label changed
    path.write_bytes(bytes(damaged))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    with pytest.raises(OSError, match="md5 checksum"):
        load_mnist(folder, subset="test")


def test_bad_arguments(mnist_dir):
    with pytest.raises(ValueError, match="subset must be"):
        load_mnist(mnist_dir, subset="validation")
    with pytest.raises(ValueError, match="flatten=True"):
        load_mnist(mnist_dir, subset="test", as_frame=True, flatten=False)
