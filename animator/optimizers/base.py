"""What every optimizer is: the member type of the optimizer registry, and the registry itself.

An optimizer is one module in this package (``sgd.py``, ``adam.py``, ...) that
declares everything any layer asks of it, and registers itself with
:func:`register`:

- ``name`` (what a command line, a spec and a file call it) and ``title`` (how
  the chapter writes it);
- ``HYPERPARAMETERS``: each a :class:`Hyperparameter` (short name, the book's
  argument name, default, check, help), in the book's argument order;
- ``state_slots``: the book's names of its per-parameter state arrays, at most
  (``weight_<slot>`` and ``bias_<slot>`` on a layer);
- ``counts_steps``: whether its formula reads the step count (Adam's bias
  correction), so a reader's class must count them even without decay;
- ``IDENTITY``: how every figure draws it (an :class:`Identity`: colours for
  light and dark pages, a marker, a line style), and in ``VARIANTS`` the
  identities a setting gives it (SGD with momentum), so one optimizer looks the
  same in every figure, theme and deck;
- ``_delta(grad, slots, lr, t)``: the formula, written once;
- ``mistaken(grad, slots, lr, t, **switches)``: the same formula with keyword
  switches for the parts a reader may mistype (``animator check`` names
  mistakes by them; with no switch set it equals ``_delta`` to the bit).

Everything that lists optimizers (command-line choices and help, the
Recording loader's array names, the memory estimate, ``animator check``, the
colours, markers and line styles of every figure) asks :data:`OPTIMIZERS` and
the helpers below.
"""

import functools
import inspect
import math
from dataclasses import dataclass, field

import numpy as np

from ..schedules import inverse_time_decay

OPTIMIZERS = {}     # name -> class, in the order the package imports them


def register(cls):
    """Class decorator: make ``cls`` an optimizer every layer can choose by ``cls.name``."""
    if cls.name in OPTIMIZERS and OPTIMIZERS[cls.name] is not cls:
        raise ValueError(f"an optimizer named {cls.name!r} is registered already")
    OPTIMIZERS[cls.name] = cls
    return cls


def optimizer_class(name):
    """The registered optimizer class called ``name``; ``ValueError`` naming the choices otherwise."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})") from None


def hyperparameter_names():
    """Every short hyper-parameter name any optimizer takes, in registry then declaration order."""
    return list(dict.fromkeys(h.name for cls in OPTIMIZERS.values() for h in cls.HYPERPARAMETERS))


def book_arguments():
    """Short name -> the book's argument name (``beta1`` -> ``beta_1``), over every optimizer."""
    return {h.name: h.argument for cls in OPTIMIZERS.values() for h in cls.HYPERPARAMETERS}


def state_slot_names():
    """Every state slot any optimizer keeps (``momentums``, ``cache``), in registry order."""
    return tuple(dict.fromkeys(slot for cls in OPTIMIZERS.values() for slot in cls.state_slots))


def identities():
    """Every declared :class:`Identity`, the optimizers' own and their variants', in registry order."""
    return tuple(identity for cls in OPTIMIZERS.values() for identity in cls.identities())


def takers(name):
    """The optimizers (classes) that take the hyper-parameter ``name``, each with its declaration."""
    return [(cls, h) for cls in OPTIMIZERS.values() for h in cls.HYPERPARAMETERS if h.name == name]


# -- checks ------------------------------------------------------------------------------------------

def _number(value):
    """``value`` as a float if it is a real number, else None (bools are not numbers here)."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def check(ok, message):
    """A check for a :class:`Hyperparameter`: a finite number for which ``ok`` holds, else ``ValueError(message)``."""
    def checked(value):
        number = _number(value)
        if number is None or not math.isfinite(number) or not ok(number):
            raise ValueError(f"{message}: {value!r}" if number is None else f"{message}: {value}")
        return number
    return checked


non_negative = functools.partial(check, lambda v: v >= 0.0)
positive = functools.partial(check, lambda v: v > 0.0)
unit_interval = functools.partial(check, lambda v: 0.0 <= v < 1.0)    # [0, 1): a decay rate


@dataclass(frozen=True)
class Hyperparameter:
    """One setting of an optimizer, declared once for the constructor, the CLI, specs and ``check``.

    ``name`` is the short name (``lr``, ``beta1``) of specs and flags;
    ``argument`` the book's keyword (``learning_rate``, ``beta_1``);
    ``check(value)`` returns the float or raises ``ValueError`` with the book's message.
    """

    name: str
    argument: str
    default: float
    check: object
    help: str


LEARNING_RATE = "lr", "learning_rate", "learning rate", non_negative("Invalid learning rate")
DECAY = Hyperparameter("decay", "decay", 0.0, non_negative("Invalid decay value"),
                       "learning-rate decay: lr * 1 / (1 + decay * step)")
EPSILON = Hyperparameter("epsilon", "epsilon", 1e-7, positive("Invalid epsilon value"),
                         "epsilon, added outside the square root")


def learning_rate(default):
    """The learning rate, whose default is each optimizer's own."""
    name, argument, text, checked = LEARNING_RATE
    return Hyperparameter(name, argument, default, checked, text)


# -- identity ----------------------------------------------------------------------------------------

MARKERS = {"o": "circle", "s": "square", "^": "triangle up", "v": "triangle down", "D": "diamond", "P": "plus"}
LINE_STYLES = ("solid", "dashed", "dotted", "dashdot", "dashdotdot", "longdash")


@dataclass(frozen=True)
class Identity:
    """How every figure draws an optimizer, declared once with it as plain values; renderers interpret them.

    ``colour`` is for light pages and ``on_dark`` for dark ones (``#rrggbb``);
    ``marker`` one of :data:`MARKERS` (matplotlib's letters), ``line`` one of
    :data:`LINE_STYLES`; ``name`` says what it stands for.  The colours are
    chosen colour-blind safe, apart from each other and from the decision
    regions' class colours; markers and line styles differ too, so no
    optimizer is told from another by colour alone
    (``tests/renderers/test_identity.py`` measures it).
    """

    name: str
    colour: str
    on_dark: str
    marker: str
    line: str

    def __post_init__(self):
        for value in (self.colour, self.on_dark):
            if not (isinstance(value, str) and len(value) == 7 and value[0] == "#"):
                raise ValueError(f"an identity's colour is #rrggbb, not {value!r}")
            int(value[1:], 16)
        if self.marker not in MARKERS:
            raise ValueError(f"unknown marker {self.marker!r} (choose from {', '.join(MARKERS)})")
        if self.line not in LINE_STYLES:
            raise ValueError(f"unknown line style {self.line!r} (choose from {', '.join(LINE_STYLES)})")


@dataclass(frozen=True)
class State:
    """What the pure step carries between calls: the step count and the slot arrays."""

    count: int = 0
    slots: dict = field(default_factory=dict)


class Optimizer:
    """Shared machinery; a member declares its facts (see the module docstring) and its formula.

    Each optimizer offers two ways in, running the same arithmetic on one formula (``_delta``):

    * the book's protocol, so chapter code runs unchanged::

          optimizer.pre_update_params()
          optimizer.update_params(dense1)      # also returns (weight_update, bias_update)
          optimizer.update_params(dense2)
          optimizer.post_update_params()

      Per-layer state lives on the layer under the book's names
      (``weight_momentums``, ``bias_cache``, ...).

    * a pure step in the style of optax, which never touches the parameter and
      keeps no state on the optimizer (the state is a value you hold)::

          state = opt.init(x)
          update, state = opt.update(grad, state)
          x = x + update

    ``_delta(grad, slots, lr, t)`` returns ``(update, new_slots)`` for one array,
    where ``slots`` and ``new_slots`` are tuples of the state arrays in the order of
    ``self.slots`` and ``t`` is the number of updates made before this one.
    """

    name = "optimizer"
    title = "Optimizer"
    HYPERPARAMETERS = ()
    state_slots = ()          # every slot it may keep
    counts_steps = False
    IDENTITY = None           # an Identity: how every figure draws it
    VARIANTS = ()             # (hyper-parameter, Identity): the identity it has where that setting is not zero

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the book's signature, for help() and inspect: Optimizer_Adam(learning_rate=0.001, decay=0.0, ...)
        cls.__signature__ = inspect.Signature(
            [inspect.Parameter(h.argument, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=h.default)
             for h in cls.HYPERPARAMETERS])
        # (short name, attribute) pairs, derived from the declarations, for callers that walk them
        cls.hyperparameter_names = tuple((h.name, h.argument) for h in cls.HYPERPARAMETERS)

    def __init__(self, *args, **kwargs):
        declared = self.HYPERPARAMETERS
        if len(args) > len(declared):
            raise TypeError(f"{type(self).__name__}() takes at most {len(declared)} arguments ({len(args)} given)")
        values = {h.argument: value for h, value in zip(declared, args)}
        for key, value in kwargs.items():
            if key in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {key!r}")
            if key not in {h.argument for h in declared}:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {key!r}")
            values[key] = value
        for h in declared:
            setattr(self, h.argument, h.check(values.get(h.argument, h.default)))
        self.current_learning_rate = self.learning_rate
        self.iterations = 0
        self.schedule = inverse_time_decay(self.learning_rate, self.decay)

    @property
    def slots(self):
        """The state arrays this optimizer keeps with its settings (SGD without momentum keeps none)."""
        return self.state_slots

    # -- the book's protocol -------------------------------------------------
    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.schedule(self.iterations)

    def update_params(self, layer):
        """Update ``layer.weights`` and ``layer.biases`` in place; return both updates."""
        lr, t = self.current_learning_rate, self.iterations
        weight_slots, bias_slots = _slot_attributes(self.slots)
        weight_update = self._step(layer, layer.weights, layer.dweights, weight_slots, lr, t)
        bias_update = self._step(layer, layer.biases, layer.dbiases, bias_slots, lr, t)
        layer.weight_updates, layer.bias_updates = weight_update, bias_update
        return weight_update, bias_update

    def post_update_params(self):
        self.iterations += 1

    def _step(self, layer, param, grad, attributes, lr, t):
        slots = tuple(_layer_slot(layer, attribute, param) for attribute in attributes)
        update, new_slots = self._delta(grad, slots, lr, t)
        for attribute, value in zip(attributes, new_slots):
            setattr(layer, attribute, value)
        param += update
        return update

    # -- pure step ---------------------------------------------------------------
    def init(self, param):
        """The state for a fresh parameter: step 0 and zeroed slots."""
        param = np.asarray(param)
        return State(0, {name: np.zeros_like(param) for name in self.slots})

    def learning_rate_at(self, step):
        """The learning rate the ``step``-th update uses (the book's ``current_learning_rate``)."""
        return self.schedule(step) if self.decay else self.learning_rate

    def update(self, grad, state):
        """Return ``(update, new_state)``; neither the gradient nor ``state`` is modified."""
        lr = self.learning_rate_at(state.count)
        slots = tuple(state.slots[name] for name in self.slots)
        update, new_slots = self._delta(np.asarray(grad), slots, lr, state.count)
        return update, State(state.count + 1, dict(zip(self.slots, new_slots)))

    # -- the formula with switches, for animator check ------------------------------
    def mistaken(self, grad, slots, lr, t, **switches):
        """``(update, new_slots)`` as ``_delta``, ``slots`` a dict by slot name, one part changed by ``switches``."""
        raise NotImplementedError

    @classmethod
    def switches(cls):
        """The names of the switches :meth:`mistaken` takes (its keyword-only parameters)."""
        return frozenset(name for name, p in inspect.signature(cls.mistaken).parameters.items()
                         if p.kind is inspect.Parameter.KEYWORD_ONLY)

    # -- identity --------------------------------------------------------------
    @classmethod
    def identity(cls, hyperparameters=None):
        """The :class:`Identity` figures draw it with for these settings (short names; defaults where missing).

        The first of ``VARIANTS`` whose setting is not zero wins, else ``IDENTITY``:
        SGD with momentum is drawn as itself wherever it appears.
        """
        values = {h.name: h.default for h in cls.HYPERPARAMETERS}
        values.update(hyperparameters or {})
        for setting, identity in cls.VARIANTS:
            if values.get(setting):
                return identity
        return cls.IDENTITY

    @classmethod
    def identities(cls):
        """Its own identity and its variants', in declaration order."""
        return (cls.IDENTITY, *(identity for _, identity in cls.VARIANTS))

    # -- description -----------------------------------------------------------
    def hyperparameters(self):
        """Every hyper-parameter by its short name (``lr``, ``beta1``, ...), defaults included."""
        return {h.name: getattr(self, h.argument) for h in self.HYPERPARAMETERS}

    @property
    def spec(self):
        """This optimizer as a value: its name and every hyper-parameter (an ``OptimizerSpec``)."""
        from .spec import OptimizerSpec
        return OptimizerSpec(self.name, self.hyperparameters())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"


def _layer_slot(layer, attribute, param):
    """The state array ``attribute`` of ``layer``, zeros like ``param`` the first time (as the book does)."""
    value = getattr(layer, attribute, None)
    if value is None:
        value = np.zeros_like(param)
        setattr(layer, attribute, value)
    return value


@functools.cache
def _slot_attributes(slots):
    """The layer attributes holding ``slots``, in the book's spellings: ``weight_momentums``,
    ``bias_momentums``, ``weight_cache``, ``bias_cache``; as ``(weight names, bias names)``."""
    return tuple(tuple(f"{kind}_{slot}" for slot in slots) for kind in ("weight", "bias"))
