from sknetphys.__main__ import main


def test_demo_runs_and_reports_both_libraries(capsys):
    assert main(["--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "sknetphys MLPClassifier" in out and "sklearn   MLPClassifier" in out
    assert out.count("accuracy") >= 2
