"""Dense networks, side by side in one process: sknetphys vs sklearn vs PyTorch (CPU).

    python benchmarks/bench_mlp.py            # all three parts
    python benchmarks/bench_mlp.py --parts mnist small first-fit

1. MNIST 784-800-10 relu, Adam(1e-3), batch 100, float32, no L2: seconds per epoch (median;
   ours and PyTorch's epochs alternate), test error, peak memory. Goal: sknetphys <= 0.6x
   PyTorch's time at equal test error.
2. digits 64-100-10 relu, Adam, batch 32 (per-batch overhead dominates): goal <= sklearn's time.
3. First fit in a fresh process (import + digits, 5 epochs), warm and empty numba cache:
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


def bench_mnist(epochs=5):
    from sklearn.neural_network import MLPClassifier as SK

    from sknetphys import MLPClassifier
    from sknetphys.datasets import load_mnist
    from sknetphys.optimizers import Adam

    X, y = load_mnist(return_X_y=True)
    Xt, yt = load_mnist(subset="test", return_X_y=True)
    print(f"\n[1] MNIST 784-800-10 relu, Adam(1e-3), batch 100, {epochs} epochs, float32")
    print("  sknetphys and PyTorch alternate epochs (partial_fit for ours, so each of our epochs "
          "also pays input validation), so that a busy spell of this shared machine slows both")
    # compile once outside the timing (the first-fit part measures compilation)
    MLPClassifier((800,), batch_size=100, max_iter=1).fit(X[:300], y[:300])
    clf = MLPClassifier((800,), batch_size=100, alpha=0.0, random_state=0,
                        optimizer=Adam(learning_rate=1e-3))
    t_epoch, t_predict = torch_mlp([784, 800, 10], X, y.astype(np.int64), Xt, yt, 100, 1e-3)
    times = {"pytorch": [], "sknetphys": []}
    peaks = {"pytorch": 0.0, "sknetphys": 0.0}
    for _ in range(epochs):
        for name, run in (("sknetphys", lambda: clf.partial_fit(X, y, classes=np.arange(10))),
                          ("pytorch", t_epoch)):
            with PeakRSS() as mem:
                t0 = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - t0)
            peaks[name] = max(peaks[name], mem.peak_mb)
    res = {}
    for name, predict in (("pytorch", t_predict), ("sknetphys", lambda: clf.predict(Xt))):
        t0 = time.perf_counter()
        err = float(np.mean(predict() != yt))
        res[name] = (times[name], err, time.perf_counter() - t0, peaks[name])
    with PeakRSS() as mem:
        t_sk, err, pred_s = sk_mlp(SK, (800,), X, y, Xt, yt, epochs, 100, 1e-3)
    res["sklearn"] = (t_sk, err, pred_s, mem.peak_mb)
    ref = float(np.median(res["pytorch"][0]))
    for name, (t, err, pred_s, mb) in res.items():
        _row(name, t, err, mb, pred_s, ref)
    ratios = [a / b for a, b in zip(times["sknetphys"], times["pytorch"])]
    print("  per-epoch ratios sknetphys/pytorch: " + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"  ratio of medians sknetphys/pytorch = "
          f"{np.median(times['sknetphys']) / ref:.2f} (goal <= 0.60)")
    return res


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
    parser.add_argument("--parts", nargs="+", default=["mnist", "small", "first-fit"])
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    print("machine:", machine())
    if "mnist" in args.parts:
        bench_mnist(args.epochs)
    if "small" in args.parts:
        bench_small()
    if "first-fit" in args.parts:
        bench_first_fit()


if __name__ == "__main__":
    main()
