import numpy as np
import pytest

from sknetphys.datasets import make_logic_table


@pytest.mark.parametrize("operation, gate", [("and", np.logical_and), ("or", np.logical_or),
                                             ("xor", np.logical_xor)])
def test_truth_tables(operation, gate):
    X, y = make_logic_table(operation)
    assert X.shape == (4, 2) and X.dtype == np.float64 and y.dtype == np.int64
    assert {tuple(row) for row in X} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    np.testing.assert_array_equal(y, gate(X[:, 0], X[:, 1]))


def test_unknown_operation():
    with pytest.raises(ValueError, match="one of"):
        make_logic_table("nand")
