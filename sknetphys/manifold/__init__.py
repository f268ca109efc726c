"""Manifold learning: t-SNE maps with exact, Barnes-Hut and FFT-accelerated gradients."""

from ._tsne import TSNEEmbedding

__all__ = ["TSNEEmbedding"]
