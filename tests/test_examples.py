"""The examples run end to end (with small sizes) and write their figures."""

import importlib.util
from pathlib import Path

import pytest


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 3 epochs only
def test_learn_image_2d(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    picture = _load("learn_image_2d").main(n_samples=2000, epochs=3)
    assert picture.shape == (100, 100)
    assert (tmp_path / "learn_image_2d.png").exists()


def test_compare_optimizers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    curves = _load("compare_optimizers").main(epochs=3)
    assert set(curves) == {"SGD", "SGD + Nesterov", "Adagrad", "RMSprop", "Adadelta", "Adam"}
    for name, curve in curves.items():
        assert len(curve) == 3 and curve[-1] < curve[0], name
    assert (tmp_path / "compare_optimizers.png").exists()
