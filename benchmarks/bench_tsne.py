"""t-SNE side by side: sknetphys vs openTSNE (FFT, n_jobs=2) vs scikit-learn (Barnes-Hut).

MNIST (train + test, 70,000 images) after PCA to 50 dimensions, perplexity 30, every method at
its defaults otherwise. All runs happen in this one process, one after the other, so they see
the same machine load. Reported per method and size:

* wall time of ``fit`` (sknetphys is warmed up first so numba's one-off compilation, cached
  on disk after the first ever run, is not counted; it is printed separately);
* KL divergence as the method reports it, and "KL (common)": the exact KL of every map under
  one common P (sknetphys' affinities: exact 90-NN), with Z summed over all pairs;
* trustworthiness at 10 neighbours (exact, blocked; equals sklearn.manifold.trustworthiness);
* 10-NN label accuracy in the map (leave one out);
* peak resident memory during the fit, above what the process held before it.

``--parts exact`` instead compares the exact O(n^2) methods at equal iterations on the first n
of the same points: sknetphys' ``method="exact"`` against scikit-learn's, with sknetphys'
Barnes-Hut beside them for scale; wall time of the whole fit (affinities included), the ratio
to scikit-learn's, and the exact KL of each map under one P. Run it once before timing: numba
code compiled in the running process ran the exact kernel 2.6x slower (28.5 against 10.9 ms
per iteration at n = 3,000) than the same code loaded from numba's cache by a later process.

Usage::

    python benchmarks/bench_tsne.py                      # n = 10,000 and 70,000
    python benchmarks/bench_tsne.py --sizes 10000 --sklearn-max 10000
    python benchmarks/bench_tsne.py --parts exact --exact-sizes 1000 2000 --exact-iter 250
"""

import argparse
import gc
import os
import threading
import time

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "2")


class PeakRSS:
    """Samples this process's resident memory every 5 ms in a thread; reports the peak."""

    def __enter__(self):
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    @staticmethod
    def _rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def load_data(n_pca=50):
    from sklearn.decomposition import PCA

    from sknetphys.datasets import load_mnist

    X, y = load_mnist(subset="train", return_X_y=True)
    Xt, yt = load_mnist(subset="test", return_X_y=True)
    X, y = np.vstack([X, Xt]), np.concatenate([y, yt])
    Z = PCA(n_pca, random_state=0).fit_transform(X).astype(np.float64)
    return Z, y


def run_sknetphys(X):
    from sknetphys.manifold import TSNEEmbedding

    est = TSNEEmbedding(perplexity=30, random_state=0).fit(X)
    return est.embedding_, est.kl_divergence_


def run_opentsne(X):
    from openTSNE import TSNE

    emb = TSNE(perplexity=30, n_jobs=2, random_state=0).fit(X)
    return np.asarray(emb), float(emb.kl_divergence)


def run_sklearn(X):
    from sklearn.manifold import TSNE

    est = TSNE(perplexity=30, method="barnes_hut", n_jobs=2, random_state=0)
    Y = est.fit_transform(X)
    return Y, float(est.kl_divergence_)


def common_kl(X, maps):
    """Exact KL of every map under one P (sknetphys' exact 90-NN affinities), Z over all
    pairs."""
    from sknetphys.manifold._affinity import joint_probabilities_knn
    from sknetphys.manifold._metrics import kl_divergence

    P = joint_probabilities_knn(X, 30.0)
    return [kl_divergence(P, Y) for Y in maps]


def exact_part(X_all, sizes, n_iter):
    from sklearn.manifold import TSNE

    from sknetphys.manifold import TSNEEmbedding

    sched = dict(max_iter=n_iter, early_exaggeration_iter=min(250, n_iter), random_state=0)
    TSNEEmbedding(method="exact", perplexity=10, max_iter=5).fit(X_all[:100])  # compile/load
    # scikit-learn's exploration stage is fixed at 250 iterations, ours follows n_iter
    methods = [("sknetphys exact", lambda: TSNEEmbedding(method="exact", **sched)),
               ("sklearn exact", lambda: TSNE(method="exact", max_iter=n_iter, random_state=0)),
               ("sknetphys barnes_hut", lambda: TSNEEmbedding(method="barnes_hut", **sched))]
    print("| n | method | iterations | time (s) | ms / iteration | KL (common) |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        X = X_all[:n]
        times, maps = {}, []
        for name, make in methods:
            est = make()
            t = time.perf_counter()
            Y = est.fit_transform(X)
            times[name] = time.perf_counter() - t
            maps.append(Y)
            kl = common_kl(X, [Y])[0]
            print(f"| {n:,} | {name} | {est.n_iter_} | {times[name]:.1f} | "
                  f"{times[name] / est.n_iter_ * 1e3:.1f} | {kl:.3f} |", flush=True)
        print(f"n={n}: time ratio sknetphys exact / sklearn exact "
              f"{times['sknetphys exact'] / times['sklearn exact']:.3f}, "
              f"sknetphys exact / sknetphys barnes_hut "
              f"{times['sknetphys exact'] / times['sknetphys barnes_hut']:.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 70000])
    parser.add_argument("--sklearn-max", type=int, default=10000,
                        help="skip scikit-learn above this size (its Barnes-Hut takes "
                             "tens of minutes at 70,000)")
    parser.add_argument("--skip", nargs="*", default=[], help="methods to skip")
    parser.add_argument("--parts", nargs="+", choices=["mnist", "exact"], default=["mnist"])
    parser.add_argument("--exact-sizes", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--exact-iter", type=int, default=250,
                        help="iterations of every method in --parts exact (>= 250: "
                             "scikit-learn's minimum)")
    args = parser.parse_args()
    if "exact" in args.parts:
        exact_part(load_data()[0], args.exact_sizes, args.exact_iter)
    if "mnist" in args.parts:
        mnist_part(args)


def mnist_part(args):
    from sknetphys.manifold import TSNEEmbedding
    from sknetphys.manifold._metrics import knn_accuracy, trustworthiness

    X_all, y_all = load_data()
    t = time.perf_counter()
    TSNEEmbedding(perplexity=10, max_iter=20, method="fft", random_state=0).fit(X_all[:2000])
    TSNEEmbedding(perplexity=10, max_iter=20, method="fft", random_state=0).fit(X_all[:6000])
    print(f"sknetphys warm-up (numba load/compile): {time.perf_counter() - t:.1f} s")

    methods = [("sknetphys", run_sknetphys), ("openTSNE", run_opentsne),
               ("sklearn", run_sklearn)]
    rows = []
    for n in args.sizes:
        X, y = X_all[:n], y_all[:n]
        maps, names = [], []
        for name, fn in methods:
            if name in args.skip or (name == "sklearn" and n > args.sklearn_max):
                print(f"n={n}: {name} skipped")
                continue
            gc.collect()
            with PeakRSS() as mem:
                t = time.perf_counter()
                Y, kl = fn(X)
                wall = time.perf_counter() - t
            print(f"n={n}: {name} {wall:.1f} s, KL {kl:.4f}, peak +{(mem.peak - mem.base) / 2**20:.0f} MB"
                  f" (RSS {mem.peak / 2**20:.0f} MB)", flush=True)
            maps.append(Y)
            names.append(name)
            rows.append(dict(n=n, method=name, time=wall, kl=kl,
                             mem=(mem.peak - mem.base) / 2**20, rss=mem.peak / 2**20))
        t = time.perf_counter()
        trust = trustworthiness(X, maps, 10)
        kls = common_kl(X, maps)
        for name, Y, tr, klc in zip(names, maps, trust, kls):
            row = next(r for r in rows if r["n"] == n and r["method"] == name)
            row.update(trust=tr, acc=knn_accuracy(Y, y, 10), klc=klc)
        print(f"n={n}: metrics in {time.perf_counter() - t:.1f} s", flush=True)

    print()
    print("| n | method | time (s) | KL (own) | KL (common) | trustworthiness@10 | "
          "10-NN acc | peak mem (MB above start / RSS) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['method']} | {r['time']:.1f} | {r['kl']:.3f} | "
              f"{r['klc']:.3f} | {r['trust']:.4f} | {r['acc']:.4f} | "
              f"{r['mem']:.0f} / {r['rss']:.0f} |")
    for n in args.sizes:
        mine = next((r for r in rows if r["n"] == n and r["method"] == "sknetphys"), None)
        ref = next((r for r in rows if r["n"] == n and r["method"] == "openTSNE"), None)
        if mine and ref:
            print(f"n={n}: time ratio sknetphys/openTSNE {mine['time'] / ref['time']:.2f}, "
                  f"KL(common) ratio {mine['klc'] / ref['klc']:.4f}, "
                  f"trustworthiness difference {mine['trust'] - ref['trust']:+.4f}")


if __name__ == "__main__":
    main()
