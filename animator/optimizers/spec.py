"""An optimizer as a value (name and hyper-parameters), and building one from it."""

import types
from dataclasses import dataclass, field

from .base import OPTIMIZERS, Optimizer, optimizer_class


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
        cls = OPTIMIZERS.get(self.name)
        return cls.title if cls else self.name

    @property
    def identity(self):
        """How every figure draws it (an :class:`~animator.optimizers.base.Identity`): SGD with momentum has its own."""
        return optimizer_class(self.name).identity(self.complete())

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
    cls = optimizer_class(name)
    keywords = {h.name: h.argument for h in cls.HYPERPARAMETERS}
    unknown = sorted(set(hyperparameters) - set(keywords))
    if unknown:
        raise ValueError(f"{name} has no hyper-parameter {unknown[0]!r} "
                         f"(it takes {', '.join(keywords)})")
    return cls(**{keywords[k]: v for k, v in hyperparameters.items()})
