"""Lecture: the optimizers side by side on the same network and data.

Trains the same 64-100-10 network on scikit-learn's 8x8 digits, from the same initial
weights and with the same batches, with plain SGD, SGD with Nesterov momentum, Adagrad,
RMSprop, Adadelta and Adam, and plots the training loss per epoch. Look for: plain SGD is
the slowest. With these step sizes Nesterov momentum, Adagrad and Adadelta fall fastest,
RMSprop and Adam (at their usual 1e-3) in between: a step size per weight, from the running
size of its gradients, spares the search for a good global learning rate, not always the
epochs. The held-out accuracies end within about 1%: on an easy task the optimizer decides
how fast, not how well.

Writes ``compare_optimizers.png``.

    python examples/08_compare_optimizers.py [--quick] [--out DIR]
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sknetphys import MLPClassifier  # noqa: E402
from sknetphys.optimizers import SGD, Adadelta, Adagrad, Adam, RMSprop  # noqa: E402
from sknetphys.plotting import plot_loss_curves  # noqa: E402

OPTIMIZERS = {
    "SGD": SGD(learning_rate=0.05),
    "SGD + Nesterov": SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "Adagrad": Adagrad(learning_rate=0.05),
    "RMSprop": RMSprop(learning_rate=1e-3),
    "Adadelta": Adadelta(),
    "Adam": Adam(learning_rate=1e-3),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Optimizers compared on one task.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else 30

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.25,
                                                        random_state=0)
    nets, results = {}, {}
    for name, optimizer in OPTIMIZERS.items():
        # tol=0: every net runs all epochs, so the curves are comparable to the end
        net = MLPClassifier((100,), batch_size=32, max_iter=epochs, optimizer=optimizer,
                            random_state=0, tol=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            nets[name] = net.fit(X_train, y_train)
        results[name] = {"loss_curve": net.loss_curve_, "test_accuracy": net.score(X_test, y_test)}
        print(f"{name:<16s} final training loss {net.loss_curve_[-1]:.4f}  test accuracy "
              f"{results[name]['test_accuracy']:.3f}")
    ax = plot_loss_curves(nets, log=True)
    ax.set_title(f"64-100-10 on the digits, batch 32, {epochs} epochs")
    ax.figure.tight_layout()
    ax.figure.savefig(args.out / "compare_optimizers.png", dpi=80)
    plt.close(ax.figure)
    print(f"wrote compare_optimizers.png into {args.out}")
    return results


if __name__ == "__main__":
    main()
