"""Datasets: MNIST from IDX files, and generators of images and physics data."""

from ._images import make_circle_images, make_function_image
from ._ising import estimate_critical_temperature, ising_energy, ising_magnetization, make_ising
from ._logic import make_logic_table
from ._mnist import find_mnist_dir, load_mnist

__all__ = [
    "estimate_critical_temperature",
    "find_mnist_dir",
    "ising_energy",
    "ising_magnetization",
    "load_mnist",
    "make_circle_images",
    "make_function_image",
    "make_ising",
    "make_logic_table",
]
