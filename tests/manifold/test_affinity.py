import numpy as np
import pytest

from sknetphys.manifold._affinity import (
    conditional_probabilities,
    joint_probabilities_dense,
    joint_probabilities_knn,
    nearest_neighbors,
)
from sknetphys.manifold._kernels_affinity import dense_sq_distances, symmetrise

from . import naive


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return np.vstack([rng.normal(0, 1, (60, 7)), rng.normal(4, 2, (40, 7))])


@pytest.mark.parametrize("k", [1, 5, 99])
def test_knn_matches_naive(X, k):
    idx, d2 = nearest_neighbors(X, k)
    ridx, rd2 = naive.knn(X, k)
    np.testing.assert_array_equal(idx, ridx)
    np.testing.assert_allclose(d2, rd2, rtol=1e-12, atol=1e-12)


def test_knn_queries_and_blocks(X, monkeypatch):
    # blocks smaller than the data exercise the row offset used to skip each point itself
    import sknetphys.manifold._affinity as aff

    monkeypatch.setattr(aff, "_BLOCK", 7)
    idx, d2 = nearest_neighbors(X, 10)
    ridx, rd2 = naive.knn(X, 10)
    np.testing.assert_array_equal(idx, ridx)
    Q = X[:13] + 0.1
    idx, d2 = nearest_neighbors(X, 10, Y=Q)
    ridx, rd2 = naive.knn(X, 10, Y=Q)
    np.testing.assert_array_equal(idx, ridx)
    np.testing.assert_allclose(d2, rd2, rtol=1e-12)


def test_knn_other_metric(X):
    idx, d2 = nearest_neighbors(X, 5, metric="manhattan")
    D = np.abs(X[:, None] - X[None]).sum(-1)
    np.fill_diagonal(D, np.inf)
    ridx = np.argsort(D, axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(idx, ridx)
    np.testing.assert_allclose(d2, np.take_along_axis(D, ridx, 1) ** 2)


@pytest.mark.parametrize("perplexity", [2.0, 10.0, 30.0])
def test_perplexity_hits_target_entropy(X, perplexity):
    _, d2 = naive.knn(X, 90)
    p, beta = conditional_probabilities(d2, perplexity, tol=1e-8)
    np.testing.assert_allclose(p.sum(1), 1.0)
    H = np.array([naive.entropy(row) for row in p])
    np.testing.assert_allclose(H, np.log(perplexity), atol=1e-7)
    np.testing.assert_allclose(p[0], naive.conditional_row(d2[0], perplexity), atol=1e-6)
    assert np.all(beta > 0)


def test_perplexity_scale_free():
    # distances many orders of magnitude apart still calibrate (the search brackets first)
    rng = np.random.default_rng(1)
    d2 = np.sort(rng.random((5, 40)), axis=1) * np.array([[1e-8], [1e-3], [1], [1e3], [1e8]])
    p, _ = conditional_probabilities(d2, 12.0, tol=1e-8)
    H = np.array([naive.entropy(row) for row in p])
    np.testing.assert_allclose(H, np.log(12.0), atol=1e-6)


def test_joint_probabilities_match_naive(X):
    # the default entropy tolerance, 1e-5 nats, moves each p by a relative ~1e-4 at most
    P = joint_probabilities_knn(X, 10.0)
    R = naive.joint_probabilities(X, 10.0, k=30)
    np.testing.assert_allclose(P.toarray(), R, rtol=1e-3, atol=1e-12)
    assert abs(P.sum() - 1) < 1e-12
    assert (P != P.T).nnz == 0
    D = joint_probabilities_dense(X, 10.0)
    np.testing.assert_allclose(D, naive.joint_probabilities(X, 10.0), rtol=1e-3, atol=1e-12)
    assert np.all(np.diag(D) == 0)
    assert abs(D.sum() - 1) < 1e-12 and np.array_equal(D, D.T)


def test_dense_kernels_match_naive(X):
    D = np.empty((100, 100))
    for start, stop in [(0, 40), (40, 100)]:  # row ranges, as threads get them
        dense_sq_distances(X, start, stop, D)
    R = naive.sq_distances(X, X)
    np.fill_diagonal(R, np.inf)
    np.testing.assert_allclose(D, R, rtol=1e-13)
    assert np.all(np.isinf(np.diag(D)))
    A = np.random.default_rng(0).random((7, 7))
    np.fill_diagonal(A, 0.0)  # as the conditionals have it
    S = A.copy()
    symmetrise(S, 0, 3)
    symmetrise(S, 3, 7)
    np.testing.assert_array_equal(S, A + A.T)
    # an infinite distance gets p = 0 and leaves the rest as without it
    d2 = naive.knn(X, 30)[1]
    p_inf, _ = conditional_probabilities(np.hstack([d2, np.full((100, 1), np.inf)]), 10.0)
    p, _ = conditional_probabilities(d2, 10.0)
    assert np.all(p_inf[:, -1] == 0)
    np.testing.assert_array_equal(p_inf[:, :-1], p)


def test_dense_other_metric(X):
    D = np.abs(X[:, None] - X[None]).sum(-1) ** 2
    P = joint_probabilities_dense(X, 10.0, metric="manhattan")
    rows = np.zeros((100, 100))
    for i in range(100):
        others = np.arange(100) != i
        rows[i, others] = naive.conditional_row(D[i, others], 10.0)
    R = (rows + rows.T) / (rows + rows.T).sum()
    np.testing.assert_allclose(P, R, rtol=1e-3, atol=1e-12)


def test_trustworthiness_and_knn_accuracy_match_sklearn(X):
    from sklearn.manifold import trustworthiness as sk_trust
    from sklearn.neighbors import KNeighborsClassifier

    from sknetphys.manifold._metrics import knn_accuracy, trustworthiness

    rng = np.random.default_rng(0)
    maps = [X[:, :2] + rng.normal(0, 0.5, (100, 2)), rng.normal(size=(100, 2))]
    ours = trustworthiness(X, maps, n_neighbors=5)
    for Y, t in zip(maps, ours):
        assert t == pytest.approx(sk_trust(X, Y, n_neighbors=5), abs=1e-6)
    y = (X[:, 0] > 1).astype(int)
    acc = knn_accuracy(maps[0], y, 5)
    from sklearn.model_selection import LeaveOneOut, cross_val_score

    ref = cross_val_score(KNeighborsClassifier(5), maps[0], y, cv=LeaveOneOut()).mean()
    assert acc == pytest.approx(ref, abs=0.03)  # ties broken differently


@pytest.mark.parametrize("dof", [1.0, 0.6])
def test_kl_divergence_metric_matches_naive(X, dof):
    from sknetphys.manifold._metrics import kl_divergence

    P = joint_probabilities_knn(X, 10.0)
    Y = np.random.default_rng(0).normal(0, 3, (100, 2))
    ref = naive.kl_divergence(P.toarray(), Y, dof)
    assert kl_divergence(P, Y, dof) == pytest.approx(ref, rel=1e-12)
    assert kl_divergence(P.toarray(), Y, dof) == pytest.approx(ref, rel=1e-12)
