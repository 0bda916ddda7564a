"""The chapter's model: Dense -> ReLU -> ... -> Dense -> softmax with cross-entropy.

:class:`Network` runs the book's arithmetic (the layer classes of :mod:`animator.layers`)
into arrays it allocates once and reuses every epoch, and converts each activation to
float64 once: the book converts a layer's input for the forward product and again,
transposed, for the weight gradient.  The numbers are the layer classes' to the bit
(``tests/animator/test_network.py`` checks that); only the time spent allocating and converting
goes away.
"""

import numpy as np

from .layers import CategoricalCrossentropy, Dense, book_dot, relu_backward, softmax, softmax_crossentropy_backward


class _Buffers:
    """One Dense layer's reused arrays for a batch of ``n`` rows.

    ``inputs64`` is the layer's input in float64, laid out as ``inputs.astype(np.float64)``
    would be (a product must see the same memory order to give the same bits); it
    lives from the forward pass to the backward pass, and so does ``weights64``.  ``output`` is
    ``book_dot(inputs, weights) + biases``, then, in a hidden layer, its ReLU (in place:
    ReLU's output is <= 0 exactly where its input is, which is all its backward pass
    asks).  ``grad`` is the loss gradient with respect to ``output``.  ``wide64`` is
    float64 room of ``output``'s shape, used in turn for the forward product, the
    gradient coming down from the layer above, and ``grad`` in float64.
    """

    def __init__(self, inputs64, weights):
        n, (n_in, n_out) = len(inputs64), weights.shape
        self.inputs64 = inputs64
        self.weights64 = np.empty_like(weights, dtype=np.float64)
        self.output = np.empty((n, n_out), dtype=np.float32)
        self.grad = np.empty((n, n_out), dtype=np.float32)
        self.wide64 = np.empty((n, n_out))
        self.dweights64 = np.empty((n_in, n_out))


class Network:
    """A stack of Dense layers with ReLU between them and softmax cross-entropy on top.

    ``Network(2, (64,), 3)`` is the chapter's ``Dense(2, 64) -> ReLU -> Dense(64, 3)``.
    Layers are created, and draw their weights, in order.  ``dense`` holds the layers:
    after :meth:`backward` each has ``dweights`` and ``dbiases``, so
    ``optimizer.update_params(layer)`` works on them as in the book.  ``output`` (the
    probabilities) and the gradients are overwritten by the next pass.
    """

    def __init__(self, n_inputs, hidden, n_classes, *, rng=None):
        sizes = [n_inputs, *hidden, n_classes]
        self.dense = [Dense(a, b, rng=rng) for a, b in zip(sizes[:-1], sizes[1:])]
        self.loss = CategoricalCrossentropy()
        self._buffers = None
        self._batch = None

    def _buffers_for(self, X):
        """The layers' buffers for a batch shaped and laid out like ``X``, made on first use."""
        batch = (X.shape, X.strides)
        if self._batch != batch:
            inputs64 = np.empty_like(X, dtype=np.float64)   # the layout X.astype(np.float64) has
            self._buffers = []
            for dense in self.dense:
                self._buffers.append(_Buffers(inputs64, dense.weights))
                inputs64 = np.empty(self._buffers[-1].output.shape)
            self._batch = batch
            self.output = np.empty_like(self._buffers[-1].output)
        return self._buffers

    def forward(self, X, y):
        """Forward pass in the book's order; returns the mean loss, keeps probabilities in ``output``.

        ``y`` holds a class index per row of ``X`` (or one-hot rows, as the book allows).
        """
        buffers = self._buffers_for(X)
        np.copyto(buffers[0].inputs64, X)
        last = len(self.dense) - 1
        for i, (dense, layer) in enumerate(zip(self.dense, buffers)):
            # book_dot(inputs, weights) + biases
            np.copyto(layer.weights64, dense.weights)
            np.dot(layer.inputs64, layer.weights64, out=layer.wide64)
            np.copyto(layer.output, layer.wide64, casting="same_kind")
            layer.output += dense.biases
            if i < last:
                np.maximum(0, layer.output, out=layer.output)
                np.copyto(buffers[i + 1].inputs64, layer.output)
        softmax(buffers[-1].output, out=self.output)
        return self.loss.calculate(self.output, y)

    def backward(self, y):
        """Backward pass from the loss down to the first layer, in the book's order."""
        buffers = self._buffers
        if y.ndim == 2:
            y = np.argmax(y, axis=1)
        softmax_crossentropy_backward(self.output, y, out=buffers[-1].grad)
        for i in reversed(range(len(self.dense))):
            dense, layer = self.dense[i], buffers[i]
            np.copyto(layer.wide64, layer.grad)
            # book_dot(inputs.T, dvalues): the forward pass's float64 input, transposed
            np.dot(layer.inputs64.T, layer.wide64, out=layer.dweights64)
            dense.dweights = layer.dweights64.astype(np.float32)
            dense.dbiases = np.add.reduce(layer.grad, axis=0, keepdims=True)   # np.sum's own call
            if i:
                # book_dot(dvalues, weights.T), then ReLU's backward into the layer below
                below = buffers[i - 1]
                np.dot(layer.wide64, layer.weights64.T, out=below.wide64)
                np.copyto(below.grad, below.wide64, casting="same_kind")
                relu_backward(below.grad, below.output, out=below.grad)

    def __repr__(self):
        return " -> ".join(repr(d) for d in self.dense)


def predict_proba(X, weights, biases):
    """Class probabilities for ``X`` from plain parameter arrays, in the network's arithmetic.

    ``weights`` and ``biases`` list the Dense layers' arrays in order.  Used to colour
    decision regions from a Recording without rebuilding layer objects.
    """
    out = np.asarray(X, dtype=np.float32)
    last = len(weights) - 1
    for i, (w, b) in enumerate(zip(weights, biases)):
        out = book_dot(out, w) + b
        if i < last:
            out = np.maximum(0, out)
    return softmax(out)
