"""Input corruption for denoising autoencoders (training only): replacement noise."""

from numba import njit


@njit(cache=True, error_model="numpy", nogil=True)
def replace_noise(x, u, rate, low, high, y):
    """Flat arrays: ``y[i] = low`` where ``u[i] < rate / 2``, ``high`` where
    ``rate / 2 <= u[i] < rate``, else ``x[i]``; ``u`` holds uniform draws in [0, 1).
    Masking noise is ``low = high = 0``; salt-and-pepper noise the data's minimum and
    maximum."""
    half = 0.5 * rate
    for i in range(x.size):
        v = u[i]
        y[i] = low if v < half else (high if v < rate else x[i])


@njit(cache=True, error_model="numpy", nogil=True)
def replace_noise_backward(dy, u, rate, dx):
    """The gradient passes where the input was kept, and is zero where it was replaced."""
    for i in range(dy.size):
        dx[i] = dy[i] if u[i] >= rate else 0.0
