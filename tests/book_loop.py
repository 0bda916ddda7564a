"""The chapter's training loop written the book's way, as an independent reference.

Run as a script in its own process, because it calls ``nnfs.init()``, which
patches numpy for the whole process (float32 defaults, the float64 dot, seed 0):

    python tests/book_loop.py '{"optimizer": "adam", "lr": 0.05, "decay": 5e-7}' EPOCHS EVERY

Prints the book's progress line every EVERY epochs.  Nothing here imports
animator: the classes below follow the book's arithmetic line for line, so the
trainer can be checked against them.
"""

import json
import sys

import nnfs
import numpy as np
from nnfs.datasets import spiral_data, vertical_data

nnfs.init()


class Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Relu:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class SoftmaxLoss:
    def forward(self, inputs, y_true):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(clipped)), y_true]))

    def backward(self, dvalues, y_true):
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y_true] -= 1
        self.dinputs = self.dinputs / len(dvalues)


class Optimizer:
    def __init__(self, kind, lr, decay=0.0, momentum=0.0, epsilon=1e-7, rho=0.9, beta1=0.9, beta2=0.999):
        self.kind, self.learning_rate, self.current_learning_rate = kind, lr, lr
        self.decay, self.iterations, self.momentum = decay, 0, momentum
        self.epsilon, self.rho, self.beta_1, self.beta_2 = epsilon, rho, beta1, beta2

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate * (1. / (1. + self.decay * self.iterations))

    def update_params(self, layer):
        if self.kind == "sgd":
            if self.momentum:
                if not hasattr(layer, "weight_momentums"):
                    layer.weight_momentums = np.zeros_like(layer.weights)
                    layer.bias_momentums = np.zeros_like(layer.biases)
                weight_updates = self.momentum * layer.weight_momentums - self.current_learning_rate * layer.dweights
                layer.weight_momentums = weight_updates
                bias_updates = self.momentum * layer.bias_momentums - self.current_learning_rate * layer.dbiases
                layer.bias_momentums = bias_updates
            else:
                weight_updates = -self.current_learning_rate * layer.dweights
                bias_updates = -self.current_learning_rate * layer.dbiases
            layer.weights += weight_updates
            layer.biases += bias_updates
            return
        if not hasattr(layer, "weight_cache"):
            layer.weight_cache = np.zeros_like(layer.weights)
            layer.bias_cache = np.zeros_like(layer.biases)
            layer.weight_momentums = np.zeros_like(layer.weights)
            layer.bias_momentums = np.zeros_like(layer.biases)
        if self.kind == "adagrad":
            layer.weight_cache += layer.dweights ** 2
            layer.bias_cache += layer.dbiases ** 2
        elif self.kind == "rmsprop":
            layer.weight_cache = self.rho * layer.weight_cache + (1 - self.rho) * layer.dweights ** 2
            layer.bias_cache = self.rho * layer.bias_cache + (1 - self.rho) * layer.dbiases ** 2
        if self.kind in ("adagrad", "rmsprop"):
            layer.weights += -self.current_learning_rate * layer.dweights / (np.sqrt(layer.weight_cache) + self.epsilon)
            layer.biases += -self.current_learning_rate * layer.dbiases / (np.sqrt(layer.bias_cache) + self.epsilon)
            return
        layer.weight_momentums = self.beta_1 * layer.weight_momentums + (1 - self.beta_1) * layer.dweights
        layer.bias_momentums = self.beta_1 * layer.bias_momentums + (1 - self.beta_1) * layer.dbiases
        weight_momentums_corrected = layer.weight_momentums / (1 - self.beta_1 ** (self.iterations + 1))
        bias_momentums_corrected = layer.bias_momentums / (1 - self.beta_1 ** (self.iterations + 1))
        layer.weight_cache = self.beta_2 * layer.weight_cache + (1 - self.beta_2) * layer.dweights ** 2
        layer.bias_cache = self.beta_2 * layer.bias_cache + (1 - self.beta_2) * layer.dbiases ** 2
        weight_cache_corrected = layer.weight_cache / (1 - self.beta_2 ** (self.iterations + 1))
        bias_cache_corrected = layer.bias_cache / (1 - self.beta_2 ** (self.iterations + 1))
        layer.weights += -self.current_learning_rate * weight_momentums_corrected / (np.sqrt(weight_cache_corrected) + self.epsilon)
        layer.biases += -self.current_learning_rate * bias_momentums_corrected / (np.sqrt(bias_cache_corrected) + self.epsilon)

    def post_update_params(self):
        self.iterations += 1


DEFAULT_LR = {"sgd": 1.0, "adagrad": 1.0, "rmsprop": 0.001, "adam": 0.001}


def main():
    config = json.loads(sys.argv[1])
    epochs, every = int(sys.argv[2]), int(sys.argv[3])
    kind = config.pop("optimizer")
    hidden = config.pop("hidden", [64])
    dataset = config.pop("dataset", "spiral")
    X, y = (spiral_data if dataset == "spiral" else vertical_data)(samples=100, classes=3)
    sizes = [2, *hidden, 3]
    dense = [Dense(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    relus = [Relu() for _ in dense[:-1]]
    loss_activation = SoftmaxLoss()
    optimizer = Optimizer(kind, config.pop("lr", DEFAULT_LR[kind]), **config)
    for epoch in range(epochs + 1):
        inputs = X
        for layer, relu in zip(dense, relus):
            layer.forward(inputs)
            relu.forward(layer.output)
            inputs = relu.output
        dense[-1].forward(inputs)
        loss = loss_activation.forward(dense[-1].output, y)
        predictions = np.argmax(loss_activation.output, axis=1)
        accuracy = np.mean(predictions == y)
        if not epoch % every:
            print(f"epoch: {epoch}, acc: {accuracy:.3f}, loss: {loss:.3f}, lr: {optimizer.current_learning_rate}")
        loss_activation.backward(loss_activation.output, y)
        dvalues = loss_activation.dinputs
        for i in reversed(range(len(dense))):
            dense[i].backward(dvalues)
            dvalues = dense[i].dinputs
            if i:
                relus[i - 1].backward(dvalues)
                dvalues = relus[i - 1].dinputs
        optimizer.pre_update_params()
        for layer in dense:
            optimizer.update_params(layer)
        optimizer.post_update_params()
    print("weights-sum:", " ".join(repr(float(np.sum(layer.weights, dtype=np.float64))) for layer in dense))


if __name__ == "__main__":
    main()
