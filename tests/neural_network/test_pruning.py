"""prune_neurons: given or greedily chosen hidden neurons removed from a fitted dense net."""

import itertools
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknetphys import ConvClassifier, MLPClassifier, MLPRegressor, prune_neurons
from tests._core.naive_dense import act, softmax, softmax_xent_loss, squared_loss


def _numpy_forward(coefs, intercepts, X, activations, out=lambda z: z):
    a = X
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = a @ W + b
        a = act(activations[i], z) if i < len(coefs) - 1 else out(z)
    return a


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 2))
    y = np.sin(2 * X[:, 0]) * X[:, 1]
    reg = MLPRegressor((6, 5), ["tanh", "relu"], solver="lbfgs", max_iter=300, random_state=0,
                       dtype="float64").fit(X, y)
    return reg, X, y


def test_given_neurons_removed_and_the_rest_kept(regression):
    reg, X, y = regression
    before = [W.copy() for W in reg.coefs_]
    pruned = prune_neurons(reg, 0, neurons=[1, 4])
    keep = [0, 2, 3, 5]
    W0, W1, W2 = reg.coefs_
    b0, b1, b2 = reg.intercepts_
    kept = [W0[:, keep], W1[keep], W2], [b0[keep], b1, b2]
    expected = _numpy_forward(*kept, X, ["tanh", "relu"])[:, 0]
    np.testing.assert_allclose(pruned.predict(X), expected, rtol=1e-12, atol=1e-14)
    assert pruned.hidden_layer_sizes == (4, 5) and [W.shape for W in pruned.coefs_] == [
        (2, 4), (4, 5), (5, 1)]
    assert pruned.get_params()["activation"] == ["tanh", "relu"]
    # the original is untouched, and the pruned net is a usable fitted estimator
    for W, W_before in zip(reg.coefs_, before):
        np.testing.assert_array_equal(W, W_before)
    assert reg.hidden_layer_sizes == (6, 5) and pruned is not reg
    assert pruned.layer_activations(X, 0).shape == (200, 4) and pruned.n_iter_ == 0
    restored = pickle.loads(pickle.dumps(pruned))
    np.testing.assert_array_equal(restored.predict(X), pruned.predict(X))
    # the last hidden layer, counted from the end
    last = prune_neurons(reg, -1, neurons=[0])
    assert last.hidden_layer_sizes == (6, 4)
    np.testing.assert_allclose(
        last.predict(X), _numpy_forward([W0, W1[:, 1:], W2[1:]], [b0, b1[1:], b2], X,
                                        ["tanh", "relu"])[:, 0], rtol=1e-12, atol=1e-14)


def _cost_without(reg, X, y, removed):
    W0, W1, W2 = reg.coefs_
    b0, b1, b2 = reg.intercepts_
    keep = [j for j in range(W0.shape[1]) if j not in removed]
    out = _numpy_forward([W0[:, keep], W1[keep], W2], [b0[keep], b1, b2], X, ["tanh", "relu"])
    return squared_loss(out, y[:, None])


def test_greedy_removes_the_least_harmful_neuron_each_time(regression):
    """Against brute force with a numpy forward pass: each step removes the neuron whose
    removal (given the ones already gone) leaves the lowest cost."""
    reg, X, y = regression
    pruned = prune_neurons(reg, 0, n_remove=3, X=X, y=y)
    removed = []
    for _ in range(3):
        costs = {j: _cost_without(reg, X, y, removed + [j]) for j in range(6) if j not in removed}
        removed.append(min(costs, key=costs.get))
    keep = [j for j in range(6) if j not in removed]
    np.testing.assert_array_equal(pruned.coefs_[0], reg.coefs_[0][:, keep])
    cost = squared_loss(pruned.predict(X)[:, None], y[:, None])
    assert cost == pytest.approx(_cost_without(reg, X, y, removed), rel=1e-12)
    # far better than removing the most useful neurons
    worst = max(_cost_without(reg, X, y, list(c)) for c in itertools.combinations(range(6), 3))
    assert cost < worst


def test_greedy_on_a_classifier_uses_its_cross_entropy():
    X, y = load_digits(return_X_y=True)
    X = X[:500] / 16
    y = y[:500]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier((12,), max_iter=60, random_state=0, dtype="float64",
                            learning_rate_init=0.01).fit(X, y)
    pruned = prune_neurons(clf, 0, n_remove=1, X=X, y=y)
    W0, W1 = clf.coefs_
    b0, b1 = clf.intercepts_

    def cost(j):
        keep = [k for k in range(12) if k != j]
        out = _numpy_forward([W0[:, keep], W1[keep]], [b0[keep], b1], X, ["relu"])
        return softmax_xent_loss(out, np.eye(10)[y])

    j = min(range(12), key=cost)
    np.testing.assert_array_equal(pruned.coefs_[0], np.delete(W0, j, axis=1))
    np.testing.assert_array_equal(pruned.classes_, clf.classes_)
    expected = softmax(_numpy_forward([np.delete(W0, j, 1), np.delete(W1, j, 0)],
                                      [np.delete(b0, j), b1], X, ["relu"]))
    np.testing.assert_allclose(pruned.predict_proba(X), expected, rtol=1e-10)
    assert pruned.score(X, y) > 0.8


def test_pruning_a_hand_built_network_and_string_labels():
    xor = MLPClassifier.from_weights([[[20, -20, 1], [20, -20, 1]], [[20], [20], [0]]],
                                     [[-10, 30, 0], [-30]], classes=["same", "different"])
    truth = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    labels = ["same", "different", "different", "same"]
    # the third neuron does nothing: greedy removal finds it
    pruned = prune_neurons(xor, 0, n_remove=1, X=truth, y=labels)
    assert pruned.hidden_layer_sizes == (2,)
    np.testing.assert_array_equal(pruned.predict(truth), labels)
    np.testing.assert_array_equal(pruned.coefs_[0], [[20, -20], [20, -20]])


@pytest.mark.parametrize("kw, match", [
    (dict(layer=2, neurons=[0]), r"layer must be an int in \[-2, 1\]"),
    (dict(layer=0), "either neurons"),
    (dict(layer=0, neurons=[0], n_remove=1), "either neurons"),
    (dict(layer=0, neurons=[6]), r"indices in \[0, 5\]"),
    (dict(layer=0, neurons=range(6)), "fewer than all 6"),
    (dict(layer=0, neurons=[1, 1]), "each once"),
    (dict(layer=0, neurons=[0.5]), "neuron indices"),
    (dict(layer=0, n_remove=6), r"n_remove must be an int in \[1, 5\]"),
    (dict(layer=0, n_remove=1), "give X and y"),
])
def test_clear_errors(regression, kw, match):
    reg, X, y = regression
    with pytest.raises(ValueError, match=match):
        prune_neurons(reg, **kw)


def test_errors_on_other_estimators_and_data(regression):
    reg, X, y = regression
    with pytest.raises(TypeError, match="MLPClassifier and MLPRegressor"):
        prune_neurons(ConvClassifier(), 0, neurons=[0])
    with pytest.raises(ValueError, match="features"):
        prune_neurons(reg, 0, n_remove=1, X=X[:, :1], y=y)
    clf = MLPClassifier.from_weights([np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match=r"labels \[7\]"):
        prune_neurons(clf, 0, n_remove=1, X=np.ones((3, 2)), y=[0, 1, 7])
