"""Lecture: autoencoders: reproduce the input through a bottleneck, and learn its features.

1. The conv autoencoder on randomly placed circles (the lecture's algorithmically generated
   images): 28x28 images through two conv + pooling stages down to a 7x7x4 code (196
   numbers for 784 pixels) and back up. Look for: held-out reconstructions close to the
   circles, an error about 2% of that of the mean image.
2. Denoising (MNIST): the same 784-128-784 autoencoder trained once on clean inputs and
   once on inputs with 30% of the pixels blacked out afresh in every batch, the targets
   clean. Look for: on blacked-out test digits the plain one reproduces the holes, the
   denoising one fills in the strokes (its error there is about 0.6 of the plain one's,
   0.4 of the corrupted input's); on clean digits the plain one is better: it learned to
   copy, the denoising one what digits look like.
3. Sparse codes: a sigmoid code layer with the penalty ``3 * sum over units of
   KL(0.05 || unit's mean activation)``. Look for: most code activations are near zero
   (the mean falls from about 0.7 to about 0.13 in these 10 epochs, and further towards
   the target 0.05 with longer training) at no cost in reconstruction error.
4. Stacked (greedy layer-wise) pretraining then fine-tuning of a deeper autoencoder
   (784-256-64-256-784): each layer is first trained as a shallow autoencoder of the
   previous layer's codes. Look for: fine-tuning starts at less than half the random
   start's loss and ends a little lower.

Writes ``autoencoder_circles.png``, ``autoencoder_denoising.png``, ``autoencoder_sparse.png``
(a histogram of the code activations) and ``autoencoder_pretraining.png``.

    python examples/05_autoencoders.py [--quick] [--out DIR]
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sknetphys import (  # noqa: E402
    Adam,
    Autoencoder,
    AvgPool2D,
    Conv2D,
    ConvAutoencoder,
)
from sknetphys.datasets import load_mnist, make_circle_images  # noqa: E402
from sknetphys.plotting import plot_loss_curves, plot_reconstructions  # noqa: E402

# The lecture's encoder for the circles; the decoder mirrors it (upsampling and convolutions)
CIRCLE_ENCODER = [Conv2D(8, 5, padding="same"), AvgPool2D(2), Conv2D(8, 5, padding="same"),
                  AvgPool2D(2), Conv2D(4, 3, padding="same")]


def mse(a, b):
    return float(np.mean((a - b) ** 2))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Autoencoders: circles, denoising, sparse, "
                                                 "stacked.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    with warnings.catch_warnings():  # fixed epoch counts, on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        return experiments(args)


def experiments(args):
    n_circles, circle_epochs, n_digits, epochs, pretrain_epochs = (
        (300, 2, 600, 2, 1) if args.quick else (3000, 15, 10000, 10, 5))
    results = {}

    # 1. circles
    X = make_circle_images(n_circles + 500, random_state=0)
    X_train, X_test = X[:n_circles], X[n_circles:]
    cae = ConvAutoencoder(CIRCLE_ENCODER, optimizer=Adam(learning_rate=3e-3), batch_size=25,
                          max_iter=circle_epochs, random_state=0).fit(X_train)
    results["circles_error"] = -cae.score(X_test)
    results["circles_baseline"] = mse(X_test, X_train.mean(axis=0))
    print(f"circles: {cae.n_codes_} codes for 784 pixels; held-out error "
          f"{results['circles_error']:.5f}, "
          f"{results['circles_error'] / results['circles_baseline']:.3f} of the mean image's")
    fig = plot_reconstructions(X_test, cae, n_images=10)
    fig.suptitle("conv autoencoder, 7x7x4 codes: held-out circles above, reconstructions below")
    fig.savefig(args.out / "autoencoder_circles.png", dpi=70)
    plt.close(fig)

    # 2. plain and denoising autoencoders of the digits: 784-128-784, relu codes
    X = load_mnist(return_X_y=True)[0][:n_digits]
    X_test = load_mnist(subset="test", return_X_y=True)[0][:2000]
    masked = X_test * (np.random.default_rng(0).random(X_test.shape) >= 0.3)
    common = dict(output_activation="sigmoid", loss="binary_crossentropy", batch_size=50,
                  max_iter=epochs, random_state=0)
    nets = {"plain": Autoencoder((128,), **common),
            "denoising": Autoencoder((128,), noise="masking", noise_level=0.3, **common)}
    results["masked_input_error"] = mse(masked, X_test)
    print(f"digits with 30% of the pixels blacked out: error of the input itself "
          f"{results['masked_input_error']:.4f}")
    for name, ae in nets.items():
        ae.fit(X)
        results[f"{name}_error"] = -ae.score(X_test)
        results[f"{name}_masked_error"] = mse(ae.inverse_transform(ae.transform(masked)), X_test)
        print(f"{name:<9s} autoencoder: held-out error {results[f'{name}_error']:.4f} on clean "
              f"digits, {results[f'{name}_masked_error']:.4f} on blacked-out ones")
    fig = plt.figure(figsize=(10, 7))
    for subfig, (name, ae) in zip(fig.subfigures(2, 1), nets.items()):
        plot_reconstructions(X_test, ae, noisy=masked, fig=subfig)
        subfig.suptitle(f"{name} autoencoder: clean digit, input with 30% blacked out, "
                        f"reconstruction (error {results[f'{name}_masked_error']:.4f})")
    fig.savefig(args.out / "autoencoder_denoising.png", dpi=70)
    plt.close(fig)

    # 3. sparse codes: a sigmoid code layer, with and without the sparsity penalty
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for weight in (0.0, 3.0):
        ae = Autoencoder((128,), code_activation="sigmoid", sparsity_target=0.05,
                         sparsity_weight=weight, **common).fit(X)
        codes = ae.transform(X_test)
        results[f"sparsity {weight} mean_code"] = float(codes.mean())
        results[f"sparsity {weight} near_zero"] = float(np.mean(codes < 0.05))
        results[f"sparsity {weight} error"] = -ae.score(X_test)
        print(f"sigmoid codes, sparsity weight {weight}: mean code activation "
              f"{codes.mean():.3f}, {100 * np.mean(codes < 0.05):.0f}% of them below 0.05; "
              f"held-out error {results[f'sparsity {weight} error']:.4f}")
        ax.hist(codes.ravel(), bins=50, range=(0, 1), alpha=0.6, log=True,
                label=f"sparsity weight {weight:g}: mean {codes.mean():.2f}")
    ax.set_xlabel("code activation (128 units x 2,000 test digits)")
    ax.set_ylabel("count")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out / "autoencoder_sparse.png", dpi=70)
    plt.close(fig)

    # 4. stacked: greedy layer-wise pretraining, then fine-tuning
    deep = dict(batch_size=50, max_iter=epochs, random_state=0)
    stacked = {"random start": Autoencoder((256, 64), **deep).fit(X),
               "greedy pretraining": Autoencoder((256, 64), pretrain="greedy",
                                                 pretrain_max_iter=pretrain_epochs,
                                                 **deep).fit(X)}
    for name, ae in stacked.items():
        results[f"{name} first_loss"] = ae.loss_curve_[0]
        results[f"{name} error"] = -ae.score(X_test)
        print(f"784-256-64-256-784, {name:<18s}: loss in the first epoch of fine-tuning "
              f"{ae.loss_curve_[0]:.4f}, held-out error after {ae.n_iter_} "
              f"{results[f'{name} error']:.4f}")
    ax = plot_loss_curves(stacked, log=True)
    ax.set_title("fine-tuning 784-256-64-256-784")
    ax.figure.tight_layout()
    ax.figure.savefig(args.out / "autoencoder_pretraining.png", dpi=70)
    plt.close(ax.figure)
    print(f"wrote autoencoder_circles.png, autoencoder_denoising.png, autoencoder_sparse.png "
          f"and autoencoder_pretraining.png into {args.out}")
    return results


if __name__ == "__main__":
    main()
