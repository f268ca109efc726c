"""Truth tables of the logic gates a single neuron (AND, OR) or two layers (XOR) compute."""

import numpy as np

_TABLES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0]}


def make_logic_table(operation):
    """The truth table of a two-input logic gate.

    The lecture's first hand-built networks: one neuron computes AND or OR, XOR needs a
    hidden layer.

    Parameters
    ----------
    operation : {"and", "or", "xor"}

    Returns
    -------
    X : ndarray of shape (4, 2), float64
        The inputs ``(0, 0), (0, 1), (1, 0), (1, 1)``.
    y : ndarray of shape (4,), int64
        The gate's output for each.

    Examples
    --------
    >>> from sknetphys.datasets import make_logic_table
    >>> X, y = make_logic_table("xor")
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    if operation not in _TABLES:
        raise ValueError(f"operation must be one of {sorted(_TABLES)}, got {operation!r}.")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    return X, np.array(_TABLES[operation], dtype=np.int64)
