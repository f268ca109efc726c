"""Dense networks, side by side in one process: sknetphys vs sklearn vs PyTorch (CPU).

    python benchmarks/bench_mlp.py            # all parts
    python benchmarks/bench_mlp.py --parts mnist grid predict small first-fit

1. MNIST 784-800-10 relu, Adam(1e-3), batch 100, float32, no L2: seconds per epoch, test
   error, peak memory. Goal: sknetphys <= 0.6x PyTorch's time at equal test error. Fair to
   both sides: every timed epoch starts after a pause (the other framework's BLAS/OpenMP
   threads spin for a while after their work and would slow it), and each framework is timed
   alone (its epochs back to back, half before and half after the alternating ones, in ABBA
   order) and alternating with the other; the two must agree.
2. The grid of issue 11: one epoch over 30,000 MNIST images, each framework alone after a
   pause, epochs alternating, best of three; batch 32/100/256 x widths 256/800/2000 x one or
   two hidden layers.
   Goals: every cell <= 0.8x PyTorch, the batch-100 cells <= 0.6x.
3. Prediction throughput of the 784-800-10 net on 10k float32 images: sknetphys, sklearn and
   PyTorch, best of 5 rounds alternating. Goal: at least sklearn's and PyTorch's.
4. digits 64-100-10 relu, Adam, batch 32 (per-batch overhead dominates): goal <= sklearn's time.
5. First fit in a fresh process (import + digits, 5 epochs), warm and empty numba cache:
   goals <= 1.5x sklearn's, and <= 20 s with an empty cache.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import PeakRSS, machine  # noqa: E402

warnings.filterwarnings("ignore", category=Warning, module="sklearn")
warnings.filterwarnings("ignore", message=".*Maximum iterations.*")


PAUSE = 1.0  # seconds of idle before every timed run (see the module docstring)


def _timed(run):
    time.sleep(PAUSE)
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def torch_mlp(sizes, X, y, Xt, yt, batch, lr, seed=0):
    """PyTorch's net: returns ``(epoch, predict)``; ``epoch()`` runs one shuffled epoch."""
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(seed)
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-2], sizes[-1]))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    lossf = torch.nn.CrossEntropyLoss()
    Xtr, ytr = torch.from_numpy(X), torch.from_numpy(y)

    def epoch():
        perm = torch.randperm(len(Xtr))
        for i in range(0, len(Xtr), batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(Xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()

    def predict():
        with torch.no_grad():
            return model(torch.from_numpy(Xt)).argmax(1).numpy()

    return epoch, predict


def torch_fit(sizes, X, y, Xt, yt, epochs, batch, lr, seed=0):
    epoch, predict = torch_mlp(sizes, X, y, Xt, yt, batch, lr, seed)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    pred = predict()
    pred_s = time.perf_counter() - t0
    return times, float(np.mean(pred != yt)), pred_s


def sk_mlp(cls, hidden, X, y, Xt, yt, epochs, batch, lr, seed=0, **kw):
    """One fit of ``epochs`` epochs (no early convergence stop); per-epoch time is the mean."""
    clf = cls(hidden, batch_size=batch, max_iter=epochs, alpha=0.0, random_state=seed, tol=0.0,
              n_iter_no_change=10**6, **kw)
    if cls.__module__.startswith("sknetphys"):
        from sknetphys.optimizers import Adam

        clf.set_params(optimizer=Adam(learning_rate=lr))
    else:
        clf.set_params(solver="adam", learning_rate_init=lr)
    t0 = time.perf_counter()
    clf.fit(X, y)
    total = time.perf_counter() - t0
    assert clf.n_iter_ == epochs
    t0 = time.perf_counter()
    err = float(np.mean(clf.predict(Xt) != yt))
    return [total / epochs], err, time.perf_counter() - t0


def _row(name, times, err, mem, pred_s, ref=None):
    per = float(np.median(times))
    ratio = f"{per / ref:5.2f}x" if ref else "     "
    print(f"  {name:<12s} {per:7.3f} s/epoch {ratio}  test error {err:6.2%}  "
          f"predict {pred_s:6.3f} s  peak +{mem:7.1f} MB",
          flush=True)
    return per


def _mnist():
    from sknetphys.datasets import load_mnist

    X, y = load_mnist(return_X_y=True)
    Xt, yt = load_mnist(subset="test", return_X_y=True)
    return X, y, Xt, yt


def _ours(hidden, batch, lr=1e-3):
    from sknetphys import MLPClassifier
    from sknetphys.optimizers import Adam

    return MLPClassifier(hidden, batch_size=batch, alpha=0.0, random_state=0,
                         optimizer=Adam(learning_rate=lr))


def bench_mnist(epochs=5):
    from sklearn.neural_network import MLPClassifier as SK

    X, y, Xt, yt = _mnist()
    half = -(-epochs // 2)
    print(f"\n[1] MNIST 784-800-10 relu, Adam(1e-3), batch 100, float32; {epochs} epochs of each "
          f"framework alone ({half} before and {epochs - half} after {epochs} alternating, in "
          f"ABBA order); a {PAUSE:.1f} s pause before every epoch")
    print("  (partial_fit for ours, so each of our epochs also pays input validation)")
    # compile once outside the timing (the first-fit part measures compilation), and give
    # PyTorch's thread pool and allocator a first epoch on a model of their own
    _ours((800,), 100).fit(X[:300], y[:300])
    torch_mlp([784, 800, 10], X[:6000], y[:6000].astype(np.int64), Xt, yt, 100, 1e-3)[0]()
    classes = np.arange(10)
    clf = _ours((800,), 100)
    t_epoch, t_predict = torch_mlp([784, 800, 10], X, y.astype(np.int64), Xt, yt, 100, 1e-3)
    runs = {"sknetphys": lambda: clf.partial_fit(X, y, classes=classes), "pytorch": t_epoch}
    alone = {name: [] for name in runs}
    alternating = {name: [] for name in runs}
    peaks = {name: 0.0 for name in runs}

    def run_alone(order, n):
        for name in order:
            for _ in range(n):
                with PeakRSS() as mem:
                    alone[name].append(_timed(runs[name]))
                peaks[name] = max(peaks[name], mem.peak_mb)

    # Alone epochs on both sides of the alternating ones, in mirrored order, so that a
    # drift of the machine's speed over the run weighs on both frameworks' "alone" alike.
    run_alone(list(runs), half)
    for _ in range(epochs):
        for name, run in runs.items():
            alternating[name].append(_timed(run))
    run_alone(list(runs)[::-1], epochs - half)
    res = {}
    for name, predict in (("pytorch", t_predict), ("sknetphys", lambda: clf.predict(Xt))):
        t0 = time.perf_counter()
        err = float(np.mean(predict() != yt))
        res[name] = (alone[name] + alternating[name], err, time.perf_counter() - t0, peaks[name])
    with PeakRSS() as mem:
        t_sk, err, pred_s = sk_mlp(SK, (800,), X, y, Xt, yt, epochs, 100, 1e-3)
    res["sklearn"] = (t_sk, err, pred_s, mem.peak_mb)
    ref = float(np.median(res["pytorch"][0]))
    for name, (t, err, pred_s, mb) in res.items():
        _row(name, t, err, mb, pred_s, ref)
    print("  fairness, median s/epoch alone / alternating:")
    for name in runs:
        a, b = np.median(alone[name]), np.median(alternating[name])
        flag = "" if abs(b / a - 1) <= 0.1 else "   <-- differ by more than 10%"
        print(f"    {name:<10s} {a:6.3f} / {b:6.3f} ({b / a:4.2f}){flag}")
    ratios = [a / b for a, b in zip(alternating["sknetphys"], alternating["pytorch"])]
    print("  per-epoch ratios sknetphys/pytorch, alternating: "
          + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"  ratio of medians sknetphys/pytorch: alone "
          f"{np.median(alone['sknetphys']) / np.median(alone['pytorch']):.2f}, alternating "
          f"{np.median(alternating['sknetphys']) / np.median(alternating['pytorch']):.2f}, all "
          f"{np.median(res['sknetphys'][0]) / ref:.2f} (goal <= 0.60)")
    return res


def bench_grid(n=30000, repeat=3):
    X, y, _, _ = _mnist()
    X, y = X[:n], y[:n]
    classes = np.arange(10)
    print(f"\n[2] one epoch over {n} MNIST images, Adam(1e-3), each framework alone after a "
          f"{PAUSE:.1f} s pause, epochs alternating, best of {repeat}; ratio sknetphys/PyTorch")
    print(f"  {'net':<16s}" + "".join(f"{'batch ' + str(b):>22s}" for b in (32, 100, 256)))
    cells = {}
    for hidden in [(256,), (800,), (2000,), (256, 256), (800, 800), (2000, 2000)]:
        row = []
        for batch in (32, 100, 256):
            clf = _ours(hidden, batch)
            clf.partial_fit(X[:1000], y[:1000], classes=classes)  # builds and compiles
            sizes = [784, *hidden, 10]
            t_epoch, _ = torch_mlp(sizes, X, y.astype(np.int64), X[:10], y[:10], batch, 1e-3)
            t_epoch()  # torch's first epoch warms its allocator
            # alternating, so that a drift of the machine's speed (+-15-30% within a
            # minute here) reaches both sides alike
            times = [(_timed(lambda: clf.partial_fit(X, y)), _timed(t_epoch))
                     for _ in range(repeat)]
            ours, torch_s = (min(t) for t in zip(*times))
            cells[hidden, batch] = (ours, torch_s)
            row.append(f"{ours:6.2f}/{torch_s:6.2f} s {ours / torch_s:4.2f}")
        name = "784-" + "-".join(map(str, hidden)) + "-10"
        print(f"  {name:<16s}" + "".join(f"{c:>22s}" for c in row), flush=True)
    worst = max(o / t for o, t in cells.values())
    worst100 = max(o / t for (h, b), (o, t) in cells.items() if b == 100)
    print(f"  worst cell {worst:.2f} (goal <= 0.80), worst batch-100 cell {worst100:.2f} "
          "(goal <= 0.60)")
    return cells


def bench_predict(rounds=5):
    from sklearn.neural_network import MLPClassifier as SK

    X, y, Xt, yt = _mnist()
    print(f"\n[3] predicting 10k MNIST images (float32) with a trained 784-800-10 net, best of "
          f"{rounds} rounds alternating")
    ours = _ours((800,), 100).set_params(max_iter=1).fit(X[:20000], y[:20000])
    sk = SK((800,), batch_size=100, max_iter=1, random_state=0).fit(X[:20000], y[:20000])
    t_epoch, t_predict = torch_mlp([784, 800, 10], X[:20000], y[:20000].astype(np.int64), Xt,
                                   yt, 100, 1e-3)
    t_epoch()
    runs = {"sknetphys": lambda: ours.predict(Xt), "sklearn": lambda: sk.predict(Xt),
            "pytorch": t_predict}
    best = dict.fromkeys(runs, np.inf)
    for _ in range(rounds):
        for name, run in runs.items():
            best[name] = min(best[name], _timed(run))
    for name, t in best.items():
        print(f"  {name:<10s} {t:6.3f} s  {10000 / t:9.0f} img/s")
    print(f"  sknetphys / sklearn {best['sknetphys'] / best['sklearn']:.2f}, sknetphys / pytorch "
          f"{best['sknetphys'] / best['pytorch']:.2f} (goal <= 1)")
    return best


def bench_small(epochs=30):
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier as SK

    from sknetphys import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    Xtr, ytr, Xt, yt = X[:1400], y[:1400], X[1400:], y[1400:]
    print(f"\n[2] digits 64-100-10 relu, Adam(1e-3), batch 32, {epochs} epochs")
    MLPClassifier((100,), batch_size=32, max_iter=1).fit(Xtr, ytr)
    res = {}
    for name, run in [
        ("sklearn", lambda: sk_mlp(SK, (100,), Xtr, ytr, Xt, yt, epochs, 32, 1e-3)),
        ("sknetphys", lambda: sk_mlp(MLPClassifier, (100,), Xtr, ytr, Xt, yt, epochs, 32, 1e-3)),
        ("pytorch", lambda: torch_fit([64, 100, 10], Xtr, ytr.astype(np.int64), Xt, yt, epochs, 32, 1e-3)),
    ]:
        with PeakRSS() as mem:
            times, err, pred_s = run()
        res[name] = (times, err, pred_s, mem.peak_mb)
    ref = float(np.mean(res["sklearn"][0]))
    for name, (times, err, pred_s, mb) in res.items():
        _row(name, times, err, mb, pred_s, ref)
    print(f"  ratio sknetphys/sklearn = {np.mean(res['sknetphys'][0]) / ref:.2f} (goal <= 1.00)")
    # the other hidden activations scikit-learn offers, each framework's epochs alternating
    for act in ("logistic", "tanh"):
        times = {"sklearn": [], "sknetphys": []}
        for _ in range(3):
            for name, cls in (("sklearn", SK), ("sknetphys", MLPClassifier)):
                times[name] += sk_mlp(cls, (100,), Xtr, ytr, Xt, yt, epochs, 32, 1e-3,
                                      activation=act)[0]
        ours, theirs = np.median(times["sknetphys"]), np.median(times["sklearn"])
        print(f"  {act}: sknetphys {ours:.4f} s/epoch, sklearn {theirs:.4f}: ratio "
              f"{ours / theirs:.2f}")
    return res


FIRST_FIT = """
import time; t0 = time.perf_counter()
import warnings; warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
from {module} import MLPClassifier
X, y = load_digits(return_X_y=True)
MLPClassifier((100,), max_iter=5, batch_size=32, random_state=0).fit(X / 16, y).predict(X)
print(time.perf_counter() - t0)
"""


def _fresh(module, env=None, repeat=3):
    cmd = [sys.executable, "-c", FIRST_FIT.format(module=module)]
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, capture_output=True)
        runs.append(time.perf_counter() - t0)
    return min(runs)


def bench_first_fit():
    print("\n[3] first fit in a fresh process (import + digits 64-100-10, 5 epochs + predict), "
          "wall time of the whole process, best of 3")
    sk = _fresh("sklearn.neural_network")
    _fresh("sknetphys", repeat=1)  # make sure the package's numba cache is warm
    warm = _fresh("sknetphys")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", FIRST_FIT.format(module="sknetphys")], check=True,
                       env=env, capture_output=True)
        cold = time.perf_counter() - t0
    print(f"  sklearn                 {sk:6.2f} s")
    print(f"  sknetphys, warm cache   {warm:6.2f} s   {warm / sk:5.2f}x sklearn (goal <= 1.5x)")
    print(f"  sknetphys, empty cache  {cold:6.2f} s   (goal <= 20 s)")
    return sk, warm, cold


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+",
                        default=["mnist", "grid", "predict", "small", "first-fit"])
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    print("machine:", machine())
    if "mnist" in args.parts:
        bench_mnist(args.epochs)
    if "grid" in args.parts:
        bench_grid()
    if "predict" in args.parts:
        bench_predict()
    if "small" in args.parts:
        bench_small()
    if "first-fit" in args.parts:
        bench_first_fit()


if __name__ == "__main__":
    main()
