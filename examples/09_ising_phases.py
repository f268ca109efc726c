"""Lecture: phases of matter, learned. A network finds the Ising model's critical temperature.

Configurations of the 2-D Ising model (spins +/-1 on a 32 x 32 lattice, periodic
boundaries) are sampled by Monte Carlo at temperatures from 1.0 to 3.5 in steps of 0.05. A
classifier is trained only on configurations far from the transition, labelled "ordered"
(T <= 1.8) and "disordered" (T >= 2.8), and then asked for P(ordered) at every temperature,
those in between included, which it never saw. Where P(ordered) falls through 1/2 is its
estimate of the critical temperature, to compare with Onsager's exact
Tc = 2 / ln(1 + sqrt 2) = 2.269 of the infinite lattice (a finite lattice's transition is
smeared, and shifted by about 1/L).

Both a dense net and a convolutional one (whose filters see neighbouring spins: it knows
the lattice) are trained. Look for: P(ordered) falls from 1 to 0 within about 0.2 of Tc,
more steeply than the mean |magnetisation| (the order parameter, drawn in grey, which the
nets were never told about), and through 1/2 within about 1% of Onsager's Tc (the conv
net closer). Every configuration carries a random global sign, so the nets must learn
something like |m|, not m.

Writes ``ising_phases.png``: configurations at three temperatures, then P(ordered) of the
dense and of the conv net.

    python examples/09_ising_phases.py [--quick] [--out DIR]
"""

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sknetphys import (  # noqa: E402
    Conv2D,
    ConvClassifier,
    Dense,
    Flatten,
    MaxPool2D,
    MLPClassifier,
)
from sknetphys.datasets import (  # noqa: E402
    estimate_critical_temperature,
    ising_magnetization,
    make_ising,
)
from sknetphys.plotting import plot_phase_probability  # noqa: E402

ONSAGER_TC = 2 / np.log1p(np.sqrt(2))
TEMPERATURES = np.round(np.arange(1.0, 3.51, 0.05), 2)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Phases of the Ising model, learned.")
    parser.add_argument("--quick", action="store_true", help="a small run (seconds), for tests")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the PNGs")
    args = parser.parse_args(argv)
    L, n_train, n_test, epochs = (12, 40, 20, 30) if args.quick else (32, 200, 100, 60)

    X, T = make_ising(L=L, temperatures=TEMPERATURES, n_per_temperature=n_train, random_state=0)
    X_test, T_test = make_ising(L=L, temperatures=TEMPERATURES, n_per_temperature=n_test,
                                random_state=1)
    far = (T <= 1.8) | (T >= 2.8)
    ordered = (T[far] <= 1.8).astype(int)  # class 1 is "ordered": predict_proba's column 1
    far_test = (T_test <= 1.8) | (T_test >= 2.8)
    m = np.abs(ising_magnetization(X_test))
    print(f"{L}x{L} lattices, {far.sum()} training configurations far from Tc, "
          f"{len(X_test)} test configurations at {len(TEMPERATURES)} temperatures")

    nets = {
        "dense": MLPClassifier((64,), max_iter=epochs, random_state=0),
        "conv": ConvClassifier([Conv2D(8, 3, padding="same"), MaxPool2D(2), Flatten(),
                                Dense(32)], batch_size=50, max_iter=epochs, random_state=0),
    }
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.6), width_ratios=(1, 1, 1, 2.2, 2.2))
    for ax, t in zip(axes[:3], (1.5, 2.3, 3.2)):
        ax.imshow(X_test[T_test == t][0].reshape(L, L), cmap="gray", vmin=-1, vmax=1)
        ax.set_title(f"T = {t}")
        ax.set_xticks([])
        ax.set_yticks([])
    results = {"onsager_tc": ONSAGER_TC}
    for ax, (name, clf) in zip(axes[3:], nets.items()):
        with warnings.catch_warnings():  # a fixed number of epochs, on purpose
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X[far], ordered)
        p = clf.predict_proba(X_test)[:, 1]
        tc = estimate_critical_temperature(T_test, p)
        accuracy = clf.score(X_test[far_test], (T_test[far_test] <= 1.8).astype(int))
        results[f"{name}_tc"], results[f"{name}_accuracy"] = tc, accuracy
        results[f"{name}_p_ordered"] = np.array([p[T_test == t].mean() for t in TEMPERATURES])
        print(f"{name:<5s} net: accuracy far from Tc {accuracy:.3f}, Tc estimate {tc:.3f} "
              f"(Onsager {ONSAGER_TC:.3f}, {100 * (tc / ONSAGER_TC - 1):+.1f}%)")
        plot_phase_probability(T_test, p, ax=ax)
        ax.plot(TEMPERATURES, [m[T_test == t].mean() for t in TEMPERATURES], color="gray",
                lw=1, label="mean |m|")
        ax.axvspan(1.8, 2.8, color="gray", alpha=0.1, lw=0)  # never seen in training
        ax.legend(fontsize=8)
        ax.set_title(f"{name} net")
    fig.tight_layout()
    fig.savefig(args.out / "ising_phases.png", dpi=80)
    plt.close(fig)
    print(f"wrote ising_phases.png into {args.out}")
    results["temperatures"] = TEMPERATURES
    return results


if __name__ == "__main__":
    main()
