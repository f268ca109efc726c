"""Autoencoders, side by side in one process: sknetphys vs PyTorch (CPU), epochs alternating.

    python benchmarks/bench_autoencoder.py                 # both nets
    python benchmarks/bench_autoencoder.py --nets dense --epochs 5
    python benchmarks/bench_autoencoder.py --nets dense-bce
    python benchmarks/bench_autoencoder.py --quick         # tiny sizes: does it run?

The same nets in both frameworks, float32, Adam(1e-3), the loss ``0.5 * sum ||x_rec - x||^2``
over the batch's images divided by the batch size (the lecture's quadratic cost; PyTorch is
given the same, not its mean-over-pixels ``MSELoss``), no L2, and the same start: PyTorch's
initial weights are passed to sknetphys as ``coefs_init``/``intercepts_init``.

- conv: the lecture's net for circles, ``ConvAutoencoder(encoder=[Conv2D(8, 5, "same"),
  AvgPool2D(2), Conv2D(8, 5, "same"), AvgPool2D(2), Conv2D(4, 3, "same")])`` with its
  mirrored decoder ``[Conv2D(8, 3, "same"), UpSampling2D(2), Conv2D(8, 5, "same"),
  UpSampling2D(2), Conv2D(1, 5, "same", activation="identity")]``, on 2,500
  ``make_circle_images`` (28x28), batch 50; held out: 500 more. Goal: <= 0.6x PyTorch's time
  at equal held-out MSE (within 10%).
- dense: ``Autoencoder((256, 64))``, 784-256-64-256-784, relu, identity output, on MNIST's
  60,000 training images, batch 100; held out: the 10,000 test images. Goal: <= 0.6x
  PyTorch's time at equal held-out MSE.
- dense-bce (not in the default run): the same net with a sigmoid output and binary
  cross-entropy (``output_activation="sigmoid", loss="binary_crossentropy"``; PyTorch's
  ``binary_cross_entropy_with_logits``, summed over pixels, mean over images). No goal of
  its own: a check on the sigmoid's and the loss's cost.

Fairness. Every epoch both frameworks see the same batches: one permutation of the training
set, gathered before the clocks start (sknetphys takes it through ``partial_fit`` with
``shuffle=False``, so each of its epochs also pays input validation). Epochs alternate
(sknetphys, PyTorch, sknetphys, ...) so that a busy spell of this shared machine slows both,
and each is timed after a pause that lets the other's threads go idle (OpenBLAS and OpenMP
spin for a while after their last call). Each framework also runs ``--alone`` epochs back to
back, half before the alternating ones and half after (ABBA order, so that a drift of the
machine's speed weighs on both alike), and the ratio of its median epoch alone to
alternating is printed: near 1 when alternating costs neither framework anything. Peak
memory: the resident set's rise while a framework trains an epoch (sampled every 5 ms; both
include the data the benchmark holds). Held-out MSE: the mean over pixels of
``(x_rec - x)^2`` after each alternating epoch.
"""

import argparse
import copy
import os
import sys
import time

THREADS = "2"
for _i, _a in enumerate(sys.argv):  # thread counts must be set before numpy/torch load
    if _a == "--threads" and _i + 1 < len(sys.argv):
        THREADS = sys.argv[_i + 1]
os.environ.setdefault("OPENBLAS_NUM_THREADS", THREADS)
os.environ.setdefault("SKNETPHYS_NUM_THREADS", THREADS)
os.environ.setdefault("OMP_NUM_THREADS", THREADS)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from _common import PeakRSS, machine  # noqa: E402

from sknetphys import Autoencoder, AvgPool2D, Conv2D, ConvAutoencoder  # noqa: E402
from sknetphys.datasets import find_mnist_dir, load_mnist, make_circle_images  # noqa: E402
from sknetphys.optimizers import Adam  # noqa: E402

PAUSE = 0.5  # seconds for the other framework's threads to stop spinning


def conv_net(nn):
    """The lecture's circle net, ours (encoder; the decoder is its mirror) and PyTorch's."""
    encoder = [Conv2D(8, 5, padding="same"), AvgPool2D(2), Conv2D(8, 5, padding="same"),
               AvgPool2D(2), Conv2D(4, 3, padding="same")]
    model = nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(8, 8, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 8, 5, padding=2), nn.ReLU(), nn.Upsample(scale_factor=2),
        nn.Conv2d(8, 1, 5, padding=2))
    return (lambda **kw: ConvAutoencoder(encoder, **kw)), model, (1, 28, 28), False


def dense_net(nn, bce=False):
    """784-256-64-256-784, relu; the output identity, or (``bce``) sigmoid with binary
    cross-entropy, for which PyTorch's last layer gives the logits."""
    sizes = [784, 256, 64, 256, 784]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    out = dict(output_activation="sigmoid", loss="binary_crossentropy") if bce else {}
    return ((lambda **kw: Autoencoder((256, 64), **out, **kw)), nn.Sequential(*layers[:-1]),
            (784,), bce)


def initial_weights(model, nn):
    """PyTorch's initial weights in sknetphys' layout (``coefs_`` and ``intercepts_``)."""
    coefs, intercepts = [], []
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            w = m.weight.detach().numpy()
            # Linear (out, in) -> (in, out); Conv2d (out, in, kh, kw) -> (kh, kw, in, out)
            coefs.append(np.ascontiguousarray(w.T if w.ndim == 2 else w.transpose(2, 3, 1, 0)))
            intercepts.append(m.bias.detach().numpy().copy())
    return {"coefs_init": coefs, "intercepts_init": intercepts}


class Ours:
    name = "sknetphys"

    def __init__(self, make, batch, init, X_test):
        self.est = make(optimizer=Adam(learning_rate=1e-3), batch_size=batch, alpha=0.0,
                        shuffle=False, random_state=0, **init)
        self.X_test = X_test

    def data(self, X, perm):
        return X[perm]

    def epoch(self, X):
        self.est.partial_fit(X)

    def mse(self):
        return -self.est.score(self.X_test)


class Theirs:
    name = "PyTorch"

    def __init__(self, model, batch, torch, shape, X_test, bce=False):
        self.model, self.batch, self.torch, self.shape = model, batch, torch, shape
        self.opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        self.X_test = torch.from_numpy(X_test.reshape((-1,) + shape))
        self.bce = bce  # the model's outputs are logits

    def data(self, X, perm):
        return self.torch.from_numpy(X[perm].reshape((-1,) + self.shape))

    def epoch(self, X):
        self.model.train()
        for s in range(0, len(X), self.batch):
            xb = X[s : s + self.batch]
            self.opt.zero_grad(set_to_none=True)
            if self.bce:  # summed over pixels, mean over images: as ours
                loss = self.torch.nn.functional.binary_cross_entropy_with_logits(
                    self.model(xb), xb, reduction="sum") / len(xb)
            else:
                loss = 0.5 * ((self.model(xb) - xb) ** 2).sum() / len(xb)
            loss.backward()
            self.opt.step()

    def mse(self):
        self.model.eval()
        with self.torch.no_grad():
            out = self.model(self.X_test)
            if self.bce:
                out = self.torch.sigmoid(out)
            return float(((out - self.X_test) ** 2).mean())


def timed(fw, X, rec):
    time.sleep(PAUSE)
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        fw.epoch(X)
        rec["t"].append(time.perf_counter() - t0)
    rec["mem"] = max(rec["mem"], mem.peak_mb)


def run(label, net, X, X_test, batch, epochs, alone, torch, nn):
    make, model, shape, bce = net  # bce: PyTorch's model gives logits for its BCE loss
    torch.manual_seed(0)
    frameworks = [Ours(make, batch, initial_weights(model, nn), X_test),
                  Theirs(model, batch, torch, shape, X_test, bce)]
    # compile numba's kernels (cached on disk after the first run) and warm PyTorch up on
    # throwaway copies, outside the timing
    warm = min(len(X), 4 * batch)
    make(batch_size=batch, max_iter=1).fit(X[:warm])
    Theirs(copy.deepcopy(model), batch, torch, shape, X_test[:2], bce).epoch(
        torch.from_numpy(X[:warm].reshape((-1,) + shape)))
    rng = np.random.default_rng(0)
    rec = {fw.name: {"t": [], "mse": [], "mem": 0.0, "alone": []} for fw in frameworks}
    print(f"\n[{label}] {len(X)} training and {len(X_test)} held-out images, batch {batch}, "
          f"{epochs} epochs alternating, {alone} alone each ({alone // 2} before, "
          f"{alone - alone // 2} after, ABBA)", flush=True)

    def run_alone(order, n):
        """The check: each framework alone, ``n`` epochs back to back (same batches)."""
        perms = [rng.permutation(len(X)) for _ in range(n)]
        for fw in order:
            times = {"t": [], "mem": 0.0}
            for perm in perms:
                timed(fw, fw.data(X, perm), times)
            rec[fw.name]["alone"] += times["t"]

    # Half the alone epochs before the alternating ones and half after, in ABBA order, so
    # that a drift of the machine's speed over the run weighs on both frameworks alike.
    half = alone // 2
    run_alone(frameworks, half)
    for epoch in range(epochs):
        perm = rng.permutation(len(X))
        for fw in frameworks:
            Xp = fw.data(X, perm)  # the same batches, gathered outside the timing
            timed(fw, Xp, rec[fw.name])
            rec[fw.name]["mse"].append(fw.mse())
        print(f"  epoch {half + epoch + 1}: " + ", ".join(
            f"{fw.name} {rec[fw.name]['t'][-1]:.2f} s (held-out MSE {rec[fw.name]['mse'][-1]:.5f})"
            for fw in frameworks), flush=True)
    run_alone(frameworks[::-1], alone - half)
    return rec


def report(label, rec):
    ours, theirs = rec["sknetphys"], rec["PyTorch"]
    ratio = np.median(ours["t"]) / np.median(theirs["t"])
    mse_ratio = ours["mse"][-1] / theirs["mse"][-1]
    print(f"\n| {label} | framework | s/epoch median (best) | alone / alternating "
          "| held-out MSE after each epoch | peak RSS rise (MB) |")
    print("|---|---|---|---|---|---|")
    for name, r in (("sknetphys", ours), ("PyTorch", theirs)):
        alone = np.median(r["alone"]) / np.median(r["t"]) if r["alone"] else float("nan")
        mses = ", ".join(f"{m:.5f}" for m in r["mse"])
        print(f"| {label} | {name} | {np.median(r['t']):.2f} ({min(r['t']):.2f}) | "
              f"{alone:.2f} | {mses} | {r['mem']:.0f} |")
    per_epoch = ", ".join(f"{a / b:.2f}" for a, b in zip(ours["t"], theirs["t"]))
    print(f"  per-epoch ratios sknetphys/PyTorch: {per_epoch}")
    goals = ("", "") if label == "dense-bce" else (" (goal <= 0.60)", " (goal within 10%)")
    print(f"  ratio of medians sknetphys/PyTorch = {ratio:.2f}{goals[0]}; final held-out "
          f"MSE ratio = {mse_ratio:.3f}{goals[1]}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=["conv", "dense"],
                        choices=["conv", "dense", "dense-bce"])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--alone", type=int, default=2, help="epochs of each framework alone")
    parser.add_argument("--threads", default=THREADS, help="threads for both frameworks")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, to see that it runs (no figures)")
    args = parser.parse_args()
    import torch
    import torch.nn as nn

    torch.set_num_threads(int(args.threads))
    epochs, alone = (2, 1) if args.quick else (args.epochs, args.alone)
    print("machine:", machine())
    print(f"threads={args.threads}, torch {torch.__version__}, numpy {np.__version__}, "
          f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    results = {}
    if "conv" in args.nets:
        n = 200 if args.quick else 2500
        X = make_circle_images(n + n // 5, random_state=0)
        torch.manual_seed(0)  # the initial weights: the same in every run
        results["conv"] = run("conv", conv_net(nn), X[:n], X[n:], 50, epochs, alone, torch, nn)
    dense = [label for label in ("dense", "dense-bce") if label in args.nets]
    if dense:
        if find_mnist_dir() is None:
            sys.exit("MNIST not found: set SKNETPHYS_DATA to the folder holding its IDX files.")
        X, _ = load_mnist(subset="train", return_X_y=True)
        X_test, _ = load_mnist(subset="test", return_X_y=True)
        if args.quick:
            X, X_test = X[:2000], X_test[:500]
    for label in dense:
        torch.manual_seed(0)
        results[label] = run(label, dense_net(nn, label == "dense-bce"), X, X_test, 100, epochs,
                             alone, torch, nn)
    print(f"\nload average {os.getloadavg()[0]:.2f} at end")
    for label, rec in results.items():
        report(label, rec)


if __name__ == "__main__":
    main()
