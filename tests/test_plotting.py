import subprocess
import sys
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsRegressor

from sknetphys import MLPClassifier, plotting
from sknetphys.datasets import make_function_image

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _images(fig):
    return [im for ax in fig.axes for im in ax.images]


def test_loss_curves_with_validation():
    a = SimpleNamespace(loss_curve_=[3.0, 2.0, 1.0], validation_loss_curve_=[3.5, 2.5, 2.2],
                        validation_scores_=[0.5, 0.6, 0.7])
    b = SimpleNamespace(loss_curve_=[4.0, 3.0], validation_loss_curve_=None,
                        validation_scores_=None)
    ax = plotting.plot_loss_curves({"sgd": a, "adam": b}, log=True)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["sgd training", "sgd validation",
                                                    "adam training"]
    np.testing.assert_array_equal(lines[0].get_xydata(), [[1, 3], [2, 2], [3, 1]])
    np.testing.assert_array_equal(lines[1].get_ydata(), [3.5, 2.5, 2.2])
    assert lines[1].get_color() == lines[0].get_color() and lines[1].get_linestyle() == "--"
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch"
    assert len(ax.get_legend().get_texts()) == 3

    ax = plotting.plot_loss_curves([a, b], validation="score")
    assert len(ax.get_lines()) == 2
    np.testing.assert_array_equal(ax.right_ax.get_lines()[0].get_ydata(), [0.5, 0.6, 0.7])
    assert ax.right_ax.get_ylabel() == "validation score"
    assert ax.get_legend().get_texts()[0].get_text() == "SimpleNamespace training"
    assert len(ax.get_legend().get_texts()) == 3
    with pytest.raises(ValueError, match="fit it first"):
        plotting.plot_loss_curves(MLPClassifier())
    with pytest.raises(ValueError, match="validation must be"):
        plotting.plot_loss_curves(a, validation="accuracy")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 4 epochs only
def test_loss_curves_of_a_fitted_network():
    X, y = load_digits(return_X_y=True)
    net = MLPClassifier((8,), max_iter=4, early_stopping=True, random_state=0, tol=0,
                        n_iter_no_change=100).fit(X[:300], y[:300])
    fig, ax = plt.subplots()
    assert plotting.plot_loss_curves(net, ax=ax) is ax
    train, val = ax.get_lines()
    np.testing.assert_array_equal(train.get_ydata(), net.loss_curve_)
    np.testing.assert_array_equal(val.get_ydata(), net.validation_loss_curve_)


def test_function_image_beside_its_target():
    X, y, grid = make_function_image(lambda x, y: np.sin(6 * x) * y, 2000, grid_size=30,
                                     return_grid=True, random_state=0)
    model = KNeighborsRegressor(5).fit(X, y)
    axes = plotting.plot_function_image(model, grid)
    assert len(axes) == 2 and [len(ax.images) for ax in axes] == [1, 1]
    target, learned = (ax.images[0].get_array() for ax in axes)
    np.testing.assert_array_equal(target, grid.target.reshape(30, 30))
    np.testing.assert_allclose(learned, model.predict(grid.data).reshape(30, 30))
    assert axes[0].images[0].get_clim() == axes[1].images[0].get_clim() == (
        grid.target.min(), grid.target.max())
    assert axes[0].images[0].get_extent() == [-0.5, 0.5, -0.5, 0.5]
    mse = np.mean((learned - target) ** 2)
    assert axes[1].get_title() == f"learned (MSE {mse:.3g})"
    # plain pictures, drawn into given axes
    _, given = plt.subplots(1, 2)
    axes = plotting.plot_function_image(np.zeros(4), np.ones((2, 2)), axes=given)
    assert list(axes) == list(given) and axes[1].get_title() == "learned (MSE 1)"
    with pytest.raises(ValueError, match="grid of make_function_image"):
        plotting.plot_function_image(model, np.ones((2, 2)))


def test_filters_as_a_grid():
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(3, 4, 2, 5))
    fig = plotting.plot_filters(SimpleNamespace(coefs_=[np.zeros((3, 3)), kernel]), layer=1)
    images = _images(fig)
    assert len(fig.axes) == 10 and len(images) == 10
    # row c holds input channel c, column f filter f
    np.testing.assert_array_equal(images[5 + 3].get_array(), kernel[:, :, 1, 3])
    limit = np.abs(kernel).max()
    assert all(im.get_clim() == (-limit, limit) for im in images)
    assert [ax.get_ylabel() for ax in fig.axes[::5]] == ["in 0", "in 1"]
    # one channel: a near-square grid, the spare axes hidden
    fig = plotting.plot_filters(kernel, channel=1)
    assert len(fig.axes) == 6 and len(_images(fig)) == 5
    np.testing.assert_array_equal(_images(fig)[4].get_array(), kernel[:, :, 1, 4])
    assert not fig.axes[5].axison
    with pytest.raises(ValueError, match="Conv2D"):
        plotting.plot_filters(kernel[0])


def test_reconstructions():
    X = load_digits().data
    pca = PCA(5).fit(X)
    fig = plotting.plot_reconstructions(X, pca, n_images=4)
    images = _images(fig)
    assert len(images) == 8
    np.testing.assert_array_equal(images[1].get_array(), X[1].reshape(8, 8))
    np.testing.assert_allclose(images[4 + 1].get_array(),
                               pca.inverse_transform(pca.transform(X[1:2])).reshape(8, 8))
    assert [ax.get_ylabel() for ax in fig.axes[::4]] == ["original", "reconstruction"]
    # with the noisy inputs between: the model reconstructs those
    noisy = X + 4.0
    fig = plotting.plot_reconstructions(X, pca, noisy=noisy, n_images=3)
    images = _images(fig)
    assert len(images) == 9
    np.testing.assert_array_equal(images[3].get_array(), noisy[0].reshape(8, 8))
    np.testing.assert_allclose(images[6].get_array(),
                               pca.inverse_transform(pca.transform(noisy[:1])).reshape(8, 8))
    # arrays, non-square rows
    fig = plotting.plot_reconstructions(X[:, :60], X[:, :60], n_images=2, image_shape=(6, 10))
    assert _images(fig)[0].get_array().shape == (6, 10)
    with pytest.raises(ValueError, match="image_shape"):
        plotting.plot_reconstructions(X[:, :60], X[:, :60])
    with pytest.raises(ValueError, match="differ in shape"):
        plotting.plot_reconstructions(X, X[:, :49])


def test_embedding_coloured_by_label():
    rng = np.random.default_rng(0)
    Y = rng.normal(size=(60, 2))
    labels = np.array(["a", "b", "c"])[np.arange(60) % 3]
    ax = plotting.plot_embedding(Y, labels)
    assert len(ax.collections) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    np.testing.assert_array_equal(ax.collections[1].get_offsets(), Y[1::3])
    # continuous labels: one collection on a colour scale, with a colour bar
    ax = plotting.plot_embedding(Y, np.linspace(1, 3.5, 60))
    assert len(ax.collections) == 1 and ax.get_legend() is None
    np.testing.assert_array_equal(ax.collections[0].get_array(), np.linspace(1, 3.5, 60))
    assert len(ax.figure.axes) == 2  # the colour bar's
    assert len(plotting.plot_embedding(Y).collections) == 1
    with pytest.raises(ValueError, match="n_samples, 2"):
        plotting.plot_embedding(rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="labels for"):
        plotting.plot_embedding(Y, labels[:10])


def test_layer_weights():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(36, 7))
    ax = plotting.plot_layer_weights(SimpleNamespace(coefs_=[W]))
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array(), W)
    assert image.get_clim() == (-np.abs(W).max(), np.abs(W).max())
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("unit", "input")
    fig = plotting.plot_layer_weights(W, image_shape=(6, 6), units=[2, 5])
    images = _images(fig)
    assert len(images) == 2
    np.testing.assert_array_equal(images[1].get_array(), W[:, 5].reshape(6, 6))
    assert len(_images(plotting.plot_layer_weights(rng.normal(size=(4, 100)),
                                                   image_shape=(2, 2)))) == 64
    with pytest.raises(ValueError, match="does not hold"):
        plotting.plot_layer_weights(W, image_shape=(5, 5))
    with pytest.raises(ValueError, match="dense layer"):
        plotting.plot_layer_weights(np.zeros((3, 3, 1, 2)))


def test_phase_probability_marks_both_critical_temperatures():
    T = np.repeat(np.linspace(1.5, 3.0, 7), 10)  # 1.5, 1.75, ..., 3.0
    p = np.clip(1.2 - (T - 1.5) * 0.6, 0, 1)  # mean 0.5 at T = 2.667
    fig, ax = plt.subplots()
    assert plotting.plot_phase_probability(T, p, ax=ax) is ax
    curve, half, estimated, onsager = ax.get_lines()
    np.testing.assert_allclose(curve.get_xydata(), np.c_[np.unique(T), np.clip(
        1.2 - (np.unique(T) - 1.5) * 0.6, 0, 1)])
    assert estimated.get_xdata()[0] == pytest.approx(1.5 + 0.7 / 0.6)
    assert onsager.get_xdata()[0] == pytest.approx(2 / np.log(1 + np.sqrt(2)))
    assert half.get_ydata()[0] == 0.5
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "P(ordered)", "estimated $T_c$ = 2.667", "Onsager $T_c$ = 2.269"]
    # never falling through 1/2: no estimate drawn
    ax = plotting.plot_phase_probability(T, np.full(T.shape, 0.9))
    assert len(ax.get_lines()) == 3 and "estimated" not in str(ax.get_legend().get_texts())


@pytest.mark.parametrize("call", [
    lambda: plotting.plot_loss_curves(SimpleNamespace(loss_curve_=[1.0])),
    lambda: plotting.plot_function_image(np.zeros((2, 2)), np.zeros((2, 2))),
    lambda: plotting.plot_filters(np.zeros((3, 3, 1, 2))),
    lambda: plotting.plot_reconstructions(np.zeros((2, 4)), np.zeros((2, 4))),
    lambda: plotting.plot_embedding(np.zeros((3, 2))),
    lambda: plotting.plot_layer_weights(np.zeros((4, 2))),
    lambda: plotting.plot_phase_probability([1.0, 3.0], [1.0, 0.0]),
])
def test_clear_error_without_matplotlib(call, monkeypatch):
    for name in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)  # "import matplotlib" now fails
    with pytest.raises(ImportError, match=r"pip install sknetphys\[plot\]"):
        call()


def test_importing_sknetphys_does_not_import_matplotlib():
    code = ("import sys, sknetphys, sknetphys.datasets, sknetphys.plotting; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
