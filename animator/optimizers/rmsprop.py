"""RMSProp: the cache is a moving average ``rho * cache + (1 - rho) * g**2``; the update is AdaGrad's."""

import numpy as np

from .base import DECAY, EPSILON, Hyperparameter, Identity, Optimizer, learning_rate, register, unit_interval
from .formulas import new_cache, scaled_step


@register
class RMSprop(Optimizer):
    """RMSProp: cache ``rho * cache + (1 - rho) * g**2``, update as AdaGrad's.

    Defaults: learning rate 0.001, no decay, epsilon 1e-7, rho 0.9.
    """

    name = "rmsprop"
    title = "RMSProp"
    HYPERPARAMETERS = (learning_rate(0.001), DECAY, EPSILON,
                       Hyperparameter("rho", "rho", 0.9, unit_interval("Invalid rho value"), "cache decay rate"))
    state_slots = ("cache",)
    step_size_slot = "cache"   # its root divides each parameter's step (renderers.step_sizes)
    IDENTITY = Identity("RMSProp", "#56B4E9", "#99DDFF", "D", "dotted")     # sky blue; paler on a dark page

    def _delta(self, grad, slots, lr, t):
        (cache,) = slots
        cache = self.rho * cache + (1 - self.rho) * grad ** 2
        return -lr * grad / (np.sqrt(cache) + self.epsilon), (cache,)

    def mistaken(self, grad, slots, lr, t, *, squared=True, swapped=False, eps_inside=False, root=True):
        cache = new_cache(grad, slots["cache"], squared=squared, swapped=swapped, rate=self.rho)
        return scaled_step(lr, grad, cache, self.epsilon, eps_inside=eps_inside, root=root), {"cache": cache}


Optimizer_RMSprop = RMSprop     # the book's name
