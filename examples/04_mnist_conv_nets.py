"""Lecture: convolutional networks on MNIST.

Four experiments of the lecture, each on the 28x28 handwritten digits:

1. The simple net: 7 filters of 5x5 pixels, 4x4 average pooling, a softmax layer, trained by
   plain SGD with the lecture's learning rate 1.0. Look for: 10,000 images already give
   about 90% test accuracy, two passes over all 60,000 about 97.5%.
2. The two-stage net (16 and 32 filters, max pooling, a dense layer of 128): with the same
   SGD it "does not learn at all" (the accuracy stays at chance, 10%, and the loss at
   ln 10 = 2.30), while Adam trains it to about 98.5% in two epochs.
3. The learned filters of both nets (first layer): edge and stroke detectors.
4. Data augmentation: the two-stage net trained for 30 epochs on only 1,000 digits, with
   and without a random shift (up to 2 pixels) and rotation (up to 10 degrees) of every
   training image in every epoch. Look for: without, the test accuracy stalls at about
   93-94% once the net knows its 1,000 images; with, it climbs on to about 96%.

Writes ``mnist_conv_training.png`` (test accuracy against training images seen, and the
augmentation curves) and ``mnist_conv_filters.png``.

    python examples/04_mnist_conv_nets.py [--quick] [--out DIR]
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sknetphys import (  # noqa: E402
    SGD,
    Adam,
    AvgPool2D,
    Conv2D,
    ConvClassifier,
    Dense,
    Flatten,
    MaxPool2D,
)
from sknetphys.datasets import load_mnist  # noqa: E402
from sknetphys.plotting import plot_filters  # noqa: E402

CLASSES = np.arange(10)


def simple_net():
    return [Conv2D(7, 5, padding="same"), AvgPool2D(4), Flatten()]


def two_stage_net():
    return [Conv2D(16, 5, padding="same"), MaxPool2D(2), Conv2D(32, 5, padding="same"),
            MaxPool2D(2), Flatten(), Dense(128)]


def train(clf, X, y, X_test, y_test, epochs, chunk):
    """``partial_fit`` on ``chunk`` images at a time (reshuffled every epoch); the test
    accuracy after each chunk."""
    rng = np.random.default_rng(0)
    accuracy = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), chunk):
            part = order[start:start + chunk]
            clf.partial_fit(X[part], y[part], classes=CLASSES)
            accuracy.append(clf.score(X_test, y_test))
    return accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(description="MNIST with convolutional networks.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    # quick: 3,000 training images, 2,000 test images; default: all 60,000 and 10,000
    n_train, n_test, epochs, chunk, n_small, small_epochs = (
        (3000, 2000, 1, 1000, 300, 3) if args.quick else (60000, 10000, 2, 10000, 1000, 30))

    X, y = load_mnist(return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    X, y, X_test, y_test = X[:n_train], y[:n_train], X_test[:n_test], y_test[:n_test]
    X_curve, y_curve = X_test[:1000], y_test[:1000]  # for the curves, a cheaper 1,000

    nets = {
        "simple net, SGD 1.0": ConvClassifier(simple_net(), optimizer=SGD(learning_rate=1.0),
                                              batch_size=100, random_state=0),
        "two-stage net, SGD 1.0": ConvClassifier(two_stage_net(),
                                                 optimizer=SGD(learning_rate=1.0),
                                                 batch_size=100, random_state=0),
        "two-stage net, Adam": ConvClassifier(two_stage_net(), optimizer=Adam(),
                                              batch_size=100, random_state=0),
    }
    curves, results = {}, {}
    for name, clf in nets.items():
        curves[name] = train(clf, X, y, X_curve, y_curve, epochs, chunk)
        results[name] = clf.score(X_test, y_test)
        print(f"{name:<24s} test accuracy {results[name]:.4f}  (final training loss "
              f"{clf.loss_curve_[-1]:.3f})")

    # augmentation pays where data is scarce: a small training set, many epochs
    small = {}
    for augment in (False, True):
        clf = ConvClassifier(two_stage_net(), augment=augment, batch_size=50, random_state=0)
        small[augment] = train(clf, X[:n_small], y[:n_small], X_curve, y_curve,
                               small_epochs, n_small)
        label = "with" if augment else "without"
        results[f"augmentation {augment}"] = clf.score(X_test, y_test)
        print(f"{n_small} training images, {label} augmentation: test accuracy "
              f"{results[f'augmentation {augment}']:.4f}")

    fig, (ax, ax_small) = plt.subplots(1, 2, figsize=(10, 4))
    for name, curve in curves.items():
        ax.plot(chunk * np.arange(1, len(curve) + 1), curve, "o-", ms=3, label=name)
    ax.set_xlabel("training images seen")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.legend()
    for augment, curve in small.items():
        ax_small.plot(np.arange(1, len(curve) + 1), curve,
                      label="shifted and rotated" if augment else "as they are")
    ax_small.set_xlabel(f"epoch (over {n_small} training images)")
    ax_small.set_ylabel("test accuracy")
    ax_small.set_title("two-stage net, Adam: augmentation")
    ax_small.legend()
    fig.tight_layout()
    fig.savefig(args.out / "mnist_conv_training.png", dpi=80)
    plt.close(fig)

    fig = plt.figure(figsize=(9, 4))
    left, right = fig.subfigures(1, 2, width_ratios=(3, 4))
    plot_filters(nets["simple net, SGD 1.0"], fig=left)
    left.suptitle("simple net (SGD)")
    plot_filters(nets["two-stage net, Adam"], fig=right)
    right.suptitle("two-stage net, first layer (Adam)")
    fig.savefig(args.out / "mnist_conv_filters.png", dpi=80)
    plt.close(fig)
    print(f"wrote mnist_conv_training.png and mnist_conv_filters.png into {args.out}")
    return {
        "simple_sgd_accuracy": results["simple net, SGD 1.0"],
        "two_stage_sgd_accuracy": results["two-stage net, SGD 1.0"],
        "two_stage_adam_accuracy": results["two-stage net, Adam"],
        "small_set_accuracy": results["augmentation False"],
        "small_set_augmented_accuracy": results["augmentation True"],
    }


if __name__ == "__main__":
    main()
