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

from ..optimizers import OPTIMIZERS


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
    switches: frozenset
    step: object
    observed: object = None

    def seen_in(self, optimizer, steps):
        """True if the reader's optimizer object shows this mistake, False if it rules it out, None if silent.

        Some mistakes give the same steps (a learning rate never decayed, and a
        step count never advanced); what the object holds tells them apart.
        """
        return None if self.observed is None else self.observed(optimizer, steps)


def applicable(optimizer_name):
    """The mistakes that can be made in the optimizer called ``optimizer_name``, in the order they are tried.

    A mistake applies where the optimizer's formula has every switch it turns
    (``OPTIMIZERS[name].switches()``); one that turns none (the learning rate,
    the step count, the sign) applies to every optimizer.
    """
    switches = OPTIMIZERS[optimizer_name].switches()
    return [m for m in MISTAKES if m.switches <= switches]


def _book_step(opt, grad, slots, lr, t, **switches):
    """The optimizer's own formula (its ``mistaken``), with ``switches`` turned."""
    return opt.mistaken(grad, slots, lr, t, **switches)


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


def _mistake(name, step, *, switches=(), observed=None):
    return Mistake(name, frozenset(switches), step, observed)


def _switched(name, *forms):
    """A mistake made by turning switches of the formula; several forms are tried one by one."""
    steps = tuple(_formula(**form) for form in forms)
    turned = {key for form in forms for key in form}
    return _mistake(name, steps if len(steps) > 1 else steps[0], switches=turned)


MISTAKES = (
    _mistake("learning rate not decayed", _learning_rate(lambda opt, t: opt.learning_rate)),
    _mistake("decay applied one step early", _learning_rate(lambda opt, t: opt.learning_rate_at(t + 1))),
    _mistake("decay applied one step late", _learning_rate(lambda opt, t: opt.learning_rate_at(max(t - 1, 0)))),
    _mistake("iterations never counted (post_update_params)", _frozen_count, observed=_count_frozen),
    _mistake("update added with the wrong sign (gradient ascent)", _wrong_sign),
    _switched("momentum sign", {"momentum_sign": -1.0}),
    _switched("momentum not kept for the next step", {"keep_momentum": False}),
    _switched("epsilon inside the square root", {"eps_inside": True}),
    _switched("cache not squared", {"squared": False}),
    _switched("square root of the cache missing", {"root": False}),
    _switched("cache replaced instead of summed", {"accumulate": False}),
    _switched("rho and 1 - rho swapped", {"swapped": True}),
    _switched("missing bias correction", {"correct": (False, False)}, {"correct": (False, True)},
              {"correct": (True, False)}),
    _switched("bias correction off by one step", {"shift": 0}, {"shift": 2}),
    _switched("beta_1 and 1 - beta_1 swapped", {"swap_beta1": True}),
    _switched("beta_2 and 1 - beta_2 swapped", {"swap_beta2": True}),
    _mistake("beta_1 used for the cache", lambda opt, grad, slots, t: _book_step(
        opt, grad, slots, opt.learning_rate_at(t), t, cache_rate=opt.beta_1), switches={"cache_rate"}),
    _switched("corrected moments kept as the state", {"store_corrected": True}),
)


def variants(mistake):
    """The step functions of ``mistake``: one, or several for a mistake with more than one form."""
    return mistake.step if isinstance(mistake.step, tuple) else (mistake.step,)


def book_step(opt, grad, slots, t):
    """The book's own step through the same helpers: equal, bit for bit, to ``opt._delta`` (tested)."""
    return _book_step(opt, grad, slots, opt.learning_rate_at(t), t)
