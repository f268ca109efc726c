"""Dense, Dropout and Flatten layers."""

import numpy as np

from ..kernels.activations import SIGMOID, activate, activation_backward
from ..kernels.dropout import dropout_backward, dropout_forward
from ..kernels.sparse_input import csc_matmul, csc_matmul_t, to_csc
from ._base import Layer, LayerSpec, activation_code


class Dense(LayerSpec):
    """Fully connected layer ``y = f(x @ W + b)``.

    Parameters
    ----------
    units : int
        Number of output units.
    activation : str, default="relu"
        One of ``identity``, ``sigmoid`` (``logistic``), ``tanh``, ``relu``, ``leaky_relu``,
        ``softplus``, ``elu``.

    Examples
    --------
    >>> from sknetphys.layers import Dense
    >>> Dense(128, activation="tanh")
    Dense(activation='tanh', units=128)
    """

    def __init__(self, units, activation="relu"):
        self.units = units
        self.activation = activation

    def build(self, input_shape, dtype):
        if len(input_shape) != 1:
            raise ValueError(
                f"Dense expects a flat input, got shape {tuple(input_shape)}; "
                "put a Flatten() layer before it."
            )
        if not (isinstance(self.units, (int, np.integer)) and self.units > 0):
            raise ValueError(f"Dense units must be a positive int, got {self.units!r}.")
        return _DenseLayer(input_shape[0], int(self.units), activation_code(self.activation), dtype)


class _DenseLayer(Layer):
    # Input layers take the sparse route when at most this fraction of a batch is nonzero
    # (MNIST: 19%); above it BLAS's dense product is faster.
    SPARSE_MAX_DENSITY = 0.3
    # In training, batches of this many rows take BLAS's dense product forward even when
    # sparse (the compressed batch still serves the backward pass, fused with the optimizer
    # step): the sparse product's outputs outgrow the cache. Whole MNIST epochs here (one
    # process, 8 alternating pairs, the time with BLAS forward over the time without),
    # 784-800-10: 0.83 at batch 256 but 1.24 at batch 100, although the product alone took
    # 1.79 against 3.34 ms at 256 rows and 0.90 against 1.28 at 100. Inference keeps the
    # sparse route: BLAS was no faster there (10k MNIST rows in chunks of 256 on 2 threads,
    # best of 9 alternating rounds: 86 ms sparse, 93 ms BLAS).
    BLAS_FORWARD_MIN_ROWS = 256
    # ... and such batches skip the compression too when the layer's weights are at most
    # this many bytes: BLAS's dW and the optimizer's plain step then beat the fused sparse
    # update, whose advantage (no dW written and read again) pays once W outgrows the
    # cache. MNIST epochs of 30k images at batch 256, one process, 6 alternating pairs
    # per run, time without compressing over time with: 784-256-10 (0.8 MB of weights)
    # 0.84, 0.82, 0.98, 0.76 and 0.79; 784-256-256-10 1.00, 0.96 and 0.83; but 784-800-10
    # (2.5 MB) 0.88, 0.92, 0.96, 0.97 and 1.11, 784-800-800-10 0.86, 1.08 and 0.95,
    # 784-2000-10 1.06 and 1.09; two identical routes read 0.99. At batch 100 compressing
    # wins (without: 1.04-1.09).
    DENSE_ROUTE_MAX_BYTES = 1 << 20
    # At inference the sparse product goes through the rows in parts of this many, so that
    # a part's outputs stay in the core's L2 (784-800: 128 rows x 800 outputs, 410 KB of a
    # 512 KB L2). 10k MNIST rows, one thread, medians of 6 alternating rounds: 147 ms in
    # parts of 256 rows, 133 in parts of 128, 134 in parts of 64. A row's result is the same
    # either way (the product sums each row over the features in order).
    SPARSE_INFERENCE_ROWS = 128

    def __init__(self, n_in, n_out, code, dtype):
        super().__init__((n_in,), (n_out,), dtype)
        self.param_shapes = [(n_in, n_out), (n_out,)]
        self.fan = (n_in, n_out)
        self.code = code

    def allocate(self, capacity):
        super().allocate(capacity)
        self._y = self._buffer(self.output_shape)
        self._dx = self._buffer(self.input_shape)
        self._e = self._buffer(self.output_shape) if self.code == SIGMOID else None
        if self.receives_input:
            n_in = self.input_shape[0]
            # to_csc needs a spare slot per row beyond the nonzeros it accepts
            room = max(0, int(self.SPARSE_MAX_DENSITY * capacity * n_in)) + capacity
            self._colptr = np.empty(n_in + 1, dtype=np.int64)
            self._rowidx = np.empty(room, dtype=np.int32)
            self._vals = np.empty(room, dtype=self.dtype)

    def forward(self, x, training=False, rng=None):
        n = x.shape[0]
        W, b = self.params
        y = self._y[:n]
        if hasattr(x, "tocsr"):  # scipy sparse input (first layer only)
            self._sparse = False
            y[...] = x @ W
        elif self.receives_input and not training and n > self.SPARSE_INFERENCE_ROWS:
            step = self.SPARSE_INFERENCE_ROWS
            for a in range(0, n, step):
                if not self._product(x[a : a + step], W, y[a : a + step], training):
                    np.matmul(x[a:], W, out=y[a:])  # dense data: the rest in one product
                    break
        else:
            self._product(x, W, y, training)
        activate(y, b, self.code, self._e)
        self._x, self._yn = x, y
        return y

    def _product(self, x, W, y, training):
        """``y = x @ W``; for an input layer, compressing ``x`` first (the compressed batch
        serves the backward pass whichever product runs here). Returns whether ``x`` was
        sparse enough to compress."""
        large = training and x.shape[0] >= self.BLAS_FORWARD_MIN_ROWS
        dense_route = large and W.nbytes <= self.DENSE_ROUTE_MAX_BYTES  # backward too
        self._sparse = self.receives_input and not dense_route and self._compress(x) >= 0
        if self._sparse and not large:
            csc_matmul(self._colptr, self._rowidx, self._vals, W, y)
        else:
            np.matmul(x, W, out=y)
        return self._sparse

    def _compress(self, x):
        max_nnz = int(self.SPARSE_MAX_DENSITY * x.size)
        return to_csc(x, max_nnz, self._colptr, self._rowidx, self._vals)

    def fuse_update(self, dy, update):
        """Input layer on the sparse route: the bias gradient as ``backward`` computes it,
        and ``update`` applied to the weights (their gradient is never stored). Returns
        False, doing nothing, when the batch took the dense route."""
        if not self._sparse:
            return False
        activation_backward(self._yn, dy, self.code, self.grads[1])
        update(self._colptr, self._rowidx, self._vals, dy, self.params[0])
        return True

    def backward(self, dy, need_dx):
        dW, db = self.grads
        activation_backward(self._yn, dy, self.code, db)
        x = self._x
        if self._sparse:
            csc_matmul_t(self._colptr, self._rowidx, self._vals, dy, dW)
        elif hasattr(x, "tocsr"):
            dW[...] = x.T @ dy
        else:
            np.matmul(x.T, dy, out=dW)
        if not need_dx:
            return None
        dx = self._dx[: dy.shape[0]]
        np.matmul(dy, self.params[0].T, out=dx)
        return dx


class Reshape(LayerSpec):
    """Reshape each sample to ``target_shape`` (channels-last, C order), as Keras' ``Reshape``:
    the inverse of :class:`Flatten`, say to bring a dense code back to an image.

    Parameters
    ----------
    target_shape : tuple of int
        The shape of one sample; one entry may be -1, inferred from the others.

    Examples
    --------
    >>> from sknetphys.layers import Dense, Reshape, UpSampling2D
    >>> [Dense(7 * 7 * 4), Reshape((7, 7, 4)), UpSampling2D(2)]
    [Dense(units=196), Reshape(target_shape=(7, 7, 4)), UpSampling2D()]
    """

    def __init__(self, target_shape):
        self.target_shape = target_shape

    def build(self, input_shape, dtype):
        size = int(np.prod(input_shape))
        try:
            target = tuple(int(t) for t in self.target_shape)
        except (TypeError, ValueError):
            target = ()
        unknown = [i for i, t in enumerate(target) if t == -1]
        if not target or len(unknown) > 1 or any(t < 1 for t in target if t != -1):
            raise ValueError(f"Reshape target_shape must be a tuple of positive ints (one may "
                             f"be -1), got {self.target_shape!r}.")
        known = int(np.prod([t for t in target if t != -1]))
        if unknown and size % known == 0:
            target = tuple(size // known if t == -1 else t for t in target)
        if int(np.prod(target)) != size:
            raise ValueError(f"Reshape{tuple(self.target_shape)!r} does not fit an input of "
                             f"shape {tuple(input_shape)} ({size} values per sample).")
        return _ReshapeLayer(input_shape, target, dtype)


class _ReshapeLayer(Layer):
    def forward(self, x, training=False, rng=None):
        return x.reshape((x.shape[0],) + self.output_shape)

    def backward(self, dy, need_dx):
        return dy.reshape((dy.shape[0],) + self.input_shape) if need_dx else None


class Dropout(LayerSpec):
    """Inverted dropout: during training each unit is zeroed with probability ``rate``
    and the survivors are scaled by ``1 / (1 - rate)``; at prediction it is the identity.

    Parameters
    ----------
    rate : float in [0, 1)
        Fraction of units dropped.

    Examples
    --------
    >>> from sknetphys.layers import Dropout
    >>> Dropout(0.3)
    Dropout(rate=0.3)
    """

    def __init__(self, rate=0.5):
        self.rate = rate

    def build(self, input_shape, dtype):
        if not (0.0 <= float(self.rate) < 1.0):
            raise ValueError(f"Dropout rate must be in [0, 1), got {self.rate!r}.")
        return _DropoutLayer(input_shape, float(self.rate), dtype)


class _DropoutLayer(Layer):
    training_only = True

    def __init__(self, shape, rate, dtype):
        super().__init__(shape, shape, dtype)
        self.rate = rate

    def allocate(self, capacity):
        super().allocate(capacity)
        self._y = self._buffer(self.output_shape)
        self._u = self._buffer(self.output_shape)
        self._dx = self._buffer(self.input_shape)

    def forward(self, x, training=False, rng=None):
        self._active = training and self.rate > 0
        if not self._active:
            return x
        n = x.shape[0]
        u = self._u[:n].reshape(-1)
        rng.random(out=u, dtype=self.dtype.type)
        y = self._y[:n]
        self._mask(np.ascontiguousarray(x).reshape(-1), u, y.reshape(-1))
        return y

    def backward(self, dy, need_dx):
        if not need_dx:
            return None
        if not self._active:
            return dy
        n = dy.shape[0]
        dx = self._dx[:n]
        self._mask_backward(np.ascontiguousarray(dy).reshape(-1), self._u[:n].reshape(-1),
                            dx.reshape(-1))
        return dx

    # flat arrays; ``u`` holds the uniform draws (subclasses: other masks, see noise.py)
    def _mask(self, x, u, y):
        dropout_forward(x, u, self.rate, y)

    def _mask_backward(self, dy, u, dx):
        dropout_backward(dy, u, self.rate, dx)


class Flatten(LayerSpec):
    """Flatten each sample to a vector, in channels-last (NHWC, C order) order.

    Examples
    --------
    >>> from sknetphys.layers import Flatten
    >>> Flatten()
    Flatten()
    """

    def __init__(self):
        pass

    def build(self, input_shape, dtype):
        return _FlattenLayer(input_shape, dtype)


class _FlattenLayer(Layer):
    def __init__(self, input_shape, dtype):
        super().__init__(input_shape, (int(np.prod(input_shape)),), dtype)

    def forward(self, x, training=False, rng=None):
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx):
        return dy.reshape((dy.shape[0],) + self.input_shape) if need_dx else None
