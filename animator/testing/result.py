"""What :func:`~animator.testing.check_optimizer` found, as a value: its summary, and a JSON-able dict and back.

>>> result = CheckResult("Optimizer_SGD", OptimizerSpec("sgd", {"lr": 1.0}), 10, 11, 1e-5)
>>> CheckResult.from_dict(result.to_dict()) == result
True
"""

import math
from dataclasses import dataclass

from ..errors import UserError
from ..optimizers import OptimizerSpec
from .difference import Difference

FORMAT = 1      # the version of to_dict's layout; from_dict refuses others


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check_optimizer` found.

    ``passed`` is true when every epoch matched.  Otherwise ``epoch`` is the
    first differing epoch, ``layer`` the Dense layer (from 1), ``array`` what
    differed (``weights``, ``biases`` or a state array such as
    ``weight_momentums``), ``difference`` the largest disagreement there (index,
    the reader's value, the reference value), and ``mistakes`` the names of the
    known mistakes whose step the reader's reproduces at every epoch checked.
    ``note`` says why a check stopped early (the reference run diverged);
    ``hints`` are what the class's own method names suggest (``update_parameters``
    looks like ``update_params``), shown with a difference.
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
    hints: tuple = ()

    @property
    def passed(self):
        return self.epoch is None

    def __bool__(self):
        return self.passed

    def against(self):
        """``adam (lr=0.05, decay=5e-07)``: the reference as the summary names it."""
        settings = ", ".join(f"{name}={value!r}" for name, value in self.spec.shown().items())
        return f"{self.spec.name} ({settings})"

    def setting(self):
        """``adam:lr=0.05,decay=5e-07``: the reference as ``--against`` spells it."""
        return self.spec.name + "".join(f"{':' if i == 0 else ','}{key}={value!r}"
                                        for i, (key, value) in enumerate(self.spec.hyperparameters.items()))

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
        lines += [f"  note: {hint}" for hint in self.hints]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()

    # -- as JSON -------------------------------------------------------------------------------------

    def to_dict(self):
        """Every field as JSON values (non-finite numbers as the strings ``"nan"``, ``"inf"``, ``"-inf"``).

        ``message`` is :meth:`summary`; :meth:`from_dict` reads the dict back to an equal result.
        """
        d = self.difference
        return {
            "format": FORMAT,
            "optimizer": self.optimizer,
            "against": {"name": self.spec.name, "hyperparameters": dict(self.spec.hyperparameters)},
            "setting": self.setting(),
            "passed": self.passed,
            "epochs": self.epochs,
            "epochs_checked": self.epochs_checked,
            "rtol": self.rtol,
            "epoch": self.epoch,
            "layer": self.layer,
            "array": self.array,
            "index": list(d.index) if d is not None and d.index is not None else None,
            "values": None if d is None else {"yours": _number(d.actual), "book": _number(d.expected),
                                              "difference": _number(d.largest), "differing": d.count,
                                              "size": d.size,
                                              "shapes": None if d.shapes is None else
                                              [_shape(shape) for shape in d.shapes]},
            "mistakes": list(self.mistakes),
            "note": self.note,
            "hints": list(self.hints),
            "message": self.summary(),
        }

    @classmethod
    def from_dict(cls, data):
        """The result :meth:`to_dict` described; a one-line ``UserError`` if ``data`` is not such a dict."""
        try:
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            spec = OptimizerSpec(str(data["against"]["name"]),
                                 {str(k): float(v) for k, v in data["against"]["hyperparameters"].items()})
            values, difference = data["values"], None
            if values is not None:
                shapes = values["shapes"]
                difference = Difference(str(data["array"]), None if data["index"] is None else
                                        tuple(int(i) for i in data["index"]),
                                        _float(values["yours"]), _float(values["book"]),
                                        _float(values["difference"]), int(values["differing"]), int(values["size"]),
                                        shapes=None if shapes is None else tuple(
                                            shape if isinstance(shape, str) else tuple(int(n) for n in shape)
                                            for shape in shapes))
            return cls(str(data["optimizer"]), spec, int(data["epochs"]), int(data["epochs_checked"]),
                       float(data["rtol"]), epoch=_optional(int, data["epoch"]), layer=_optional(int, data["layer"]),
                       array=_optional(str, data["array"]), difference=difference,
                       mistakes=tuple(str(m) for m in data["mistakes"]), note=_optional(str, data["note"]),
                       hints=tuple(str(h) for h in data["hints"]))
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise UserError(f"not a check result ({type(error).__name__}: {error})") from None


def _number(value):
    value = float(value)
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _float(value):
    if isinstance(value, str) and value not in ("nan", "inf", "-inf"):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def _shape(shape):
    return shape if isinstance(shape, str) else [int(n) for n in shape]


def _optional(kind, value):
    return None if value is None else kind(value)
