import subprocess
import sys

from sknetphys.__main__ import main


def test_demo_runs_and_reports_both_libraries(capsys, tmp_path):
    png = tmp_path / "map.png"
    assert main(["--epochs", "2", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "sknetphys MLPClassifier" in out and "sklearn   MLPClassifier" in out
    assert out.count("ConvClassifier") == 2 and "t-SNE map" in out
    assert out.count("accuracy") >= 5
    assert png.stat().st_size > 10_000


def test_tsne_loads_on_first_use_only():
    # a fresh interpreter: importing the package leaves t-SNE unloaded until it is asked for
    code = ("import sys, sknetphys; assert 'sknetphys.manifold' not in sys.modules; "
            "from sknetphys import TSNEEmbedding; assert TSNEEmbedding.__name__ == 'TSNEEmbedding'; "
            "assert 'TSNEEmbedding' in dir(sknetphys)")
    subprocess.run([sys.executable, "-c", code], check=True)
