"""The chapter's model: Dense -> ReLU -> ... -> Dense -> softmax with cross-entropy."""

import numpy as np

from .layers import Dense, ReLU, SoftmaxCrossEntropy, book_dot


class Network:
    """A stack of Dense layers with ReLU between them and softmax cross-entropy on top.

    ``Network(2, (64,), 3)`` is the chapter's ``Dense(2, 64) -> ReLU -> Dense(64, 3)``.
    Layers are created, and draw their weights, in order.
    """

    def __init__(self, n_inputs, hidden, n_classes, *, rng=None):
        sizes = [n_inputs, *hidden, n_classes]
        self.dense = [Dense(a, b, rng=rng) for a, b in zip(sizes[:-1], sizes[1:])]
        self.activations = [ReLU() for _ in self.dense[:-1]]
        self.loss_activation = SoftmaxCrossEntropy()

    def forward(self, X, y):
        """Forward pass in the book's order; returns the mean loss, keeps probabilities in ``output``."""
        inputs = X
        for dense, activation in zip(self.dense, self.activations):
            dense.forward(inputs)
            activation.forward(dense.output)
            inputs = activation.output
        self.dense[-1].forward(inputs)
        loss = self.loss_activation.forward(self.dense[-1].output, y)
        self.output = self.loss_activation.output
        return loss

    def backward(self, y):
        """Backward pass from the loss down to the first layer, in the book's order."""
        self.loss_activation.backward(self.loss_activation.output, y)
        dvalues = self.loss_activation.dinputs
        for i in reversed(range(len(self.dense))):
            self.dense[i].backward(dvalues, need_dinputs=i > 0)
            if i:
                dvalues = self.dense[i].dinputs
                self.activations[i - 1].backward(dvalues)
                dvalues = self.activations[i - 1].dinputs

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
    exp_values = np.exp(out - np.max(out, axis=1, keepdims=True))
    return exp_values / np.sum(exp_values, axis=1, keepdims=True)
