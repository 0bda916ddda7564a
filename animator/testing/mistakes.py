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

    ``step(opt, grad, slots, at)`` returns ``(update, new_slots)`` for one
    parameter array the way the mistaken code would, given the book's
    optimizer ``opt`` (for its settings), the gradient, the state before the
    step (``{"momentums": ..., "cache": ...}``, the book's attribute names
    without ``weight_``/``bias_``) and where the step is taken, ``at`` (an
    :class:`At`: ``at.t`` updates made before, by which Dense layer).
    ``observed(reader)`` says what the reader's optimizer shows of it
    (see :meth:`seen_in`).
    """

    name: str
    switches: frozenset
    step: object
    observed: object = None

    def seen_in(self, reader):
        """True if the reader's optimizer shows this mistake, False if it rules it out, None if silent.

        Some mistakes give the same steps (a learning rate never decayed, and a
        step count never advanced); what the object holds, and in which method
        it counts its steps, tell them apart.  ``reader`` has ``optimizer`` (the
        object), ``steps`` (how many it took) and ``counted_in`` (the method whose
        calls advanced a whole-number attribute by one: ``"pre_update_params"``,
        ``"update_params"``, ``"post_update_params"``, or None).
        """
        return None if self.observed is None else self.observed(reader)


@dataclass(frozen=True)
class At:
    """Where a step is taken: after ``t`` updates, by Dense layer ``layer`` (from 0) of ``layers``."""

    t: int
    layer: int = 0
    layers: int = 1

    @property
    def calls(self):
        """``update_params`` calls made before this one: what a count advanced once per layer call holds."""
        return self.t * self.layers + self.layer


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
    return lambda opt, grad, slots, at: _book_step(opt, grad, slots, opt.learning_rate_at(at.t), at.t, **switches)


def _learning_rate(rate):
    """A step with the book's formula and a mistaken learning rate ``rate(opt, t)``."""
    return lambda opt, grad, slots, at: _book_step(opt, grad, slots, rate(opt, at.t), at.t)


def _counted(rate, count, **switches):
    """A step whose learning rate is the book's at step ``rate(at)`` and whose formula reads step ``count(at)``."""
    return lambda opt, grad, slots, at: _book_step(opt, grad, slots, opt.learning_rate_at(rate(at)), count(at),
                                                   **switches)


def _compounded(opt, t):
    # learning_rate /= 1 + decay * iterations, every step: lr / ((1 + d)(1 + 2d)...(1 + td))
    rate = opt.learning_rate
    for k in range(1, t + 1):
        rate = rate / (1. + opt.decay * k)
    return rate


def _frozen_count(opt, grad, slots, at):
    # post_update_params never adds 1: the decay and Adam's correction stay at step 0
    return _book_step(opt, grad, slots, opt.learning_rate_at(0), 0)


def _count_frozen(reader):
    count = getattr(reader.optimizer, "iterations", None)
    if not isinstance(count, (int, float)) or reader.steps < 2:
        return None
    return count == 0


def _counted_in(method):
    """An ``observed``: whether the reader counted its steps in ``method`` (None if it seems to count none)."""
    return lambda reader: None if reader.counted_in is None else reader.counted_in == method


def _wrong_sign(opt, grad, slots, at):
    update, new_slots = _book_step(opt, grad, slots, opt.learning_rate_at(at.t), at.t)
    return -update, new_slots


def _mistake(name, *steps, switches=(), observed=None):
    """A mistake with one step, or several forms of it (each tried on its own, and kept only if it fits every epoch)."""
    return Mistake(name, frozenset(switches), steps if len(steps) > 1 else steps[0], observed)


def _switched(name, *forms):
    """A mistake made by turning switches of the formula; several forms are tried one by one."""
    return _mistake(name, *(_formula(**form) for form in forms), switches={key for form in forms for key in form})


MISTAKES = (
    _mistake("learning rate not decayed", _learning_rate(lambda opt, t: opt.learning_rate)),
    _mistake("decay applied one step early", _learning_rate(lambda opt, t: opt.learning_rate_at(t + 1))),
    _mistake("decay applied one step late", _learning_rate(lambda opt, t: opt.learning_rate_at(max(t - 1, 0)))),
    _mistake("decay compounded every step",
             _learning_rate(_compounded), _learning_rate(lambda opt, t: opt.learning_rate / (1. + opt.decay) ** t)),
    _mistake("iterations never counted (post_update_params)", _frozen_count, observed=_count_frozen),
    # a count advanced in update_params: once per Dense layer, before or after the formula reads it, with the
    # learning rate decayed in pre_update_params (from the count at the step's start) or in update_params
    _mistake("iterations counted once per layer call (in update_params), not once per step",
             _counted(lambda at: at.t * at.layers, lambda at: at.calls),
             _counted(lambda at: at.calls, lambda at: at.calls),
             _counted(lambda at: at.t * at.layers, lambda at: at.calls + 1),
             _counted(lambda at: at.calls + 1, lambda at: at.calls + 1),
             observed=_counted_in("update_params")),
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
    # iterations += 1 moved from post_update_params to pre: update_params reads t + 1, and its + 1 makes t + 2
    _mistake("bias correction one step ahead (iterations counted in pre_update_params, before the update)",
             _counted(lambda at: at.t, lambda at: at.t + 1), _counted(lambda at: at.t + 1, lambda at: at.t + 1),
             switches={"shift"}, observed=_counted_in("pre_update_params")),
    _switched("beta_1 and 1 - beta_1 swapped", {"swap_beta1": True}),
    _switched("beta_2 and 1 - beta_2 swapped", {"swap_beta2": True}),
    _mistake("beta_1 used for the cache", lambda opt, grad, slots, at: _book_step(
        opt, grad, slots, opt.learning_rate_at(at.t), at.t, cache_rate=opt.beta_1), switches={"cache_rate"}),
    _switched("corrected moments kept as the state", {"store_corrected": True}),
)


def variants(mistake):
    """The step functions of ``mistake``: one, or several for a mistake with more than one form."""
    return mistake.step if isinstance(mistake.step, tuple) else (mistake.step,)


def book_step(opt, grad, slots, t):
    """The book's own step through the same helpers: equal, bit for bit, to ``opt._delta`` (tested)."""
    return _book_step(opt, grad, slots, opt.learning_rate_at(t), t)
