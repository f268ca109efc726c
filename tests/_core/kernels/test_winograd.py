"""Winograd's minimal filtering F(2, r), the transforms the conv layer builds on."""

import numpy as np
import pytest

from sknetphys._core.kernels.winograd import minimal_filtering


@pytest.mark.parametrize("r", [3, 5])
def test_minimal_filtering_computes_the_correlation(r):
    rng = np.random.default_rng(r)
    AT, G, BT = minimal_filtering(r)
    assert AT.shape == (2, r + 1) and G.shape == (r + 1, r) and BT.shape == (r + 1, r + 1)
    for _ in range(5):
        g, d = rng.standard_normal(r), rng.standard_normal(r + 1)
        ref = [g @ d[i : i + r] for i in range(2)]
        np.testing.assert_allclose(AT @ ((G @ g) * (BT @ d)), ref, rtol=1e-12, atol=1e-12)


def test_minimal_filtering_has_no_points_for_long_kernels():
    with pytest.raises(ValueError, match="no interpolation points"):
        minimal_filtering(11)
