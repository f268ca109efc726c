"""Lecture: networks built by hand, weight by weight.

Before any training, the lecture writes networks down: a single sigmoid neuron
``f(w1 x1 + w2 x2 + b)`` with large weights is a step, i.e. a logical gate, and a hidden
layer of such steps combines them. ``MLPClassifier.from_weights`` and
``MLPRegressor.from_weights`` turn the weights into fitted estimators that compute exactly
that network:

1. AND and OR: one neuron each (weights 20, 20; bias -30 for AND, -10 for OR).
2. XOR, which no single neuron computes (it is not linearly separable): two hidden
   neurons, OR and NAND, and their AND.
3. The quarter-space step: 1 where x > 0 and y > 0, a smooth AND of two half-plane steps.
4. The square: four half-plane steps (x > -a, x < a, y > -a, y < a) summed by an output
   neuron that fires only when all four do. Look for: the sharper the steps (the larger the
   weights), the closer the network comes to the exact indicator function; with a few
   more neurons any region, and so any function, can be built this way.

Writes ``hand_built_networks.png``.

    python examples/01_hand_built_networks.py [--quick] [--out DIR]
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sknetphys import MLPClassifier, MLPRegressor  # noqa: E402
from sknetphys.datasets import make_function_image, make_logic_table  # noqa: E402
from sknetphys.plotting import plot_function_image  # noqa: E402


def gates():
    """The logic gates as networks: AND, OR (one neuron), XOR (a hidden layer of two)."""
    return {
        "and": MLPClassifier.from_weights(coefs=[[[20], [20]]], intercepts=[[-30]]),
        "or": MLPClassifier.from_weights(coefs=[[[20], [20]]], intercepts=[[-10]]),
        # hidden: OR (fires if either input is on) and NAND (fires unless both are);
        # output: their AND
        "xor": MLPClassifier.from_weights(coefs=[[[20, -20], [20, -20]], [[20], [20]]],
                                          intercepts=[[-10, 30], [-30]]),
    }


def quarter_step(sharpness):
    """1 where x > 0 and y > 0: the AND of the steps in x and in y."""
    w = sharpness
    return MLPRegressor.from_weights(coefs=[[[w, 0], [0, w]], [[10], [10]]],
                                     intercepts=[[0, 0], [-15]], output_activation="sigmoid")


def square(sharpness, a=0.25):
    """1 inside the square |x| < a, |y| < a: four half-plane steps, all of which must fire."""
    w = sharpness
    return MLPRegressor.from_weights(
        coefs=[[[w, -w, 0, 0], [0, 0, w, -w]], [[10], [10], [10], [10]]],
        intercepts=[[w * a] * 4, [-35]], output_activation="sigmoid")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Networks built by hand.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    grid_size = 50 if args.quick else 200

    results = {}
    for name, net in gates().items():
        X, y = make_logic_table(name)
        results[name] = net.predict(X)
        p = net.predict_proba(X)[:, 1]
        print(f"{name.upper():>3s}: " + ", ".join(
            f"{int(a)}{int(b)} -> {out} (p = {q:.3f})" for (a, b), out, q in
            zip(X, results[name], p)) + ("  correct" if np.array_equal(results[name], y)
                                           else "  WRONG"))

    shapes = {
        "quarter-space step": (quarter_step, lambda x, y: ((x > 0) & (y > 0)).astype(float)),
        "square": (square, lambda x, y: ((np.abs(x) < 0.25) & (np.abs(y) < 0.25)).astype(float)),
    }
    sharpnesses = (10, 100)
    fig, axes = plt.subplots(len(shapes), 1 + len(sharpnesses), figsize=(10, 6.6))
    for row, (name, (build, exact)) in zip(axes, shapes.items()):
        _, _, grid = make_function_image(exact, 1, grid_size=grid_size, return_grid=True,
                                         random_state=0)
        for ax, sharpness in zip(row[1:], sharpnesses):
            net = build(sharpness)
            plot_function_image(net, grid, axes=[row[0], ax])
            error = np.mean(np.abs(net.predict(grid.data) - grid.target))
            results[f"{name} error {sharpness}"] = error
            ax.set_title(f"weights {sharpness}: mean |error| {error:.3f}")
            print(f"{name}, hidden weights {sharpness:>3d}: mean |network - exact| on the "
                  f"grid {error:.4f}")
        row[0].set_title(f"{name}: exact")
    fig.tight_layout()
    fig.savefig(args.out / "hand_built_networks.png", dpi=70)
    plt.close(fig)
    print(f"wrote hand_built_networks.png into {args.out}")
    return results


if __name__ == "__main__":
    main()
