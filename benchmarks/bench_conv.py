"""Convolutional nets on MNIST: sknetphys vs PyTorch (CPU), side by side in one process.

The lecture's two nets, the same in both frameworks (Adam 1e-3, batch 100, ReLU, "same"
padding, softmax cross-entropy):

- simple:    Conv2D(7, 5, "same") -> AvgPool2D(4) -> Flatten -> Dense(10)
- two-stage: Conv2D(16, 5, "same") -> MaxPool2D(2) -> Conv2D(32, 5, "same") -> MaxPool2D(2)
             -> Flatten -> Dense(128) -> Dense(10)

Epochs alternate between the frameworks (ours, torch, ours, torch, ...) so that a busy
machine slows both alike. Reported: seconds per epoch (median and best), test error after
each epoch, CPU seconds per epoch (all threads of the process; less sensitive to a shared
machine than wall time, though it counts threads spinning while they wait), prediction
throughput on the 10k test images (best of 5 alternating rounds), and the peak resident
memory of the process while each framework trains (sampled every 5 ms; both include the
MNIST arrays held by the benchmark, about 0.2 GB).

Run:  python benchmarks/bench_conv.py [--epochs 3] [--nets simple two] [--threads 2]
"""

import argparse
import os
import sys
import threading
import time

THREADS = "2"
for _i, _a in enumerate(sys.argv):  # thread counts must be set before numpy/torch load
    if _a == "--threads" and _i + 1 < len(sys.argv):
        THREADS = sys.argv[_i + 1]
os.environ.setdefault("OPENBLAS_NUM_THREADS", THREADS)
# sknetphys' data-parallel passes (a batch's parts on THREADS Python threads, BLAS on one
# thread each meanwhile; sknetphys/_core/_threads.py)
os.environ.setdefault("SKNETPHYS_NUM_THREADS", THREADS)
os.environ.setdefault("OMP_NUM_THREADS", THREADS)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sknetphys._core.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D  # noqa: E402
from sknetphys._core.optimizers import Adam  # noqa: E402
from sknetphys.datasets import find_mnist_dir, load_mnist  # noqa: E402
from sknetphys.neural_network._conv import ConvClassifier  # noqa: E402


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Peak resident memory while the block runs (sampled by a thread)."""

    def __enter__(self):
        self.peak = _rss()
        self._stop = threading.Event()

        def watch():
            while not self._stop.wait(0.005):
                self.peak = max(self.peak, _rss())

        self._thread = threading.Thread(target=watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def ours_layers(name):
    if name == "simple":
        return [Conv2D(7, 5, padding="same"), AvgPool2D(4), Flatten()]
    return [Conv2D(16, 5, padding="same"), MaxPool2D(2), Conv2D(32, 5, padding="same"),
            MaxPool2D(2), Flatten(), Dense(128)]


def torch_model(name, nn):
    if name == "simple":
        return nn.Sequential(nn.Conv2d(1, 7, 5, padding=2), nn.ReLU(), nn.AvgPool2d(4),
                             nn.Flatten(), nn.Linear(7 * 7 * 7, 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def run(name, epochs, data, torch, nn):
    X, y, Xt, yt = data
    n = len(X)
    # --- sknetphys
    clf = ConvClassifier(ours_layers(name), optimizer=Adam(learning_rate=1e-3), batch_size=100,
                         random_state=0)
    classes = np.arange(10)
    # --- PyTorch (NCHW)
    torch.manual_seed(0)
    model = torch_model(name, nn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    Xtr = torch.from_numpy(X.reshape(-1, 1, 28, 28))
    ytr = torch.from_numpy(y)
    Xte = torch.from_numpy(Xt.reshape(-1, 1, 28, 28))
    gen = torch.Generator().manual_seed(0)

    def torch_epoch():
        model.train()
        perm = torch.randperm(n, generator=gen)
        for s in range(0, n, 100):
            idx = perm[s : s + 100]
            opt.zero_grad()
            loss = lossf(model(Xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()

    def torch_predict():
        model.eval()
        with torch.no_grad():
            return torch.cat([model(Xte[s : s + 1024]) for s in range(0, len(Xte), 1024)])

    rec = {k: {"t": [], "cpu": [], "err": [], "mem": 0} for k in ("ours", "torch")}
    for epoch in range(epochs):
        with PeakRSS() as m:
            t0, c0 = time.perf_counter(), time.process_time()
            clf.partial_fit(X, y, classes=classes)
            rec["ours"]["t"].append(time.perf_counter() - t0)
            rec["ours"]["cpu"].append(time.process_time() - c0)
        rec["ours"]["mem"] = max(rec["ours"]["mem"], m.peak)
        rec["ours"]["err"].append(1 - np.mean(clf.predict(Xt) == yt))
        with PeakRSS() as m:
            t0, c0 = time.perf_counter(), time.process_time()
            torch_epoch()
            rec["torch"]["t"].append(time.perf_counter() - t0)
            rec["torch"]["cpu"].append(time.process_time() - c0)
        rec["torch"]["mem"] = max(rec["torch"]["mem"], m.peak)
        rec["torch"]["err"].append(1 - (torch_predict().argmax(1).numpy() == yt).mean())
        print(f"  {name} epoch {epoch + 1}: ours {rec['ours']['t'][-1]:.2f} s "
              f"(test error {100 * rec['ours']['err'][-1]:.2f}%), torch "
              f"{rec['torch']['t'][-1]:.2f} s ({100 * rec['torch']['err'][-1]:.2f}%)", flush=True)
    # prediction: 5 rounds, the frameworks alternating (as the epochs), each after a pause
    # for the other's spinning threads; the best round of each
    times = {"ours": [], "torch": []}
    for _ in range(5):
        for key, fn in (("ours", lambda: clf.predict_proba(Xt)), ("torch", torch_predict)):
            time.sleep(0.5)
            t0 = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t0)
    for key in times:
        rec[key]["pred"] = len(Xt) / min(times[key])
    return rec


def step_times(name, torch, nn, data, blocks=7, steps=10):
    """Times of ``blocks`` blocks of ``steps`` training steps on batches of 100 MNIST images,
    ours and torch's blocks interleaved: the steady-state cost of a step, x600 = seconds per
    epoch without the epoch's shuffling and bookkeeping. The best block is the least
    disturbed one, so this holds up better than epoch times on a shared machine. Every step
    takes the next of 70 distinct batches: one batch repeated is memorised within a few
    steps, and the vanishing gradients then slow PyTorch down (subnormal floats) by up to
    2x, which flattered the ratio in an earlier version of this function."""
    from sknetphys._core.losses import SoftmaxCrossEntropy
    from sknetphys._core.network import Network

    rng = np.random.default_rng(0)
    Xall, yall = data
    n_batches = 70
    X = Xall[: 100 * n_batches].reshape(-1, 28, 28, 1)
    labels = yall[: 100 * n_batches].astype(np.int64)
    T = np.eye(10, dtype=np.float32)[labels]
    net = Network(ours_layers(name) + [Dense(10, activation="identity")], (28, 28, 1),
                  np.float32)
    net.init_params(rng)
    adam = Adam(learning_rate=1e-3)
    state = adam.init_state(net.n_params, np.float32)
    loss = SoftmaxCrossEntropy()
    delta = np.empty((100, 10), np.float32)
    counter = {"ours": 0, "torch": 0}

    def batch(key):
        b = counter[key] % n_batches
        counter[key] += 1
        return slice(100 * b, 100 * (b + 1))

    def ours():
        s = batch("ours")
        net.train_batch(X[s], T[s], loss, delta, rng)  # as the training loop does
        adam.step(net.params, net.grads, state)

    model = torch_model(name, nn)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    Xt = torch.from_numpy(X.transpose(0, 3, 1, 2).copy())
    yt = torch.from_numpy(labels)

    def theirs():
        s = batch("torch")
        opt.zero_grad()
        lossf(model(Xt[s]), yt[s]).backward()
        opt.step()

    times = {"ours": [], "torch": []}
    for fn in (ours, theirs):
        for _ in range(3):
            fn()
    for _ in range(blocks):
        for key, fn in (("ours", ours), ("torch", theirs)):
            # let the other framework's worker threads stop spinning (OpenBLAS and OpenMP
            # both busy-wait for a while after their last call) before timing this one
            time.sleep(0.5)
            t0 = time.perf_counter()
            for _ in range(steps):
                fn()
            times[key].append((time.perf_counter() - t0) / steps)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--nets", nargs="+", default=["simple", "two"], choices=["simple", "two"])
    ap.add_argument("--threads", default=THREADS, help="threads for both frameworks")
    ap.add_argument("--blocks", type=int, default=7, help="timed blocks per framework (steps)")
    ap.add_argument("--steps-only", action="store_true",
                    help="only the steady-state step times (a minute, not an hour)")
    args = ap.parse_args()
    if find_mnist_dir() is None:
        sys.exit("MNIST not found: set SKNETPHYS_DATA to the folder holding the IDX files.")
    import torch
    import torch.nn as nn

    torch.set_num_threads(int(args.threads))
    X, y = load_mnist(subset="train", return_X_y=True)
    Xt, yt = load_mnist(subset="test", return_X_y=True)
    print(f"threads={args.threads}, torch {torch.__version__}, numpy {np.__version__}, "
          f"epochs={args.epochs}, load average {os.getloadavg()[0]:.2f} at start", flush=True)
    print(f"\nSteady-state training step, batch 100 ({args.blocks} interleaved blocks of 10 "
          "steps; best and median block):")
    print("| net | sknetphys ms/step best / median | PyTorch ms/step best / median "
          "| ratio of bests | ratio of medians |")
    print("|---|---|---|---|---|")
    for name in args.nets:
        t = step_times(name, torch, nn, (X, y), blocks=args.blocks)
        (ob, om), (tb, tm) = [(min(t[k]), np.median(t[k])) for k in ("ours", "torch")]
        print(f"| {name} | {1e3 * ob:.1f} / {1e3 * om:.1f} | {1e3 * tb:.1f} / {1e3 * tm:.1f} | "
              f"{ob / tb:.2f} | {om / tm:.2f} |", flush=True)
    if args.steps_only:
        return
    print()
    rows = []
    for name in args.nets:
        rec = run(name, args.epochs, (X, y, Xt, yt), torch, nn)
        o, t = rec["ours"], rec["torch"]
        rows.append((name, o, t))
    print(f"\nload average {os.getloadavg()[0]:.2f} at end\n")
    print("| net | framework | s/epoch (median) | s/epoch (best) | ratio ours/torch (median) "
          "| CPU s/epoch (median) | test error after each epoch | predict 10k (img/s) "
          "| peak RSS training (GB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, o, t in rows:
        ratio = np.median(o["t"]) / np.median(t["t"])
        for label, r in (("sknetphys", o), ("PyTorch", t)):
            errs = ", ".join(f"{100 * e:.2f}%" for e in r["err"])
            print(f"| {name} | {label} | {np.median(r['t']):.2f} | {min(r['t']):.2f} | "
                  f"{ratio:.2f} | {np.median(r['cpu']):.2f} | {errs} | {r['pred']:.0f} | "
                  f"{r['mem'] / 1e9:.2f} |")


if __name__ == "__main__":
    main()
