import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from sknetphys.datasets import make_circle_images, make_function_image


def test_function_samples_the_formula_on_the_square():
    def f(x, y):
        return np.sin(3 * x) * y

    X, y = make_function_image(f, 2000, bounds=(-1.0, 2.0), random_state=0)
    assert X.shape == (2000, 2) and y.shape == (2000,)
    assert X.min() >= -1 and X.max() <= 2 and X.min() < -0.99 and X.max() > 1.99
    np.testing.assert_array_equal(y, f(X[:, 0], X[:, 1]))
    X2, _ = make_function_image(f, 2000, bounds=(-1.0, 2.0), random_state=0)
    np.testing.assert_array_equal(X, X2)
    assert not np.array_equal(make_function_image(f, 2000, random_state=1)[0], X)


def test_function_grid_is_drawn_top_down_at_pixel_centres():
    _, _, grid = make_function_image(lambda x, y: x + 10 * y, 10, grid_size=(2, 4),
                                     return_grid=True, random_state=0)
    assert grid.shape == (2, 4) and grid.extent == (-0.5, 0.5, -0.5, 0.5)
    np.testing.assert_allclose(grid.data[:4], [[-0.375, 0.25], [-0.125, 0.25],
                                               [0.125, 0.25], [0.375, 0.25]])
    np.testing.assert_allclose(grid.data[4:, 1], -0.25)
    np.testing.assert_allclose(grid.target, grid.data[:, 0] + 10 * grid.data[:, 1])
    _, _, grid = make_function_image(np.hypot, 10, return_grid=True)
    assert grid.shape == (100, 100) and grid.data.shape == (10000, 2)


def test_image_lookup_is_bilinear():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(7, 5))
    X, y = make_function_image(image, 3000, bounds=(0.0, 1.0), random_state=0)
    # fractional pixel positions: row 0 at the top (y = 1), column 0 on the left (x = 0)
    rows, cols = (1 - X[:, 1]) * 7 - 0.5, X[:, 0] * 5 - 0.5
    expected = map_coordinates(image, [rows, cols], order=1, mode="nearest")
    np.testing.assert_allclose(y, expected, atol=1e-12)
    # the default grid is the picture's own pixels, so its target is the picture
    _, _, grid = make_function_image(image, 1, return_grid=True)
    np.testing.assert_allclose(grid.target.reshape(grid.shape), image, atol=1e-12)
    # a one-pixel-high picture is constant along y
    _, y = make_function_image(image[:1], 50, random_state=0)
    X, _ = make_function_image(image[:1], 50, random_state=0)
    np.testing.assert_allclose(y, map_coordinates(image[:1], [np.zeros(50), (X[:, 0] + 0.5) * 5
                                                              - 0.5], order=1, mode="nearest"))


@pytest.mark.parametrize("args, kwargs, match", [
    ((np.zeros((4, 4, 3)),), {}, "image.mean"),
    ((np.full((2, 2), np.nan),), {}, "finite"),
    ((lambda x, y: 1.0,), {}, "elementwise"),
    ((np.hypot,), {"bounds": (1, 1)}, "low < high"),
    ((np.hypot, 0), {}, "n_samples"),
    ((np.hypot,), {"grid_size": (3, 0)}, "grid_size"),
])
def test_function_image_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_function_image(*args, **kwargs)


def test_circles_match_their_parameters():
    X, centers, radii = make_circle_images(500, 20, radius=(2.5, 5), random_state=0,
                                           return_params=True)
    assert X.shape == (500, 400) and X.dtype == np.float32
    assert radii.min() >= 2.5 and radii.max() <= 5 and np.ptp(radii) > 2
    # the disc lies inside the image
    assert np.all(centers - radii[:, None] >= -0.5) and np.all(centers + radii[:, None] <= 19.5)
    images = X.reshape(500, 20, 20)
    rows, cols = np.indices((20, 20))
    dist = np.hypot(rows - centers[:, :1, None], cols - centers[:, 1:, None])
    inside, outside = dist < radii[:, None, None] - 0.5, dist > radii[:, None, None] + 0.5
    assert np.all(images[inside] == 1) and np.all(images[outside] == 0)
    rim = ~inside & ~outside
    assert np.all((images[rim] >= 0) & (images[rim] <= 1)) and images[rim].std() > 0.2
    # anti-aliased: the pixels sum to the disc's area, and their centroid is its centre
    np.testing.assert_allclose(X.sum(axis=1), np.pi * radii**2, rtol=0.025)
    centroid = np.stack([(images * rows).sum((1, 2)), (images * cols).sum((1, 2))], 1)
    np.testing.assert_allclose(centroid / X.sum(axis=1)[:, None], centers, atol=0.05)


def test_circle_noise_and_random_state():
    clean = make_circle_images(200, random_state=3)
    noisy = make_circle_images(200, noise=0.2, random_state=3)
    assert noisy.min() == 0 and noisy.max() == 1
    # the same circles; noise of the given size where clipping does not hide it
    middle = (noisy > 0) & (noisy < 1)
    assert abs((noisy - clean)[middle & (clean == 0.0)].mean()) > 0.05  # clipped: one-sided
    diff = (noisy - clean)[(clean > 0.3) & (clean < 0.7) & middle]
    assert diff.size > 100 and 0.12 < diff.std() < 0.2
    np.testing.assert_array_equal(make_circle_images(200, random_state=3), clean)
    assert not np.array_equal(make_circle_images(200, random_state=4), clean)
    _, _, radii = make_circle_images(5, radius=2, return_params=True, random_state=0)
    assert radii.tolist() == [2] * 5


@pytest.mark.parametrize("kwargs, match", [
    ({"radius": (4, 3)}, "radius"), ({"radius": 15}, "radius"), ({"radius": 0}, "radius"),
    ({"noise": -0.1}, "noise"), ({"n_samples": 0}, "n_samples"), ({"size": 0}, "size"),
])
def test_circle_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_circle_images(**kwargs)
