"""Every example runs end to end in ``--quick`` mode, writes its figures, and shows what the
lecture shows (on the small quick sizes, with margins that wrong code would not meet)."""

import importlib.util
from pathlib import Path

import numpy as np

from sknetphys.datasets import make_logic_table

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(name, out):
    """Run ``examples/<name>.py --quick`` writing into ``out``; its key figures."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(["--quick", "--out", str(out)])


def assert_pngs(out, *names):
    for name in names:
        assert (out / name).stat().st_size > 1000, name
    assert sorted(p.name for p in out.glob("*.png")) == sorted(names)


def test_every_example_is_tested():
    tested = {"01_hand_built_networks", "02_learn_image_2d", "03_mnist_dense",
              "04_mnist_conv_nets", "05_autoencoders", "06_pca_mnist", "07_tsne_maps",
              "08_compare_optimizers", "09_ising_phases"}
    assert {p.stem for p in EXAMPLES.glob("*.py")} == tested


def test_hand_built_networks(tmp_path):
    figures = run("01_hand_built_networks", tmp_path)
    assert_pngs(tmp_path, "hand_built_networks.png")
    for gate in ("and", "or", "xor"):  # the truth tables, from the weights alone
        np.testing.assert_array_equal(figures[gate], make_logic_table(gate)[1])
    for shape in ("quarter-space step", "square"):
        # sharper steps come closer to the exact indicator
        assert figures[f"{shape} error 100"] < 0.03 < figures[f"{shape} error 10"], shape


def test_learn_image_2d(tmp_path):
    figures = run("02_learn_image_2d", tmp_path)
    assert_pngs(tmp_path, "learn_image_2d.png", "learn_image_2d_training.png",
                "learn_image_2d_neurons.png", "learn_image_2d_pruning.png")
    # the single neurons' pictures (activation x output weight) add up to the output
    assert figures["neuron_sum_error"] < 1e-9
    for key in ("learning rate 0.0001", "learning rate 0.01", "batch size 10",
                "batch size 1000"):
        assert np.isfinite(figures[key]) and figures[key] > 0, key
    # greedy pruning keeps the 10 neurons that matter: far better than the first 10
    assert (figures["pruned: 10 kept, chosen greedily"]
            < figures["pruned: only the first 10 kept"])


def test_mnist_dense(tmp_path, mnist_dir):
    figures = run("03_mnist_dense", tmp_path)
    assert_pngs(tmp_path, "mnist_dense_costs.png", "mnist_dense_overfitting.png",
                "mnist_dense_noisy.png")
    # cross-entropy learns much faster than the quadratic cost from the same start
    assert figures["log_loss_validation"][0] > figures["squared_error_validation"][0] + 0.2
    assert figures["log_loss_accuracy"] > figures["squared_error_accuracy"]
    assert figures["early_stopping epochs"] <= 20
    # corrupted test digits: worse for the net trained on clean ones, much better for the
    # one trained on corrupted copies too
    for name in ("noise 0.3", "occluded 10x10"):
        clean_net = figures[f"{name} accuracy, trained clean"]
        assert clean_net < figures["clean accuracy, trained clean"] - 0.1, name
        assert figures[f"{name} accuracy, trained corrupted"] > clean_net + 0.05, name


def test_mnist_conv_nets(tmp_path, mnist_dir):
    figures = run("04_mnist_conv_nets", tmp_path)
    assert_pngs(tmp_path, "mnist_conv_training.png", "mnist_conv_filters.png")
    # the lecture: the simple net learns with SGD at learning rate 1.0 ...
    assert figures["simple_sgd_accuracy"] > 0.7
    # ... the two-stage net does not (stuck near chance), Adam trains it
    assert figures["two_stage_sgd_accuracy"] < 0.3
    assert figures["two_stage_adam_accuracy"] > 0.7
    assert figures["small_set_augmented_accuracy"] > 0.4


def test_autoencoders(tmp_path, mnist_dir):
    figures = run("05_autoencoders", tmp_path)
    assert_pngs(tmp_path, "autoencoder_circles.png", "autoencoder_denoising.png",
                "autoencoder_sparse.png", "autoencoder_pretraining.png")
    assert figures["circles_error"] < 0.5 * figures["circles_baseline"]
    assert 0.028 < figures["masked_input_error"] < 0.034  # 30% of the pixels blacked out
    # (the denoising autoencoder needs the full run to beat the plain one: 0.013 vs 0.022)
    assert np.isfinite(figures["denoising_masked_error"])
    assert figures["sparsity 3.0 mean_code"] < 0.5 * figures["sparsity 0.0 mean_code"]
    assert figures["greedy pretraining first_loss"] < figures["random start first_loss"]


def test_pca_mnist(tmp_path, mnist_dir):
    figures = run("06_pca_mnist", tmp_path)
    assert_pngs(tmp_path, "mnist_pca.png", "mnist_pca_reconstructions.png",
                "mnist_pca_autoencoder.png")
    # the lecture: the first 100 of 784 components hold over 90% of the variance
    assert 0.9 < figures["variance_first_100"] < 0.95
    assert 50 < figures["components_for_90_percent"] < 100
    assert figures["pca_error_10"] > figures["pca_error_50"] > figures["pca_error_100"]
    # the linear autoencoder finds PCA's subspace: its error and its span
    assert 0.97 < figures["autoencoder_error"] / figures["pca_error_10"] < 1.03
    assert figures["autoencoder_mean_cos2"] > 0.95


def test_tsne_maps(tmp_path, mnist_dir):
    figures = run("07_tsne_maps", tmp_path)
    assert_pngs(tmp_path, "mnist_tsne.png")
    assert figures["network_accuracy"] > 0.85
    # t-SNE keeps the digits apart far better than the linear PCA map
    assert figures["pca_map_accuracy"] < 0.6
    assert figures["tsne_map_accuracy"] > figures["pca_map_accuracy"] + 0.2
    assert figures["hidden_tsne_map_accuracy"] > figures["pca_map_accuracy"] + 0.2


def test_compare_optimizers(tmp_path):
    results = run("08_compare_optimizers", tmp_path)
    assert_pngs(tmp_path, "compare_optimizers.png")
    assert set(results) == {"SGD", "SGD + Nesterov", "Adagrad", "RMSprop", "Adadelta", "Adam"}
    for name, result in results.items():
        curve = result["loss_curve"]
        assert len(curve) == 3 and curve[-1] < curve[0], name
        assert result["test_accuracy"] > 0.5, name
    # plain SGD is the slowest of them
    assert results["SGD"]["loss_curve"][-1] == max(r["loss_curve"][-1] for r in results.values())


def test_ising_phases(tmp_path):
    figures = run("09_ising_phases", tmp_path)
    assert_pngs(tmp_path, "ising_phases.png")
    for net in ("dense", "conv"):
        assert figures[f"{net}_accuracy"] > 0.9, net
        # P(ordered) falls through 1/2 near Onsager's Tc, in the window never trained on
        assert 2.0 < figures[f"{net}_tc"] < 2.6, net
        p = figures[f"{net}_p_ordered"]
        T = figures["temperatures"]
        assert p[T <= 1.5].min() > 0.8 and p[T >= 3.0].max() < 0.3, net
