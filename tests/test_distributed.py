"""Scale-out on Dask (the ``distributed`` extra): a grid search on a real local cluster equals
the local one (dense and conv nets, and an autoencoder scored by its ``score``), workers
keep to their share of the cores, and ``dask_ml``'s ``Incremental`` streams a dask array
through ``partial_fit`` to exactly the weights of the same calls run locally (the
autoencoders' without y).

One cluster for the module: two worker processes on the loopback interface, one thread
each, started here and closed at the end.
"""

import logging
import os

import dask.array as da
import joblib
import numpy as np
import pytest
from dask_ml.wrappers import Incremental
from distributed import Client, LocalCluster
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sknetphys import Conv2D, Flatten
from sknetphys._core._threads import n_threads
from sknetphys.optimizers import Adam
from tests._estimators import BY_NAME, NETWORKS, ids

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client():
    environ = dict(os.environ)  # the nanny sets OMP_NUM_THREADS=1 and more in this process
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            yield client
    finally:  # and leaves them there for every later subprocess
        os.environ.clear()
        os.environ.update(environ)


def test_workers_keep_to_their_share_of_the_cores(client):
    # Dask's nanny gives each worker OMP_NUM_THREADS=1 (its thread count); the networks'
    # data-parallel passes follow it instead of using every core in every worker
    report = client.run(lambda: (os.environ.get("OMP_NUM_THREADS"), n_threads()))
    assert sorted(report.values()) == [("1", 1), ("1", 1)]


_RESULT_KEYS = ("params", "mean_test_score", "std_test_score", "split0_test_score",
                "split1_test_score", "rank_test_score")

SEARCHES = {
    "dense": (BY_NAME["MLPClassifier"], {
        "hidden_layer_sizes": [(8,), (16,)],
        "optimizer": [Adam(learning_rate=1e-3), Adam(learning_rate=1e-2)]}),
    "conv": (BY_NAME["ConvClassifier"], {
        "layers": [[Conv2D(2, 3), Flatten()], [Conv2D(4, 3), Flatten()]],
        "optimizer__learning_rate": [1e-3, 1e-2]}),
    # scored by score: the negative reconstruction error
    "autoencoder": (BY_NAME["Autoencoder"], {"hidden_layer_sizes": [(16, 4), (16, 8)],
                                             "optimizer__learning_rate": [1e-3, 1e-2]}),
}


@pytest.mark.parametrize("kind", SEARCHES)
def test_grid_search_on_the_cluster_equals_the_local_one(client, kind):
    case, grid = SEARCHES[kind]
    X, y = case.data(200)
    search = GridSearchCV(case.make(), grid, cv=2)
    local = clone(search).fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = clone(search).fit(X, y)
    for key in _RESULT_KEYS:
        a, b = local.cv_results_[key], remote.cv_results_[key]
        if key == "params":
            assert [repr(p) for p in a] == [repr(p) for p in b]
        else:
            np.testing.assert_array_equal(a, b, err_msg=key)
    assert len(set(local.cv_results_["mean_test_score"])) > 1  # the candidates differ
    if case.autoencoder:  # scored by the negative reconstruction error
        assert np.all(local.cv_results_["mean_test_score"] < 0)
    outputs = case.outputs(local.best_estimator_, X, y)
    for name, value in case.outputs(remote.best_estimator_, X, y).items():
        np.testing.assert_array_equal(value, outputs[name], err_msg=name)


@pytest.mark.parametrize("case", NETWORKS, ids=ids(NETWORKS))
def test_incremental_streams_a_dask_array_to_the_local_result(client, case):
    X, y = case.data(300)
    kw = {"classes": np.arange(10)} if case.kind == "classifier" else {}
    blocks = 100
    Xd = da.from_array(X, chunks=(blocks, X.shape[1]))
    yd = None if y is None else da.from_array(y, chunks=blocks)  # the autoencoders: X alone
    # blocks in order (Incremental shuffles them by default): the same sequence as below
    remote = Incremental(case.make(), shuffle_blocks=False).fit(Xd, yd, **kw).estimator_
    local = case.make()
    for start in range(0, len(X), blocks):
        local.partial_fit(X[start:start + blocks], None if y is None else y[start:start + blocks],
                          **kw)
    assert remote.n_iter_ == local.n_iter_ == 3 and remote.t_ == local.t_ == 300
    np.testing.assert_array_equal(remote._net.params, local._net.params)
    outputs = case.outputs(local, X, y)
    for name, value in case.outputs(remote, X, y).items():
        np.testing.assert_array_equal(value, outputs[name], err_msg=name)
