"""Lecture: visualising high-dimensional data: PCA against t-SNE maps of MNIST.

Held-out MNIST digits (784 pixels each) are drawn as points in a plane three ways:

1. PCA: the projection onto the two directions of largest variance. A linear map: the
   classes overlap in a few smeared clouds.
2. t-SNE of the pixels: neighbours in pixel space stay neighbours in the map (the map
   minimises the KL divergence between the neighbourhood probabilities in both spaces),
   and the ten digits come out as separate islands, found without the labels.
3. t-SNE of a trained network's last hidden layer (``layer_activations``): what the
   classifier has made of the images. The islands are cleaner still: the net has pulled
   apart what it must tell apart.

The key figures measure how well each map keeps the classes apart: the 5-nearest-neighbour
accuracy within the 2-D map (cross-validated), from about 0.4 for PCA to above 0.9 for
t-SNE; the colours are for the eye only, no map saw the labels.

Writes ``mnist_tsne.png``.

    python examples/07_tsne_maps.py [--quick] [--out DIR]
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

from sknetphys import MLPClassifier, TSNEEmbedding  # noqa: E402
from sknetphys.datasets import load_mnist  # noqa: E402
from sknetphys.plotting import plot_embedding  # noqa: E402


def map_accuracy(embedding, labels):
    """How well a 2-D map keeps the classes apart: 5-NN accuracy within it, 5-fold cv."""
    return cross_val_score(KNeighborsClassifier(5), embedding, labels, cv=5).mean()


def main(argv=None):
    parser = argparse.ArgumentParser(description="PCA against t-SNE maps of MNIST.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    n_train, n_map, tsne_iter = (2000, 800, 400) if args.quick else (20000, 5000, 750)

    X, y = load_mnist(return_X_y=True)
    X_map, y_map = load_mnist(subset="test", return_X_y=True)
    X_map, y_map = X_map[:n_map], y_map[:n_map]
    net = MLPClassifier((128, 64), max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit(X[:n_train], y[:n_train])
    accuracy = net.score(X_map, y_map)
    print(f"network 784-128-64-10 trained on {n_train} images: test accuracy on the "
          f"{n_map} mapped images {accuracy:.4f}")

    hidden = net.layer_activations(X_map, layer=-1)  # (n_map, 64)
    maps = {
        "PCA of the pixels": PCA(2).fit_transform(X_map),
        "t-SNE of the pixels": TSNEEmbedding(max_iter=tsne_iter, random_state=0)
        .fit_transform(X_map),
        "t-SNE of the last hidden layer": TSNEEmbedding(max_iter=tsne_iter, random_state=0)
        .fit_transform(hidden),
    }
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    results = {}
    for ax, (name, embedding) in zip(axes, maps.items()):
        results[name] = map_accuracy(embedding, y_map)
        print(f"{name:<32s} 5-NN accuracy in the map {results[name]:.3f}")
        plot_embedding(embedding, y_map, ax=ax, s=2)
        ax.set_title(f"{name} (5-NN accuracy {results[name]:.2f})")
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[:2]:
        ax.get_legend().remove()  # one legend is enough
    axes[2].legend(markerscale=4, fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5))
    fig.tight_layout()
    fig.savefig(args.out / "mnist_tsne.png", dpi=70)
    plt.close(fig)
    print(f"wrote mnist_tsne.png into {args.out}")
    return {
        "pca_map_accuracy": results["PCA of the pixels"],
        "tsne_map_accuracy": results["t-SNE of the pixels"],
        "hidden_tsne_map_accuracy": results["t-SNE of the last hidden layer"],
        "network_accuracy": accuracy,
    }


if __name__ == "__main__":
    main()
