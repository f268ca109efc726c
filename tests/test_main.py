from sknetphys.__main__ import main


def test_demo_runs_and_reports_both_libraries(capsys, tmp_path):
    png = tmp_path / "map.png"
    assert main(["--epochs", "2", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "sknetphys MLPClassifier" in out and "sklearn   MLPClassifier" in out
    assert out.count("ConvClassifier") == 2 and "t-SNE map" in out
    assert out.count("accuracy") >= 5
    assert png.stat().st_size > 10_000
