"""Convolution, pooling and upsampling layers on channels-last (NHWC) images.

Shapes exclude the batch axis: a layer's ``input_shape`` is ``(height, width, channels)``.
"""

import numpy as np

from ..kernels import direct as dc
from ..kernels import winograd as wg
from ..kernels.activations import (
    IDENTITY,
    SIGMOID,
    SIMD_CODES,
    activation_grad,
    bias_activation,
    simd_activation,
)
from ..kernels.augment import shift_rotate
from ..kernels.blas import column_sums
from ..kernels.conv import (
    conv_backward,
    conv_backward_t,
    conv_forward,
    conv_forward_t,
    conv_input_grad_t,
    pad_shape,
)
from ..kernels.pool import (
    avgpool_backward,
    avgpool_forward,
    maxpool_backward,
    maxpool_forward,
    maxpool_values,
    upsample_backward,
    upsample_forward,
)
from ._base import Layer, LayerSpec, activation_code, as_tuple

# Bytes of one im2col chunk: small enough to stay in cache between im2col and the GEMM,
# large enough that the GEMM is efficient (measured: ~1.5-3 MB is the plateau here).
_CHUNK_BYTES = 2 << 20
_TRANSPOSE_BELOW = 32  # kernel_w * in_channels: see _Conv2DLayer
_PLANAR_MAX_FILTERS = 8  # transposed layout: compute the output planar up to this many filters
_WINOGRAD_WIDTHS = (3, 5)  # kernel widths with a Winograd F(m, kw) path (stride 1)
_WINOGRAD_TILE = 4  # m: output columns per tile
_WINOGRAD_CHUNK_BYTES = 1 << 20  # V, M and Vk of one chunk of images
_DIRECT_MAX_FILTERS = 2  # stride-1 layers with at most this many filters: kernels/direct.py


def _image_shape(input_shape, name):
    if len(input_shape) != 3:
        raise ValueError(
            f"{name} expects images of shape (height, width, channels), got input shape "
            f"{tuple(input_shape)}; give the estimator input_shape=(h, w, c) and put "
            f"{name} before any Flatten()."
        )
    return tuple(int(s) for s in input_shape)


def conv_output_size(size, kernel, stride, padding):
    """Output length and (before, after) padding along one axis, as Keras/TensorFlow.

    ``"valid"``: no padding, ``out = (size - kernel) // stride + 1``.
    ``"same"``: ``out = ceil(size / stride)``, padded with ``max((out-1)*stride + kernel -
    size, 0)`` zeros, the odd one at the end (bottom/right).
    """
    if padding == "valid":
        return (size - kernel) // stride + 1, (0, 0)
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, (total // 2, total - total // 2)


class Conv2D(LayerSpec):
    """2-D convolution (cross-correlation, as Keras and PyTorch) on NHWC images.

    ``y[n, i, j, f] = act(b[f] + sum_{a, b, c} x[n, i*sh + a - pt, j*sw + b - pl, c] *
    W[a, b, c, f])`` with weights of shape ``(kernel_h, kernel_w, in_channels, filters)``.

    Parameters
    ----------
    filters : int
        Number of output channels (feature maps).
    kernel_size : int or (int, int)
        Height and width of the kernel.
    strides : int or (int, int), default=1
        Step of the kernel in each direction.
    padding : {"valid", "same"}, default="valid"
        ``"valid"``: no padding, the output shrinks. ``"same"``: zero padding so that the
        output has ``ceil(input / stride)`` pixels (extra zero at the bottom/right when the
        padding is odd, as Keras/TensorFlow).
    activation : str, default="relu"
        As for :class:`Dense`.

    Examples
    --------
    >>> from sknetphys.layers import Conv2D
    >>> Conv2D(8, 3, padding="same")
    Conv2D(filters=8, kernel_size=3, padding='same')
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation="relu"):
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.activation = activation

    def build(self, input_shape, dtype):
        h, w, c = _image_shape(input_shape, "Conv2D")
        if not (isinstance(self.filters, (int, np.integer)) and self.filters > 0):
            raise ValueError(f"Conv2D filters must be a positive int, got {self.filters!r}.")
        if self.padding not in ("valid", "same"):
            raise ValueError(f"Conv2D padding must be 'valid' or 'same', got {self.padding!r}.")
        kh, kw = as_tuple(self.kernel_size, 2, "kernel_size")
        sh, sw = as_tuple(self.strides, 2, "strides")
        oh, (pt, _) = conv_output_size(h, kh, sh, self.padding)
        ow, (pl, _) = conv_output_size(w, kw, sw, self.padding)
        if oh < 1 or ow < 1:
            raise ValueError(
                f"Conv2D kernel {(kh, kw)} does not fit input {(h, w)} with padding='valid'; "
                "use a smaller kernel or padding='same'."
            )
        return _Conv2DLayer(
            (h, w, c), int(self.filters), (kh, kw), (sh, sw), (pt, pl), (oh, ow),
            activation_code(self.activation), dtype,
        )


class _Conv2DLayer(Layer):
    def __init__(self, input_shape, filters, kernel, strides, pads, out_hw, code, dtype):
        h, w, c = input_shape
        super().__init__(input_shape, out_hw + (filters,), dtype)
        self.kernel, self.strides, self.pads = kernel, strides, pads
        kh, kw = kernel
        self.param_shapes = [(kh, kw, c, filters), (filters,)]
        self.fan = (kh * kw * c, kh * kw * filters)  # Keras' convention for Glorot/He
        self.code = code
        # what the kernels apply: only the bias for the sigmoid and tanh, which numpy's
        # SIMD loops apply after them, 3-7x faster than libm's calls in numba
        self._kernel_code = IDENTITY if code in SIMD_CODES else code
        self.n_cols = kh * kw * c
        self.n_pix = out_hw[0] * out_hw[1]
        self._geometry = kernel + strides + pads + out_hw  # kh, kw, sh, sw, pt, pl, oh, ow
        self._pad_shape = pad_shape(h, w, c, *self._geometry)
        row_bytes = self.n_pix * self.n_cols * self.dtype.itemsize
        self.chunk = max(1, _CHUNK_BYTES // row_bytes)
        # A 1x1 kernel with stride 1 needs no im2col: cols is the input itself.
        self._pointwise = kernel == (1, 1) and strides == (1, 1)
        # Few input channels (an input image): the transposed layout for the whole batch,
        # kept from the forward pass for dW (see kernels/conv.py). Otherwise chunks of
        # row-layout cols that stay in cache, recomputed for the backward pass.
        self.transposed = not self._pointwise and kw * c < _TRANSPOSE_BELOW
        # Stride 1 with a 3- or 5-wide kernel: Winograd along the rows (kernels/winograd.py),
        # 8 GEMM products per 4 output columns where im2col needs 20 for 5 wide.
        winograd_ok = not self._pointwise and strides == (1, 1) and kw in _WINOGRAD_WIDTHS
        # Few filters (an autoencoder's way back to a grey image): the GEMMs above would be
        # matrix-vector products; a direct convolution is faster (kernels/direct.py).
        # Measured, 25 images, one thread: 28x28x8 to 1 filter 5x5 1.06 ms against
        # Winograd's 2.33, 2 filters 1.79 against 2.31, 3 filters 2.89 against 2.73.
        if not self._pointwise and strides == (1, 1):
            *self._plane, self._xq_size, self._dz_size = dc.planar_size(
                h, w, c, kh, kw, *pads, *out_hw)
        self.direct = (not self._pointwise and strides == (1, 1)
                       and filters <= _DIRECT_MAX_FILTERS)
        if self.direct:
            self.transposed = winograd_ok = False
        self.winograd = winograd_ok and not self.transposed
        if winograd_ok:
            m = _WINOGRAD_TILE
            AT, G, BT = wg.minimal_filtering(kw, m)
            self._AT, self._G, self._BT = (a.astype(self.dtype) for a in (AT, G, BT))
            self._wg_xp_shape, (tw, hy) = wg.scratch_shape(h, w, c, *kernel, *pads, *out_hw, m)
            nt = m + kw - 1  # transformed positions: matrix products per tile
            self._v_shape = (nt, tw, hy, c)  # one image's V
            self._v_image = nt * tw * hy * c
            self._m_rows = tw * out_hw[0]  # GEMM rows per image
            per_image = (self._v_image + nt * self._m_rows * filters
                         + self._m_rows * kh * c) * self.dtype.itemsize
            self._wg_chunk = max(1, _WINOGRAD_CHUNK_BYTES // per_image)

    def allocate(self, capacity):
        super().allocate(capacity)
        k, f = self.n_cols, self.output_shape[2]
        self._y = self._buffer(self.output_shape)
        self._dx = self._buffer(self.input_shape)
        self._e = self._buffer(self.output_shape) if self.code == SIGMOID else None
        if not (self.winograd or self._pointwise or self.direct):  # im2col's bordered image
            self._xp = np.empty(self._pad_shape, dtype=self.dtype)
        if self.direct:  # one image's planes, and a wide output (or its gradient) per filter
            self._xq = np.empty(self._xq_size, dtype=self.dtype)
            self._dxq = np.empty(self._xq_size, dtype=self.dtype)
            self._acc = np.empty(f * self.output_shape[0] * self._plane[1], dtype=self.dtype)
            self._dz = np.empty(f * self._dz_size, dtype=self.dtype)
        elif self.winograd:
            kh, c = self.kernel[0], self.input_shape[2]
            nt, chunk = self._v_shape[0], min(self._wg_chunk, capacity)
            # V is kept for the backward pass (flat: the first n images are a contiguous
            # view); M and Vk hold one chunk.
            self._V = np.empty(capacity * self._v_image, dtype=self.dtype)
            self._M = np.empty(nt * chunk * self._m_rows * f, dtype=self.dtype)
            self._Vk = np.empty((chunk * self._m_rows, kh * c), dtype=self.dtype)
            self._U = np.empty((nt, kh * c, f), dtype=self.dtype)
            self._dU = np.empty((nt, kh * c, f), dtype=self.dtype)
            self._wg_xp = np.empty(self._wg_xp_shape, dtype=self.dtype)
            self._wg_q = np.empty(self._AT.shape[0] * self.output_shape[0] * f, dtype=self.dtype)
        elif self.transposed:
            # Flat, so that the first n images' matrix is a contiguous (k, n*P) view.
            self._cols_t = np.empty(k * capacity * self.n_pix, dtype=self.dtype)
            self._yt = np.empty(f * capacity * self.n_pix if f <= _PLANAR_MAX_FILTERS else 0,
                                dtype=self.dtype)
        elif not self._pointwise:
            self._cols = np.empty((min(self.chunk, capacity) * self.n_pix, k), dtype=self.dtype)

    def row_bytes(self):
        extra = self.n_cols * self.n_pix if self.transposed else 0
        if self.winograd:  # V, kept for the backward pass
            extra = self._v_image
        return super().row_bytes() + extra * self.dtype.itemsize

    def _v_view(self, n):
        return self._V[: n * self._v_image].reshape((n,) + self._v_shape)

    def _cols_t_view(self, n):
        """The transposed layout's (k, n*P) matrix for the first ``n`` images."""
        size = n * self.n_pix
        return self._cols_t[: self.n_cols * size].reshape(self.n_cols, size)

    def forward(self, x, training=False, rng=None):
        n = x.shape[0]
        x = np.ascontiguousarray(x)
        W, b = self.params
        f = self.output_shape[2]
        wm = W.reshape(self.n_cols, f)
        y = self._y[:n]
        y2 = y.reshape(n * self.n_pix, f)
        code = self._kernel_code
        if self._pointwise:  # a 1x1 kernel with stride 1: cols is the input itself
            np.matmul(x.reshape(-1, self.n_cols), wm, out=y2)
            bias_activation(y2, b, code)
        elif self.direct:
            dc.direct_forward(x, W, b, code, *self.pads, *self._plane, self._xq,
                              self._acc, y)
        elif self.winograd:
            wg.winograd_forward(x, W, b, code, self._G, self._AT, self._BT, *self.pads,
                                self._v_view(n), self._M, self._Vk, self._U, self._wg_xp,
                                self._wg_q, y)
        elif self.transposed:
            yt = self._yt[: f * n * self.n_pix].reshape(-1, n * self.n_pix)
            conv_forward_t(x, wm, b, code, *self._geometry, self._cols_t_view(n),
                           self._xp, yt, y2)
        else:
            conv_forward(x, wm, b, code, *self._geometry, self._cols, self._xp, y2)
        if self.code in SIMD_CODES:
            simd_activation(y2, self.code, self._e)
        self._x, self._yn = x, y
        return y

    def backward(self, dy, need_dx):
        dW, db = self.grads
        x = self._x
        n = dy.shape[0]
        f = self.output_shape[2]
        wm = self.params[0].reshape(self.n_cols, f)
        dw2 = dW.reshape(self.n_cols, f)
        dy2 = np.ascontiguousarray(dy).reshape(n * self.n_pix, f)
        y2 = self._yn.reshape(n * self.n_pix, f)
        dx = self._dx[:n]
        if self._pointwise:
            activation_grad(y2, dy2, self.code)
            column_sums(dy2, db)
            x2 = x.reshape(-1, self.n_cols)
            np.matmul(x2.T, dy2, out=dw2)
            if need_dx:
                np.matmul(dy2, wm.T, out=dx.reshape(-1, self.n_cols))
        elif self.direct:
            dc.direct_backward(x, dy2.reshape(self._yn.shape), self._yn, self.params[0],
                               self.code, *self.pads, *self._plane, self._xq, self._dz, dW,
                               db, need_dx, self._dxq, dx)
        elif self.winograd:
            wg.winograd_backward(dy2.reshape(self._yn.shape), self._yn, self.code,
                                 self._G, self._AT, self._BT, *self.pads, self._v_view(n),
                                 self._M, self._Vk, self._U, self._dU, self._wg_xp, self._wg_q,
                                 dW, db, need_dx, dx)
        elif self.transposed:
            cols_t = self._cols_t_view(n)
            conv_backward_t(dy2, y2, wm, self.code, cols_t, dw2, db)
            if need_dx:
                conv_input_grad_t(dy2, wm, *self._geometry, cols_t, self._xp, dx)
        else:
            conv_backward(x, dy2, y2, wm, self.code, *self._geometry, self._cols, self._xp,
                          dw2, db, need_dx, dx)
        return dx if need_dx else None


class _Pool2D(LayerSpec):
    _name = "Pool2D"

    def __init__(self, pool_size=2, strides=None):
        self.pool_size = pool_size
        self.strides = strides

    def build(self, input_shape, dtype):
        h, w, c = _image_shape(input_shape, self._name)
        ph, pw = as_tuple(self.pool_size, 2, "pool_size")
        sh, sw = as_tuple(self.pool_size if self.strides is None else self.strides, 2, "strides")
        oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
        if oh < 1 or ow < 1:
            raise ValueError(f"{self._name} pool {(ph, pw)} is larger than its input {(h, w)}.")
        return self._runtime((h, w, c), (oh, ow, c), (ph, pw), (sh, sw), dtype)


class MaxPool2D(_Pool2D):
    """Max pooling over ``pool_size`` windows (no padding; floor of the output size).

    Parameters
    ----------
    pool_size : int or (int, int), default=2
    strides : int or (int, int), default=None
        ``None`` means ``pool_size`` (non-overlapping windows).

    Examples
    --------
    >>> from sknetphys.layers import MaxPool2D
    >>> MaxPool2D(2)
    MaxPool2D()
    """

    _name = "MaxPool2D"

    def __init__(self, pool_size=2, strides=None):
        super().__init__(pool_size, strides)

    def _runtime(self, *args):
        return _MaxPoolLayer(*args)


class AvgPool2D(_Pool2D):
    """Average pooling over ``pool_size`` windows (no padding; floor of the output size).

    Parameters
    ----------
    pool_size : int or (int, int), default=2
    strides : int or (int, int), default=None
        ``None`` means ``pool_size`` (non-overlapping windows).

    Examples
    --------
    >>> from sknetphys.layers import AvgPool2D
    >>> AvgPool2D(4)
    AvgPool2D(pool_size=4)
    """

    _name = "AvgPool2D"

    def __init__(self, pool_size=2, strides=None):
        super().__init__(pool_size, strides)

    def _runtime(self, *args):
        return _AvgPoolLayer(*args)


class _PoolLayer(Layer):
    def __init__(self, input_shape, output_shape, pool, strides, dtype):
        super().__init__(input_shape, output_shape, dtype)
        self.pool, self.strides = pool, strides

    def allocate(self, capacity):
        super().allocate(capacity)
        self._y = self._buffer(self.output_shape)
        self._dx = self._buffer(self.input_shape)


class _MaxPoolLayer(_PoolLayer):
    def allocate(self, capacity):
        super().allocate(capacity)
        self._arg = np.empty((capacity,) + self.output_shape, dtype=np.int32)

    def forward(self, x, training=False, rng=None):
        n = x.shape[0]
        x = np.ascontiguousarray(x)
        y = self._y[:n]
        self._x = x
        self._have_arg = bool(training)
        if training:
            maxpool_forward(x, *self.pool, *self.strides, y, self._arg[:n])
        else:  # prediction: the values only, twice as fast
            maxpool_values(x, *self.pool, *self.strides, y)
        return y

    def backward(self, dy, need_dx):
        if not need_dx:
            return None
        n = dy.shape[0]
        dx, arg = self._dx[:n], self._arg[:n]
        if not self._have_arg:  # a backward pass after a prediction-mode forward
            maxpool_forward(self._x, *self.pool, *self.strides, self._y[:n], arg)
            self._have_arg = True
        maxpool_backward(np.ascontiguousarray(dy), arg, *self.pool, *self.strides, dx)
        return dx


class _AvgPoolLayer(_PoolLayer):
    def forward(self, x, training=False, rng=None):
        y = self._y[: x.shape[0]]
        avgpool_forward(np.ascontiguousarray(x), *self.pool, *self.strides, y)
        return y

    def backward(self, dy, need_dx):
        if not need_dx:
            return None
        dx = self._dx[: dy.shape[0]]
        avgpool_backward(np.ascontiguousarray(dy), *self.pool, *self.strides, dx)
        return dx


class UpSampling2D(LayerSpec):
    """Nearest-neighbour upsampling: every pixel is repeated ``size`` times in each direction.

    Parameters
    ----------
    size : int or (int, int), default=2

    Examples
    --------
    >>> from sknetphys.layers import UpSampling2D
    >>> UpSampling2D((2, 3))
    UpSampling2D(size=(2, 3))
    """

    def __init__(self, size=2):
        self.size = size

    def build(self, input_shape, dtype):
        h, w, c = _image_shape(input_shape, "UpSampling2D")
        uh, uw = as_tuple(self.size, 2, "size")
        return _UpSamplingLayer((h, w, c), (h * uh, w * uw, c), (uh, uw), dtype)


class _UpSamplingLayer(Layer):
    def __init__(self, input_shape, output_shape, size, dtype):
        super().__init__(input_shape, output_shape, dtype)
        self.size = size

    def allocate(self, capacity):
        super().allocate(capacity)
        self._y = self._buffer(self.output_shape)
        self._dx = self._buffer(self.input_shape)

    def forward(self, x, training=False, rng=None):
        n = x.shape[0]
        y = self._y[:n]
        upsample_forward(np.ascontiguousarray(x), *self.size, y)
        return y

    def backward(self, dy, need_dx):
        if not need_dx:
            return None
        n = dy.shape[0]
        dx = self._dx[:n]
        upsample_backward(np.ascontiguousarray(dy), *self.size, dx)
        return dx




class RandomShiftRotate(LayerSpec):
    """Training-time data augmentation: every image of every batch is shifted by a random
    whole number of pixels in ``[-shift, shift]`` (each direction) and rotated by a random
    angle in ``[-rotation, rotation]`` degrees (bilinear, zeros outside); at prediction it is
    the identity. As the first layer it generates new training images on the fly each epoch.

    Parameters
    ----------
    shift : int, default=2
    rotation : float, default=10.0
        Maximum angle in degrees; 0 for shifts only.

    Examples
    --------
    >>> from sknetphys.layers import RandomShiftRotate
    >>> RandomShiftRotate(shift=3, rotation=0)
    RandomShiftRotate(rotation=0, shift=3)
    """

    def __init__(self, shift=2, rotation=10.0):
        self.shift = shift
        self.rotation = rotation

    def build(self, input_shape, dtype):
        shape = _image_shape(input_shape, "RandomShiftRotate")
        if not (isinstance(self.shift, (int, np.integer)) and self.shift >= 0):
            raise ValueError(f"shift must be an int >= 0, got {self.shift!r}.")
        if not (np.isscalar(self.rotation) and 0 <= float(self.rotation) <= 180):
            raise ValueError(f"rotation must be in [0, 180] degrees, got {self.rotation!r}.")
        return _RandomShiftRotateLayer(shape, int(self.shift), float(self.rotation), dtype)


class _RandomShiftRotateLayer(Layer):
    training_only = True

    def __init__(self, shape, shift, rotation, dtype):
        super().__init__(shape, shape, dtype)
        self.shift, self.rotation = shift, np.deg2rad(rotation)

    def allocate(self, capacity):
        super().allocate(capacity)
        self._y = self._buffer(self.output_shape)
        self._shifts = np.zeros((capacity, 2), dtype=np.float64)
        self._angles = np.zeros(capacity, dtype=np.float64)

    def forward(self, x, training=False, rng=None):
        if not training or (self.shift == 0 and self.rotation == 0):
            return x
        n = x.shape[0]
        shifts, angles = self._shifts[:n], self._angles[:n]
        shifts[...] = rng.integers(-self.shift, self.shift + 1, size=(n, 2))
        angles[...] = rng.uniform(-self.rotation, self.rotation, size=n)
        y = self._y[:n]
        shift_rotate(x, shifts, angles, y)
        return y

    def backward(self, dy, need_dx):
        if need_dx:
            raise ValueError("RandomShiftRotate must be the first layer (it has no gradient).")
        return None


__all__ = [
    "AvgPool2D",
    "Conv2D",
    "MaxPool2D",
    "RandomShiftRotate",
    "UpSampling2D",
    "conv_output_size",
]
