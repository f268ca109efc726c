"""Lecture 5: the optimizers side by side on the same network and data.

Trains the same 64-100-10 network on the digits with SGD, SGD + Nesterov momentum, Adagrad,
RMSprop, Adadelta and Adam, and plots the training loss per epoch. Writes
``compare_optimizers.png`` when matplotlib is installed.

    python examples/compare_optimizers.py
"""

import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknetphys import MLPClassifier
from sknetphys.optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop

OPTIMIZERS = {
    "SGD": SGD(learning_rate=0.05),
    "SGD + Nesterov": SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "Adagrad": Adagrad(learning_rate=0.05),
    "RMSprop": RMSprop(learning_rate=1e-3),
    "Adadelta": Adadelta(),
    "Adam": Adam(learning_rate=1e-3),
}


def main(epochs=30):
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    curves = {}
    for name, opt in OPTIMIZERS.items():
        clf = MLPClassifier((100,), batch_size=32, max_iter=epochs, optimizer=opt, random_state=0,
                            tol=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        curves[name] = clf.loss_curve_
        print(f"{name:<16s} final loss {clf.loss_curve_[-1]:.4f}  accuracy {clf.score(X, y):.3f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return curves
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, curve in curves.items():
        ax.semilogy(range(1, len(curve) + 1), curve, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig("compare_optimizers.png", dpi=100)
    print("wrote compare_optimizers.png")
    return curves


if __name__ == "__main__":
    main()
