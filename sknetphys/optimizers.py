"""Optimizers: parameter objects that update a network's flat parameter vector.

Examples
--------
>>> from sknetphys import MLPClassifier
>>> from sknetphys.optimizers import SGD
>>> clf = MLPClassifier(optimizer=SGD(learning_rate=0.1, momentum=0.9, nesterov=True))
>>> clf.get_params()["optimizer__momentum"]
0.9
"""

from ._core.optimizers import SGD, Adadelta, Adagrad, Adam, Optimizer, RMSprop

__all__ = ["Adadelta", "Adagrad", "Adam", "Optimizer", "RMSprop", "SGD"]
