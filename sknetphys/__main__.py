"""``python -m sknetphys``: the quick-start demo on sklearn's embedded digits dataset.

Trains sknetphys dense and convolutional networks inside sklearn Pipelines and prints test
accuracy and timings beside sklearn's own MLPClassifier on the same split; then draws a t-SNE
map of the digits (a PNG when matplotlib is installed).
"""

import argparse
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from . import AvgPool2D, Conv2D, ConvClassifier, Flatten, MaxPool2D, MLPClassifier
from .manifold._demo import tsne_demo


def _timed(name, model, X_train, y_train, X_test, y_test):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    acc = model.score(X_test, y_test)
    pred_s = time.perf_counter() - start
    print(f"  {name:<44s} accuracy {acc:6.2%}   fit {fit_s:6.2f} s   predict {pred_s * 1e3:6.1f} ms",
          flush=True)
    return acc


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sknetphys", description=__doc__)
    parser.add_argument("--epochs", type=int, default=50, help="epochs per network (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--png", default="sknetphys_tsne_digits.png",
                        help="where to write the t-SNE map (needs matplotlib)")
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=args.seed, stratify=y
    )
    print(f"digits: {len(X_train)} training and {len(X_test)} test images of 8x8 pixels, "
          f"{args.epochs} epochs each\n")
    print("Dense networks (64-100-10, relu, Adam, batch 32):")
    common = dict(hidden_layer_sizes=(100,), batch_size=32, max_iter=args.epochs,
                  random_state=args.seed)
    models = [
        ("sknetphys MLPClassifier", make_pipeline(MinMaxScaler(), MLPClassifier(**common))),
        ("sklearn   MLPClassifier", make_pipeline(MinMaxScaler(), SkMLPClassifier(**common))),
    ]
    for name, model in models:
        _timed(name, model, X_train, y_train, X_test, y_test)

    print("\nConvolutional networks on the 8x8 images (Adam, batch 32):")
    conv_common = dict(input_shape=(8, 8, 1), batch_size=32, max_iter=args.epochs,
                       random_state=args.seed)
    convs = [
        ("ConvClassifier [Conv2D(8,3), AvgPool2D(2)]",
         ConvClassifier([Conv2D(8, 3, padding="same"), AvgPool2D(2), Flatten()], **conv_common)),
        ("ConvClassifier [Conv2D(16,3), MaxPool2D(2), ...]",
         ConvClassifier([Conv2D(16, 3, padding="same"), MaxPool2D(2),
                         Conv2D(32, 3, padding="same"), MaxPool2D(2), Flatten()], **conv_common)),
    ]
    for name, model in convs:
        _timed(name, make_pipeline(MinMaxScaler(), model), X_train, y_train, X_test, y_test)

    print("\nt-SNE map of all 1797 digits (TSNEEmbedding, perplexity 30):")
    res = tsne_demo(X, y, out_png=args.png, random_state=args.seed)
    print(f"  method {res['method']}, {res['time_s']:.2f} s, KL divergence "
          f"{res['kl_divergence']:.3f}, 10-NN label accuracy in the map {res['knn_accuracy']:.2%}")
    print(f"  map written to {res['png']}" if res["png"] else
          "  (install matplotlib, extra 'plot', to get the map as a PNG)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
