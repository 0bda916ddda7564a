"""Where a run departs from its snapshot, as values: the first difference of each array, and what else differs.

:func:`compare_snapshots` compares two :class:`~.snapshot.RecordingSnapshot` s
(:func:`.snapshot.compare` makes the first from a Recording); the races' and
descents' snapshots of ``animator_app.snapshots`` reuse its pieces
(:func:`first_row`, :func:`tolerance_picker`, :func:`settings_diff`).
"""

import fnmatch
import json
from dataclasses import dataclass

import numpy as np

from ..plain import plain
from .difference import Difference, first_difference

SCALARS = ("loss", "accuracy", "learning_rate")
_MORE = 8              # "then ..." lines shown after the first difference


@dataclass(frozen=True)
class Found:
    """The first disagreement of one array: at ``epoch`` (None for the data), as a :class:`Difference`.

    ``epochs`` and ``of`` count, for the per-epoch numbers, the epochs that differ and those compared;
    ``unit`` is what a row counts (a descent's rows are steps).
    """

    epoch: int
    difference: Difference
    epochs: int = None
    of: int = None
    unit: str = "epoch"

    def describe(self):
        d = self.difference
        where = "data" if self.epoch is None else f"{self.unit} {self.epoch}"
        if self.epochs is None:
            return f"{where}: {d.describe()}"
        return (f"{where}: {d.name} {d.actual:.9g} where {d.expected:.9g} was expected (difference "
                f"{d.largest:.3g}; it differs at {self.epochs} of {self.of} {self.unit}s)")


@dataclass(frozen=True)
class Mismatch:
    """Everything that keeps a run from matching its snapshot, as values.

    ``settings``: ``(key, actual, expected)`` for each setting that differs;
    ``epochs``: ``(actual, expected)`` epoch counts; ``status``: the two runs'
    :func:`status`; ``found``: the first :class:`Found` of every differing
    array, earliest first (within an epoch in the book's order: weights,
    forward numbers, learning rate, updates); ``versions``: the two runs'
    package versions; ``tolerances``: the default ``(rtol, atol)``.
    """

    settings: tuple
    epochs: tuple
    status: tuple
    found: tuple
    versions: tuple
    tolerances: tuple

    @property
    def first(self):
        """The earliest :class:`Found`, or None when the numbers agree (settings or length differ)."""
        return self.found[0] if self.found else None

    def describe(self):
        """Lines for a person: the first differing epoch and array first, then the rest."""
        lines = []
        if self.first is not None:
            lines.append(self.first.describe())
        for key, actual, expected in self.settings:
            lines.append(f"setting {key} is {shown_setting(actual)} where {shown_setting(expected)} was expected")
        if self.epochs[0] != self.epochs[1]:
            endings = [f"{whose} {_ending(found)}" for whose, found in zip(("this run", "the snapshot's run"),
                                                                            self.status) if _ending(found)]
            lines.append(f"the run has {self.epochs[0]} epochs where the snapshot has {self.epochs[1]}"
                         + (f" ({'; '.join(endings)})" if endings else ""))
        if not self.found and self.epochs[0] != self.epochs[1]:
            lines.append(f"the first {min(self.epochs)} epochs agree")
        for found in self.found[1:1 + _MORE]:
            lines.append(f"then {found.describe()}")
        if len(self.found) > 1 + _MORE:
            lines.append(f"and {len(self.found) - 1 - _MORE} more arrays differ")
        changed = version_changes(self.versions[0], self.versions[1])
        if changed:
            lines.append(f"versions differ from the snapshot's: {changed}")
        return "\n".join(lines)


def version_changes(actual, expected):
    """``numpy 2.4.6 (snapshot: 2.3.0), ...`` for the packages whose versions differ, or ``""``."""
    return ", ".join(f"{name} {actual.get(name, 'absent')} (snapshot: {expected.get(name, 'absent')})"
                     for name in sorted(set(actual) | set(expected)) if actual.get(name) != expected.get(name))


def compare_snapshots(actual, expected, *, rtol, atol, tolerances):
    """The :class:`Mismatch` between two :class:`~.snapshot.RecordingSnapshot` s, or None where they agree."""
    names = _order(expected)
    pick = tolerance_picker(tolerances or {}, names, rtol, atol)
    changed = settings_diff(actual.info.get("settings", {}), expected.info.get("settings", {}))
    found = []
    for name in ("X", "y"):
        difference = first_difference(name, actual.arrays[name], expected.arrays[name], **pick(name))
        if difference is not None:
            found.append(((-1, names.index(name)), Found(None, difference)))
    count = min(len(actual.arrays["loss"]), len(expected.arrays["loss"]))
    for name in SCALARS:
        a, e = actual.arrays[name][:count], expected.arrays[name][:count]
        row = first_row(name, a, e, pick(name))
        if row is not None:
            whole = first_difference(name, a, e, **pick(name))
            found.append(((row, names.index(name)),
                          Found(row, first_difference(name, a[row], e[row], **pick(name)), whole.count, count)))
    last = len(actual.arrays["loss"]) - 1
    wanted = expected.layer_epochs[expected.layer_epochs <= last]
    # the layer arrays are compared where both runs kept them: which epochs a run keeps (its frames)
    # is how it was recorded, not what it computed
    common, in_actual, in_expected = np.intersect1d(actual.layer_epochs, wanted, return_indices=True)
    for name in names:
        if not name.startswith("dense"):
            continue
        if name not in actual.arrays:
            continue
        a, e = actual.arrays[name][in_actual], expected.arrays[name][in_expected]
        row = first_row(name, a, e, pick(name))
        if row is not None:
            epoch = int(common[row])
            difference = first_difference(name, a[row], e[row], **pick(name))
            found.append(((epoch, names.index(name)), Found(epoch, difference)))
    layers_actual = {n for n in actual.arrays if n.startswith("dense")}
    layers_expected = {n for n in expected.arrays if n.startswith("dense")}
    if layers_actual != layers_expected:
        changed.append(("layers", sorted(layers_actual), sorted(layers_expected)))
    epochs = (len(actual.arrays["loss"]), len(expected.arrays["loss"]))
    if not (found or changed or epochs[0] != epochs[1]):
        return None
    found.sort(key=lambda item: item[0])
    return Mismatch(settings=tuple(changed), epochs=epochs,
                    status=(actual.info.get("status", {}), expected.info.get("status", {})),
                    found=tuple(f for _, f in found),
                    versions=(actual.info.get("versions", {}), expected.info.get("versions", {})),
                    tolerances=(rtol, atol))


def _order(snapshot):
    """Array names in the order a difference is reported within one epoch: the book's loop order."""
    layers = sorted({int(n[5:n.index(".")]) for n in snapshot.arrays if n.startswith("dense")})
    before = [f"dense{i}.{a}" for i in layers for a in ("weights", "biases")]
    after = [f"dense{i}.{a}" for i in layers for a in ("weight_updates", "bias_updates")]
    return ["X", "y", *before, *SCALARS, *after]


def first_row(name, actual, expected, tolerance):
    """The first index along axis 0 where the arrays differ (by :func:`first_difference`), or None."""
    if actual.shape != expected.shape:
        return 0
    if first_difference(name, actual, expected, **tolerance) is None:
        return None
    low, high = 0, len(expected) - 1      # the prefix up to ``high`` differs; find the shortest such
    while low < high:
        middle = (low + high) // 2
        if first_difference(name, actual[:middle + 1], expected[:middle + 1], **tolerance) is None:
            low = middle + 1
        else:
            high = middle
    return low


def tolerance_picker(tolerances, names, rtol, atol):
    """``name -> {"rtol", "atol"}``: an exact key first, else the first matching pattern, else the defaults."""
    for key, value in tolerances.items():
        if not any(fnmatch.fnmatchcase(name, key) for name in names):
            raise ValueError(f"tolerances: {key!r} names no array of the snapshot (its arrays: {', '.join(names)})")
        unknown = set(value) - {"rtol", "atol"}
        if unknown:
            raise ValueError(f"tolerances[{key!r}]: only rtol and atol can be set (got {', '.join(sorted(unknown))})")

    def pick(name):
        chosen = tolerances.get(name)
        if chosen is None:
            chosen = next((v for k, v in tolerances.items() if fnmatch.fnmatchcase(name, k)), {})
        return {"rtol": chosen.get("rtol", rtol), "atol": chosen.get("atol", atol)}

    return pick


def settings_diff(actual, expected, prefix=""):
    changed = []
    for key in sorted(set(actual) | set(expected), key=str):
        a, e = actual.get(key, _ABSENT), expected.get(key, _ABSENT)
        if isinstance(a, dict) and isinstance(e, dict):
            changed += settings_diff(a, e, f"{prefix}{key}.")
        elif a is _ABSENT or e is _ABSENT or plain(a) != plain(e):
            changed.append((f"{prefix}{key}", a, e))
    return changed


class _Absent:
    def __repr__(self):
        return "absent"


_ABSENT = _Absent()


def shown_setting(value):
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return repr(value)


def _ending(found):
    """``diverged at epoch 41: loss is nan``, ``was interrupted``, or nothing for a run that ran to its end."""
    if found.get("diverged_at") is not None:
        cause = f": {found['divergence_cause']}" if found.get("divergence_cause") else ""
        return f"diverged at epoch {found['diverged_at']}{cause}"
    if found.get("interrupted"):
        return "was interrupted"
    return ""


