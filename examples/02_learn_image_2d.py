"""Lecture: a deep network learns a 2-D function, i.e. an image, from random samples.

The target is a smiley drawn on [-1, 1]^2. A 2-150-150-100-1 network with sigmoid hidden
units sees batches of random points (x, y) and the picture's value there, and gradually
draws the picture. Four experiments of the lecture:

1. The picture: the network's output on a 100x100 grid beside the target (Adam, 40,000
   points, 80 epochs). Look for: the net first learns the mean (the plateau at a cost of
   about 0.12 in the loss curve), then the face's outline, then eyes and mouth; the mean
   squared error on the grid ends near 0.02 (the mean alone: 0.25).
2. Batch size and learning rate, each varied with the other fixed, for the same number of
   samples seen (10 epochs of 10,000 points). Look for: learning rates 1e-4 and 1e-3 stay
   on the plateau, 1e-2 leaves it after a few epochs (and jumps about); at a fixed number
   of samples batches of 10 take ten times the steps of batches of 100 and leave the
   plateau, batches of 100 and 1,000 do not yet.
3. Switching on single neurons of the last hidden layer: the output is the sum over its
   100 neurons of (the neuron's activation) x (its output weight), plus a bias; each term
   alone is a picture, drawn for the 9 largest (each on its own colour scale). Look for:
   each neuron draws a blob or an edge built of sigmoids of the earlier layers, and the
   face is their sum (which the script checks to rounding error).
4. Pruning the last hidden layer (``prune_neurons``): removing the first 50 neurons, or
   keeping only the first 10, destroys the picture; keeping the 10 chosen greedily (each
   time the neuron whose removal raises the cost least goes) keeps most of it (grid error
   about 0.03), and 5 more epochs of training bring it back to that of all 100.

Writes ``learn_image_2d.png``, ``learn_image_2d_training.png``, ``learn_image_2d_neurons.png``
and ``learn_image_2d_pruning.png``.

    python examples/02_learn_image_2d.py [--quick] [--out DIR]
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sknetphys import MLPRegressor, prune_neurons  # noqa: E402
from sknetphys.datasets import make_function_image  # noqa: E402
from sknetphys.optimizers import Adam  # noqa: E402
from sknetphys.plotting import (  # noqa: E402
    plot_function_image,
    plot_layer_weights,
    plot_loss_curves,
)


def smiley(x, y):
    r = np.hypot(x, y)
    face = (r < 0.9).astype(float)
    eyes = (np.hypot(x + 0.35, y - 0.3) < 0.12) | (np.hypot(x - 0.35, y - 0.3) < 0.12)
    mouth = (np.abs(np.hypot(x, y + 0.05) - 0.5) < 0.07) & (y < -0.15)
    return face - eyes - mouth


def fit(X, z, epochs, learning_rate=3e-3, batch_size=100):
    # tol=0: run all epochs (the plateau would otherwise look like convergence)
    net = MLPRegressor((150, 150, 100), activation="sigmoid", batch_size=batch_size,
                       max_iter=epochs, optimizer=Adam(learning_rate=learning_rate),
                       random_state=0, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return net.fit(X, z)


def main(argv=None):
    parser = argparse.ArgumentParser(description="A deep network learns a 2-D image.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    n_samples, epochs, study_samples, study_epochs, tune_epochs = (
        (1000, 3, 500, 1, 1) if args.quick else (40000, 80, 10000, 10, 5))

    X, z, grid = make_function_image(smiley, n_samples, bounds=(-1, 1), grid_size=100,
                                     return_grid=True, random_state=0)
    net = fit(X, z, epochs)
    picture = net.predict(grid.data)
    results = {"grid_mse": float(np.mean((picture - grid.target) ** 2))}
    print(f"{n_samples} random points, {epochs} epochs: mean squared error on the 100x100 "
          f"grid {results['grid_mse']:.4f} (the mean alone: {np.var(grid.target):.4f})")
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    plot_function_image(picture, grid, axes=axes[:2])
    plot_loss_curves({"Adam 3e-3, batch 100": net}, log=True, ax=axes[2])
    axes[2].set_title("training cost")
    fig.tight_layout()
    fig.savefig(args.out / "learn_image_2d.png", dpi=80)
    plt.close(fig)

    # batch size and learning rate, on the same points and the same number of epochs
    Xs, zs = X[:study_samples], z[:study_samples]
    rates = {f"learning rate {lr:g}": fit(Xs, zs, study_epochs, learning_rate=lr)
             for lr in (1e-4, 1e-3, 1e-2)}
    batches = {f"batch size {b}": fit(Xs, zs, study_epochs, learning_rate=1e-3, batch_size=b)
               for b in (10, 100, 1000)}
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, nets, title in ((axes[0], rates, "Adam, batch size 100"),
                            (axes[1], batches, "Adam, learning rate 1e-3")):
        plot_loss_curves(nets, log=True, ax=ax)
        ax.set_title(f"{title}, {study_samples} points")
        for name, net_ in nets.items():
            results[name] = net_.loss_curve_[-1]
            print(f"{name:<22s} final training cost {net_.loss_curve_[-1]:.4f}")
    fig.tight_layout()
    fig.savefig(args.out / "learn_image_2d_training.png", dpi=80)
    plt.close(fig)

    # single neurons of the last hidden layer: activation times output weight
    contributions = net.layer_activations(grid.data, layer=-1) * net.coefs_[-1][:, 0]
    results["neuron_sum_error"] = float(np.abs(
        contributions.sum(axis=1) + net.intercepts_[-1][0] - picture).max())
    print(f"sum of the 100 neurons' pictures plus the bias against the output: largest "
          f"difference {results['neuron_sum_error']:.2g}")
    largest = np.argsort(contributions.std(axis=0))[::-1][:9]
    fig = plot_layer_weights(contributions / np.abs(contributions).max(axis=0), units=largest,
                             image_shape=grid.shape, fig=plt.figure(figsize=(6, 6)))
    fig.suptitle("single neurons of the last hidden layer, each on its own scale")
    fig.savefig(args.out / "learn_image_2d_neurons.png", dpi=80)
    plt.close(fig)

    # pruning the last hidden layer: given neurons, or greedily the least useful ones
    pruned = {
        "all 100 neurons": net,
        "first 50 removed": prune_neurons(net, -1, neurons=range(50)),
        "only the first 10 kept": prune_neurons(net, -1, neurons=range(10, 100)),
        "10 kept, chosen greedily": prune_neurons(net, -1, n_remove=90, X=X[:5000],
                                                  y=z[:5000]),
    }
    tuned = clone(pruned["10 kept, chosen greedily"]).set_params(max_iter=tune_epochs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pruned[f"... then {tune_epochs} epochs more"] = tuned.fit(X, z)
    fig, axes = plt.subplots(1, len(pruned), figsize=(3 * len(pruned), 3.8))
    for ax, (name, model) in zip(axes, pruned.items()):
        learned = model.predict(grid.data)
        results[f"pruned: {name}"] = float(np.mean((learned - grid.target) ** 2))
        print(f"{name:<26s} ({model.coefs_[-1].shape[0]:>3d} neurons in the last hidden "
              f"layer): grid error {results[f'pruned: {name}']:.4f}")
        ax.imshow(learned.reshape(grid.shape), extent=grid.extent, vmin=grid.target.min(),
                  vmax=grid.target.max())
        ax.set_title(f"{name}\nMSE {results[f'pruned: {name}']:.4f}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(args.out / "learn_image_2d_pruning.png", dpi=80)
    plt.close(fig)
    print(f"wrote learn_image_2d.png, learn_image_2d_training.png, learn_image_2d_neurons.png "
          f"and learn_image_2d_pruning.png into {args.out}")
    return results


if __name__ == "__main__":
    main()
