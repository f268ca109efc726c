"""Lecture: principal component analysis of MNIST, and the linear autoencoder that finds it.

PCA diagonalises the covariance matrix of the 784 pixels over the training images. Its
eigenvectors (the principal components) are images themselves; its eigenvalues are the
variance along each. Look for:

1. The components as images: the first ones are smooth, digit-like blobs (the mean stroke
   differences between digits), later ones ever finer checkerboards.
2. The eigenvalue spectrum falls fast: the first 100 of 784 components hold over 90% of the
   variance, so an image is well described by 100 numbers.
3. The projection onto the first two components: a map of the digits in which 0s and 1s
   lie apart, the rest overlap.
4. Reconstructions from the first k components, sharper as k grows.
5. A linear autoencoder (one hidden layer of k units, identity activations, quadratic cost)
   trained by gradient descent on the centred images finds the same k-dimensional subspace:
   its reconstruction error approaches PCA's rank-k optimum, and the principal angles
   between its decoder's weights and PCA's first k components are near zero.

Writes ``mnist_pca.png`` (components, spectrum, 2-D map), ``mnist_pca_reconstructions.png``
and ``mnist_pca_autoencoder.png`` (PCA's components beside the autoencoder's decoder: another
basis of the same subspace).

    python examples/06_pca_mnist.py [--quick] [--out DIR]
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.linalg import subspace_angles  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sknetphys import Adam, Autoencoder  # noqa: E402
from sknetphys.datasets import load_mnist  # noqa: E402
from sknetphys.plotting import (  # noqa: E402
    plot_embedding,
    plot_layer_weights,
    plot_reconstructions,
)


def main(argv=None):
    parser = argparse.ArgumentParser(description="PCA of MNIST and the linear autoencoder.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    n_train, ae_epochs = (5000, 5) if args.quick else (60000, 10)

    X, y = load_mnist(return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    X, y = X[:n_train], y[:n_train]
    # covariance_eigh: the 784 x 784 covariance matrix diagonalised, as the lecture does it
    # (and much faster than an SVD of the 60,000 x 784 data)
    pca = PCA(svd_solver="covariance_eigh").fit(X)
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    results = {"variance_first_100": cumulative[99],
               "components_for_90_percent": int(np.searchsorted(cumulative, 0.9) + 1),
               "variance_first_2": cumulative[1]}
    print(f"PCA of {n_train} training images: the first 2 components hold "
          f"{100 * cumulative[1]:.1f}% of the variance, the first 100 "
          f"{100 * cumulative[99]:.1f}%; "
          f"90% needs {results['components_for_90_percent']} of 784")

    fig = plt.figure(figsize=(15, 4.6))
    left, middle, right = fig.subfigures(1, 3, width_ratios=(1, 1.1, 1.1))
    plot_layer_weights(pca.components_.T, image_shape=(28, 28), units=np.arange(16), fig=left)
    left.suptitle("the first 16 principal components")
    ax = middle.subplots()
    ax.semilogy(np.arange(1, 785), pca.explained_variance_ratio_, label="each component")
    ax.semilogy(np.arange(1, 785), 1 - cumulative + 1e-12, label="not yet explained")
    ax.axvline(100, color="gray", ls=":")
    ax.set_ylim(1e-6, 1)
    ax.set_xlabel("component")
    ax.set_ylabel("fraction of the variance")
    ax.set_title(f"spectrum: the first 100 hold {100 * cumulative[99]:.1f}%")
    ax.legend()
    ax = right.subplots()
    plot_embedding(pca.transform(X_test[:3000])[:, :2], y_test[:3000], ax=ax, s=2)
    ax.set_title("test images on the first two components")
    fig.savefig(args.out / "mnist_pca.png", dpi=70)
    plt.close(fig)

    ks = (10, 50, 100)
    fig = plt.figure(figsize=(10, 1.3 * 2 * len(ks)))
    for subfig, k in zip(fig.subfigures(len(ks), 1), ks):
        components = pca.components_[:k]  # the best rank-k reconstruction: project on them
        reconstructed = (X_test - pca.mean_) @ components.T @ components + pca.mean_
        error = np.mean((reconstructed - X_test) ** 2)
        results[f"pca_error_{k}"] = error
        print(f"reconstruction from {k:>3d} components: mean squared error per pixel "
              f"{error:.5f} (test images)")
        plot_reconstructions(X_test, reconstructed, fig=subfig)
        subfig.suptitle(f"from the first {k} principal components")
    fig.savefig(args.out / "mnist_pca_reconstructions.png", dpi=70)
    plt.close(fig)

    # the linear autoencoder: 784 -> k -> 784, identity activations, quadratic cost
    k = 10
    ae = Autoencoder((k,), activation="identity", alpha=0, optimizer=Adam(learning_rate=3e-3),
                     batch_size=100, max_iter=ae_epochs, tol=0, random_state=0)
    with warnings.catch_warnings():  # a fixed number of epochs, on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X - pca.mean_)
    results["autoencoder_error"] = -ae.score(X_test - pca.mean_)
    # the decoder's k weight images span the autoencoder's subspace; their principal angles
    # to PCA's first k components measure how far apart the two subspaces are
    angles = np.degrees(subspace_angles(ae.coefs_[1].T, pca.components_[:k].T))
    results["autoencoder_largest_angle"] = float(angles.max())
    results["autoencoder_mean_cos2"] = float(np.mean(np.cos(np.radians(angles)) ** 2))
    print(f"linear autoencoder with {k} codes, {ae_epochs} epochs: test error "
          f"{results['autoencoder_error']:.5f} against PCA's {results[f'pca_error_{k}']:.5f} "
          f"({results['autoencoder_error'] / results[f'pca_error_{k}']:.3f}x); principal "
          f"angles to PCA's subspace: largest {angles.max():.1f} deg, mean cos^2 "
          f"{results['autoencoder_mean_cos2']:.4f}")
    fig = plt.figure(figsize=(9, 3.6))
    left, right = fig.subfigures(1, 2)
    plot_layer_weights(pca.components_[:k].T, image_shape=(28, 28), fig=left)
    left.suptitle(f"PCA: the first {k} components")
    plot_layer_weights(ae.coefs_[1].T, image_shape=(28, 28), fig=right)
    right.suptitle(f"linear autoencoder: its {k} decoder images")
    fig.savefig(args.out / "mnist_pca_autoencoder.png", dpi=70)
    plt.close(fig)
    print(f"wrote mnist_pca.png, mnist_pca_reconstructions.png and mnist_pca_autoencoder.png "
          f"into {args.out}")
    return results


if __name__ == "__main__":
    main()
