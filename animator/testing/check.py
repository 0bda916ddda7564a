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
update of 1e-6 on a weight of 1.0 must itself be right to ``rtol``.  At the
first differing epoch the mistakes of :mod:`animator.testing.mistakes` are
run from the same state, and those the reader's step reproduces are named.
"""

import inspect
import math
import os
import traceback
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from ..layers import Dense
from ..optimizers import OptimizerSpec, book_arguments, state_slot_names
from ..run import RunConfig, build
from .difference import Difference, first_difference
from .mistakes import applicable, variants

DEFAULT_RTOL = 1e-5     # float32 rounding of a few operations is ~1e-7; the smallest mistakes we name are ~1e-3
BOOK_ARGUMENTS = book_arguments()   # lr -> learning_rate, beta1 -> beta_1, ..., from every registered optimizer
STATE = state_slot_names()   # the book's state attributes are weight_<name> and bias_<name>
KINDS = (("weight", "weights", "dweights"), ("bias", "biases", "dbiases"))
STATE_ATTRIBUTES = tuple(f"{kind}_{slot}" for kind in ("weight", "bias") for slot in STATE)
NARROWING_EPOCHS = 20   # epochs run past the first difference to tell apart mistakes that look alike there


class ReaderError(UserError):
    """The optimizer under test cannot be built or driven: missing methods, settings it refuses, an exception."""


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check_optimizer` found.

    ``passed`` is true when every epoch matched.  Otherwise ``epoch`` is the
    first differing epoch, ``layer`` the Dense layer (from 1), ``array`` what
    differed (``weights``, ``biases`` or a state array such as
    ``weight_momentums``), ``difference`` the largest disagreement there (index,
    the reader's value, the reference value), and ``mistakes`` the names of the
    known mistakes whose step the reader's reproduces.  ``note`` says why a
    check stopped early (the reference run diverged).
    """

    optimizer: str
    spec: OptimizerSpec
    epochs: int
    epochs_checked: int
    rtol: float
    epoch: int = None
    layer: int = None
    array: str = None
    difference: Difference = None
    mistakes: tuple = ()
    note: str = None

    @property
    def passed(self):
        return self.epoch is None

    def __bool__(self):
        return self.passed

    def against(self):
        """``adam (lr=0.05, decay=5e-07)``: the reference as the summary names it."""
        settings = ", ".join(f"{name}={value!r}" for name, value in self.spec.shown().items())
        return f"{self.spec.name} ({settings})"

    def summary(self):
        """The report ``animator check`` prints: one line on success, the first difference otherwise."""
        if self.passed:
            line = f"{self.optimizer} matches {self.against()} for {self.epochs_checked} epochs"
            return f"{line} ({self.note})" if self.note else line
        d = self.difference
        lines = [f"{self.optimizer} differs from {self.against()} at epoch {self.epoch}, "
                 f"Dense layer {self.layer}, {self.array}"]
        if d.shapes is not None:
            lines.append(f"  shape {d.shapes[0]} where the book's is {d.shapes[1]}")
        else:
            where = f"[{', '.join(map(str, d.index))}]" if d.index else ""
            lines.append(f"  largest difference at {self.array}{where}: yours {d.actual:.9g}, "
                         f"the book's {d.expected:.9g} (difference {d.largest:.3g}; "
                         f"{d.count} of {d.size} values differ beyond rtol {self.rtol:g})")
        if self.mistakes:
            names = " or ".join(f'"{name}"' for name in self.mistakes)
            lines.append(f"  your step is what {names} gives")
        else:
            lines.append("  it is none of the mistakes animator knows: compare your formula with the chapter's")
        return "\n".join(lines)

    def __str__(self):
        return self.summary()


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
    reader = _Reader(cls, spec, reference)
    X, y, network, _ = build(RunConfig(optimizer=spec.name, hyperparameters=dict(spec.hyperparameters),
                                       epochs=epochs))
    mine = [_blank_layer() for _ in network.dense]
    name = getattr(cls, "__name__", type(cls).__name__)
    done, first = 0, None
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
            if first is None and differing:
                index, array, difference = differing[0]
                candidates = _recognise(applicable(spec.name), reference, epoch, mine, before, differing, rtol)
                first = dict(epoch=epoch, layer=index, array=array, difference=difference)
            elif first is not None and differing:
                # later epochs can tell apart mistakes that gave the same step at the first one
                candidates = _recognise(candidates, reference, epoch, mine, before, differing, rtol) or candidates
            if first is not None:
                if epoch - first["epoch"] >= NARROWING_EPOCHS or len(candidates) <= 1:
                    break
                continue
            done += 1
            if not all(np.isfinite(d.weights).all() and np.isfinite(d.biases).all() for d in network.dense):
                return CheckResult(name, spec, epochs, done, rtol,
                                   note=f"the book's run diverged at epoch {epoch}, so the check stops there")
    if first is not None:
        candidates = _observed(candidates, reader.optimizer, epoch + 1)
        return CheckResult(name, spec, epochs, done, rtol, mistakes=tuple(m.name for m in candidates), **first)
    return CheckResult(name, spec, epochs, done, rtol)


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


def _recognise(candidates, reference, epoch, mine, before, differing, rtol):
    """The mistakes among ``candidates`` whose step gives what the reader's did in every array that differs."""
    names = []
    for mistake in candidates:
        for step in variants(mistake):
            if all(_matches_mistake(step, reference, epoch, mine[index - 1], before[index - 1], name, rtol)
                   for index, name, _ in differing):
                names.append(mistake)
                break
    return names


def _observed(candidates, optimizer, steps):
    """Narrow look-alike mistakes by what the reader's optimizer object shows (see ``Mistake.seen_in``)."""
    seen = {m.name: m.seen_in(optimizer, steps) for m in candidates}
    confirmed = [m for m in candidates if seen[m.name]]
    return confirmed or [m for m in candidates if seen[m.name] is not False]


def _matches_mistake(step, reference, epoch, layer, state, name, rtol):
    """Whether the reader's ``name`` array of ``layer`` is what the mistaken ``step`` makes of ``state``."""
    kind = "weight" if name in ("weights", "dweights") or name.startswith("weight_") else "bias"
    param, grad = ("weights", "dweights") if kind == "weight" else ("biases", "dbiases")
    slots = {slot: state.get(f"{kind}_{slot}", np.zeros_like(state[param])) for slot in reference.slots}
    update, new_slots = step(reference, state[grad], slots, epoch)
    if name == param:
        expected = state[param].copy()
        expected += update
        return not _differs(param, getattr(layer, param, None), expected, state[param], rtol)
    slot = name.split("_", 1)[1]
    return slot in new_slots and not _differs(name, getattr(layer, name, None), new_slots[slot], None, rtol)


class _Reader:
    """The optimizer under test, built with the book's argument names and driven through its protocol."""

    def __init__(self, cls, spec, reference):
        self.name = getattr(cls, "__name__", type(cls).__name__)
        self.source = ""
        self.book = callable(getattr(cls, "update_params", None))
        self.pure = not self.book and callable(getattr(cls, "init", None)) and callable(getattr(cls, "update", None))
        if not (self.book or self.pure):
            raise ReaderError(f"{self.name} has no update_params(layer) method (the book's protocol), "
                              f"nor init(param) and update(grad, state)")
        if self.book:
            needs_count = reference.decay or reference.counts_steps
            for method in ("pre_update_params", "post_update_params"):
                if needs_count and not callable(getattr(cls, method, None)):
                    why = "decay" if reference.decay else f"{reference.title}'s step count"
                    raise ReaderError(f"{self.name} has no {method}() method, which {why} needs")
        kwargs = {BOOK_ARGUMENTS[key]: value for key, value in spec.hyperparameters.items()}
        _check_signature(cls, self.name, kwargs)
        try:
            self.source = os.path.abspath(inspect.getsourcefile(cls) or "")
        except (TypeError, OSError):       # OSError: a class typed in a notebook or a REPL has no source file
            self.source = ""
        self.optimizer = self._call(f"{self.name}(...)", cls, **kwargs)
        self.states = {}

    def step(self, layers):
        if self.pure:
            return self._pure_step(layers)
        opt = self.optimizer
        if hasattr(opt, "pre_update_params"):
            self._call(f"{self.name}.pre_update_params()", opt.pre_update_params)
        for layer in layers:
            self._call(f"{self.name}.update_params(layer)", opt.update_params, layer)
        if hasattr(opt, "post_update_params"):
            self._call(f"{self.name}.post_update_params()", opt.post_update_params)

    def _pure_step(self, layers):
        for i, layer in enumerate(layers):
            for kind, param, grad in KINDS:
                key = (i, kind)
                if key not in self.states:
                    self.states[key] = self._call(f"{self.name}.init(param)", self.optimizer.init,
                                                  getattr(layer, param))
                result = self._call(f"{self.name}.update(grad, state)", self.optimizer.update,
                                    getattr(layer, grad), self.states[key])
                try:
                    update, self.states[key] = result
                except (TypeError, ValueError):
                    raise ReaderError(f"{self.name}.update(grad, state) must return (update, new_state), "
                                      f"got {type(result).__name__}") from None
                value = getattr(layer, param) + np.asarray(update)
                setattr(layer, param, value.astype(getattr(layer, param).dtype, copy=False))

    def _call(self, what, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:
            raise ReaderError(f"{what} raised {type(error).__name__}: {str(error).strip()}{_where(error, self.source)}") from None


def _check_signature(cls, name, kwargs):
    """Refuse, in one line, settings the class's ``__init__`` does not take."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return
    parameters = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    taken = [p.name for p in parameters if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                        inspect.Parameter.KEYWORD_ONLY)]
    for argument in kwargs:
        if argument not in taken:
            raise ReaderError(f"{name} does not take {argument}= (its __init__ takes "
                              f"{', '.join(taken) or 'no settings'}), so it cannot be checked against these settings")


def _where(error, source):
    """`` (file.py, line 12)``: the innermost line of the reader's file (``source``) in the traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    theirs = [f for f in frames if os.path.abspath(f.filename) == source] if source else []
    if not theirs:
        here = os.path.dirname(os.path.abspath(__file__))
        theirs = [f for f in frames if not os.path.abspath(f.filename).startswith(here)]
    if not theirs:
        return ""
    frame = theirs[-1]
    return f" ({os.path.basename(frame.filename)}, line {frame.lineno})"
