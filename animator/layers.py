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
"""

import numpy as np

from .rng import randn32

_dot = np.dot  # captured once: the book's product must not depend on later patches


def book_dot(a, b):
    """``np.dot`` computed in float64 and returned as float32 (nnfs's workaround)."""
    return _dot(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)


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
        self.dinputs = dvalues.copy()
        np.putmask(self.dinputs, self.inputs <= 0, 0)   # the book's dinputs[inputs <= 0] = 0, faster

    def __repr__(self):
        return "ReLU()"


class Softmax:
    """Row-wise softmax with the row maximum subtracted first, against overflow."""

    def forward(self, inputs):
        self.inputs = inputs
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)

    def __repr__(self):
        return "Softmax()"


class CategoricalCrossentropy:
    """Mean negative log of the probability given to the true class, clipped to [1e-7, 1 - 1e-7]."""

    def forward(self, y_pred, y_true):
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            correct = clipped[np.arange(len(y_pred)), y_true]
        else:
            correct = np.sum(clipped * y_true, axis=1)
        return -np.log(correct)

    def calculate(self, output, y):
        return np.mean(self.forward(output, y))

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
        samples = len(dvalues)
        if y_true.ndim == 2:
            y_true = np.argmax(y_true, axis=1)
        self.dinputs = dvalues.copy()
        self.dinputs[np.arange(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples

    def __repr__(self):
        return "SoftmaxCrossEntropy()"


# The book's names, for chapter code that runs unchanged.
Layer_Dense = Dense
Activation_ReLU = ReLU
Activation_Softmax = Softmax
Loss_CategoricalCrossentropy = CategoricalCrossentropy
Activation_Softmax_Loss_CategoricalCrossentropy = SoftmaxCrossEntropy
