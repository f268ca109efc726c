"""Datasets: MNIST from IDX files, and generators of images and physics data."""

from ._mnist import find_mnist_dir, load_mnist

__all__ = ["find_mnist_dir", "load_mnist"]
