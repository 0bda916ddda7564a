"""AdaGrad: the cache sums ``g**2`` from zero; the update is ``-lr * g / (sqrt(cache) + epsilon)``."""

import numpy as np

from .base import DECAY, EPSILON, Identity, Optimizer, learning_rate, register
from .formulas import new_cache, scaled_step


@register
class Adagrad(Optimizer):
    """AdaGrad: the update is ``-lr * g / (sqrt(cache) + epsilon)``, cache summing ``g**2`` from 0.

    Defaults: learning rate 1.0, no decay, epsilon 1e-7.
    """

    name = "adagrad"
    title = "AdaGrad"
    HYPERPARAMETERS = (learning_rate(1.0), DECAY, EPSILON)
    state_slots = ("cache",)
    step_size_slot = "cache"   # its root divides each parameter's step (renderers.step_sizes)
    IDENTITY = Identity("AdaGrad", "#E69F00", "#FFEE66", "^", "dashed")     # orange; yellow on a dark page

    def _delta(self, grad, slots, lr, t):
        (cache,) = slots
        cache = cache + grad ** 2
        return -lr * grad / (np.sqrt(cache) + self.epsilon), (cache,)

    def mistaken(self, grad, slots, lr, t, *, squared=True, accumulate=True, eps_inside=False, root=True):
        cache = new_cache(grad, slots["cache"], squared=squared, accumulate=accumulate)
        return scaled_step(lr, grad, cache, self.epsilon, eps_inside=eps_inside, root=root), {"cache": cache}


Optimizer_Adagrad = Adagrad     # the book's name
