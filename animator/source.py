"""Where a recorded run came from (:class:`Source`) and an optimizer animator does not know (:class:`CustomOptimizer`).

A Recording made by :class:`animator.recorder.Recorder` (or ``animator record``)
was not trained by animator from a :class:`~animator.run_spec.RunConfig`: its
spec says so with a ``source`` part, rather than pretending otherwise.

>>> Source("record", "book", script="chapter10.py", sha256="ab" * 32).text()
'recorded from chapter10.py'

A user's optimizer that maps onto a registered one is described by that
optimizer's :class:`~animator.optimizers.OptimizerSpec`; one that does not is a
:class:`CustomOptimizer`: its class name (shown escaped wherever it is shown)
and the few numbers it was seen to have.

>>> CustomOptimizer("custom", {"lr": 0.1}, "Optimizer_Lion").title
'Optimizer_Lion (custom)'
"""

import re
from dataclasses import dataclass

from .optimizers import Identity, OptimizerSpec
from .untrusted import shown

CUSTOM = "custom"                          # the name a CustomOptimizer's spec stores; no registered optimizer has it
ADAPTERS = ("book", "api", "torch", "keras")
KINDS = ("record",)
MAX_LABEL = 120                            # characters of a class or model name kept
_SHA256 = re.compile(r"[0-9a-f]{64}")
# neutral grey, a plus and long dashes: no registered optimizer's colour, marker or line (test_identity checks)
CUSTOM_IDENTITY = Identity("a custom optimizer", "#2c2c2c", "#707070", "P", "longdash")


@dataclass(frozen=True, eq=False)
class CustomOptimizer(OptimizerSpec):
    """An optimizer animator cannot build: ``label`` (its class name) and the settings it was seen to have.

    It shows and saves like any :class:`OptimizerSpec`; :meth:`build` refuses.
    """

    label: str = "optimizer"

    def build(self):
        raise ValueError(f"{self.title} is not an optimizer animator can build")

    @property
    def title(self):
        return f"{shown(self.label)} (custom)"

    @property
    def identity(self):
        return CUSTOM_IDENTITY

    def complete(self):
        return dict(self.hyperparameters)

    def shown(self):
        return dict(self.hyperparameters)

    def as_dict(self):
        return {"name": CUSTOM, "hyperparameters": dict(self.hyperparameters), "label": self.label}

    def __eq__(self, other):
        return isinstance(other, CustomOptimizer) and self.as_dict() == other.as_dict()

    def __hash__(self):
        return hash((self.label, tuple(sorted(self.hyperparameters.items()))))

    def __repr__(self):
        return f"CustomOptimizer({self.label!r}, {dict(self.hyperparameters)!r})"


def custom_optimizer(label, hyperparameters=None):
    """A :class:`CustomOptimizer` named ``label`` (cut to :data:`MAX_LABEL` characters)."""
    return CustomOptimizer(CUSTOM, dict(hyperparameters or {}), str(label)[:MAX_LABEL])


@dataclass(frozen=True)
class Source:
    """A run animator did not train: how it was recorded.

    ``kind`` is ``record``; ``adapter`` what recorded it (``book``: ``animator
    record`` tracing the book's classes, ``api``: a loop calling the Recorder,
    ``torch``, ``keras``); ``script`` the script or notebook by base name (never
    a local path) and ``sha256`` its content's hash; ``optimizer_class`` the
    user's optimizer class name; ``model`` the model picked where a script
    trains several.
    """

    kind: str = "record"
    adapter: str = "api"
    script: str = None
    sha256: str = None
    optimizer_class: str = None
    model: str = None

    def text(self):
        """``recorded from chapter10.py`` (escaped), or ``recorded`` (``with torch``)."""
        where = f" from {shown(self.script)}" if self.script else ""
        how = f" with {self.adapter}" if self.adapter in ("torch", "keras") else ""
        return f"recorded{where}{how}"

    def to_json(self):
        return {"kind": self.kind, "adapter": self.adapter, "script": self.script, "sha256": self.sha256,
                "optimizer_class": self.optimizer_class, "model": self.model}

    @classmethod
    def from_json(cls, value, where="source"):
        """A Source from a file's JSON, every field checked (:class:`~animator.spec_checks.SpecError` if not)."""
        from .spec_checks import a_dict, bad, check_keys

        value = a_dict(value, where)
        check_keys(value, where, known={"kind", "adapter", "script", "sha256", "optimizer_class", "model"})
        if value["kind"] not in KINDS:
            bad(f"{where}.kind", " or ".join(KINDS))
        if value["adapter"] not in ADAPTERS:
            bad(f"{where}.adapter", ", ".join(ADAPTERS))
        for key in ("script", "optimizer_class", "model"):
            text = value[key]
            if text is not None and not (isinstance(text, str) and 0 < len(text) <= MAX_LABEL):
                bad(f"{where}.{key}", f"a text of at most {MAX_LABEL} characters or null")
        if value["script"] is not None and ("/" in value["script"] or "\\" in value["script"]):
            bad(f"{where}.script", "a base name, never a path")
        if value["sha256"] is not None and not (isinstance(value["sha256"], str) and _SHA256.fullmatch(value["sha256"])):
            bad(f"{where}.sha256", "64 hex digits or null")
        return cls(**value)
