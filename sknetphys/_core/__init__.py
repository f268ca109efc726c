"""The engine: layers, losses, optimizers and the training loop (numpy + numba only)."""
