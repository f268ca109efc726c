import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknetphys.manifold import TSNEEmbedding
from sknetphys.manifold._tsne import EXACT_MAX_SAMPLES

from . import naive


def _blobs(n=150, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, (3, dim))
    y = np.arange(n) % 3
    return centres[y] + rng.normal(size=(n, dim)), y


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
    est.fit(X)
    assert est.embedding_.shape == (150, 2)
    assert est.n_iter_ == 750 and est.n_features_in_ == 8
    assert est.learning_rate_ == pytest.approx(150 / 4)  # max(n / 1, 50) / 4
    acc = KNeighborsClassifier(10).fit(est.embedding_, y).score(est.embedding_, y)
    assert acc == 1.0
    # the reported KL is that of the final map; BH and FFT approximate Z (on a map this small
    # the FFT's fixed 50-box grid is coarse, hence its wider tolerance)
    if method == "exact":
        from sknetphys.manifold._affinity import joint_probabilities_dense

        P = joint_probabilities_dense(X, 10)
    else:
        from sknetphys.manifold._affinity import joint_probabilities_knn

        P = joint_probabilities_knn(X, 10).toarray()
    rel = 3e-2 if method == "fft" else 1e-2
    assert est.kl_divergence_ == pytest.approx(naive.kl_divergence(P, est.embedding_), rel=rel)


def test_three_components_and_dof():
    X, y = _blobs()
    est = TSNEEmbedding(3, perplexity=10, dof=0.7, random_state=0).fit(X)
    assert est.embedding_.shape == (150, 3)
    acc = KNeighborsClassifier(10).fit(est.embedding_, y).score(est.embedding_, y)
    assert acc == 1.0


def test_deterministic_under_random_state():
    X, _ = _blobs()
    for init in ["random", "pca"]:
        a = TSNEEmbedding(perplexity=10, init=init, random_state=3, max_iter=300).fit_transform(X)
        b = TSNEEmbedding(perplexity=10, init=init, random_state=3, max_iter=300).fit_transform(X)
        np.testing.assert_array_equal(a, b)
    c = TSNEEmbedding(perplexity=10, init="random", random_state=4, max_iter=300).fit_transform(X)
    assert not np.allclose(a, c)


def test_init_array_and_pca_scale():
    X, _ = _blobs()
    Y0 = np.random.default_rng(0).normal(size=(150, 2)) * 1e-4
    est = TSNEEmbedding(perplexity=10, init=Y0, max_iter=1)
    est.fit(X)
    assert not np.shares_memory(est.embedding_, Y0)
    with pytest.raises(ValueError, match="init array has shape"):
        TSNEEmbedding(perplexity=10, init=Y0[:5]).fit(X)
    Y = TSNEEmbedding(perplexity=10)._initial_embedding(X)
    assert np.std(Y[:, 0]) == pytest.approx(1e-4)


def test_transform_training_rows_and_independence():
    X, _ = _blobs()
    est = TSNEEmbedding(perplexity=10, random_state=0).fit(X)
    np.testing.assert_array_equal(est.transform(X), est.embedding_)
    Xn = X[:20] + np.random.default_rng(1).normal(0, 0.3, (20, 8))
    full = est.transform(Xn)
    # new points are placed independently: batches give the same positions as the whole
    np.testing.assert_allclose(est.transform(Xn[5:9]), full[5:9], rtol=1e-10)
    # a perturbed point lands next to its original
    d = np.linalg.norm(full - est.embedding_[:20], axis=1)
    spread = np.ptp(est.embedding_, axis=0).max()
    assert np.median(d) < 0.05 * spread


def test_errors():
    X, _ = _blobs(n=40)
    with pytest.raises(ValueError, match="perplexity .* must be less than n_samples"):
        TSNEEmbedding(perplexity=40).fit(X)
    with pytest.raises(ValueError, match="n_components=2 only"):
        TSNEEmbedding(3, method="fft", perplexity=5).fit(X)
    big = np.zeros((EXACT_MAX_SAMPLES + 1, 2))
    with pytest.raises(ValueError, match=f"exceeds its limit of {EXACT_MAX_SAMPLES}"):
        TSNEEmbedding(method="exact").fit(big)
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        TSNEEmbedding(perplexity=5).fit(Xn)
    with pytest.raises(ValueError, match="method"):
        TSNEEmbedding(method="bh").fit(X)


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
