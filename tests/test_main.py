import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from sknetphys._demo import _Footnotes, _measure

ROOT = Path(__file__).resolve().parents[1]

# The demo in a fresh interpreter (no kernel in memory yet), with every timed call after the
# warm-up watched: a kernel compiled or loaded from the cache inside one means the figure is
# not of the work alone.
_DEMO = """
import json, sys
import sknetphys.__main__ as demo
import sknetphys._demo as work
from sknetphys.compile import kernels

measure, prepare, late, ready = work._measure, demo._prepare, [], []

def watched(call):
    before = kernels(loaded_only=True)
    result = measure(call)
    if ready:
        late.extend(k for k, s in kernels(loaded_only=True).items() if s != before.get(k))
    return result

def prepared(jobs):
    line = prepare(jobs)
    ready.append(True)
    return line

work._measure, demo._prepare = watched, prepared
code = demo.main(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    json.dump({"code": code, "late": late}, f)
"""


def test_demo_reports_compilation_then_figures_of_the_work(tmp_path):
    png, report = tmp_path / "map.png", tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", _DEMO, str(report), "--epochs", "2", "--png", str(png),
         "--tsne-samples", "300"],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr
    out, result = done.stdout, json.loads(report.read_text())
    assert result == {"code": 0, "late": []}
    # the compile step is announced, then reported on its own line
    lines = out.splitlines()
    announce = next(i for i, line in enumerate(lines) if "Preparing the kernels" in line)
    assert re.fullmatch(r"  numba: (compiled \d+ kernel variants in [\d.]+ s \(.*"
                        r"|nothing to compile, loaded from the cache in [\d.]+ s \(.*)",
                        lines[announce + 2])
    # no figure includes compilation (it would be marked " *" and counted in a footnote)
    assert not re.search(r"\d m?s \*", out) and "* includes" not in out
    figures = [line for line in lines if "accuracy" in line and "fit" in line]
    assert len(figures) == 4
    assert "sknetphys MLPClassifier" in figures[0] and "sklearn   MLPClassifier" in figures[1]
    assert all(re.search(r"fit +[\d.]+ s +predict +[\d.]+ ms$", line) for line in figures)
    assert re.search(r"sknetphys Autoencoder +fit +[\d.]+ s +encode +[\d.]+ ms", out)
    assert "reconstruction error" in out and "LogisticRegression on the codes" in out
    ascii_art = lines.index("  a test digit and its reconstruction:")
    assert all(len(line) == 44 for line in lines[ascii_art + 1 : ascii_art + 9])  # 2 x 8x8
    maps = [line for line in lines if re.search(r"barnes_hut +[\d.]+ s +KL", line)]
    assert len(maps) == 2 and "t-SNE maps of 300 digits" in out
    assert "sknetphys TSNEEmbedding" in maps[0] and "sklearn   TSNE" in maps[1]
    assert png.stat().st_size > 10_000


def test_figures_that_include_compilation_are_marked():
    @njit
    def fresh(x):
        return x + 1

    notes = _Footnotes()
    result, seconds, compiling = _measure(lambda: fresh(np.int32(2)))
    assert result == 3 and 0 < compiling <= seconds
    assert notes.mark(compiling) == " *"
    assert notes.mark(_measure(lambda: fresh(np.int32(3)))[2]) == ""  # compiled already
    assert notes.seconds == compiling


def test_public_names_load_on_first_use_only():
    # a fresh interpreter: importing the package loads neither t-SNE nor scikit-learn until
    # a name is asked for; then every public name resolves
    code = ("import sys, sknetphys; assert 'sknetphys.manifold' not in sys.modules; "
            "assert 'sklearn' not in sys.modules; "
            "from sknetphys import TSNEEmbedding; assert TSNEEmbedding.__name__ == 'TSNEEmbedding'; "
            "assert 'TSNEEmbedding' in dir(sknetphys); "
            "assert all(getattr(sknetphys, name).__name__ == name for name in sknetphys.__all__)")
    subprocess.run([sys.executable, "-c", code], check=True)
    import sknetphys

    import sknetphys.manifold

    with pytest.raises(AttributeError, match="NoSuchEstimator"):
        sknetphys.NoSuchEstimator
    with pytest.raises(AttributeError, match="NoSuchEstimator"):
        sknetphys.manifold.NoSuchEstimator


def test_demo_worker_tasks_import_no_sklearn():
    # the demo's entry and the worker of its first run import their modules without
    # scikit-learn (which the entry loads once it has started compiling)
    code = ("import sys, sknetphys.__main__, sknetphys.compile, sknetphys._demo_nets as nets; "
            "nets.warm_up_tsne_tree(); "
            "assert 'sklearn' not in sys.modules, 'sklearn imported'; "
            "assert [len(specs) for _, specs in nets.conv_nets()] == [3, 5]")
    subprocess.run([sys.executable, "-c", code], check=True)
