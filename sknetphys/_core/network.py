"""A stack of runtime layers over one flat parameter vector and one flat gradient vector."""

import numpy as np


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

    def __init__(self, specs, input_shape, dtype=np.float32):
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
        sizes_w = [int(np.prod(layer.param_shapes[0])) for layer in weighted]
        sizes_b = [int(np.prod(layer.param_shapes[1])) for layer in weighted]
        self.n_weights = sum(sizes_w)
        self.n_params = self.n_weights + sum(sizes_b)
        self.params = np.zeros(self.n_params, dtype=self.dtype)
        self.grads = np.zeros(self.n_params, dtype=self.dtype)
        ow, ob = 0, self.n_weights
        for layer, sw, sb in zip(weighted, sizes_w, sizes_b):
            wshape, bshape = layer.param_shapes
            layer.bind(
                [self.params[ow : ow + sw].reshape(wshape), self.params[ob : ob + sb].reshape(bshape)],
                [self.grads[ow : ow + sw].reshape(wshape), self.grads[ob : ob + sb].reshape(bshape)],
            )
            ow, ob = ow + sw, ob + sb
        self.weighted_layers = weighted
        # A layer below the first weighted layer needs no input gradient.
        first = next((i for i, layer in enumerate(self.layers) if layer.param_shapes), len(self.layers))
        self._need_dx = [i > first for i in range(len(self.layers))]
        # The input layer may take the optimizer's fused update (see ``backward``) when its
        # weights open the parameter vector.
        self._fusable = (self.layers[0] if first == 0 and hasattr(self.layers[0], "fuse_update")
                         else None)
        self.capacity = 0

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

    def init_params(self, rng):
        for layer in self.weighted_layers:
            layer.init_params(rng)

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
