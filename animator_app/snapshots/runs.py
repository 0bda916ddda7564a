"""Snapshots of races and descents, in the recording snapshot's ``.npz``, and how each kind is compared.

A race (:class:`animator.race.RaceResult`) is kept as one
:class:`~animator.testing.snapshot.RecordingSnapshot` per entrant, its arrays
named ``entrant1.loss``, ``entrant1.dense1.weights``, ..., and compared entrant
by entrant as runs are.  A descent (:class:`animator.descent.Trajectory`) keeps
every step: ``positions``, ``values``, ``gradients`` (one row per position),
``updates`` and ``learning_rates`` (one per step), with its function, optimizer
and how it ended.  ``info["kind"]`` says which; a run's snapshot has none.
"""

from dataclasses import dataclass

import numpy as np

from animator.descent import Trajectory
from animator.landscape import Landscape
from animator.race import RaceResult
from animator.recording import Recording
from animator.testing.difference import first_difference
from animator.testing.mismatch import (Found, Mismatch, first_row, settings_diff, shown_setting, tolerance_picker,
                                       version_changes)
from animator.testing.snapshot import FORMAT, FORMAT_VERSION, RUN, RecordingSnapshot, compare

RACE, DESCENT = "race", "descent"
STEP_ARRAYS = ("positions", "values", "gradients", "learning_rates", "updates")   # in the order a step computes them
# a landscape is kept as its race: its entrants' runs (the plane and the grid follow from them)
KINDS = {Recording: RUN, RaceResult: RACE, Trajectory: DESCENT, Landscape: RACE}


def kind_of(value):
    """``"recording"``, ``"race"`` or ``"descent"``; a TypeError naming what the fixture takes otherwise."""
    for cls, kind in KINDS.items():
        if isinstance(value, cls):
            return kind
    raise TypeError(f"recording_snapshot.assert_match takes a Recording, a RaceResult or a Trajectory, "
                    f"not {type(value).__name__}")


def snapshot_of(value, *, layer_epochs):
    """The :class:`RecordingSnapshot` that keeps ``value`` (a Recording, RaceResult or Trajectory)."""
    kind = kind_of(value)
    if kind == RUN:
        return RecordingSnapshot.of(value, layer_epochs=layer_epochs)
    if kind == RACE:
        entrants = [RecordingSnapshot.of(r, layer_epochs=layer_epochs) for r in value.recordings]
        arrays = {f"entrant{k}.{name}": array for k, e in enumerate(entrants, 1) for name, array in e.arrays.items()}
        info = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": RACE,
                "entrants": [e.info for e in entrants], "versions": entrants[0].info["versions"] if entrants else {}}
        return RecordingSnapshot(info, arrays)
    from animator.versions import run_versions

    arrays = {name: np.ascontiguousarray(getattr(value, name)) for name in STEP_ARRAYS}
    info = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": DESCENT,
            "settings": {"function": value.function, "optimizer": value.optimizer.as_dict()},
            "status": {"diverged_at": value.diverged_at, "cause": value.cause, "converged_at": value.converged_at},
            "steps": int(value.steps), "versions": dict(run_versions())}
    return RecordingSnapshot(info, arrays)


def storage(snapshot):
    """What decides a snapshot's file besides the run's numbers: its kind and the epochs whose layers it keeps."""
    kept = sorted(name for name in snapshot.arrays if name.endswith("layer_epochs"))
    return snapshot.info.get("kind", RUN), [snapshot.arrays[name].tolist() for name in kept]


def compare_any(value, expected, *, layer_epochs, rtol, atol, tolerances=None):
    """A mismatch (with ``describe()``) between ``value`` and the snapshot ``expected``, or None."""
    kind, stored = kind_of(value), expected.info.get("kind", RUN)
    if kind != stored:
        return KindMismatch(kind, stored)
    if kind == RUN:
        return compare(value, expected, rtol=rtol, atol=atol, tolerances=tolerances)
    actual = snapshot_of(value, layer_epochs=layer_epochs)
    if kind == RACE:
        return _compare_race(actual, expected, rtol=rtol, atol=atol, tolerances=tolerances)
    return _compare_descent(actual, expected, rtol=rtol, atol=atol, tolerances=tolerances)


@dataclass(frozen=True)
class KindMismatch:
    actual: str
    expected: str

    def describe(self):
        return f"this is a {self.actual} where the snapshot holds a {self.expected}"


@dataclass(frozen=True)
class RaceMismatch:
    """Each differing entrant's :class:`Mismatch` as ``(label, mismatch)``; ``entrants``: the two counts."""

    entrants: tuple
    mismatches: tuple

    def describe(self):
        lines = []
        if self.entrants[0] != self.entrants[1]:
            lines.append(f"the race has {self.entrants[0]} entrants where the snapshot has {self.entrants[1]}")
        for label, mismatch in self.mismatches:
            lines += [f"{label}: {line}" for line in mismatch.describe().splitlines()]
        return "\n".join(lines)


def _entrant(snapshot, k):
    prefix = f"entrant{k}."
    arrays = {name[len(prefix):]: array for name, array in snapshot.arrays.items() if name.startswith(prefix)}
    return RecordingSnapshot(snapshot.info["entrants"][k - 1], arrays)


def _compare_race(actual, expected, *, rtol, atol, tolerances):
    counts = (len(actual.info["entrants"]), len(expected.info["entrants"]))
    found = []
    for k in range(1, min(counts) + 1):
        mine, theirs = _entrant(actual, k), _entrant(expected, k)
        mismatch = mine.compare(theirs, rtol=rtol, atol=atol, tolerances=tolerances)
        if mismatch is not None:
            optimizer = mine.info.get("settings", {}).get("optimizer") or {}
            found.append((f"entrant {k} ({optimizer.get('name', '?')})", mismatch))
    return RaceMismatch(counts, tuple(found)) if found or counts[0] != counts[1] else None


def _compare_descent(actual, expected, *, rtol, atol, tolerances):
    names = list(STEP_ARRAYS)
    missing = [name for name in names if name not in expected.arrays]
    if missing:
        return KindMismatch(DESCENT, f"descent snapshot without {', '.join(missing)}")
    pick = tolerance_picker(tolerances or {}, names, rtol, atol)
    changed = settings_diff(actual.info["settings"], expected.info.get("settings", {}))
    found = []
    for name in names:
        a, e = actual.arrays[name], expected.arrays[name]
        count = min(len(a), len(e))
        row = first_row(name, a[:count], e[:count], pick(name))
        if row is not None:
            whole = first_difference(name, a[:count], e[:count], **pick(name))
            first = first_difference(name, a[row], e[row], **pick(name))
            found.append(((row, names.index(name)), Found(row, first, whole.count if np.ndim(a[row]) == 0 else None,
                                                           count, unit="step")))
    steps = (int(actual.info["steps"]), int(expected.info.get("steps", -1)))
    if not (found or changed or steps[0] != steps[1]):
        return None
    found.sort(key=lambda item: item[0])
    return DescentMismatch(tuple(changed), steps, (actual.info["status"], expected.info.get("status", {})),
                           tuple(f for _, f in found),
                           (actual.info.get("versions", {}), expected.info.get("versions", {})))


@dataclass(frozen=True)
class DescentMismatch:
    """As :class:`~animator.testing.snapshot.Mismatch`, for a descent: rows are steps."""

    settings: tuple
    steps: tuple
    status: tuple
    found: tuple
    versions: tuple

    def describe(self):
        lines = [found.describe() for found in self.found[:1]]
        lines += [f"setting {key} is {shown_setting(a)} where {shown_setting(e)} was expected" for key, a, e in self.settings]
        if self.steps[0] != self.steps[1]:
            lines.append(f"the descent has {self.steps[0]} steps where the snapshot has {self.steps[1]}")
        for key in ("diverged_at", "converged_at"):
            a, e = self.status[0].get(key), self.status[1].get(key)
            if a != e:
                lines.append(f"{key} is {a} where {e} was expected")
        lines += [f"then {found.describe()}" for found in self.found[1:9]]
        changed = version_changes(*self.versions)
        if changed:
            lines.append(f"versions differ from the snapshot's: {changed}")
        return "\n".join(lines)


__all__ = ["DESCENT", "RACE", "RUN", "DescentMismatch", "KindMismatch", "Mismatch", "RaceMismatch", "compare_any",
           "kind_of", "snapshot_of", "storage"]
