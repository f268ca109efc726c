import _thread
import copy
import hashlib
import os
import pickle
import subprocess
import sys
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_info

import sknetphys.manifold._tsne as tsne_module
from sknetphys.manifold import TSNEEmbedding
from sknetphys.manifold._affinity import joint_probabilities_dense, joint_probabilities_knn
from sknetphys.manifold._parallel import n_workers
from sknetphys.manifold._tsne import EXACT_MAX_SAMPLES

from . import naive

REPO = Path(__file__).resolve().parents[2]


def _blobs(n=150, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, (3, dim))
    y = np.arange(n) % 3
    return centres[y] + rng.normal(size=(n, dim)), y


@pytest.fixture(scope="module")
def fitted():
    X, _ = _blobs()
    return TSNEEmbedding(perplexity=10, random_state=0).fit(X), X


def _transform_rows(X_fit, Xn, perplexity):
    """Dense conditional P of new points over the training points as transform builds it
    (3 * perplexity nearest neighbours), from references (scikit-learn's neighbours, the
    plain-numpy perplexity search); and each new point's nearest training point."""
    dist, idx = NearestNeighbors(n_neighbors=int(3 * perplexity)).fit(X_fit).kneighbors(Xn)
    d2 = dist**2
    Pc = np.zeros((len(Xn), len(X_fit)))
    for i in range(len(Xn)):
        Pc[i, idx[i]] = naive.conditional_row(d2[i], perplexity)
    return Pc, idx[:, 0]


def _per_point_kl(Pc, Yq, Yr):
    return np.array([naive.transform_kl(Pc[i:i + 1], Yq[i:i + 1], Yr) for i in range(len(Yq))])


# A small perplexity because the checks fit on as few as ~10 samples; fewer iterations keep
# the ~40 fits quick. Everything else is at its default.
@parametrize_with_checks([TSNEEmbedding(perplexity=3, max_iter=150, early_exaggeration_iter=50,
                                        random_state=0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("method", ["exact", "barnes_hut", "fft"])
def test_fit_separates_blobs_and_reports(method):
    X, y = _blobs()
    # a 20-box FFT grid: the default 50 boxes cost more than the whole BH fit on 150 points
    est = TSNEEmbedding(perplexity=10, method=method, min_num_intervals=20, random_state=0)
    Y0 = est._initial_embedding(X)
    est.fit(X)
    assert est.embedding_.shape == (150, 2)
    assert est.n_iter_ == 750 and est.n_features_in_ == 8
    assert est.learning_rate_ == pytest.approx(150 / 4)  # max(n / 1, 50) / 4
    acc = KNeighborsClassifier(10).fit(est.embedding_, y).score(est.embedding_, y)
    assert acc == 1.0
    # the reported KL is that of the final map; BH and FFT approximate Z (on a map this small
    # the FFT's coarse grid needs a wider tolerance)
    if method == "exact":
        P = joint_probabilities_dense(X, 10)
    else:
        P = joint_probabilities_knn(X, 10).toarray()
    kl = naive.kl_divergence(P, est.embedding_)
    rel = 3e-2 if method == "fft" else 1e-2
    assert est.kl_divergence_ == pytest.approx(kl, rel=rel)
    # the optimiser did the work: the PCA start already separates the blobs, but its KL is
    # 2.5 against 0.58-0.61 for the maps (with the optimiser off the map keeps the start's)
    assert kl < 0.4 * naive.kl_divergence(P, Y0)


def test_three_components_and_dof():
    X, y = _blobs()
    maps = {dof: TSNEEmbedding(3, perplexity=10, dof=dof, random_state=0).fit(X).embedding_
            for dof in (0.7, 1.0)}
    P = joint_probabilities_knn(X, 10).toarray()
    start = TSNEEmbedding(3, perplexity=10, random_state=0)._initial_embedding(X)
    for dof, Y in maps.items():
        assert Y.shape == (150, 3)
        assert KNeighborsClassifier(10).fit(Y, y).score(Y, y) == 1.0
        assert naive.kl_divergence(P, Y, dof) < 0.4 * naive.kl_divergence(P, start, dof)
    # dof changes the objective, and each map is the better one under its own kernel (here
    # 0.63 vs 0.70 under dof=0.7, 0.49 vs 0.55 under dof=1): an ignored dof fails this
    assert naive.kl_divergence(P, maps[0.7], 0.7) < 0.95 * naive.kl_divergence(P, maps[1.0], 0.7)
    assert naive.kl_divergence(P, maps[1.0], 1.0) < 0.95 * naive.kl_divergence(P, maps[0.7], 1.0)


def test_early_exaggeration_forms_tight_clusters():
    # during the exaggerated stage clusters contract relative to their distances (here a
    # spread / separation ratio of 0.05 against 0.17 without exaggeration)
    X, y = _blobs()

    def spread_over_separation(Y):
        centres = np.array([Y[y == k].mean(0) for k in range(3)])
        spread = np.mean([np.linalg.norm(Y[y == k] - centres[k], axis=1).mean()
                          for k in range(3)])
        return spread / np.mean([np.linalg.norm(centres[a] - centres[b])
                                 for a in range(3) for b in range(a)])

    ratios = [spread_over_separation(TSNEEmbedding(
        perplexity=10, early_exaggeration=ex, max_iter=100, early_exaggeration_iter=100,
        random_state=0).fit_transform(X)) for ex in (12.0, 1.0)]
    assert ratios[0] < 0.5 * ratios[1]


def test_deterministic_under_random_state():
    X, _ = _blobs()
    for init in ["random", "pca"]:
        a = TSNEEmbedding(perplexity=10, init=init, random_state=3, max_iter=300).fit_transform(X)
        b = TSNEEmbedding(perplexity=10, init=init, random_state=3, max_iter=300).fit_transform(X)
        np.testing.assert_array_equal(a, b)
    c = TSNEEmbedding(perplexity=10, init="random", random_state=4, max_iter=300).fit_transform(X)
    assert not np.allclose(a, c)


_DETERMINISM_SCRIPT = """
import hashlib, sys
import numpy as np
import sknetphys.manifold._tsne as tsne_module
from sknetphys.manifold import TSNEEmbedding
tsne_module._PARALLEL_MIN_SAMPLES = 0  # the parallel kernels, as from 1,000 points
rng = np.random.default_rng(0)
X = np.vstack([rng.normal(c, 1, (50, 6)) for c in (0, 4, 8)])
for method in ["exact", "barnes_hut", "fft"]:
    Y = TSNEEmbedding(perplexity=10, method=method, max_iter=12, early_exaggeration_iter=6,
                      min_num_intervals=20, random_state=0).fit_transform(X)
    print(method, hashlib.sha256(Y.tobytes()).hexdigest())
"""


def test_bit_identical_across_processes_and_thread_counts(monkeypatch):
    # a fresh process on one thread, and this one on its default count (with the kernels
    # run in parallel at any size), give the same bits for every method
    env = dict(os.environ, SKNETPHYS_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", _DETERMINISM_SCRIPT], env=env, cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    monkeypatch.setattr(tsne_module, "_PARALLEL_MIN_SAMPLES", 0)
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 1, (50, 6)) for c in (0, 4, 8)])
    here = []
    for method in ["exact", "barnes_hut", "fft"]:
        Y = TSNEEmbedding(perplexity=10, method=method, max_iter=12, early_exaggeration_iter=6,
                          min_num_intervals=20, random_state=0).fit_transform(X)
        here.append(f"{method} {hashlib.sha256(Y.tobytes()).hexdigest()}")
    assert out.split("\n")[:3] == here


def test_init_array_and_pca_scale():
    X, _ = _blobs()
    Y0 = np.random.default_rng(0).normal(size=(150, 2)) * 1e-4
    est = TSNEEmbedding(perplexity=10, init=Y0, max_iter=1)
    est.fit(X)
    assert not np.shares_memory(est.embedding_, Y0)
    Y = TSNEEmbedding(perplexity=10)._initial_embedding(X)
    assert np.std(Y[:, 0]) == pytest.approx(1e-4)


def test_init_array_is_the_start():
    # the exact gradient and the descent step are odd in Y (negation is exact in floating
    # point), so a start at -Y0 must give exactly the negated map: an init array that is
    # ignored, or any start not taken from it, fails
    X, _ = _blobs()
    Y0 = np.random.default_rng(0).normal(size=(150, 2)) * 1e-4
    kw = dict(perplexity=10, method="exact", max_iter=300)
    a = TSNEEmbedding(init=Y0, **kw).fit_transform(X)
    b = TSNEEmbedding(init=-Y0, **kw).fit_transform(X)
    np.testing.assert_array_equal(b, -a)
    c = TSNEEmbedding(init="pca", **kw).fit_transform(X)
    assert not np.allclose(a, c) and not np.allclose(-a, c)


def test_transform_training_rows_and_independence(fitted):
    est, X = fitted
    np.testing.assert_array_equal(est.transform(X), est.embedding_)
    rng = np.random.default_rng(1)
    Xn = X[:20] + rng.normal(0, 0.3, (20, 8))
    full = est.transform(Xn)
    # new points are placed independently: batches give the same positions as the whole
    np.testing.assert_allclose(est.transform(Xn[5:9]), full[5:9], rtol=1e-10)
    # a perturbed point lands next to its original
    d = np.linalg.norm(full - est.embedding_[:20], axis=1)
    spread = np.ptp(est.embedding_, axis=0).max()
    assert np.median(d) < 0.05 * spread
    # the optimisation improves on the start (the nearest training point's position): each
    # point's own KL falls, by 10% on average here (zero iterations would keep it)
    Xn = X[:20] + rng.normal(0, 1.0, (20, 8))
    Pc, nearest = _transform_rows(X, Xn, 10)
    before = _per_point_kl(Pc, est.embedding_[nearest], est.embedding_)
    after = _per_point_kl(Pc, est.transform(Xn), est.embedding_)
    assert np.all(after <= before) and after.mean() < 0.95 * before.mean()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m", [7, 700])
def test_concurrent_transform_is_bit_identical(fitted, dtype, m, monkeypatch):
    est, X = fitted
    if m > 100:
        # large X takes every path there is: several kNN blocks on worker threads, and
        # parallel kernels (from 1,000 new points; here at any size, to keep the test quick)
        monkeypatch.setattr(tsne_module, "_PARALLEL_MIN_SAMPLES", 0)
    rng = np.random.default_rng(2)
    Xq = (X[rng.integers(0, 150, m)] + rng.normal(0, 0.5, (m, 8))).astype(dtype)
    Xq[::5] = X[np.arange(len(Xq[::5])) % len(X)]  # training rows too (looked up)
    embedding = est.embedding_.copy()
    blas = [p["num_threads"] for p in threadpool_info()]
    ref = est.transform(Xq)
    n_threads = 4
    barrier = threading.Barrier(n_threads)

    def call(_):
        before = n_workers()
        barrier.wait()  # start together, so the calls overlap
        out = est.transform(Xq)
        return out, n_workers() == before

    with ThreadPoolExecutor(n_threads) as pool:
        for _ in range(1 if m > 100 else 5):
            for out, threads_kept in pool.map(call, range(n_threads)):
                np.testing.assert_array_equal(out, ref)
                assert threads_kept
    np.testing.assert_array_equal(est.embedding_, embedding)
    assert [p["num_threads"] for p in threadpool_info()] == blas  # BLAS threads restored


def test_feature_names_and_pandas_output():
    X, _ = _blobs(n=60)
    est = TSNEEmbedding(perplexity=5, max_iter=100, early_exaggeration_iter=50, random_state=0)
    with pytest.raises(NotFittedError):
        est.get_feature_names_out()
    Y = est.fit_transform(X)
    # named as scikit-learn's TSNE names its outputs ("tsne0", ...): lower-case class name
    np.testing.assert_array_equal(est.get_feature_names_out(),
                                  ["tsneembedding0", "tsneembedding1"])
    index = pd.RangeIndex(100, 160)
    Xdf = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)], index=index)
    est.set_output(transform="pandas")
    out = est.fit_transform(Xdf)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["tsneembedding0", "tsneembedding1"]
    assert out.index.equals(index)
    np.testing.assert_array_equal(out.to_numpy(), Y)
    new = est.transform(Xdf.iloc[:5] + 0.1)
    assert isinstance(new, pd.DataFrame) and new.index.equals(index[:5])
    plain = est.set_output(transform="default").transform(Xdf.iloc[:5] + 0.1)
    np.testing.assert_array_equal(new.to_numpy(), plain)
    # in a pipeline, three components
    pipe = make_pipeline(StandardScaler(), TSNEEmbedding(3, perplexity=5, max_iter=50,
                                                         early_exaggeration_iter=20))
    out = pipe.set_output(transform="pandas").fit_transform(Xdf)
    assert list(out.columns) == ["tsneembedding0", "tsneembedding1", "tsneembedding2"]


def test_ctrl_c_keeps_the_map_so_far(monkeypatch):
    X, _ = _blobs()
    max_iter = 10**6  # minutes, were it not interrupted
    est = TSNEEmbedding(perplexity=10, max_iter=max_iter, random_state=0)
    fired = []

    def interrupt():
        fired.append(time.perf_counter())
        _thread.interrupt_main()

    optimize = TSNEEmbedding._optimize
    started = []

    def start_timer_then_optimize(self, *args, **kwargs):
        # the timer starts once the optimisation runs, however long the affinities took
        if not started:
            started.append(True)
            threading.Timer(0.3, interrupt).start()
        return optimize(self, *args, **kwargs)

    monkeypatch.setattr(TSNEEmbedding, "_optimize", start_timer_then_optimize)
    try:
        with pytest.warns(UserWarning, match=r"interrupted \(KeyboardInterrupt\) after \d+ "
                                             rf"of {max_iter} iterations"):
            est.fit(X)
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt escaped fit")
    returned = time.perf_counter()
    # an iteration on 150 points takes well under a millisecond; the interrupt must not wait
    # for the end of a stage (250 or ~10^6 iterations)
    assert returned - fired[0] < 5.0
    assert 0 < est.n_iter_ < max_iter
    assert est.embedding_.shape == (150, 2) and np.all(np.isfinite(est.embedding_))
    P = joint_probabilities_knn(X, 10).toarray()
    assert est.kl_divergence_ == pytest.approx(naive.kl_divergence(P, est.embedding_),
                                               rel=1e-2)
    np.testing.assert_array_equal(est.transform(X[:5]), est.embedding_[:5])
    assert np.all(np.isfinite(est.transform(X[:5] + 0.1)))


def _fitted_state(est, Xq):
    return (est.embedding_.copy(), est.n_features_in_, est.kl_divergence_, est.n_iter_,
            est.transform(Xq))


def _assert_same_state(a, b):
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


X40, _ = _blobs(n=40)
_X_NAN = X40.copy()
_X_NAN[3, 2] = np.nan
_X_INF = X40.copy()
_X_INF[0, 0] = np.inf

# (parameters, X, error type, message): each fails before anything is changed
_FIT_FAULTS = [
    ({}, _X_NAN, ValueError, "Input X contains NaN"),
    ({}, _X_INF, ValueError, "Input X contains infinity"),
    ({}, X40[:0], ValueError, r"Found array with 0 sample\(s\)"),
    ({}, X40[:, :0], ValueError, r"0 feature\(s\)"),
    ({}, X40[:, :, None], ValueError, "Found array with dim 3"),
    # (5 features: the input was checked and taken before this fails)
    ({"perplexity": 40}, X40[:, :5], ValueError, r"perplexity \(40\) must be less than "
                                                 r"n_samples \(40\)"),
    ({"n_components": 0}, X40, ValueError, "'n_components' parameter .* range \\[1, 3\\]"),
    ({"max_iter": 0}, X40, ValueError, "'max_iter' parameter"),
    ({"perplexity": 0}, X40, ValueError, "'perplexity' parameter"),
    ({"method": "bh"}, X40, ValueError, "'method' parameter of TSNEEmbedding .*barnes_hut"),
    ({"metric": "euclidian"}, X40, ValueError, "'metric' parameter of TSNEEmbedding .*'euclidean'"),
    ({"n_components": 3, "method": "fft"}, X40, ValueError, "n_components=2 only"),
    ({"init": np.zeros((5, 2))}, X40, ValueError, r"init array has shape \(5, 2\), expected "
                                                  r"\(40, 2\)"),
    ({"init": np.full((40, 2), np.nan)}, X40, ValueError, "init array contains NaN"),
]


@pytest.mark.parametrize("params, X, error, match", _FIT_FAULTS)
def test_fit_faults_raise_and_change_nothing(fitted, params, X, error, match):
    est = copy.deepcopy(fitted[0])
    Xq = fitted[1][:4] + 0.2
    before = _fitted_state(est, Xq)
    good = est.get_params()
    est.set_params(**{"perplexity": 5, **params})
    with pytest.raises(error, match=match):
        est.fit(X)
    _assert_same_state(before, _fitted_state(est.set_params(**good), Xq))


def test_exact_size_limit_and_slow_warning():
    big = np.zeros((EXACT_MAX_SAMPLES + 1, 2))
    with pytest.raises(ValueError, match=f"exceeds its limit of {EXACT_MAX_SAMPLES}"):
        TSNEEmbedding(method="exact").fit(big)
    X = np.random.default_rng(0).normal(size=(1000, 5))
    with pytest.warns(UserWarning, match=r"method='exact' with dof=0.5 on 1000 samples .*"
                                         r"expect ~.* s for 1 iterations"):
        TSNEEmbedding(method="exact", dof=0.5, max_iter=1).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # with dof=1 it is about as fast as Barnes-Hut
        TSNEEmbedding(method="exact", max_iter=1).fit(X)


def test_interrupt_before_optimisation_changes_nothing(fitted, monkeypatch):
    est = copy.deepcopy(fitted[0])
    Xq = fitted[1][:4] + 0.2
    before = _fitted_state(est, Xq)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tsne_module, "joint_probabilities_knn", interrupted)
    with pytest.raises(KeyboardInterrupt):
        est.fit(_blobs(n=60, dim=5)[0])
    _assert_same_state(before, _fitted_state(est, Xq))


@pytest.mark.parametrize("X, match", [
    (np.zeros((3, 5)), "X has 5 features, but TSNEEmbedding is expecting 8 features"),
    (np.full((3, 8), np.nan), "Input X contains NaN"),
    (np.zeros((3, 8, 1)), "Found array with dim 3"),
    (np.zeros((0, 8)), r"Found array with 0 sample\(s\)"),
])
def test_transform_faults_raise_and_change_nothing(fitted, X, match):
    est, X_fit = fitted
    Xq = X_fit[:4] + 0.2
    before = _fitted_state(est, Xq)
    with pytest.raises(ValueError, match=match):
        est.transform(X)
    _assert_same_state(before, _fitted_state(est, Xq))


def test_pickle_round_trip(fitted):
    est, X = fitted
    Xq = X[:10] + 0.3
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.embedding_, est.embedding_)
    np.testing.assert_array_equal(loaded.transform(Xq), est.transform(Xq))
    fresh = TSNEEmbedding(perplexity=10, max_iter=300, random_state=0)
    copy_ = pickle.loads(pickle.dumps(fresh))
    assert copy_.get_params() == fresh.get_params()
    np.testing.assert_array_equal(copy_.fit_transform(X), fresh.fit_transform(X))
    np.testing.assert_array_equal(copy_.transform(Xq), fresh.transform(Xq))


def test_verbose_progress(capsys):
    X, _ = _blobs(n=60)
    TSNEEmbedding(perplexity=5, max_iter=100, early_exaggeration_iter=50, verbose=1).fit(X)
    out = capsys.readouterr().out
    assert "iteration 50: KL" in out and "iteration 100: KL" in out and "affinities" in out


def test_digits_map_quality():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600], y[:600]
    Y = TSNEEmbedding(random_state=0).fit_transform(X)
    assert KNeighborsClassifier(10).fit(Y, y).score(Y, y) > 0.95


def test_transform_places_mnist_points_among_their_class(mnist):
    X, y, Xt, yt = mnist
    from sklearn.decomposition import PCA

    pca = PCA(30, random_state=0).fit(X[:2000])
    Z, Zt = pca.transform(X[:2000]), pca.transform(Xt[:500])
    # 500 iterations are plenty for a map that only has to hold classes apart
    est = TSNEEmbedding(max_iter=500, random_state=0).fit(Z)
    Yt = est.transform(Zt)
    knn = KNeighborsClassifier(10).fit(est.embedding_, y[:2000])
    acc = knn.score(Yt, yt[:500])
    # here 10-NN scores 0.89 in the 30-d PCA space and 0.90 (leave-one-out) in the map of the
    # training points; placed test points reach 0.85 (chance: 0.1)
    assert acc > 0.8, acc
    # and they improve on their start, the nearest training point's position (whose map
    # neighbours would score about as well)
    Pc, nearest = _transform_rows(Z, Zt[:100], 30)
    before = naive.transform_kl(Pc, est.embedding_[nearest], est.embedding_)
    after = naive.transform_kl(Pc, Yt[:100], est.embedding_)
    assert after < 0.97 * before, (after, before)  # ~0.95 here; zero iterations: 1
