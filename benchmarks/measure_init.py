"""Which initial weights give the dense nets scikit-learn's scores? 5-fold CV, seeds 0-2.

    python benchmarks/measure_init.py reg clf pf

Each scheme is patched into the runtime layers' ``init_params`` (weights he / glorot / lecun
uniform; biases zero ("0") or from the weights' range ("U")); "glorot/U" is scikit-learn's
scheme, the default of the dense estimators since this measurement (benchmarks/RESULTS.md).
"""
import math, sys, warnings
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import (load_breast_cancer, load_digits, load_iris, load_wine, make_classification,
                              make_friedman2, make_friedman3, make_regression, load_diabetes)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score, StratifiedKFold, KFold
from sklearn.neural_network import MLPClassifier as SkC, MLPRegressor as SkR
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
import sknetphys._core.layers._base as base
from sknetphys import MLPClassifier, MLPRegressor
from sknetphys._core.kernels.activations import SIGMOID

warnings.simplefilter("ignore", ConvergenceWarning)

def scheme(weights, biases):
    def init_params(self, rng, scheme=None):
        if not self.param_shapes: return
        fi, fo = self.fan
        if weights == "he": bound = math.sqrt(6 / fi)
        elif weights == "lecun": bound = math.sqrt(3 / fi)
        else:
            bound = math.sqrt(6 / (fi + fo))
            if self.code == SIGMOID: bound *= math.sqrt(2)
        self.params[0][...] = rng.uniform(-bound, bound, size=self.params[0].shape)
        if biases == "uniform":
            self.params[1][...] = rng.uniform(-bound, bound, size=self.params[1].shape)
        else:
            self.params[1][...] = 0
    return init_params

SCHEMES = {"he/0": ("he", "zero"), "glorot/0": ("glorot", "zero"), "glorot/U": ("glorot", "uniform"),
           "he/U": ("he", "uniform"), "lecun/0": ("lecun", "zero")}
orig = base.Layer.init_params
reg_data = {
    "friedman3": make_friedman3(600, noise=0.05, random_state=0),
    "regression": make_regression(500, 20, n_informative=10, noise=10, random_state=0),
    "friedman2": make_friedman2(600, noise=0.5, random_state=0),
    "diabetes": load_diabetes(return_X_y=True),
}
clf_data = {
    "breast_cancer": load_breast_cancer(return_X_y=True),
    "wine": load_wine(return_X_y=True),
    "iris": load_iris(return_X_y=True),
    "classification": make_classification(600, 20, n_informative=8, n_classes=3, random_state=0),
    "digits": load_digits(return_X_y=True),
}
parts = sys.argv[1:] or ["reg", "clf"]
common = dict(hidden_layer_sizes=(64, 32), max_iter=300)
def row(name, scores):
    print(f"{name:16s} " + "  ".join(f"{k}: {min(v):.3f}-{max(v):.3f} ({np.mean(v):.3f})" for k, v in scores.items()), flush=True)

if "reg" in parts:
    for name, (X, y) in reg_data.items():
        scores = {}
        for seed in range(3):
            cv = KFold(5, shuffle=True, random_state=0)
            mk = lambda est: TransformedTargetRegressor(make_pipeline(StandardScaler(), est), transformer=StandardScaler())
            scores.setdefault("sklearn", []).append(cross_val_score(mk(SkR(random_state=seed, **common)), X, y, cv=cv).mean())
            for s, (w, b) in SCHEMES.items():
                base.Layer.init_params = scheme(w, b)
                scores.setdefault(s, []).append(cross_val_score(mk(MLPRegressor(random_state=seed, **common)), X, y, cv=cv).mean())
            base.Layer.init_params = orig
        row(name, scores)
if "clf" in parts:
    for name, (X, y) in clf_data.items():
        scores = {}
        for seed in range(3):
            cv = StratifiedKFold(5, shuffle=True, random_state=0)
            mk = lambda est: make_pipeline(StandardScaler(), est)
            scores.setdefault("sklearn", []).append(cross_val_score(mk(SkC(random_state=seed, **common)), X, y, cv=cv).mean())
            for s, (w, b) in SCHEMES.items():
                base.Layer.init_params = scheme(w, b)
                scores.setdefault(s, []).append(cross_val_score(mk(MLPClassifier(random_state=seed, **common)), X, y, cv=cv).mean())
            base.Layer.init_params = orig
        row(name, scores)
if "pf" in parts:  # digits partial_fit over chunks of 300, 10 passes, (32,)
    from sklearn.model_selection import train_test_split
    X, y = load_digits(return_X_y=True)
    scores = {}
    for seed in range(3):
        Xtr, Xte, ytr, yte = train_test_split(X / 16, y, test_size=0.25, random_state=seed, stratify=y)
        def run(est):
            for p in range(10):
                for a in range(0, len(ytr), 300):
                    est.partial_fit(Xtr[a:a+300], ytr[a:a+300], classes=np.arange(10))
            return est.score(Xte, yte)
        scores.setdefault("sklearn", []).append(run(SkC((32,), random_state=seed)))
        for s, (w, b) in SCHEMES.items():
            base.Layer.init_params = scheme(w, b)
            scores.setdefault(s, []).append(run(MLPClassifier((32,), random_state=seed)))
            base.Layer.init_params = orig
    row("digits-pf", scores)
