"""The mistakes readers make when they type the chapter's optimizers, each as a runnable formula.

A mistake is not found by reading the reader's source: the check runs every
mistaken formula that applies to the optimizer beside the reader's class, from
the same state and gradients, and names the mistakes whose step the reader's
step reproduces.  Each formula here is one deliberate change to the book's
(``animator.optimizers``), written out so it can be read next to the original::

    book:      cache_corrected = cache / (1 - beta_2 ** (t + 1))
    mistake:   cache_corrected = cache / (1 - beta_2 ** t)          # off by one step

The list comes from the places the chapter's formulas are easy to mistype:
where epsilon goes, which of ``rho`` and ``1 - rho`` multiplies what, the
``+ 1`` of the bias correction, when the learning rate decays, and which state
is kept.

>>> [m.name for m in applicable("sgd")][:3]
['learning rate not decayed', 'decay applied one step early', 'decay applied one step late']
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Mistake:
    """A named wrong version of one optimizer step.

    ``step(opt, grad, slots, t)`` returns ``(update, new_slots)`` for one
    parameter array the way the mistaken code would, given the book's
    optimizer ``opt`` (for its settings), the gradient, the state before the
    step (``{"momentums": ..., "cache": ...}``, the book's attribute names
    without ``weight_``/``bias_``) and ``t``, the number of updates made before.
    """

    name: str
    optimizers: tuple
    step: object
    observed: object = None

    def seen_in(self, optimizer, steps):
        """True if the reader's optimizer object shows this mistake, False if it rules it out, None if silent.

        Some mistakes give the same steps (a learning rate never decayed, and a
        step count never advanced); what the object holds tells them apart.
        """
        return None if self.observed is None else self.observed(optimizer, steps)


def applicable(optimizer_name):
    """The mistakes that can be made in the optimizer called ``optimizer_name``, in the order they are tried."""
    return [m for m in MISTAKES if optimizer_name in m.optimizers]


# -- the book's step, with one part swapped out -------------------------------------------------
# Each helper below is the book's formula for one optimizer with keyword switches for the parts a
# mistake changes; with no switch set it is exactly animator.optimizers' _delta.

def _sgd(opt, grad, slots, lr, *, momentum_sign=1.0, keep_momentum=True):
    if not opt.momentum:
        return -lr * grad, {}
    update = momentum_sign * opt.momentum * slots["momentums"] - lr * grad
    return update, {"momentums": update if keep_momentum else slots["momentums"]}


def _cache(grad, slots, *, squared=True, accumulate=True, swapped=False, rate=None):
    """The new cache of AdaGrad (a sum) or RMSProp/Adam (a moving average with ``rate``)."""
    g2 = grad ** 2 if squared else grad
    if rate is None:                      # AdaGrad
        return slots["cache"] + g2 if accumulate else g2
    keep, take = (1 - rate, rate) if swapped else (rate, 1 - rate)
    return keep * slots["cache"] + take * g2


def _divide(lr, numerator, cache, epsilon, *, eps_inside=False, root=True):
    if not root:
        return -lr * numerator / (cache + epsilon)
    if eps_inside:
        return -lr * numerator / np.sqrt(cache + epsilon)
    return -lr * numerator / (np.sqrt(cache) + epsilon)


def _adagrad(opt, grad, slots, lr, *, squared=True, accumulate=True, eps_inside=False, root=True):
    cache = _cache(grad, slots, squared=squared, accumulate=accumulate)
    return _divide(lr, grad, cache, opt.epsilon, eps_inside=eps_inside, root=root), {"cache": cache}


def _rmsprop(opt, grad, slots, lr, *, squared=True, swapped=False, eps_inside=False, root=True):
    cache = _cache(grad, slots, squared=squared, swapped=swapped, rate=opt.rho)
    return _divide(lr, grad, cache, opt.epsilon, eps_inside=eps_inside, root=root), {"cache": cache}


def _adam(opt, grad, slots, lr, t, *, squared=True, eps_inside=False, root=True, correct=(True, True), shift=1,
          swap_beta1=False, swap_beta2=False, cache_rate=None, store_corrected=False):
    b1 = opt.beta_1
    b2 = opt.beta_2 if cache_rate is None else cache_rate
    keep1, take1 = (1 - b1, b1) if swap_beta1 else (b1, 1 - b1)
    momentums = keep1 * slots["momentums"] + take1 * grad
    cache = _cache(grad, slots, squared=squared, swapped=swap_beta2, rate=b2)
    momentums_corrected = momentums / (1 - b1 ** (t + shift)) if correct[0] else momentums
    cache_corrected = cache / (1 - b2 ** (t + shift)) if correct[1] else cache
    update = _divide(lr, momentums_corrected, cache_corrected, opt.epsilon, eps_inside=eps_inside, root=root)
    if store_corrected:
        return update, {"momentums": momentums_corrected, "cache": cache_corrected}
    return update, {"momentums": momentums, "cache": cache}


_FORMULAS = {"sgd": _sgd, "adagrad": _adagrad, "rmsprop": _rmsprop, "adam": _adam}


def _book_step(opt, grad, slots, lr, t, **switches):
    formula = _FORMULAS[opt.name]
    if opt.name == "adam":
        return formula(opt, grad, slots, lr, t, **switches)
    return formula(opt, grad, slots, lr, **switches)


def _formula(**switches):
    """A step with the book's learning rate and one part of the formula changed."""
    return lambda opt, grad, slots, t: _book_step(opt, grad, slots, opt.learning_rate_at(t), t, **switches)


def _learning_rate(rate):
    """A step with the book's formula and a mistaken learning rate ``rate(opt, t)``."""
    return lambda opt, grad, slots, t: _book_step(opt, grad, slots, rate(opt, t), t)


def _frozen_count(opt, grad, slots, t):
    # post_update_params never adds 1: the decay and Adam's correction stay at step 0
    return _book_step(opt, grad, slots, opt.learning_rate_at(0), 0)


def _count_frozen(optimizer, steps):
    count = getattr(optimizer, "iterations", None)
    if not isinstance(count, (int, float)) or steps < 2:
        return None
    return count == 0


def _wrong_sign(opt, grad, slots, t):
    update, new_slots = _book_step(opt, grad, slots, opt.learning_rate_at(t), t)
    return -update, new_slots


def _either(*steps):
    """Several ways to make one mistake: the check tries each (see :func:`variants`)."""
    return steps


ALL = ("sgd", "adagrad", "rmsprop", "adam")
ADAPTIVE = ("adagrad", "rmsprop", "adam")

MISTAKES = (
    Mistake("learning rate not decayed", ALL, _learning_rate(lambda opt, t: opt.learning_rate)),
    Mistake("decay applied one step early", ALL, _learning_rate(lambda opt, t: opt.learning_rate_at(t + 1))),
    Mistake("decay applied one step late", ALL, _learning_rate(lambda opt, t: opt.learning_rate_at(max(t - 1, 0)))),
    Mistake("iterations never counted (post_update_params)", ALL, _frozen_count, observed=_count_frozen),
    Mistake("update added with the wrong sign (gradient ascent)", ALL, _wrong_sign),
    Mistake("momentum sign", ("sgd",), _formula(momentum_sign=-1.0)),
    Mistake("momentum not kept for the next step", ("sgd",), _formula(keep_momentum=False)),
    Mistake("epsilon inside the square root", ADAPTIVE, _formula(eps_inside=True)),
    Mistake("cache not squared", ADAPTIVE, _formula(squared=False)),
    Mistake("square root of the cache missing", ADAPTIVE, _formula(root=False)),
    Mistake("cache replaced instead of summed", ("adagrad",), _formula(accumulate=False)),
    Mistake("rho and 1 - rho swapped", ("rmsprop",), _formula(swapped=True)),
    Mistake("missing bias correction", ("adam",), _either(
        _formula(correct=(False, False)), _formula(correct=(False, True)), _formula(correct=(True, False)))),
    Mistake("bias correction off by one step", ("adam",), _either(_formula(shift=0), _formula(shift=2))),
    Mistake("beta_1 and 1 - beta_1 swapped", ("adam",), _formula(swap_beta1=True)),
    Mistake("beta_2 and 1 - beta_2 swapped", ("adam",), _formula(swap_beta2=True)),
    Mistake("beta_1 used for the cache", ("adam",), lambda opt, grad, slots, t: _book_step(
        opt, grad, slots, opt.learning_rate_at(t), t, cache_rate=opt.beta_1)),
    Mistake("corrected moments kept as the state", ("adam",), _formula(store_corrected=True)),
)


def variants(mistake):
    """The step functions of ``mistake``: one, or several for a mistake with more than one form."""
    return mistake.step if isinstance(mistake.step, tuple) else (mistake.step,)


def book_step(opt, grad, slots, t):
    """The book's own step through the same helpers: equal, bit for bit, to ``opt._delta`` (tested)."""
    return _book_step(opt, grad, slots, opt.learning_rate_at(t), t)
