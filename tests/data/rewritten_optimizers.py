"""The chapter's optimizers written differently but equivalently: ``animator check`` must pass them.

Each computes the same numbers as the book's formula by another route (other
operation order, in-place forms, counting steps from 1, float64 scalars, a
pure init/update step), as readers who restructure the code do.
"""

import numpy as np


class SGDRewritten:
    """Momentum kept as the update itself, subtracted rather than added."""

    def __init__(self, learning_rate=1.0, decay=0.0, momentum=0.0):
        self.learning_rate, self.decay, self.momentum = learning_rate, decay, momentum
        self.step = 0
        self.lr = learning_rate

    def pre_update_params(self):
        self.lr = self.learning_rate / (1.0 + self.decay * self.step)

    def update_params(self, layer):
        for param, grad, name in (("weights", "dweights", "weight_momentums"), ("biases", "dbiases", "bias_momentums")):
            g = getattr(layer, grad)
            previous = getattr(layer, name, np.zeros_like(g))
            step = self.lr * g - self.momentum * previous      # the negated update
            setattr(layer, name, -step)
            getattr(layer, param).__isub__(step)

    def post_update_params(self):
        self.step += 1


class RMSpropRewritten:
    """The moving average in its incremental form: cache += (1 - rho) * (g**2 - cache)."""

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, rho=0.9):
        self.learning_rate, self.decay, self.epsilon, self.rho = learning_rate, decay, epsilon, rho
        self.iterations = 0

    def pre_update_params(self):
        pass

    def update_params(self, layer):
        lr = np.float64(self.learning_rate) * (1.0 / (1.0 + self.decay * self.iterations))
        for param, grad, name in (("weights", "dweights", "weight_cache"), ("biases", "dbiases", "bias_cache")):
            g = getattr(layer, grad)
            if not hasattr(layer, name):
                setattr(layer, name, np.zeros_like(g))
            cache = getattr(layer, name)
            cache += (1 - self.rho) * (g * g - cache)
            getattr(layer, param)[...] -= lr * g / (cache ** 0.5 + self.epsilon)

    def post_update_params(self):
        self.iterations += 1


class AdamRewritten:
    """Steps counted from 1, the bias corrections applied to the update rather than stored."""

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, beta_1=0.9, beta_2=0.999):
        self.args = learning_rate, decay, epsilon, beta_1, beta_2
        self.t = 1
        self.current_learning_rate = learning_rate

    def pre_update_params(self):
        learning_rate, decay = self.args[:2]
        self.current_learning_rate = learning_rate / (1 + decay * (self.t - 1))

    def update_params(self, layer):
        _, _, epsilon, b1, b2 = self.args
        for kind in ("weight", "bias"):
            param = "weights" if kind == "weight" else "biases"
            g = getattr(layer, "d" + param)
            m = getattr(layer, kind + "_momentums", np.zeros_like(g))
            v = getattr(layer, kind + "_cache", np.zeros_like(g))
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g ** 2
            setattr(layer, kind + "_momentums", m)
            setattr(layer, kind + "_cache", v)
            m_hat = m / (1 - b1 ** self.t)
            v_hat = v / (1 - b2 ** self.t)
            setattr(layer, param, getattr(layer, param) - self.current_learning_rate * m_hat / (np.sqrt(v_hat) + epsilon))

    def post_update_params(self):
        self.t += 1


class AdagradPure:
    """AdaGrad as a pure step (optax style): the state is a value, nothing is kept on the layer."""

    def __init__(self, learning_rate=1.0, decay=0.0, epsilon=1e-7):
        self.learning_rate, self.decay, self.epsilon = learning_rate, decay, epsilon

    def init(self, param):
        return 0, np.zeros_like(param)

    def update(self, grad, state):
        count, cache = state
        cache = cache + grad ** 2
        lr = self.learning_rate * (1.0 / (1.0 + self.decay * count))
        return -lr * grad / (np.sqrt(cache) + self.epsilon), (count + 1, cache)
