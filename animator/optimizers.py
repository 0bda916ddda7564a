"""The chapter's four optimizers, with the book's formulas and defaults.

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

Differences from optax/PyTorch/Keras that are the book's on purpose: the SGD
momentum buffer holds ``momentum * m - lr * g`` (the update itself); the AdaGrad
cache starts at zero; epsilon is added outside the square root; Adam corrects
its moments with ``iterations + 1``.
"""

import functools
import math
import types
from dataclasses import dataclass, field

import numpy as np

from .schedules import inverse_time_decay


def _number(value):
    """``value`` as a float if it is a real number, else None (bools are not numbers here)."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _check(value, ok, message):
    number = _number(value)
    if number is None or not math.isfinite(number) or not ok(number):
        raise ValueError(f"{message}: {value!r}" if number is None else f"{message}: {value}")
    return number


def _check_learning_rate(value):
    return _check(value, lambda v: v >= 0.0, "Invalid learning rate")


def _check_decay(value):
    return _check(value, lambda v: v >= 0.0, "Invalid decay value")


def _check_epsilon(value):
    return _check(value, lambda v: v > 0.0, "Invalid epsilon value")


@dataclass(frozen=True)
class State:
    """What the pure step carries between calls: the step count and the slot arrays."""

    count: int = 0
    slots: dict = field(default_factory=dict)


class Optimizer:
    """Shared machinery; subclasses give ``slots`` and ``_delta``.

    ``_delta(grad, slots, lr, t)`` returns ``(update, new_slots)`` for one array,
    where ``slots`` and ``new_slots`` are tuples of the state arrays in the order of
    ``self.slots`` and ``t`` is the number of updates made before this one.  It is
    the only place an optimizer's formula is written.
    """

    name = "optimizer"
    slots = ()  # names of the per-parameter state arrays, as the book calls them
    hyperparameter_names = ()

    def __init__(self, learning_rate, decay):
        self.learning_rate = _check_learning_rate(learning_rate)
        self.decay = _check_decay(decay)
        self.current_learning_rate = self.learning_rate
        self.iterations = 0
        self.schedule = inverse_time_decay(self.learning_rate, self.decay)

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

    # -- description -----------------------------------------------------------
    def hyperparameters(self):
        """Every hyper-parameter by its short name (``lr``, ``beta1``, ...), defaults included."""
        return {name: getattr(self, attr) for name, attr in self.hyperparameter_names}

    @property
    def spec(self):
        """This optimizer as a value: its name and every hyper-parameter (an :class:`OptimizerSpec`)."""
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


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with the book's momentum.

    Without momentum the update is ``-lr * g``; with it the buffer becomes
    ``momentum * m - lr * g`` and that buffer is the update.
    Defaults: learning rate 1.0, no decay, no momentum.
    """

    name = "sgd"
    hyperparameter_names = (("lr", "learning_rate"), ("decay", "decay"), ("momentum", "momentum"))

    def __init__(self, learning_rate=1.0, decay=0.0, momentum=0.0):
        super().__init__(learning_rate, decay)
        self.momentum = _check(momentum, lambda v: 0.0 <= v < 1.0, "Invalid momentum value")
        self.slots = ("momentums",) if self.momentum else ()

    def _delta(self, grad, slots, lr, t):
        if self.momentum:
            (momentums,) = slots
            update = self.momentum * momentums - lr * grad
            return update, (update,)
        return -lr * grad, ()


class Adagrad(Optimizer):
    """AdaGrad: the update is ``-lr * g / (sqrt(cache) + epsilon)``, cache summing ``g**2`` from 0.

    Defaults: learning rate 1.0, no decay, epsilon 1e-7.
    """

    name = "adagrad"
    slots = ("cache",)
    hyperparameter_names = (("lr", "learning_rate"), ("decay", "decay"), ("epsilon", "epsilon"))

    def __init__(self, learning_rate=1.0, decay=0.0, epsilon=1e-7):
        super().__init__(learning_rate, decay)
        self.epsilon = _check_epsilon(epsilon)

    def _delta(self, grad, slots, lr, t):
        (cache,) = slots
        cache = cache + grad ** 2
        return -lr * grad / (np.sqrt(cache) + self.epsilon), (cache,)


class RMSprop(Optimizer):
    """RMSProp: cache ``rho * cache + (1 - rho) * g**2``, update as AdaGrad's.

    Defaults: learning rate 0.001, no decay, epsilon 1e-7, rho 0.9.
    """

    name = "rmsprop"
    slots = ("cache",)
    hyperparameter_names = (("lr", "learning_rate"), ("decay", "decay"),
                            ("epsilon", "epsilon"), ("rho", "rho"))

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, rho=0.9):
        super().__init__(learning_rate, decay)
        self.epsilon = _check_epsilon(epsilon)
        self.rho = _check(rho, lambda v: 0.0 <= v < 1.0, "Invalid rho value")

    def _delta(self, grad, slots, lr, t):
        (cache,) = slots
        cache = self.rho * cache + (1 - self.rho) * grad ** 2
        return -lr * grad / (np.sqrt(cache) + self.epsilon), (cache,)


class Adam(Optimizer):
    """Adam with the book's bias correction ``1 - beta ** (iterations + 1)``.

    Defaults: learning rate 0.001, no decay, epsilon 1e-7, beta_1 0.9, beta_2 0.999.
    """

    name = "adam"
    slots = ("momentums", "cache")
    hyperparameter_names = (("lr", "learning_rate"), ("decay", "decay"), ("epsilon", "epsilon"),
                            ("beta1", "beta_1"), ("beta2", "beta_2"))

    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, beta_1=0.9, beta_2=0.999):
        super().__init__(learning_rate, decay)
        self.epsilon = _check_epsilon(epsilon)
        self.beta_1 = _check(beta_1, lambda v: 0.0 <= v < 1.0, "Invalid beta parameter at index 0")
        self.beta_2 = _check(beta_2, lambda v: 0.0 <= v < 1.0, "Invalid beta parameter at index 1")

    def _delta(self, grad, slots, lr, t):
        momentums, cache = slots
        momentums = self.beta_1 * momentums + (1 - self.beta_1) * grad
        momentums_corrected = momentums / (1 - self.beta_1 ** (t + 1))
        cache = self.beta_2 * cache + (1 - self.beta_2) * grad ** 2
        cache_corrected = cache / (1 - self.beta_2 ** (t + 1))
        update = -lr * momentums_corrected / (np.sqrt(cache_corrected) + self.epsilon)
        return update, (momentums, cache)


OPTIMIZERS = {cls.name: cls for cls in (SGD, Adagrad, RMSprop, Adam)}
TITLES = {"sgd": "SGD", "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam"}


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer as a value: its name and hyper-parameters by their short names.

    What a Recording, a race entrant or a Trajectory carries instead of text:
    captions and legends format it where they show it.

    >>> spec = OptimizerSpec("adam", {"lr": 0.05, "decay": 5e-7})
    >>> spec.title, spec.shown()
    ('Adam', {'lr': 0.05, 'decay': 5e-07})
    """

    name: str
    hyperparameters: dict = field(default_factory=dict, hash=False)

    def __post_init__(self):
        object.__setattr__(self, "hyperparameters", types.MappingProxyType(dict(self.hyperparameters)))

    @classmethod
    def of(cls, value):
        """An OptimizerSpec from a spec, an optimizer, a ``(name, hyperparameters)`` pair or a dict with both."""
        if isinstance(value, cls):
            return value
        if isinstance(value, Optimizer):
            return value.spec
        if isinstance(value, dict):
            return cls(value["name"], value.get("hyperparameters", {}))
        name, hyper = value
        return cls(name, hyper)

    def build(self):
        """A fresh optimizer with these settings (``ValueError`` for settings it refuses)."""
        return make_optimizer(self.name, **self.hyperparameters)

    @property
    def title(self):
        """The optimizer's name as the chapter writes it: ``SGD``, ``AdaGrad``, ``RMSProp``, ``Adam``."""
        return TITLES.get(self.name, self.name)

    def complete(self):
        """Every hyper-parameter, the optimizer's defaults filled in."""
        return self.build().hyperparameters()

    def shown(self):
        """What a caption shows: the learning rate, then every hyper-parameter not at its default."""
        values = self.complete()
        defaults = make_optimizer(self.name).hyperparameters()
        return {k: v for k, v in values.items() if k == "lr" or v != defaults[k]}

    def as_dict(self):
        return {"name": self.name, "hyperparameters": dict(self.hyperparameters)}

    def __eq__(self, other):
        return (isinstance(other, OptimizerSpec) and self.name == other.name
                and self.complete() == other.complete())

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.complete().items()))))

    def __repr__(self):
        return f"OptimizerSpec({self.name!r}, {dict(self.hyperparameters)!r})"


def make_optimizer(name, **hyperparameters):
    """Build an optimizer from its name and short hyper-parameter names (``lr``, ``beta1``, ...).

    >>> make_optimizer("adam", lr=0.05, decay=5e-7)
    Adam(lr=0.05, decay=5e-07, epsilon=1e-07, beta1=0.9, beta2=0.999)
    """
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})") from None
    keywords = dict(cls.hyperparameter_names)
    unknown = sorted(set(hyperparameters) - set(keywords))
    if unknown:
        raise ValueError(f"{name} has no hyper-parameter {unknown[0]!r} "
                         f"(it takes {', '.join(keywords)})")
    return cls(**{keywords[k]: v for k, v in hyperparameters.items()})


# The book's names.
Optimizer_SGD = SGD
Optimizer_Adagrad = Adagrad
Optimizer_RMSprop = RMSprop
Optimizer_Adam = Adam
