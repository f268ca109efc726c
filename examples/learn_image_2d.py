"""Lecture 2: a deep network learns a 2-D function, i.e. an image, from random samples.

The target is a smiley drawn on [-1, 1]^2. A 2-150-150-100-1 network with sigmoid hidden
units sees batches of random points (x, y) and their pixel values, and gradually draws the
picture. Writes ``learn_image_2d.png`` (target, network, loss curve) when matplotlib is
installed.

    python examples/learn_image_2d.py
"""

import numpy as np

from sknetphys import MLPRegressor
from sknetphys.optimizers import Adam


def smiley(x, y):
    r = np.hypot(x, y)
    face = (r < 0.9).astype(float)
    eyes = (np.hypot(x + 0.35, y - 0.3) < 0.12) | (np.hypot(x - 0.35, y - 0.3) < 0.12)
    mouth = (np.abs(np.hypot(x, y + 0.05) - 0.5) < 0.07) & (y < -0.15)
    return face - eyes - mouth


def main(n_samples=20000, epochs=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    z = smiley(X[:, 0], X[:, 1])
    net = MLPRegressor((150, 150, 100), activation="sigmoid", batch_size=100, max_iter=epochs,
                       optimizer=Adam(learning_rate=3e-3), random_state=seed, tol=0)
    net.fit(X, z)
    grid = np.linspace(-1, 1, 100)
    gx, gy = np.meshgrid(grid, grid)
    picture = net.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(100, 100)
    target = smiley(gx, gy)
    print(f"mean squared error on the 100x100 grid: {np.mean((picture - target) ** 2):.4f}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return picture
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.5))
    axes[0].imshow(target, origin="lower", cmap="viridis")
    axes[0].set_title("target")
    axes[1].imshow(picture, origin="lower", cmap="viridis")
    axes[1].set_title(f"network after {net.n_iter_} epochs")
    axes[2].semilogy(net.loss_curve_)
    axes[2].set_xlabel("epoch")
    axes[2].set_title("training cost")
    fig.tight_layout()
    fig.savefig("learn_image_2d.png", dpi=100)
    print("wrote learn_image_2d.png")
    return picture


if __name__ == "__main__":
    main()
