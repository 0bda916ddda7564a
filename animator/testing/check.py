"""Check a hand-written optimizer against the book's, epoch by epoch, on the chapter's model.

>>> result = check_optimizer(Optimizer_Adam, "adam:lr=0.05,decay=5e-7", epochs=1000)   # doctest: +SKIP
>>> print(result.summary())                                                           # doctest: +SKIP
Optimizer_Adam matches adam (lr=0.05, decay=5e-07) for 1001 epochs

How: the chapter's model (spiral data, Dense(2, 64), ReLU, Dense(64, 3), book
mode) is trained with the built-in optimizer, the reference trajectory.  At
every epoch the reader's optimizer is handed layers holding exactly the
reference's weights, biases, gradients and (under the book's names, such as
``weight_momentums``) optimizer state, and takes one step.  What it does to the
weights, biases and that state is compared with what the reference did, so a
mistake shows at the first epoch where it makes a difference, and rounding
never piles up: an equivalent formula written another way passes.

Differences are judged against the size of each update, not of the weight: an
update of 1e-6 on a weight of 1.0 must itself be right to ``rtol``.  From the
first differing epoch the mistakes of :mod:`animator.testing.mistakes` are
run from the same states, and a mistake is named only if the reader's step is
what it gives at every epoch checked: the 20 before that epoch (where it must
give the book's step, as the reader's did), that epoch and the 20 after.
"""

import math

import numpy as np

from ..errors import UserError
from ..layers import Dense
from ..optimizers import OptimizerSpec, book_arguments, state_slot_names
from ..run import RunConfig, build
from .difference import Difference, first_difference
from .mistakes import At, applicable, variants
from .reader import KINDS, Reader
from .result import CheckResult

DEFAULT_RTOL = 1e-5     # float32 rounding of a few operations is ~1e-7; the smallest mistakes we name are ~1e-3
BOOK_ARGUMENTS = book_arguments()   # lr -> learning_rate, beta1 -> beta_1, ..., from every registered optimizer
STATE = state_slot_names()   # the book's state attributes are weight_<name> and bias_<name>
STATE_ATTRIBUTES = tuple(f"{kind}_{slot}" for kind in ("weight", "bias") for slot in STATE)
NARROWING_EPOCHS = 20   # epochs past the first difference (and before it) a named mistake must reproduce too


def check_optimizer(cls, spec, *, epochs=1000, rtol=DEFAULT_RTOL):
    """Drive ``cls`` beside the built-in optimizer ``spec`` for epochs ``0..epochs``; return a :class:`CheckResult`.

    ``cls`` is a class (or any callable) built with the book's argument names
    (``learning_rate``, ``decay``, ``momentum``, ``epsilon``, ``rho``,
    ``beta_1``, ``beta_2``) from the settings ``spec`` gives: an
    :class:`~animator.optimizers.OptimizerSpec`, text such as
    ``"sgd:lr=1,decay=1e-3,momentum=0.9"``, or a ``(name, settings)`` pair.
    It offers the book's protocol (``update_params(layer)``, with
    ``pre_update_params()``/``post_update_params()``) or a pure step
    (``init(param)`` and ``update(grad, state) -> (update, state)``).
    Raises :class:`ReaderError` when the class cannot be built or raises.
    """
    spec = _spec(spec)
    if not (isinstance(rtol, (int, float)) and math.isfinite(rtol) and rtol > 0):
        raise UserError(f"rtol must be a positive number (got {rtol!r})")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise UserError(f"epochs must be a whole number, 0 or more (got {epochs!r})")
    reference = spec.build()
    reader = Reader(cls, {BOOK_ARGUMENTS[key]: value for key, value in spec.hyperparameters.items()})
    X, y, network, _ = build(RunConfig(optimizer=spec.name, hyperparameters=dict(spec.hyperparameters),
                                       epochs=epochs))
    mine = [_blank_layer() for _ in network.dense]
    done, first, forms, history = 0, None, {}, []
    with np.errstate(all="ignore"):
        for epoch in range(epochs + 1):
            network.forward(X, y)
            network.backward(y)
            before = [_snapshot(dense) for dense in network.dense]
            for layer, dense, state in zip(mine, network.dense, before):
                _hand_over(layer, dense, state)
            reference.pre_update_params()
            for dense in network.dense:
                reference.update_params(dense)
            reference.post_update_params()
            reader.step(mine)
            differing = _differences(mine, network.dense, before, rtol)
            kept = _kept(mine)
            book = [_arrays(dense, kept) for dense in network.dense]
            if first is None and differing:
                index, array, difference = differing[0]
                first = dict(epoch=epoch, layer=index, array=array, difference=difference)
                forms = {(m, step): frozenset() for m in applicable(spec.name) for step in variants(m)}
            if first is not None:
                seen = [_arrays(layer, kept) for layer in mine]
                forms = _reproducing(forms, reference, epoch, before, seen, book, kept, rtol)
                if epoch == first["epoch"]:
                    # a mistake that would have shown before the reader's first difference is not the reader's
                    for past, past_before, past_book in history:
                        forms = _reproducing(forms, reference, past, past_before, past_book, past_book, kept, rtol)
                if epoch - first["epoch"] >= NARROWING_EPOCHS or not forms:
                    break
                continue
            history = (history + [(epoch, before, book)])[-NARROWING_EPOCHS:]
            done += 1
            if not all(np.isfinite(d.weights).all() and np.isfinite(d.biases).all() for d in network.dense):
                return CheckResult(reader.name, spec, epochs, done, rtol,
                                   note=f"the book's run diverged at epoch {epoch}, so the check stops there")
    if first is not None:
        named = _observed(list(dict.fromkeys(m for m, _ in forms)), reader)
        return CheckResult(reader.name, spec, epochs, done, rtol, mistakes=tuple(m.name for m in named),
                           hints=reader.hints, **first)
    return CheckResult(reader.name, spec, epochs, done, rtol)


def _spec(value):
    if isinstance(value, str):
        from ..race import parse_spec     # the same SPEC text as `animator compare`
        return parse_spec(value)
    spec = OptimizerSpec.of(value)
    try:
        spec.build()
    except ValueError as error:
        raise UserError(f"{spec.name}: {error}") from None
    return spec


def _blank_layer():
    """A Dense layer with nothing drawn: the check fills in its arrays every epoch."""
    return Dense.__new__(Dense)


def _snapshot(dense):
    """Copies of a reference layer's arrays before its update: parameters, gradients, state by book name."""
    arrays = {"weights": dense.weights.copy(), "biases": dense.biases.copy(),
              "dweights": dense.dweights.copy(), "dbiases": dense.dbiases.copy()}
    for kind, _, _ in KINDS:
        for slot in STATE:
            attribute = f"{kind}_{slot}"
            if hasattr(dense, attribute):
                arrays[attribute] = getattr(dense, attribute).copy()
    return arrays


def _hand_over(layer, dense, state):
    """Give the reader's layer the reference's arrays; its state under the book's names, where it keeps any."""
    layer.weights, layer.biases = state["weights"].copy(), state["biases"].copy()
    layer.dweights, layer.dbiases = state["dweights"].copy(), state["dbiases"].copy()
    for kind, _, _ in KINDS:
        for slot in STATE:
            attribute = f"{kind}_{slot}"
            if attribute in state and hasattr(layer, attribute):
                setattr(layer, attribute, state[attribute].copy())


def _differences(mine, reference_layers, before, rtol):
    """Every ``(layer, array name, Difference)`` where the reader's layers differ from the reference's, in order."""
    found = []
    for index, (layer, dense, state) in enumerate(zip(mine, reference_layers, before), start=1):
        for name, expected, start in _expected(dense, state):
            if name in STATE_ATTRIBUTES and not hasattr(layer, name):
                continue        # state the reader keeps under its own names is not compared
            difference = _differs(name, getattr(layer, name, None), expected, start, rtol)
            if difference:
                found.append((index, name, difference))
    return found


def _expected(dense, state):
    """``(name, value after the step, value before it or None)`` for a reference layer: parameters, then state."""
    rows = [(param, getattr(dense, param), state[param]) for _, param, _ in KINDS]
    rows += [(name, getattr(dense, name), None) for name in STATE_ATTRIBUTES if hasattr(dense, name)]
    return rows


def _differs(name, actual, expected, before, rtol):
    """A Difference if ``actual`` is not ``expected`` to within ``rtol`` of the step's size, else None.

    For a parameter the step's size is the update ``expected - before``; for a
    state array, its value.  Each bound also allows the rounding of the final
    float32 addition and cancellation inside the formula (a small share of the
    array's largest step).
    """
    if actual is None:
        return Difference(name, None, math.nan, math.nan, math.inf, 0, np.size(expected),
                          shapes=("missing", np.shape(expected)))
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        return first_difference(name, actual, expected, rtol=rtol)
    e = expected.astype(np.float64)
    step = np.abs(e - before.astype(np.float64)) if before is not None else np.abs(e)
    finite_step = step[np.isfinite(step)]
    largest = float(finite_step.max()) if finite_step.size else 0.0
    tolerance = rtol * step + 2 * np.spacing(np.abs(expected).astype(np.float32)) + rtol * 1e-2 * largest
    return first_difference(name, actual, expected, tolerance=np.nan_to_num(tolerance, nan=0.0, posinf=0.0))


def _kept(layers):
    """The arrays compared: parameters, and the state arrays the reader keeps under the book's names."""
    return ("weights", "biases") + tuple(name for name in STATE_ATTRIBUTES if hasattr(layers[0], name))


def _arrays(layer, names):
    """Copies of ``layer``'s arrays ``names`` (those it has)."""
    return {name: np.array(getattr(layer, name)) for name in names if getattr(layer, name, None) is not None}


def _reproducing(forms, reference, epoch, before, seen, book, kept, rtol):
    """The mistake forms whose step, from the states ``before``, gives what was ``seen`` in every layer.

    ``forms`` maps ``(mistake, step)`` to the arrays (``weights``, ``bias_cache``)
    where the reader was seen to follow it rather than the book: a reader may
    make a mistake in one line of two, and where it did, it must go on making it.
    """
    kept_forms = {}
    for (mistake, step), made_in in forms.items():
        followed = set(made_in)
        for i, (state, arrays, books) in enumerate(zip(before, seen, book)):
            names = _follows(step, reference, At(epoch, i, len(before)), state, arrays, books, kept, rtol, made_in)
            if names is None:
                break
            followed |= names
        else:
            kept_forms[mistake, step] = frozenset(followed)
    return kept_forms


def _follows(step, reference, at, state, seen, book, kept, rtol, made_in):
    """The arrays where ``seen`` is what the mistaken ``step`` makes of ``state`` and not the ``book``'s; None if
    some array is neither (or is the book's where the reader was seen to make the mistake before)."""
    followed = set()
    for kind, param, grad in KINDS:
        slots = {slot: state.get(f"{kind}_{slot}", np.zeros_like(state[param])) for slot in reference.slots}
        update, new_slots = step(reference, state[grad], slots, at)
        expected = state[param].copy()
        expected += update
        names = [param] + [name for name in kept if name.startswith(kind + "_")
                           and name.split("_", 1)[1] in new_slots]
        mistaken = {param: expected, **{name: new_slots[name.split("_", 1)[1]] for name in names[1:]}}
        start = {param: state[param]}
        for name in names:
            like_mistake = not _differs(name, seen.get(name), mistaken[name], start.get(name), rtol)
            like_book = name in book and not _differs(name, seen.get(name), book[name], start.get(name), rtol)
            if like_mistake and not like_book:
                followed.add(name)
            elif not like_mistake and not (like_book and name not in made_in):
                return None
    return followed


def _observed(candidates, reader):
    """Narrow look-alike mistakes by what the reader's optimizer shows (see ``Mistake.seen_in``)."""
    seen = {m.name: m.seen_in(reader) for m in candidates}
    confirmed = [m for m in candidates if seen[m.name]]
    return confirmed or [m for m in candidates if seen[m.name] is not False]
