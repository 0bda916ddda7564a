"""A sweep run's summary as bytes: what a worker sends back and what a :class:`~animator.sweep_store.RunStore` keeps.

One ``.npz`` of plain arrays and JSON, never a pickle (:func:`summary_bytes`),
so a Dask worker cannot run code on the machine that collects the runs; the
same bytes are the resume folder's files.  :func:`read_summary` trusts
nothing: sizes are bounded before anything is inflated, the arrays must have
the shapes this run makes, the settings must be this run's in full
(:func:`settings`, hashed into :func:`run_key`), the numbers must agree with
the arrays and the arrays with their content hash.
"""

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

from .fileio import write_npz_to
from .plain import plain
from .untrusted import Untrusted, load_json, npy_header, open_input
from .versions import run_versions

FORMAT = 2
META_BYTES = 64 << 10             # a run's settings and numbers: a few kilobytes
SLACK = 1 << 20                   # zip and .npy headers around a run's arrays
_NUMBERS = ("final_loss", "final_accuracy", "best_accuracy", "seconds")       # floats, NaN allowed: an array
_COUNTS = ("best_epoch", "diverged_at", "last_epoch")                          # whole numbers or null
_META_KEYS = {"format", "cell", "optimizer", "settings", "content", "divergence_cause", "versions", *_COUNTS}


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


def summary_shapes(task, classes):
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
    write_npz_to(buffer, members, compresslevel=1)
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
    expected = summary_shapes(task, classes)
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
        shape, fortran, dtype = npy_header(stream)
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
    from .sweep_runs import RunSummary

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


def recording_bytes(recording):
    """A Recording's file (:meth:`~animator.recording.Recording.save`) as bytes."""
    with tempfile.TemporaryDirectory(prefix="animator-") as folder:
        path = os.path.join(folder, "run.npz")
        recording.save(path)
        with open_input(path) as handle:
            return handle.read()
