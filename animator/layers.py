"""The chapter's layers, in the book's float32 arithmetic.

Every array the network holds is float32, as ``nnfs.init()`` makes it; every
matrix product is computed in float64 and rounded to float32, which is the
workaround ``nnfs.init()`` installs in ``np.dot``.  Here that product is a plain
function, :func:`book_dot`, so nothing in numpy is patched.

The attribute names are the book's (``inputs``, ``output``, ``dweights``,
``dbiases``, ``dinputs``) and so are the class aliases at the bottom, so the
chapter's training loop runs unchanged on these classes::

    dense1 = Layer_Dense(2, 64)
    dense1.forward(X)
    activation1 = Activation_ReLU()
    activation1.forward(dense1.output)

The row-wise pieces (:func:`softmax`, :func:`relu_backward`,
:func:`softmax_crossentropy_backward`) are also functions that can write into a
given array, so :class:`animator.network.Network` runs this very arithmetic
into buffers it reuses every epoch.
"""

import numpy as np

from .rng import randn32

_dot = np.dot  # captured once: the book's product must not depend on later patches


def book_dot(a, b):
    """``np.dot`` computed in float64 and returned as float32 (nnfs's workaround)."""
    return _dot(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)


def row_max(values):
    """``np.max(values, axis=1, keepdims=True)``, taken column by column.

    numpy reduces a short last axis slowly (25 us for 300 x 3); a maximum is exact in any
    order and NaN wins either way, so this is the same value, several times faster.
    """
    if values.shape[1] == 1:
        return values.copy()
    peak = np.maximum(values[:, :1], values[:, 1:2])
    for k in range(2, values.shape[1]):
        np.maximum(peak, values[:, k:k + 1], out=peak)
    return peak


def row_sum(values):
    """``np.sum(values, axis=1, keepdims=True)``, bit for bit, column by column when it can be.

    numpy adds fewer than 8 numbers one after another, starting from its identity +0.0
    (pairwise summation starts at blocks of 8), so for rows that short adding the columns
    in order gives the same bits, several times faster; wider rows are left to ``np.sum``.
    """
    if values.shape[1] >= 8:
        return np.sum(values, axis=1, keepdims=True)
    total = values[:, :1] + 0.0    # the identity first: -0.0 + 0.0 is +0.0, as in np.sum
    for k in range(1, values.shape[1]):
        total += values[:, k:k + 1]
    return total


def mean(values):
    """``np.mean(values)``, the same bits, without its Python layers (half its time on 300 numbers).

    For float32 and float64 numpy adds the elements in their own type, divides by the
    count as a numpy integer (which promotes float32 to float64) and casts back; so does
    this.  Other types go to ``np.mean``.
    """
    if values.dtype != np.float32 and values.dtype != np.float64:
        return np.mean(values)
    return values.dtype.type(np.add.reduce(values, axis=None) / np.intp(values.size))


def softmax(inputs, out=None):
    """Row-wise softmax, the book's way: ``exp(x - row max) / row sum``; into ``out`` if given."""
    exp_values = np.subtract(inputs, row_max(inputs), out=out)
    np.exp(exp_values, out=exp_values)
    return np.divide(exp_values, row_sum(exp_values), out=exp_values)


def relu_backward(dvalues, inputs, out=None):
    """``dvalues``, with 0 wherever ``inputs <= 0`` (so a NaN input lets its gradient through, as in the book).

    The book writes ``dinputs = dvalues.copy(); dinputs[inputs <= 0] = 0``.  Here the zeroing
    is a bitwise AND with an all-ones or all-zeros word per element, which gives exactly
    those bits (+0.0 where cleared) without the data-dependent branches of a masked store.
    ``out`` may be ``dvalues`` itself.
    """
    if out is None:
        out = np.empty(dvalues.shape, dtype=dvalues.dtype)    # C order, as the book's copy() is
    word = np.dtype(f"u{dvalues.itemsize}")
    keep = np.less_equal(inputs, 0).astype(word)
    keep -= 1                                   # True -> 0, False -> all ones
    np.bitwise_and(dvalues.view(word), keep, out=out.view(word))
    return out


def softmax_crossentropy_backward(dvalues, y_true, out=None):
    """The book's short gradient of softmax + cross-entropy: ``(probabilities - one_hot) / samples``.

    ``y_true`` holds class indices; ``out`` (if given) receives the result.
    """
    samples = len(dvalues)
    if out is None:
        out = dvalues.copy()
    else:
        np.copyto(out, dvalues)
    out[np.arange(samples), y_true] -= 1
    return np.divide(out, samples, out=out)


class Dense:
    """A fully connected layer: ``output = inputs @ weights + biases``.

    Weights start as ``0.01 * standard normal`` draws and biases at zero, as in
    the book.  ``rng=None`` draws from numpy's global stream like the book does;
    pass a stream from :func:`animator.rng.make_rng` to keep the global one untouched.
    """

    def __init__(self, n_inputs, n_neurons, *, rng=None):
        self.weights = 0.01 * randn32(rng, n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons), dtype=np.float32)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = book_dot(inputs, self.weights) + self.biases

    def backward(self, dvalues, *, need_dinputs=True):
        """Gradients of the weights and biases, and of the inputs unless ``need_dinputs=False``
        (the first layer's input gradient is never used; skipping it changes no other number)."""
        self.dweights = book_dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        if need_dinputs:
            self.dinputs = book_dot(dvalues, self.weights.T)

    @property
    def shape(self):
        return self.weights.shape

    def __repr__(self):
        n_in, n_out = self.weights.shape
        return f"Dense({n_in}, {n_out})"


class ReLU:
    """``max(0, x)``; the gradient passes where the input was positive."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = relu_backward(dvalues, self.inputs)   # the book's dinputs[inputs <= 0] = 0

    def __repr__(self):
        return "ReLU()"


class Softmax:
    """Row-wise softmax with the row maximum subtracted first, against overflow."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = softmax(inputs)

    def __repr__(self):
        return "Softmax()"


class CategoricalCrossentropy:
    """Mean negative log of the probability given to the true class, clipped to [1e-7, 1 - 1e-7]."""

    def forward(self, y_pred, y_true):
        if y_true.ndim == 1:
            # clipping is elementwise: clip the probabilities picked, not all of them
            correct = np.clip(y_pred[np.arange(len(y_pred)), y_true], 1e-7, 1 - 1e-7)
        else:
            correct = np.sum(np.clip(y_pred, 1e-7, 1 - 1e-7) * y_true, axis=1)
        return -np.log(correct)

    def calculate(self, output, y):
        return mean(self.forward(output, y))

    def __repr__(self):
        return "CategoricalCrossentropy()"


class SoftmaxCrossEntropy:
    """Softmax and cross-entropy together, with the book's short backward pass.

    ``forward`` returns the mean loss and keeps the probabilities in ``output``;
    ``backward`` gives ``(probabilities - one_hot) / samples`` in ``dinputs``.
    """

    def __init__(self):
        self.activation = Softmax()
        self.loss = CategoricalCrossentropy()

    def forward(self, inputs, y_true):
        self.activation.forward(inputs)
        self.output = self.activation.output
        return self.loss.calculate(self.output, y_true)

    def backward(self, dvalues, y_true):
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = softmax_crossentropy_backward(dvalues, y_true)

    def __repr__(self):
        return "SoftmaxCrossEntropy()"


# The book's names, for chapter code that runs unchanged.
Layer_Dense = Dense
Activation_ReLU = ReLU
Activation_Softmax = Softmax
Loss_CategoricalCrossentropy = CategoricalCrossentropy
Activation_Softmax_Loss_CategoricalCrossentropy = SoftmaxCrossEntropy
