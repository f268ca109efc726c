"""Inverted dropout: keep a unit with probability 1 - rate and scale it by 1 / (1 - rate)."""

from numba import njit


@njit(cache=True, nogil=True)
def dropout_forward(x, u, rate, y):
    """``y = x * (u >= rate) / (1 - rate)``; ``u`` holds uniform draws in [0, 1). Flat arrays."""
    scale = 1.0 / (1.0 - rate)
    for i in range(x.size):
        y[i] = x[i] * scale if u[i] >= rate else 0.0


@njit(cache=True, nogil=True)
def dropout_backward(dy, u, rate, dx):
    """The same mask applied to the gradient."""
    scale = 1.0 / (1.0 - rate)
    for i in range(dy.size):
        dx[i] = dy[i] * scale if u[i] >= rate else 0.0
