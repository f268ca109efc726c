"""The work of ``python -m sknetphys`` (see ``__main__``, which prepares the kernels first
and imports this module only then, so that its first compile, and with it the worker that
shares the compiling, starts before scikit-learn's 2 s of imports)."""

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from . import Autoencoder, ConvClassifier, MLPClassifier
from ._demo_nets import INPUT_SHAPE, conv_nets
from .compile import CompileLog
from .manifold._demo import sklearn_tsne_demo, tsne_demo

_WARM_ROWS = 128  # rows for the warm-up fits: enough for a few batches of every network
_N_CODES = 32


def _digits(seed):
    """The split of the demo: 8x8 images as float32, the precision the networks train in."""
    X, y = load_digits(return_X_y=True)
    return train_test_split(X.astype(np.float32), y, test_size=0.25, random_state=seed,
                            stratify=y)


def _networks(epochs, seed):
    """``[(section, [(name, estimator), ...]), ...]``: every network the demo times."""
    dense = dict(hidden_layer_sizes=(100,), batch_size=32, max_iter=epochs, random_state=seed)
    conv = dict(input_shape=INPUT_SHAPE, batch_size=32, max_iter=epochs, random_state=seed)
    return [
        ("Dense networks (64-100-10, relu, Adam, batch 32):", [
            ("sknetphys MLPClassifier", MLPClassifier(**dense)),
            ("sklearn   MLPClassifier", SkMLPClassifier(**dense)),
        ]),
        ("Convolutional networks on the 8x8 images (Adam, batch 32):",
         [(name, ConvClassifier(specs, **conv)) for name, specs in conv_nets()]),
    ]


def _autoencoder(epochs, seed):
    return Autoencoder((_N_CODES,), batch_size=32, max_iter=epochs, random_state=seed)


def _warm_up(models, autoencoder=True):
    """Fit and score ``models`` (and the autoencoder) on a few rows: numba compiles (or
    loads) exactly the kernels the timed runs use."""
    X_train, X_test, y_train, y_test = (a[:_WARM_ROWS] for a in _digits(0))
    for _, model in models:
        _fit(make_pipeline(MinMaxScaler(), model), X_train, y_train).score(X_test, y_test)
    if autoencoder:
        _autoencoder_section(_autoencoder(1, 0), X_train, X_test, y_train, y_test)


def warm_up_networks():
    _warm_up([m for _, models in _networks(1, 0) for m in models])


def warm_up_dense():
    _warm_up(_networks(1, 0)[0][1])


def warm_up_tsne():
    """Our t-SNE map of the demo on a few digits (more than its 90 neighbours each)."""
    X, y = load_digits(return_X_y=True)
    tsne_demo(X[:150], y[:150])


def warm_up_sklearn_tsne():
    """scikit-learn's (nothing to compile; its first call's imports), never beside a
    compiling process: its OpenMP threads wait for each other at every iteration, and with
    a core taken 150 points took 16-22 s instead of 0.4 s here."""
    X, y = load_digits(return_X_y=True)
    sklearn_tsne_demo(X[:150], y[:150])


def _autoencoder_section(ae, X_train, X_test, y_train, y_test, notes=None):
    """Fit the autoencoder; print (with ``notes``) its figures, a classifier on its codes,
    and a test digit beside its reconstruction."""
    scaler = MinMaxScaler().fit(X_train)
    S_train, S_test = scaler.transform(X_train), scaler.transform(X_test)
    _, fit_s, fit_c = _measure(lambda: _fit(ae, S_train, None))
    codes, encode_s, encode_c = _measure(lambda: ae.transform(S_test))
    # float32 codes: float64 ones would run (and compile) the decoder in float64
    rebuilt = ae.inverse_transform(codes.astype(np.float32))
    error = -ae.score(S_test)
    pca = PCA(_N_CODES).fit(S_train)
    pca_error = float(((pca.inverse_transform(pca.transform(S_test)) - S_test) ** 2).mean())

    def accuracy(train, test):
        clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return _fit(clf, train, y_train).score(test, y_test)

    on_codes = accuracy(ae.transform(S_train), codes)
    if notes is None:
        return
    on_pixels = accuracy(S_train, S_test)
    print(f"  sknetphys Autoencoder                            fit {fit_s:6.2f} s"
          f"{notes.mark(fit_c)}   encode {encode_s * 1e3:5.1f} ms{notes.mark(encode_c)}\n"
          f"  reconstruction error (test MSE) {error:.4f}; PCA with {_N_CODES} components "
          f"{pca_error:.4f}\n"
          f"  LogisticRegression on the codes: accuracy {on_codes:.2%} "
          f"(on the 64 pixels: {on_pixels:.2%})\n"
          "  a test digit and its reconstruction:")
    for left, right in zip(_ascii(S_test[0]), _ascii(rebuilt[0])):
        print(f"      {left}      {right}")


def _ascii(image):
    """An 8x8 image in [0, 1] as 8 lines of characters, two per pixel."""
    shades = " .:-=+*#%@"
    levels = np.clip((np.asarray(image) * len(shades)).astype(int), 0, len(shades) - 1)
    return ["".join(shades[v] * 2 for v in row) for row in levels.reshape(8, 8)]


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # short demo runs
        return model.fit(X, y)


def _measure(call):
    """``(result, seconds, compile_seconds)``: the wall time of ``call()`` and how much of it
    numba spent compiling (nothing, when the warm-up covered everything)."""
    with CompileLog() as log:
        start = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - start
    return result, elapsed, log.seconds


class _Footnotes:
    """Marks figures that include numba compilation, and says how much."""

    def __init__(self):
        self.seconds = 0.0

    def mark(self, compile_seconds):
        self.seconds += compile_seconds
        return " *" if compile_seconds > 0 else ""

    def print(self):
        if self.seconds > 0:
            print(f"\n* includes {self.seconds:.2f} s of numba compiling that the warm-up "
                  "did not cover")


def run(args):
    """The demo's networks, autoencoder and t-SNE maps, timed; ``args`` as ``__main__``
    parses them."""
    X_train, X_test, y_train, y_test = _digits(args.seed)
    print(f"\ndigits: {len(X_train)} training and {len(X_test)} test images of 8x8 pixels, "
          f"{args.epochs} epochs each")
    notes = _Footnotes()
    for title, models in _networks(args.epochs, args.seed):
        print(f"\n{title}")
        for name, model in models:
            pipe = make_pipeline(MinMaxScaler(), model)
            _, fit_s, fit_c = _measure(lambda: _fit(pipe, X_train, y_train))
            acc, pred_s, pred_c = _measure(lambda: pipe.score(X_test, y_test))
            print(f"  {name:<48s} accuracy {acc:6.2%}   fit {fit_s:6.2f} s{notes.mark(fit_c)}"
                  f"   predict {pred_s * 1e3:6.1f} ms{notes.mark(pred_c)}", flush=True)

    print(f"\nAutoencoder 64-{_N_CODES}-64 (relu, Adam, batch 32): {_N_CODES} codes per digit")
    _autoencoder_section(_autoencoder(args.epochs, args.seed), X_train, X_test, y_train, y_test,
                         notes)

    X, y = (a[: args.tsne_samples] for a in load_digits(return_X_y=True))
    print(f"\nt-SNE maps of {len(X)} digits (perplexity 30; the KL divergence of each map "
          "under one P):")
    maps = [("sknetphys TSNEEmbedding", lambda: tsne_demo(X, y, out_png=args.png,
                                                          random_state=args.seed)),
            ("sklearn   TSNE", lambda: sklearn_tsne_demo(X, y, random_state=args.seed))]
    for name, call in maps:
        res, _, compiling = _measure(call)
        method = res["method"].rpartition(" ")[2]
        print(f"  {name:<24s} {method:<11s} {res['time_s']:6.2f} s{notes.mark(compiling)}   "
              f"KL {res['kl_divergence']:.3f}   10-NN accuracy in the map "
              f"{res['knn_accuracy']:.2%}", flush=True)
        if "png" in res:
            print(f"  (our map written to {res['png']})" if res["png"] else
                  "  (install matplotlib, extra 'plot', to get our map as a PNG)")
    notes.print()
    return 0
