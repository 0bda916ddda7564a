"""The parts the adaptive optimizers share, written with the switches ``animator check`` uses.

With no switch set, each is exactly the book's arithmetic (an optimizer's
``mistaken`` with no switches equals its ``_delta`` to the bit; tested).
"""

import numpy as np


def new_cache(grad, cache, *, squared=True, accumulate=True, swapped=False, rate=None):
    """AdaGrad's cache (a sum, ``rate`` None) or RMSProp/Adam's (a moving average keeping ``rate``).

    Switches: ``squared=False`` adds the gradient itself; ``accumulate=False``
    replaces the sum; ``swapped=True`` exchanges ``rate`` and ``1 - rate``.
    """
    g2 = grad ** 2 if squared else grad
    if rate is None:
        return cache + g2 if accumulate else g2
    keep, take = (1 - rate, rate) if swapped else (rate, 1 - rate)
    return keep * cache + take * g2


def scaled_step(lr, numerator, cache, epsilon, *, eps_inside=False, root=True):
    """``-lr * numerator / (sqrt(cache) + epsilon)``, epsilon outside the root as the book has it.

    Switches: ``eps_inside=True`` puts epsilon under the root; ``root=False`` drops the root.
    """
    if not root:
        return -lr * numerator / (cache + epsilon)
    if eps_inside:
        return -lr * numerator / np.sqrt(cache + epsilon)
    return -lr * numerator / (np.sqrt(cache) + epsilon)
