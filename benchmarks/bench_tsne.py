"""t-SNE side by side: sknetphys vs openTSNE (FFT, n_jobs=2) vs scikit-learn (Barnes-Hut).

MNIST (train + test, 70,000 images) after PCA to 50 dimensions, perplexity 30, every method at
its defaults otherwise. All runs happen in this one process, one after the other, so they see
the same machine load. Reported per method and size:

* wall time of ``fit`` (sknetphys is warmed up first so numba's one-off compilation, cached
  on disk after the first ever run, is not counted; it is printed separately);
* KL divergence as the method reports it, and "KL (common)": the exact KL of every map under
  one common P (sknetphys' affinities: exact 90-NN), with Z from a fine FFT grid (5 nodes per
  box, >= 100 boxes; within 1e-4 of the exact O(n^2) sum, see tests/manifold/test_kernels.py);
* trustworthiness at 10 neighbours (exact, blocked; equals sklearn.manifold.trustworthiness);
* 10-NN label accuracy in the map (leave one out);
* peak resident memory during the fit, above what the process held before it.

Usage::

    python benchmarks/bench_tsne.py                      # n = 10,000 and 70,000
    python benchmarks/bench_tsne.py --sizes 10000 --sklearn-max 10000
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
    from sknetphys.manifold._affinity import joint_probabilities_knn
    from sknetphys.manifold._gradients import FFTGradient

    P = joint_probabilities_knn(X, 30.0)
    out = []
    for Y in maps:
        grad = np.empty_like(Y)
        ob = FFTGradient(P, n_interpolation_points=5, min_num_intervals=100)
        out.append(float(ob(np.ascontiguousarray(Y, dtype=np.float64), 1.0, grad, True)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 70000])
    parser.add_argument("--sklearn-max", type=int, default=10000,
                        help="skip scikit-learn above this size (its Barnes-Hut takes "
                             "tens of minutes at 70,000)")
    parser.add_argument("--skip", nargs="*", default=[], help="methods to skip")
    args = parser.parse_args()

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
