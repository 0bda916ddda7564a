"""A run's numbers, kept small enough to commit, and where a later run first departs from them.

A :class:`RecordingSnapshot` holds what a test of a run should pin: the run's
settings, its data, the loss, accuracy and learning rate of *every* epoch, and
each Dense layer's weights, biases and updates at a few epochs (by default 50
of the Recording's kept epochs, evenly spread, the first and last included).
The per-epoch numbers already change whenever any weight does, so the layer
arrays are there to say *which* array moved, not to catch the change.  A
300-epoch chapter run takes about 0.15 MB, a 10,000-epoch one about 0.19 MB.

On disk a snapshot is an ``.npz`` that ``np.load`` reads: ``snapshot`` (a JSON
text: format, settings, status, package versions), ``X``, ``y``, ``loss``,
``accuracy``, ``learning_rate``, ``layer_epochs`` and ``dense{i}.weights``,
``.biases``, ``.weight_updates``, ``.bias_updates`` (one row per layer epoch),
each in the Recording's own dtype, so an unchanged run compares exactly equal.
The same snapshot always gives the same bytes.

>>> expected = RecordingSnapshot.load("tests/__snapshots__/test_runs/test_sgd.npz")   # doctest: +SKIP
>>> mismatch = compare(recording, expected, rtol=1e-5, atol=1e-8)                     # doctest: +SKIP
>>> print(mismatch.describe())                                                        # doctest: +SKIP
epoch 0: learning_rate 0.5 where 1 was expected (difference 0.5; it differs at 301 of 301 epochs)
"""

import json
import os
import zipfile
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from ..fileio import write_npz
from ..plain import plain
from ..untrusted import is_regular_file, load_json
from .mismatch import SCALARS, Found, Mismatch, compare_snapshots, version_changes  # noqa: F401 (the API's)
from .tolerances import ATOL, LAYER_EPOCHS, RTOL  # noqa: F401 (the API's)

FORMAT = "animator-recording-snapshot"
RUN = "recording"      # info["kind"] of a run's snapshot; races and descents are kinds of their own
FORMAT_VERSION = 1
LAYER_ARRAYS = ("weights", "biases", "weight_updates", "bias_updates")
_INFO = "snapshot"
MAX_SNAPSHOT_BYTES = 512 << 20   # far above any snapshot (a few MB); a crafted archive is refused before inflating


class SnapshotError(UserError):
    """A snapshot file that cannot be read (missing, damaged, another format): ``path`` and the ``problem``."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class RecordingSnapshot:
    """What a snapshot test keeps of a run; see the module docstring.

    ``info`` is a dict (``settings``, ``status``, ``versions``, ``epochs``);
    ``arrays`` maps names to numpy arrays.
    """

    info: dict
    arrays: dict

    @classmethod
    def of(cls, recording, *, layer_epochs=LAYER_EPOCHS):
        """The snapshot of ``recording``.

        ``layer_epochs`` is how many of the Recording's kept epochs (its frames
        and its last) get their layer arrays stored, evenly spread with the
        first and last always in; ``None`` keeps them all; an array of epochs
        keeps those of them the Recording has.
        """
        kept = np.asarray(recording.param_epochs, dtype=np.int64)
        if layer_epochs is None:
            chosen = kept
        elif np.ndim(layer_epochs) == 0:
            count = int(layer_epochs)
            if count < 1:
                raise ValueError(f"layer_epochs must be at least 1 (got {count})")
            rows = np.unique(np.round(np.linspace(0, len(kept) - 1, min(count, len(kept)))).astype(np.int64))
            chosen = kept[rows] if len(kept) else kept
        else:
            chosen = np.intersect1d(np.asarray(layer_epochs, dtype=np.int64), kept)
        rows = np.searchsorted(kept, chosen)
        arrays = {"X": recording.X, "y": recording.y, "layer_epochs": chosen}
        arrays.update({name: recording.arrays[name] for name in SCALARS})
        for i in range(1, recording.n_layers + 1):
            layer = recording.layer(i)
            arrays.update({f"dense{i}.{name}": layer[name][rows] for name in LAYER_ARRAYS})
        info = {"format": FORMAT, "format_version": FORMAT_VERSION, "settings": settings(recording.spec),
                "status": status(recording.spec), "epochs": int(len(recording.epochs)),
                "versions": dict(recording.spec.versions)}
        return cls(info, {name: np.ascontiguousarray(array) for name, array in arrays.items()})

    @property
    def layer_epochs(self):
        """The epochs whose layer arrays this snapshot holds."""
        return self.arrays["layer_epochs"]

    def save(self, path):
        """Write the ``.npz``, atomically; the same snapshot gives the same bytes."""
        text = np.array(json.dumps(self.info, sort_keys=True))
        write_npz(path, [(_INFO, text), *sorted(self.arrays.items())], compresslevel=9)
        return path

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save`; anything else raises :class:`SnapshotError` in one line."""
        if not os.path.lexists(path):
            raise SnapshotError(path, "no such snapshot")
        if not is_regular_file(path):        # a FIFO or a device would block or never end
            raise SnapshotError(path, "not a regular file")
        if not zipfile.is_zipfile(path):     # np.load would take it for a pickle
            raise SnapshotError(path, "not a readable snapshot (not an .npz file)")
        try:
            with zipfile.ZipFile(path) as archive:     # snapshots are shared in repositories: no zip bomb
                inflated = sum(info.file_size for info in archive.infolist())
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise SnapshotError(path, f"not a readable snapshot ({error})") from None
        if inflated > MAX_SNAPSHOT_BYTES:
            raise SnapshotError(path, f"its arrays would inflate to {inflated >> 20} MiB, more than the "
                                      f"{MAX_SNAPSHOT_BYTES >> 20} MiB a snapshot may hold")
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise SnapshotError(path, f"not a readable snapshot ({error})") from None
        try:
            info = load_json(str(arrays.pop(_INFO)[()]), what="snapshot info")
        except (KeyError, ValueError, TypeError):
            info = None
        if not isinstance(info, dict) or info.get("format") != FORMAT:
            raise SnapshotError(path, "not an animator recording snapshot")
        if info.get("format_version") != FORMAT_VERSION:
            raise SnapshotError(path, f"snapshot format {info.get('format_version')!r}; this animator "
                                      f"reads {FORMAT_VERSION}")
        needed = ("X", "y", "layer_epochs", *SCALARS) if info.get("kind", RUN) == RUN else ()
        missing = [name for name in needed if name not in arrays]
        if missing:
            raise SnapshotError(path, f"the snapshot has no {', '.join(missing)}")
        return cls(info, arrays)

    def compare(self, expected, *, rtol=RTOL, atol=ATOL, tolerances=None):
        """A :class:`Mismatch` between this snapshot (the run) and ``expected``, or None; see :func:`compare`."""
        return compare_snapshots(self, expected, rtol=rtol, atol=atol, tolerances=tolerances)


def settings(spec):
    """The settings of a Recording's :class:`~animator.run_spec.RunSpec` that decide its numbers (not its
    frames or grid), as a plain dict.

    Read defensively: a run recorded from a user's own loop has no RunConfig
    (its spec says where it came from instead), so whatever the spec lacks is
    left out, and its source (``source``, ``script``) is kept when it has one.
    """
    found = {"mode": _read(spec, "mode"), "seed": _read(spec, "seed"), "epochs": _read(spec, "epochs"),
             "dataset": _fields(_read(spec, "dataset"), ("name", "samples", "classes")),
             "architecture": _fields(_read(spec, "architecture"), ("inputs", "hidden", "classes")),
             "optimizer": getattr(_read(spec, "optimizer"), "as_dict", lambda: None)()}
    for key in ("source", "script"):
        value = _read(spec, key)
        if value is not None:
            found[key] = plain(value.to_json() if hasattr(value, "to_json") else value)
    return {key: value for key, value in found.items() if value is not None}


def status(spec):
    """How the run ended: ``epochs_recorded``, ``diverged_at`` and its cause, ``interrupted``."""
    return _fields(_read(spec, "status"), ("epochs_recorded", "diverged_at", "divergence_cause", "interrupted")) or {}


def _read(value, name):
    """``value.name``, or None where the value lacks it or computes it from a part it does not have."""
    try:
        return getattr(value, name, None)
    except (AttributeError, TypeError):
        return None


def _fields(value, names):
    return None if value is None else {name: plain(_read(value, name)) for name in names}


def compare(recording, expected, *, rtol=RTOL, atol=ATOL, tolerances=None):
    """Where ``recording`` departs from the :class:`RecordingSnapshot` ``expected``, or None if it does not.

    Arrays agree where ``|actual - expected| <= atol + rtol * |expected|``
    (NaN matches NaN).  ``tolerances`` maps array names, or patterns such as
    ``"dense*.weight_updates"``, to ``{"rtol": ..., "atol": ...}`` for those
    arrays.  The layer arrays are compared at the snapshot's epochs.
    """
    actual = RecordingSnapshot.of(recording, layer_epochs=expected.layer_epochs)
    return compare_snapshots(actual, expected, rtol=rtol, atol=atol, tolerances=tolerances)
