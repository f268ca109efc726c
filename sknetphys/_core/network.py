"""A stack of runtime layers over one flat parameter vector and one flat gradient vector."""

import threading

import numpy as np

from ._threads import n_threads, run_parallel

# Training passes over image batches take as many images as keep their activations within
# _PASS_BYTES, so that every layer finds its input still in cache, but at least _PASS_ROWS
# (the GEMMs of later layers, dense ones above all, lose efficiency on fewer rows).
# Measured on MNIST on one thread, batch 100 in 4 passes of 25: the simple conv net's step
# 9.2 -> 6.8 ms (8 rows: 8.1 ms); the two-stage net's unchanged within noise (17-50 rows).
# The parts are also what the threads share out (see train_batch).
_PASS_BYTES = 3 << 20
_PASS_ROWS = 32


# Prediction deals its chunks to threads only when a chunk holds at least this many
# multiply-adds: a hand-off to a thread costs about 0.1 ms here, and a chunk of a small net is
# less work than that (the digits' 64-100-10 net: 256 rows x 7,400 = 1.9M, 0.05 ms of GEMM;
# MNIST's 784-800-10: 163M a chunk).
PARALLEL_MIN_MACS = 10_000_000


def _multiply_adds(layers):
    """Multiply-adds per input row of ``layers``, roughly: each weighted layer's first
    parameter (its weights) once per output position."""
    total = 0
    for layer in layers:
        if layer.param_shapes:
            positions = int(np.prod(layer.output_shape[:-1]))  # 1 for a dense layer
            total += int(np.prod(layer.param_shapes[0])) * positions
    return total


class Network:
    """Build ``specs`` against ``input_shape`` and lay all parameters out in one vector.

    Layout of ``params`` (and its twin ``grads``): every layer's weights in order, then every
    layer's biases in order, so ``params[:n_weights]`` is exactly what the L2 penalty covers.
    Each layer gets views into both vectors, so an optimizer step is one pass over contiguous
    memory and the estimator's ``coefs_``/``intercepts_`` are views too.

    Examples
    --------
    >>> import numpy as np
    >>> from sknetphys._core.layers import Dense
    >>> net = Network([Dense(3), Dense(2, "identity")], (4,), np.float64)
    >>> net.init_params(np.random.default_rng(0))
    >>> net.forward(np.ones((5, 4))).shape
    (5, 2)
    """

    def __init__(self, specs, input_shape, dtype=np.float32, params=None):
        self.specs = list(specs)
        self.dtype = np.dtype(dtype)
        self.input_shape = tuple(int(s) for s in input_shape)
        self.layers = []
        shape = self.input_shape
        for spec in specs:
            layer = spec.build(shape, self.dtype)
            self.layers.append(layer)
            shape = layer.output_shape
        self.output_shape = shape
        if self.layers:
            self.layers[0].receives_input = True

        weighted = [layer for layer in self.layers if layer.param_shapes]
        # (weights, biases) sizes per weighted layer, for the offsets of their views
        self._sizes = [(int(np.prod(w)), int(np.prod(b)))
                       for w, b in (layer.param_shapes for layer in weighted)]
        self.n_weights = sum(sw for sw, _ in self._sizes)
        self.n_params = self.n_weights + sum(sb for _, sb in self._sizes)
        self.weighted_layers = weighted
        # ``params``: another network's vector to share (replicas)
        self.params = np.zeros(self.n_params, dtype=self.dtype) if params is None else params
        self.grads = np.zeros(self.n_params, dtype=self.dtype)
        self._bind()
        # A layer below the first weighted layer needs no input gradient.
        first = next((i for i, layer in enumerate(self.layers) if layer.param_shapes), len(self.layers))
        self._need_dx = [i > first for i in range(len(self.layers))]
        # The input layer may take the optimizer's fused update (see ``backward``) when its
        # weights open the parameter vector.
        self._fusable = (self.layers[0] if first == 0 and hasattr(self.layers[0], "fuse_update")
                         else None)
        self.capacity = 0
        # Rows per training pass: the whole batch for flat (dense) networks, whose
        # activations are small and whose input layer may fuse the optimizer's update.
        images = any(len(layer.output_shape) == 3 for layer in self.layers)
        row = sum(layer.row_bytes() for layer in self.layers)
        self.pass_rows = max(_PASS_ROWS, _PASS_BYTES // row) if images else None
        # Layers of batch statistics (the sparsity penalty) need the batch in one part; their
        # penalties join its loss.
        self._batch_layers = [layer for layer in self.layers if layer.batch_statistics]
        self._grad_sum = None
        self._replicas = []  # training's data-parallel helpers (see train_batch)
        self._idle = []  # inference replicas not in use (see predict)
        self._idle_lock = threading.Lock()

    def _bind(self):
        """Give every weighted layer its views into ``params`` and ``grads``."""
        ow, ob = 0, self.n_weights
        for layer, (sw, sb) in zip(self.weighted_layers, self._sizes):
            wshape, bshape = layer.param_shapes
            layer.bind(
                [self.params[ow : ow + sw].reshape(wshape), self.params[ob : ob + sb].reshape(bshape)],
                [self.grads[ow : ow + sw].reshape(wshape), self.grads[ob : ob + sb].reshape(bshape)],
            )
            ow, ob = ow + sw, ob + sb

    def _replica(self):
        """A network that shares this one's ``params`` (not its gradients or buffers)."""
        # optimizers update params in place: the replica's views stay valid
        return Network(self.specs, self.input_shape, self.dtype, params=self.params)

    def replicas(self, n):
        """``n`` replicas for the extra threads of a data-parallel training pass."""
        while len(self._replicas) < n:
            self._replicas.append(self._replica())
        return self._replicas[:n]

    def __getstate__(self):
        # Views and scratch buffers do not survive pickling as views: pickle the recipe and
        # the parameter values, and rebuild on load.
        return {"specs": self.specs, "input_shape": self.input_shape, "dtype": self.dtype.str,
                "params": self.params}

    def __setstate__(self, state):
        self.__init__(state["specs"], state["input_shape"], np.dtype(state["dtype"]))
        self.params[...] = state["params"]

    def astype(self, dtype):
        """A new network with the same layers and parameters cast to ``dtype``."""
        net = Network(self.specs, self.input_shape, dtype)
        net.params[...] = self.params
        return net

    @property
    def coefs(self):
        return [layer.params[0] for layer in self.weighted_layers]

    @property
    def intercepts(self):
        return [layer.params[1] for layer in self.weighted_layers]

    def init_params(self, rng, scheme="glorot_uniform"):
        """Initial weights and biases of every layer by ``scheme`` (see
        ``layers._base.init_weights``)."""
        for layer in self.weighted_layers:
            layer.init_params(rng, scheme)

    def allocate(self, n):
        """Make sure every buffer holds ``n`` rows; grows, never shrinks."""
        if n > self.capacity:
            for layer in self.layers:
                layer.allocate(n)
            self.capacity = n

    def forward(self, x, training=False, rng=None):
        self.allocate(x.shape[0])
        for layer in self.layers:
            x = layer.forward(x, training, rng)
        return x

    def parts(self, m):
        """The row slices a batch of ``m`` rows is processed in: equal parts of at most
        ``pass_rows`` rows (100 rows in 4 x 25, not 3 x 32 + 4); one part for dense nets,
        and for nets with a layer of batch statistics (a statistic of the parts is not the
        batch's)."""
        if self.pass_rows is None or self.pass_rows >= m or self._batch_layers:
            return [slice(0, m)]
        step = -(-m // -(-m // self.pass_rows))
        return [slice(a, min(m, a + step)) for a in range(0, m, step)]

    def train_batch(self, x, t, loss, delta, rng=None, fused_update=None):
        """Forward, loss and backward for one batch: ``grads`` = the gradient of the mean loss.

        Image networks go through the batch in :meth:`parts`, dealt round-robin to
        ``n_threads()`` threads (each with a replica that shares ``params``), and sum the
        parts' gradients: the same sum in another order. Each part draws its own generator
        from ``rng`` (dropout, augmentation), so the result does not depend on the thread
        count beyond rounding. Returns ``(mean loss + penalties, n)`` with ``n`` as for
        :meth:`backward`; the penalties are those of layers of batch statistics.
        """
        m = x.shape[0]
        parts = self.parts(m)
        if len(parts) == 1:
            value = loss(self.forward(x, True, rng), t, delta)
            value += sum(layer.penalty for layer in self._batch_layers)
            return value, self.backward(delta, fused_update)
        rngs = ([None] * len(parts) if rng is None else
                [np.random.default_rng(seed) for seed in rng.integers(2**63, size=len(parts))])
        T = min(n_threads(), len(parts))
        nets = [self] + self.replicas(T - 1)

        def work(k):
            net = nets[k]
            if net._grad_sum is None:
                net._grad_sum = np.empty_like(net.grads)
            value = 0.0
            for j in range(k, len(parts), T):
                p = parts[j]
                value += loss(net.forward(x[p], True, rngs[j]), t[p], delta[p], m)
                net.backward(delta[p])
                if j == k:
                    np.copyto(net._grad_sum, net.grads)
                else:
                    np.add(net._grad_sum, net.grads, out=net._grad_sum)
            return value

        values = run_parallel([lambda k=k: work(k) for k in range(T)])
        np.copyto(self.grads, self._grad_sum)
        for net in nets[1:]:
            np.add(self.grads, net._grad_sum, out=self.grads)
        return sum(values), 0

    def predict(self, X, start=0, stop=None):
        """Outputs of ``layers[start:stop]`` (the whole network by default) for all rows of
        ``X``, which are inputs of ``layers[start]``, as one new array.

        Safe to call from many threads at once, on this network and while it trains: the
        work runs on replicas borrowed from a pool (each with its own buffers, all sharing
        ``params``), never on the training buffers. Rows go in fixed chunks of
        ``pass_rows`` (256 for dense nets), dealt to ``n_threads()`` threads, so a row's
        result does not depend on the thread count. It may differ in the last bits when the
        row sits elsewhere in X (BLAS blocks the rows of a chunk), as with scikit-learn's
        MLPs, whose prediction is one product over all of X. A small network's chunks all
        run on the calling thread (fewer than :data:`PARALLEL_MIN_MACS` multiply-adds a
        chunk). Image networks predict in chunks of ``pass_rows`` (32 images for the MNIST
        nets: 1.4x (simple) and 1.15x (two-stage) faster than 256).
        """
        layers = self.layers[start:stop]
        out = np.empty((X.shape[0],) + layers[-1].output_shape, dtype=self.dtype)
        n = X.shape[0]
        size = self.pass_rows or 256
        chunks = [slice(a, min(n, a + size)) for a in range(0, n, size)]
        parallel = _multiply_adds(layers) * min(size, n) >= PARALLEL_MIN_MACS
        nets = self._borrow(min(n_threads(), len(chunks)) if parallel else 1)
        T = len(nets)

        def work(k):
            net = nets[k]
            net.allocate(min(size, n))
            for c in chunks[k::T]:
                x = X[c]
                for layer in net.layers[start:stop]:
                    x = layer.forward(x, False, None)
                out[c] = x

        try:
            run_parallel([lambda k=k: work(k) for k in range(T)])
        finally:
            with self._idle_lock:
                self._idle.extend(nets)
        return out

    def _borrow(self, n):
        """``n`` inference replicas, taken from the idle pool or made anew."""
        with self._idle_lock:
            nets = [self._idle.pop() for _ in range(min(n, len(self._idle)))]
        return nets + [self._replica() for _ in range(n - len(nets))]

    def backward(self, delta, fused_update=None):
        """Backpropagate ``delta`` = dLoss/d(output); fills ``self.grads``.

        With ``fused_update`` (from ``optimizer.sparse_input_update``) the input layer may
        apply it to its weights instead of storing their gradient. Returns how many leading
        entries of ``params`` were updated that way (their ``grads`` are not written), so
        that the optimizer's ``step`` starts after them; 0 when the update was not fused.
        """
        for layer, need_dx in zip(reversed(self.layers), reversed(self._need_dx)):
            if (fused_update is not None and layer is self._fusable
                    and layer.fuse_update(delta, fused_update)):
                return layer.params[0].size
            delta = layer.backward(delta, need_dx)
        return 0
