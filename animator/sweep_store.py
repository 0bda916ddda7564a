"""Where a sweep keeps what it finished: run summaries (so an interrupted sweep resumes) and, if asked, Recordings.

A :class:`RunStore` is a folder of ``run-KEY.npz`` files, one per finished run,
each written atomically as the run arrives (the folder is made with the first).  ``KEY`` is a hash of everything
that decides the run's numbers (its whole :class:`~animator.run.RunConfig`,
the CSV's points, the animator and numpy versions), so a later sweep takes a
stored run only if it would have trained exactly that run, and a changed
setting simply trains anew.  Nothing in the folder is ever deleted.

The folder is data, never authority: anyone may have written into it.  A
stored run is used only if it verifies (:func:`read_summary`): bounded in
size before anything is inflated, the arrays of the shapes this run makes,
its full settings this run's, its numbers those of its arrays and the arrays
those of its content hash.  What does not verify is trained again.  (A hash
kept beside the data catches damage and hand edits, not a forger who rewrites
the hash too; the folder is as trustworthy as whoever can write to it.)

The same bytes are what a worker sends back (:func:`summary_bytes`): plain
arrays and JSON, never a pickle, so a Dask worker cannot run code on the
machine that collects the runs.

A :class:`RecordingFolder` holds whole Recordings (``run_sweep(save_runs=...)``), one per
cell, named by the settings: ``sgd_lr=0.1_momentum=0.9.npz``.
"""

import contextlib
import hashlib
import io
import json
import math
import os
import tempfile
import zipfile
import zlib
from dataclasses import asdict

import numpy as np

from .errors import UserError
from .fileio import ZIP_TIME, atomic_output, check_writable
from .plain import plain
from .untrusted import Untrusted, load_json, open_input, read_bounded
from .versions import run_versions

FORMAT = 2
META_BYTES = 64 << 10             # a run's settings and numbers: a few kilobytes
SLACK = 1 << 20                   # zip and .npy headers around a run's arrays
_NUMBERS = ("final_loss", "final_accuracy", "best_accuracy", "seconds")       # floats, NaN allowed: an array
_COUNTS = ("best_epoch", "diverged_at", "last_epoch")                          # whole numbers or null
_META_KEYS = {"format", "cell", "optimizer", "settings", "content", "divergence_cause", "versions", *_COUNTS}


def _check_folder(path, what):
    """A one-line error if ``path`` is a file, or could not be created or written; creates nothing."""
    target = os.fspath(path)
    if os.path.exists(target):
        if not os.path.isdir(target):
            raise UserError(f"{target}: exists and is not a directory (it would hold {what})")
        check_writable(os.path.join(target, "probe"))
    else:
        check_writable(target.rstrip(os.sep) or target)
    return target


def settings(task):
    """Everything that decides ``task``'s result, as a plain value: its whole config, the CSV's points, versions."""
    versions = run_versions()
    described = {"format": FORMAT, "config": asdict(task.config),
                 **{name: versions[name] for name in ("animator", "numpy")}}
    if task.data is not None:
        X, y = task.data
        described["data"] = hashlib.sha256(np.ascontiguousarray(X).tobytes()
                                           + np.ascontiguousarray(y).tobytes()).hexdigest()
    return plain(described)


def run_key(task):
    """A hash of everything that decides ``task``'s result."""
    return hashlib.sha256(json.dumps(settings(task), sort_keys=True).encode()).hexdigest()[:24]


# -- a run's summary as bytes: what a worker sends back and what the resume folder keeps ---------------

def _shapes(task, classes):
    """``{member: (shape, dtype)}`` of the arrays a summary of ``task`` holds."""
    from .run import planned_frames

    frames = len(planned_frames(task.config))
    side = task.config.grid_resolution
    return {"numbers": ((len(_NUMBERS),), np.dtype("<f8")), "frame_epochs": ((frames,), np.dtype("<i8")),
            "frame_loss": ((frames,), np.dtype("<f4")), "frame_accuracy": ((frames,), np.dtype("<f8")),
            "grid_probs": ((frames, side, side, classes), np.dtype("u1"))}


def _content(arrays):
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name} {array.dtype.str} {array.shape}\n".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _npz_bytes(members):
    """``members`` (name, array) as the bytes of an .npz, deterministic, nothing pickled."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in members:
            data = io.BytesIO()
            np.lib.format.write_array(data, np.asarray(array), allow_pickle=False)
            member = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, data.getvalue())
    return buffer.getvalue()


def summary_bytes(task, summary, recording=None):
    """``summary`` (and a Recording file's bytes) as one .npz: plain arrays and JSON, never a pickle."""
    arrays = {"numbers": np.array([getattr(summary, name) for name in _NUMBERS], dtype="<f8"),
              "frame_epochs": np.asarray(summary.frame_epochs, dtype="<i8"),
              "frame_loss": np.asarray(summary.frame_loss, dtype="<f4"),
              "frame_accuracy": np.asarray(summary.frame_accuracy, dtype="<f8"),
              "grid_probs": np.asarray(summary.grid_probs, dtype="u1")}
    meta = {name: getattr(summary, name) for name in _COUNTS}
    meta.update(format=FORMAT, cell=list(summary.cell), optimizer=summary.optimizer, settings=settings(task),
                divergence_cause=summary.divergence_cause, versions=summary.versions, content=_content(arrays))
    members = [("meta", np.array(json.dumps(meta, sort_keys=True))), *sorted(arrays.items())]
    if recording is not None:
        members.append(("recording", np.frombuffer(recording, dtype="u1")))
    return _npz_bytes(members)


def read_summary(data, task, classes, *, what, recording_bytes=0):
    """The :class:`~animator.sweep.RunSummary` of ``task`` in ``data`` (and its Recording's bytes, or None).

    Nothing is trusted: every member's size is checked before it is inflated,
    the arrays must have the shapes ``task`` makes, the settings must be
    ``task``'s in full, the numbers must agree with the arrays and the arrays
    with their content hash.  Anything else is :class:`~animator.untrusted.Untrusted`.
    """
    expected = _shapes(task, classes)
    limit = sum(math.prod(shape) * dtype.itemsize for shape, dtype in expected.values()) + META_BYTES + SLACK
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise Untrusted(f"{what}: not a run's result (got {type(data).__name__})")
    if len(data) > limit + recording_bytes:
        raise Untrusted(f"{what}: larger than a run of these settings can be")
    try:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            found = _members(archive, expected, recording_bytes, what)
            meta_text = _array(archive, found["meta"], what)
            if meta_text.dtype.kind != "U" or meta_text.shape != ():
                raise Untrusted(f"{what}: its settings are not text")
            meta = load_json(str(meta_text[()]), what=what, max_bytes=META_BYTES)
            arrays = {name: _array(archive, found[name], what) for name in expected}
            recording = bytes(_array(archive, found["recording"], what).data) if "recording" in found else None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as error:
        if isinstance(error, Untrusted):
            raise
        raise Untrusted(f"{what}: not a readable run ({_first_line(error)})") from None
    return _summary(meta, arrays, task, what), recording


def _members(archive, expected, recording_bytes, what):
    allowed = {"meta", *expected} | ({"recording"} if recording_bytes else set())
    found = {}
    for info in archive.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else None
        if name not in allowed or name in found:
            raise Untrusted(f"{what}: holds {info.filename!r}, which a run never does")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise Untrusted(f"{what}: {name} is stored in a way animator never writes")
        if name == "meta":
            bound = META_BYTES * 4 + 256          # UTF-32 text and its header
        elif name == "recording":
            bound = recording_bytes
        else:
            shape, dtype = expected[name]
            bound = 256 + math.prod(shape) * dtype.itemsize
        if info.file_size > bound:
            raise Untrusted(f"{what}: {name} would inflate to {info.file_size} bytes, more than such a run holds")
        with archive.open(info) as stream:
            shape, dtype = _header(stream, what, name)
        if name in expected and (shape, dtype) != expected[name]:
            raise Untrusted(f"{what}: {name} is {dtype} {shape}, expected {expected[name][1]} {expected[name][0]} "
                            f"from the sweep's settings")
        found[name] = info
    missing = sorted(allowed - set(found) - {"recording"})
    if missing:
        raise Untrusted(f"{what}: {missing[0]} is missing")
    return found


def _header(stream, what, name):
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, SyntaxError, TypeError) as error:
        raise Untrusted(f"{what}: {name} has no valid .npy header ({_first_line(error)})") from None
    if dtype.hasobject or fortran:
        raise Untrusted(f"{what}: {name} holds Python objects or Fortran order, which a run never does")
    return shape, dtype


def _array(archive, info, what):
    with archive.open(info) as stream:
        return np.lib.format.read_array(stream, allow_pickle=False)


def _whole(value, low, high, *, null=False):
    if value is None:
        return null
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _finite(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _summary(meta, arrays, task, what):
    from .optimizers import OptimizerSpec
    from .run import planned_frames
    from .sweep import RunSummary

    def need(ok, problem):
        if not ok:
            raise Untrusted(f"{what}: {problem}")

    need(isinstance(meta, dict) and set(meta) == _META_KEYS and meta["format"] == FORMAT,
         "not a run stored by this animator")
    need(meta["settings"] == settings(task), "stored for other settings than this run's")
    config = task.config
    given = OptimizerSpec(config.optimizer, config.hyperparameters)
    spec = OptimizerSpec(given.name, given.complete()).as_dict()      # every hyper-parameter, as a run records it
    need(meta["optimizer"] == json.loads(json.dumps(spec)), "stored for another optimizer or settings")
    need(meta["cell"] == list(task.cell), "stored for another cell of the grid")
    need(meta["content"] == _content(arrays), "its arrays do not match their content hash")
    epochs = config.epochs
    need(_whole(meta["last_epoch"], -1, epochs), "its last epoch is not an epoch of this run")
    last = meta["last_epoch"]
    need(_whole(meta["diverged_at"], 0, epochs, null=True), "its divergence epoch is not an epoch of this run")
    need(_whole(meta["best_epoch"], 0, max(last, 0), null=True), "its best epoch is not an epoch of this run")
    cause = meta["divergence_cause"]
    need(cause is None or (isinstance(cause, str) and len(cause) <= 200), "its divergence cause is not short text")
    versions = meta["versions"]
    need(isinstance(versions, dict) and len(versions) <= 8 and all(
        isinstance(k, str) and len(k) <= 40 and (isinstance(v, str) and len(v) <= 40 or _finite(v))
        for k, v in versions.items()), "its versions are not short names")
    numbers = dict(zip(_NUMBERS, (float(v) for v in arrays["numbers"])))
    frames = arrays["frame_epochs"]
    need(np.array_equal(frames, np.minimum(planned_frames(config), max(last, 0))),
         "its frame epochs are not this sweep's")
    accuracy = arrays["frame_accuracy"]
    need(bool(np.all((accuracy >= 0) & (accuracy <= 1))), "its accuracies are not between 0 and 1")
    if last >= 0:
        need(numbers["final_loss"] == float(arrays["frame_loss"][-1])
             and numbers["final_accuracy"] == float(accuracy[-1])
             and 0 <= numbers["final_accuracy"] <= numbers["best_accuracy"] <= 1,
             "its final numbers do not match its last frame")
    need(math.isfinite(numbers["seconds"]) and numbers["seconds"] >= 0, "its time is not a duration")
    return RunSummary(cell=tuple(task.cell), optimizer=spec, **numbers,
                      best_epoch=meta["best_epoch"], diverged_at=meta["diverged_at"], divergence_cause=cause,
                      last_epoch=last, frame_epochs=frames, frame_loss=arrays["frame_loss"],
                      frame_accuracy=accuracy, grid_probs=arrays["grid_probs"], versions=dict(versions))


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class RunStore:
    """Finished runs of sweeps, kept in ``directory`` (created when first needed)."""

    def __init__(self, directory):
        self.directory = os.fspath(directory)

    def __repr__(self):
        return f"RunStore({self.directory!r})"

    def prepare(self):
        """Fail now, in one line, if the folder could not hold runs (it is created with the first one)."""
        _check_folder(self.directory, "the finished runs of a sweep")
        return self

    def path(self, task):
        return os.path.join(self.directory, f"run-{run_key(task)}.npz")

    def save(self, task, summary):
        os.makedirs(self.directory, exist_ok=True)
        data = summary_bytes(task, summary)
        with atomic_output(self.path(task)) as temporary:
            with open(temporary, "wb") as handle:
                handle.write(data)

    def load(self, task, classes):
        """The stored :class:`RunSummary` of ``task``, or None if there is none.

        A stored run that does not verify (see :func:`read_summary`) raises
        :class:`~animator.untrusted.Untrusted`: the caller trains it again.
        """
        path = self.path(task)
        if not os.path.lexists(path):
            return None
        what = f"{os.path.basename(self.directory.rstrip(os.sep))}/{os.path.basename(path)}"
        expected = _shapes(task, classes)
        limit = sum(math.prod(s) * d.itemsize for s, d in expected.values()) + META_BYTES + SLACK
        data = read_bounded(path, limit, what=what)
        summary, _ = read_summary(data, task, classes, what=what)
        return summary

    def count(self):
        """How many files of finished runs the folder holds (of any sweep)."""
        with contextlib.suppress(OSError):
            return sum(1 for name in os.listdir(self.directory) if name.startswith("run-") and name.endswith(".npz"))
        return 0


def recording_name(spec, names):
    """``sgd_lr=0.1_momentum=0.9.npz``: the optimizer and the swept settings, in the grids' order."""
    settings = spec.hyperparameters
    return "_".join([spec.name, *(f"{name}={settings[name]!r}" for name in names)]) + ".npz"


class RecordingFolder:
    """Whole Recordings of a sweep's runs, one file per cell; never a file animator did not write for that run.

    The folder's marker ``.animator-runs`` lists every Recording animator wrote
    there with the key of the run it holds (:func:`run_key`: its full settings).
    A name is written only if it is new or listed in the marker (animator wrote
    it); a file of the same name that is not listed is refused before any run,
    with nothing touched.  A listed file counts as this sweep's run only if its
    key is this run's: a Recording from an earlier sweep with other settings is
    trained and written again, never passed off as this sweep's.
    """

    MARKER = ".animator-runs"
    HEADER = "animator sweep runs"
    PENDING = "-"             # the key of a file being replaced: ours, but no run's yet

    def __init__(self, directory):
        self.directory = os.fspath(directory)

    def __repr__(self):
        return f"RecordingFolder({self.directory!r})"

    def prepare(self):
        _check_folder(self.directory, "the sweep's Recordings")
        return self

    def path(self, sweep, cell):
        return os.path.join(self.directory, recording_name(sweep.spec(cell), sweep.names))

    def _listed(self):
        """``{name: key}`` from the marker; empty if there is none or it is not animator's."""
        marker = os.path.join(self.directory, self.MARKER)
        if os.path.islink(marker) or not os.path.isfile(marker):
            return {}
        try:
            lines = read_bounded(marker, 1 << 20, what=self.MARKER).decode("utf-8").splitlines()
        except (UserError, UnicodeDecodeError):
            return {}
        if not lines or lines[0] != self.HEADER:
            return {}
        listed = {}
        for line in lines[1:]:
            key, _, name = line.partition(" ")
            if name and os.sep not in name and not name.startswith("."):
                listed[name] = key
        return listed

    def check(self, sweep, tasks):
        """Refuse, in one line and before any run, a file of a run's name that animator did not write here."""
        if not os.path.isdir(self.directory):
            return
        listed = self._listed()
        for task in tasks:
            path = self.path(sweep, task.cell)
            name = os.path.basename(path)
            if not os.path.lexists(path):
                continue
            if os.path.islink(path) or not os.path.isfile(path) or name not in listed:
                raise UserError(f"{path}: exists and is not a Recording animator saved here; "
                                f"give a new folder or move the file")

    def has(self, sweep, task):
        """Whether the folder holds ``task``'s Recording, written by animator for exactly this run."""
        path = self.path(sweep, task.cell)
        return os.path.isfile(path) and self._listed().get(os.path.basename(path)) == run_key(task)

    def _mark(self, name, key):
        listed = self._listed()
        listed[name] = key
        text = "\n".join([self.HEADER, *(f"{k} {n}" for n, k in sorted(listed.items()))]) + "\n"
        with atomic_output(os.path.join(self.directory, self.MARKER)) as temporary:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)

    def save(self, sweep, task, recording, *, what):
        """Write ``recording`` (a Recording file's bytes) for ``task`` once it reads back as one."""
        from .recording import Recording

        path = self.path(sweep, task.cell)
        name = os.path.basename(path)
        os.makedirs(self.directory, exist_ok=True)
        if os.path.lexists(path) and (os.path.islink(path) or name not in self._listed()):
            raise UserError(f"{path}: exists and is not a Recording animator saved here; "
                            f"give a new folder or move the file")
        with atomic_output(path) as temporary:
            with open(temporary, "wb") as handle:
                handle.write(recording)
            try:
                Recording.load(temporary)
            except UserError as error:
                raise Untrusted(f"{what}: its Recording does not read back "
                                f"({str(error).replace(temporary, 'the file')})") from None
            self._mark(name, self.PENDING)       # ours from now on, but no run's until it is in place
        self._mark(name, run_key(task))


def recording_bytes(recording):
    """A Recording's file (:meth:`~animator.recording.Recording.save`) as bytes."""
    with tempfile.TemporaryDirectory(prefix="animator-") as folder:
        path = os.path.join(folder, "run.npz")
        recording.save(path)
        with open_input(path) as handle:
            return handle.read()
