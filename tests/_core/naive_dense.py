"""Slow, obviously correct numpy references for the dense-network kernels."""

import numpy as np


def act(name, z):
    return {
        "identity": lambda z: z,
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
        "softplus": lambda z: np.log1p(np.exp(z)),
        "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
    }[name](z)


def squared_loss(z, t):
    return 0.5 * np.sum((z - t) ** 2) / len(z)


def poisson_loss(z, t):
    """Half Poisson deviance of y = exp(z): sum(t log(t / y) - t + y) / n, t log t = 0 at t = 0."""
    y = np.exp(z)
    t_log_t = np.where(t > 0, t * np.log(np.where(t > 0, t, 1.0)), 0.0)
    return np.sum(t_log_t - t * z - t + y) / len(z)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_xent_loss(z, t):
    return -np.sum(t * np.log(softmax(z))) / len(z)


def sigmoid_bce_loss(z, t):
    p = 1 / (1 + np.exp(-z))
    return -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p)) / len(z)


def sigmoid_squared_loss(z, t):
    return squared_loss(1 / (1 + np.exp(-z)), t)


def softmax_squared_loss(z, t):
    return squared_loss(softmax(z), t)
