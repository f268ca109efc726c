"""Image datasets generated on the fly: samples of a 2-D function, and random circles."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state


def _bilinear(image, rows, cols):
    """``image`` at fractional pixel positions (pixel centres at integers), edges clamped."""
    h, w = image.shape
    rows, cols = np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)
    r0 = np.minimum(rows.astype(np.intp), max(h - 2, 0))
    c0 = np.minimum(cols.astype(np.intp), max(w - 2, 0))
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    fr, fc = rows - r0, cols - c0
    top = image[r0, c0] * (1 - fc) + image[r0, c1] * fc
    bottom = image[r1, c0] * (1 - fc) + image[r1, c1] * fc
    return top * (1 - fr) + bottom * fr


def make_function_image(func_or_image, n_samples=1000, *, bounds=(-0.5, 0.5), grid_size=None,
                        return_grid=False, random_state=None):
    """Random points of a square and a function's values there: "learn a 2-D function".

    The lecture's task of a network drawing a picture: it sees points ``(x, y)`` drawn
    uniformly from the square ``[low, high]^2`` and the target ``f(x, y)`` at each, and learns
    ``f``. The function is a formula or a picture: a 2-D array spanning the square (row 0 at
    the top, ``y = high``; its pixels' centres on a regular grid, as ``imshow`` draws it),
    looked up by bilinear interpolation between pixel centres (the border pixels extend to the
    edges).

    Parameters
    ----------
    func_or_image : callable or array-like of shape (height, width)
        ``f(x, y)`` taking and returning arrays of equal shape (numpy ufuncs do), or a grey
        image (e.g. ``plt.imread(path).mean(axis=2)`` for a colour picture).
    n_samples : int, default=1000
        Number of random points.
    bounds : (float, float), default=(-0.5, 0.5)
        ``(low, high)``: the square is ``[low, high] x [low, high]``.
    grid_size : int or (int, int), default=None
        Points per side (or ``(rows, columns)``) of the drawing grid: by default the image's
        shape, so the grid's target is the image itself, or 100 x 100 for a formula.
    return_grid : bool, default=False
        Also return the grid on which to draw the learned picture.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
        The points ``(x, y)``.
    y : ndarray of shape (n_samples,), float64
        The function's value at each point.
    grid : Bunch, only if ``return_grid``
        ``data`` : ndarray (rows * columns, 2), the grid's points, row by row from the top
        (``y`` falling) and left to right in each row (``x`` rising), at the centres of the
        picture's pixels; ``target`` : ndarray (rows * columns,), the function there;
        ``shape`` : (rows, columns); ``extent`` : (low, high, low, high). So
        ``plt.imshow(model.predict(grid.data).reshape(grid.shape), extent=grid.extent)``
        draws the learned picture upright, as :func:`sknetphys.plotting.plot_function_image`
        does beside ``grid.target``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetphys.datasets import make_function_image
    >>> X, y, grid = make_function_image(lambda x, y: np.exp(-5 * (x**2 + y**2)), 500,
    ...                                  return_grid=True, random_state=0)
    >>> X.shape, y.shape, grid.data.shape, grid.shape
    ((500, 2), (500,), (10000, 2), (100, 100))
    >>> image = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> X, y, grid = make_function_image(image, 5, return_grid=True, random_state=0)
    >>> grid.target.reshape(grid.shape).tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    if not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}.")
    low, high = (float(b) for b in bounds)
    if not low < high:
        raise ValueError(f"bounds must be (low, high) with low < high, got {bounds!r}.")
    if callable(func_or_image):
        image = None
        default_shape = (100, 100)
    else:
        image = np.asarray(func_or_image, dtype=np.float64)
        if image.ndim != 2 or image.size == 0 or not np.all(np.isfinite(image)):
            raise ValueError("func_or_image must be a callable f(x, y) or a non-empty, finite "
                             f"2-D array (a grey image), got shape {image.shape}; for a colour "
                             "picture average its channels: image.mean(axis=2).")
        default_shape = image.shape
    shape = default_shape if grid_size is None else (
        (grid_size, grid_size) if isinstance(grid_size, Integral) else tuple(grid_size))
    if len(shape) != 2 or not all(isinstance(n, Integral) and n >= 1 for n in shape):
        raise ValueError(f"grid_size must be an integer >= 1 or a pair of them, got {grid_size!r}.")

    def evaluate(points):
        x, y = points[:, 0], points[:, 1]
        if image is None:
            values = np.asarray(func_or_image(x, y), dtype=np.float64)
            if values.shape != x.shape:
                raise ValueError(f"func_or_image(x, y) returned shape {values.shape} for "
                                 f"inputs of shape {x.shape}: it must work elementwise.")
            return values
        h, w = image.shape
        rows = (high - y) / (high - low) * h - 0.5
        cols = (x - low) / (high - low) * w - 0.5
        return _bilinear(image, rows, cols)

    X = check_random_state(random_state).uniform(low, high, size=(n_samples, 2))
    y = evaluate(X)
    if not return_grid:
        return X, y
    rows, cols = shape
    gx = low + (np.arange(cols) + 0.5) * (high - low) / cols
    gy = high - (np.arange(rows) + 0.5) * (high - low) / rows
    points = np.column_stack([np.tile(gx, rows), np.repeat(gy, cols)])
    grid = Bunch(data=points, target=evaluate(points), shape=(rows, cols),
                 extent=(low, high, low, high))
    return X, y, grid


def make_circle_images(n_samples=1000, size=28, radius=(3, 6), noise=0.0,
                       random_state=None, *, return_params=False):
    """Images of one filled circle each, at random places and of random radii.

    The lecture's algorithmically generated images for autoencoders. Each circle lies wholly
    inside its image; its edge is anti-aliased: a pixel's value is its centre's distance
    inside the rim plus 1/2, clipped to [0, 1] (so the pixel values sum to about the disc's
    area).

    Parameters
    ----------
    n_samples : int, default=1000
    size : int, default=28
        Images are ``size x size`` pixels.
    radius : float or (float, float), default=(3, 6)
        Radii in pixels, uniform in ``(min, max)``, or all equal; ``2 * max <= size``.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to each pixel, then clipped to [0, 1].
    random_state : int, RandomState instance or None, default=None
        The circles depend on it only, not on ``noise``.
    return_params : bool, default=False
        Also return the centres and radii.

    Returns
    -------
    X : ndarray of shape (n_samples, size * size), float32
        Images flattened row by row, values in [0, 1].
    centers : ndarray of shape (n_samples, 2), float64, only if ``return_params``
        ``(row, column)`` of each centre, in pixel units (pixel ``(i, j)`` centred at
        ``(i, j)``).
    radii : ndarray of shape (n_samples,), float64, only if ``return_params``

    Examples
    --------
    >>> from sknetphys.datasets import make_circle_images
    >>> X, centers, radii = make_circle_images(3, radius=4.0, random_state=0,
    ...                                        return_params=True)
    >>> X.shape, X.dtype.name, radii.tolist()
    ((3, 784), 'float32', [4.0, 4.0, 4.0])
    >>> round(float(X[0].sum()))  # about pi * 4**2 = 50.3
    50
    """
    if not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}.")
    if not isinstance(size, Integral) or size < 1:
        raise ValueError(f"size must be an integer >= 1, got {size!r}.")
    r_min, r_max = (radius, radius) if isinstance(radius, Real) else radius
    if not 0 < r_min <= r_max or 2 * r_max > size:
        raise ValueError(f"radius must be > 0, (min, max) with min <= max, and at most size/2 "
                         f"= {size / 2}, got {radius!r}.")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}.")
    rng = check_random_state(random_state)
    radii = rng.uniform(r_min, r_max, n_samples)
    # centres such that the disc stays inside the image, whose edges are at -1/2, size - 1/2
    centers = rng.uniform(radii[:, None] - 0.5, size - 0.5 - radii[:, None], (n_samples, 2))
    X = np.empty((n_samples, size, size), np.float32)
    pixels = np.arange(size, dtype=np.float32)
    for start in range(0, n_samples, 4096):  # bounded temporaries for many images
        part = slice(start, start + 4096)
        c = centers[part].astype(np.float32)
        dist = np.hypot(pixels[None, :, None] - c[:, 0, None, None],
                        pixels[None, None, :] - c[:, 1, None, None])
        np.clip(radii[part, None, None].astype(np.float32) - dist + 0.5, 0, 1, out=X[part])
    X = X.reshape(n_samples, size * size)
    if noise > 0:
        X += rng.normal(0, noise, X.shape).astype(np.float32)
        np.clip(X, 0, 1, out=X)
    return (X, centers, radii) if return_params else X
