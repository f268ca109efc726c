"""Layer specs: sklearn-style parameter objects that the estimators build into networks.

Examples
--------
>>> from sknetphys.layers import Dense, Dropout
>>> [Dense(64, activation="tanh"), Dropout(0.2)]
[Dense(activation='tanh', units=64), Dropout(rate=0.2)]
"""

from ._core import layers as _layers
from ._core.layers import LayerSpec

__all__ = sorted(
    name for name in _layers.__all__
    if isinstance(getattr(_layers, name), type) and issubclass(getattr(_layers, name), LayerSpec)
    and name != "LayerSpec"
)
globals().update({name: getattr(_layers, name) for name in __all__})
