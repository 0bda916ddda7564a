"""Adam with the book's bias correction, ``1 - beta ** (iterations + 1)``."""

import numpy as np

from .base import DECAY, EPSILON, Hyperparameter, Identity, Optimizer, learning_rate, register, unit_interval
from .formulas import new_cache, scaled_step


@register
class Adam(Optimizer):
    """Adam with the book's bias correction ``1 - beta ** (iterations + 1)``.

    Defaults: learning rate 0.001, no decay, epsilon 1e-7, beta_1 0.9, beta_2 0.999.
    """

    name = "adam"
    title = "Adam"
    HYPERPARAMETERS = (learning_rate(0.001), DECAY, EPSILON,
                       Hyperparameter("beta1", "beta_1", 0.9, unit_interval("Invalid beta parameter at index 0"),
                                      "first-moment decay"),
                       Hyperparameter("beta2", "beta_2", 0.999, unit_interval("Invalid beta parameter at index 1"),
                                      "second-moment decay"))
    state_slots = ("momentums", "cache")
    step_size_slot = "cache"   # its root divides each parameter's step (renderers.step_sizes)
    counts_steps = True         # the bias correction reads the step count
    IDENTITY = Identity("Adam", "#CC79A7", "#E58BC0", "v", "dashdotdot")     # reddish purple

    def _delta(self, grad, slots, lr, t):
        momentums, cache = slots
        momentums = self.beta_1 * momentums + (1 - self.beta_1) * grad
        momentums_corrected = momentums / (1 - self.beta_1 ** (t + 1))
        cache = self.beta_2 * cache + (1 - self.beta_2) * grad ** 2
        cache_corrected = cache / (1 - self.beta_2 ** (t + 1))
        update = -lr * momentums_corrected / (np.sqrt(cache_corrected) + self.epsilon)
        return update, (momentums, cache)

    def mistaken(self, grad, slots, lr, t, *, squared=True, eps_inside=False, root=True, correct=(True, True),
                 shift=1, swap_beta1=False, swap_beta2=False, cache_rate=None, store_corrected=False):
        """Switches: ``correct`` which moments are bias-corrected; ``shift`` the ``+ 1`` of the correction;
        ``swap_beta1``/``swap_beta2`` exchange beta and 1 - beta; ``cache_rate`` a beta for the cache;
        ``store_corrected`` keeps the corrected moments as the state."""
        b1 = self.beta_1
        b2 = self.beta_2 if cache_rate is None else cache_rate
        keep1, take1 = (1 - b1, b1) if swap_beta1 else (b1, 1 - b1)
        momentums = keep1 * slots["momentums"] + take1 * grad
        cache = new_cache(grad, slots["cache"], squared=squared, swapped=swap_beta2, rate=b2)
        momentums_corrected = momentums / (1 - b1 ** (t + shift)) if correct[0] else momentums
        cache_corrected = cache / (1 - b2 ** (t + shift)) if correct[1] else cache
        update = scaled_step(lr, momentums_corrected, cache_corrected, self.epsilon, eps_inside=eps_inside, root=root)
        if store_corrected:
            return update, {"momentums": momentums_corrected, "cache": cache_corrected}
        return update, {"momentums": momentums, "cache": cache}


Optimizer_Adam = Adam       # the book's name
