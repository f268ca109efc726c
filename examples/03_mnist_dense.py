"""Lecture: handwritten digits with dense networks: cost functions, overfitting, dropout,
and digits the network has never seen the like of.

1. Softmax with cross-entropy against the quadratic cost: the same 784-30-10 sigmoid net
   and the same SGD steps (learning rate 0.01), once with each cost (``loss="log_loss"``
   or ``"squared_error"``). Look for: cross-entropy learns much faster (about 89% against
   58% validation accuracy after the first epoch); the quadratic cost's gradient carries
   the softmax's slope, which vanishes where an output is confidently wrong.
2. Training, validation and test data: a 784-300-10 net on only 1,000 training images for
   60 epochs, a separate validation set of 250 watched after every epoch. Look for: the
   training loss falls on and on, the validation loss turns up after a few epochs and ends
   far above its minimum: overfitting (the net grows ever more confident, also where it is
   wrong). Early stopping takes the weights of the best validation epoch; the estimator
   does it itself with ``early_stopping=True`` (a held-out validation fraction, training
   stops after ``n_iter_no_change`` epochs without improvement, the best weights kept).
3. Dropout: the same net with half the hidden neurons dropped at random in every step.
   Look for: a lower validation minimum, later, and about 1% more test accuracy.
4. Noisy and occluded digits: a net trained on clean digits is fragile: Gaussian noise of
   0.3 on the test digits costs it about a quarter of its accuracy, a blacked-out 10x10
   square a fifth. The same net trained on clean plus corrupted copies of the training
   digits keeps about 95% on both.

The test images (10,000) are never used to choose anything. Writes
``mnist_dense_costs.png``, ``mnist_dense_overfitting.png`` and ``mnist_dense_noisy.png``.

    python examples/03_mnist_dense.py [--quick] [--out DIR]
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import log_loss  # noqa: E402

from sknetphys import MLPClassifier  # noqa: E402
from sknetphys.datasets import load_mnist  # noqa: E402


def occlude(X, size, rng):
    """A random ``size`` x ``size`` square of each 28x28 image set to black."""
    images = X.reshape(-1, 28, 28).copy()
    rows, cols = rng.integers(0, 28 - size + 1, size=(2, len(X)))
    for image, r, c in zip(images, rows, cols):
        image[r:r + size, c:c + size] = 0
    return images.reshape(len(X), -1)


def main(argv=None):
    parser = argparse.ArgumentParser(description="MNIST with dense networks.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    with warnings.catch_warnings():  # fixed epoch counts, on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        return experiments(args)


def experiments(args):
    n_costs, cost_epochs, n_small, small_epochs, n_full, full_epochs, n_test = (
        (2000, 2, 300, 15, 5000, 5, 2000) if args.quick
        else (10000, 10, 1000, 60, 60000, 15, 10000))

    X, y = load_mnist(return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    X_test, y_test = X_test[:n_test], y_test[:n_test]
    results = {}

    # 1. cross-entropy against the quadratic cost: same net, same SGD, same batches
    fig, ax = plt.subplots(figsize=(6, 4))
    for loss, label in (("log_loss", "softmax + cross-entropy"),
                        ("squared_error", "softmax + quadratic cost")):
        net = MLPClassifier((30,), activation="sigmoid", loss=loss, solver="sgd",
                            learning_rate_init=0.01, batch_size=10, max_iter=cost_epochs,
                            early_stopping=True, validation_fraction=0.2,
                            n_iter_no_change=cost_epochs, random_state=0, tol=0)
        net.fit(X[:n_costs], y[:n_costs])
        results[f"{loss}_accuracy"] = net.score(X_test, y_test)
        results[f"{loss}_validation"] = net.validation_scores_
        ax.plot(np.arange(1, cost_epochs + 1), net.validation_scores_, "o-", label=label)
        print(f"{label:<26s} validation accuracy per epoch "
              f"{np.round(net.validation_scores_, 3)}; test {results[f'{loss}_accuracy']:.4f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.set_title(f"784-30-10 sigmoid net, SGD 0.01, {n_costs} images")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "mnist_dense_costs.png", dpi=80)
    plt.close(fig)

    # 2.-3. training / validation / test: overfitting, early stopping, dropout
    X_train, y_train = X[:n_small], y[:n_small]
    X_val, y_val = X[n_small:n_small + n_small // 4], y[n_small:n_small + n_small // 4]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for (label, dropout), color in zip((("no dropout", 0.0), ("dropout 0.5", 0.5)), ("C0", "C1")):
        net = MLPClassifier((300,), dropout=dropout, batch_size=20, random_state=0)
        valid, test = [], []
        for _ in range(small_epochs):  # one epoch per call, watching the validation set
            net.partial_fit(X_train, y_train, classes=np.arange(10))
            valid.append(log_loss(y_val, net.predict_proba(X_val), labels=np.arange(10)))
            test.append(net.score(X_test, y_test))
        best = int(np.argmin(valid))
        results[f"{label} best_epoch"] = best + 1
        results[f"{label} validation_rise"] = valid[-1] / valid[best]
        results[f"{label} test_accuracy_best"] = test[best]
        results[f"{label} test_accuracy_last"] = test[-1]
        print(f"{label:<12s} validation loss lowest at epoch {best + 1} ({valid[best]:.3f}), "
              f"after {small_epochs} {valid[-1]:.3f}; test accuracy there {test[best]:.4f}, "
              f"at the end {test[-1]:.4f}")
        epochs = np.arange(1, small_epochs + 1)
        ax.semilogy(epochs, net.loss_curve_, color=color, label=f"{label}: training")
        ax.semilogy(epochs, valid, "--", color=color, label=f"{label}: validation")
        ax.plot(best + 1, valid[best], "o", color=color)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_title(f"784-300-10 on {n_small} images, validated on {len(X_val)}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "mnist_dense_overfitting.png", dpi=80)
    plt.close(fig)
    # the estimator does it itself: hold out a validation fraction, stop when its score
    # stops improving, and keep the best epoch's weights
    net = MLPClassifier((300,), batch_size=20, max_iter=small_epochs, early_stopping=True,
                        validation_fraction=0.2, random_state=0)
    net.fit(X[:n_small + n_small // 4], y[:n_small + n_small // 4])
    results["early_stopping epochs"] = net.n_iter_
    results["early_stopping test_accuracy"] = net.score(X_test, y_test)
    print(f"early_stopping=True: stopped after {net.n_iter_} epochs, test accuracy "
          f"{results['early_stopping test_accuracy']:.4f}")

    # 4. noisy and occluded test digits, for a net trained on clean ones and one trained on
    # corrupted copies of the same images (noise or a blacked-out square, one each)
    rng = np.random.default_rng(0)

    def corrupt(images):
        return {"clean": images,
                "noise 0.3": np.clip(images + rng.normal(0, 0.3, images.shape), 0, 1),
                "noise 0.6": np.clip(images + rng.normal(0, 0.6, images.shape), 0, 1),
                "occluded 10x10": occlude(images, 10, rng)}

    variants = corrupt(X_test)
    X_full, y_full = X[:n_full], y[:n_full]
    half = n_full // 2
    X_mixed = np.concatenate([X_full, corrupt(X_full[:half])["noise 0.3"],
                              corrupt(X_full[half:])["occluded 10x10"]])
    nets = {"clean": MLPClassifier((300,), max_iter=full_epochs, random_state=0)
            .fit(X_full, y_full),
            "corrupted": MLPClassifier((300,), max_iter=full_epochs, random_state=0)
            .fit(X_mixed, np.concatenate([y_full, y_full]))}
    fig, axes = plt.subplots(len(variants), 8, figsize=(8, 4.6))
    for row, (name, images) in zip(axes, variants.items()):
        for trained, net in nets.items():
            results[f"{name} accuracy, trained {trained}"] = net.score(images, y_test)
        print(f"{name:<15s} test accuracy of the net trained on clean digits "
              f"{results[f'{name} accuracy, trained clean']:.4f}, on clean and corrupted ones "
              f"{results[f'{name} accuracy, trained corrupted']:.4f}")
        predicted = nets["clean"].predict(images[:8])
        for ax, image, label, true in zip(row, images, predicted, y_test):
            ax.imshow(image.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            ax.set_title(str(label), fontsize=8, color="k" if label == true else "r")
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(f"{name}\n{100 * results[f'{name} accuracy, trained clean']:.1f}%",
                          fontsize=8)
    fig.suptitle("test digits and the answers of the net trained on clean digits (red: wrong)")
    fig.tight_layout()
    fig.savefig(args.out / "mnist_dense_noisy.png", dpi=80)
    plt.close(fig)
    print(f"wrote mnist_dense_costs.png, mnist_dense_overfitting.png and mnist_dense_noisy.png "
          f"into {args.out}")
    return results


if __name__ == "__main__":
    main()
