"""A training run as plain numpy arrays plus a JSON run spec, saved as one ``.npz``.

A Recording is what the renderers draw from; it can be saved, loaded and
re-rendered without retraining.  ``arrays`` holds:

* ``X`` (n, 2) float32 and ``y`` (n,) int64: the data;
* per epoch: ``epoch`` (0, 1, 2, ...), ``loss``, ``accuracy``, ``learning_rate``;
* per Dense layer ``i`` from 1, at the epochs ``param_epochs``: ``dense{i}.weights``,
  ``.biases``, ``.weight_updates``, ``.bias_updates`` and the optimizer's state
  arrays (``.weight_momentums``, ``.bias_cache``, ...), see :mod:`animator.trainer`.
  By default those epochs are the frames' (and the last one recorded); with
  ``RunConfig(record="all")`` they are every epoch;
* ``param_peaks`` (layers,) float32: each layer's largest ``|weight|`` or
  ``|bias|`` over every recorded epoch (the scale of its weight bar);
* per frame: ``frame_epochs`` and ``grid_probs`` (frames, rows, cols, classes)
  uint8, the predicted class probabilities times 255 on the grid whose
  ``grid_extent`` is ``(xmin, xmax, ymin, ymax)``; row 0 is the top.  The file
  stores it as ``grid_planes`` (frames, classes, rows, cols): one smooth image
  per class compresses to about 60% of the interleaved pixels.

``spec`` is a :class:`~animator.run_spec.RunSpec`: the config, dataset,
architecture, optimizer and every hyper-parameter, package versions, and
``status`` (epochs recorded, ``diverged_at`` and its cause, ``interrupted``);
the file holds its JSON (:meth:`RunSpec.to_json`).

Loading trusts nothing in the file: every member's ``.npy`` header is read and
checked against the shapes and types the spec implies, and against a memory
budget, before any array is inflated.  Format 1 files (every epoch's arrays, no
``param_epochs``) still load.
"""

import base64
import math
import os
import re
import warnings
import zipfile
import zlib
from dataclasses import replace

import numpy as np

from .errors import UserError
from .fileio import write_npz
from .optimizers import state_slot_names
from .run_spec import FORMAT, FORMAT_VERSION, MAX_SPEC_BYTES, RunSpec, SpecError
from .plain import plain
from .untrusted import open_input

_SPEC_KEY = "spec"
_DISPLAYS = []            # what draws a Recording's picture in a notebook; see register_display
_PLANES = "grid_planes"   # how format 2 files store grid_probs
_SCALARS = {"epoch": np.int64, "loss": np.float32, "accuracy": np.float64, "learning_rate": np.float64}
_LAYER_ARRAY = re.compile(r"dense([1-9][0-9]*)\.(weight|bias)_(\w+)$")   # an optimizer's state: dense1.weight_cache


class Recording:
    """Arrays and spec of one run; see the module docstring for the names."""

    def __init__(self, spec, arrays):
        self.spec = spec if isinstance(spec, RunSpec) else RunSpec.from_json(plain(spec))
        self.arrays = arrays

    # -- convenient views ---------------------------------------------------------
    def __getitem__(self, name):
        return self.arrays[name]

    @property
    def epochs(self):
        return self.arrays["epoch"]

    @property
    def loss(self):
        return self.arrays["loss"]

    @property
    def accuracy(self):
        return self.arrays["accuracy"]

    @property
    def learning_rate(self):
        return self.arrays["learning_rate"]

    @property
    def X(self):
        return self.arrays["X"]

    @property
    def y(self):
        return self.arrays["y"]

    @property
    def frame_epochs(self):
        return self.arrays["frame_epochs"]

    @property
    def grid_probs(self):
        return self.arrays["grid_probs"]

    @property
    def grid_extent(self):
        return self.arrays["grid_extent"]

    @property
    def n_layers(self):
        return len(self.spec.architecture.layers)

    @property
    def n_classes(self):
        return self.spec.architecture.classes

    @property
    def status(self):
        return self.spec.status

    @property
    def diverged_at(self):
        return self.status.diverged_at

    @property
    def interrupted(self):
        return self.status.interrupted

    @property
    def param_epochs(self):
        """The epochs at which the layers' arrays were kept (every epoch in a format 1 file)."""
        return self.arrays["param_epochs"]

    def layer(self, index):
        """``{name: array}`` for Dense layer ``index`` (1-based), names without the prefix.

        Row ``r`` of each array belongs to epoch ``param_epochs[r]``; see :meth:`param_row`.
        """
        prefix = f"dense{index}."
        found = {k[len(prefix):]: v for k, v in self.arrays.items() if k.startswith(prefix)}
        if not found:
            raise IndexError(f"no Dense layer {index} (the network has {self.n_layers})")
        return found

    def param_row(self, epoch):
        """The position of ``epoch`` in the layers' arrays (:meth:`layer`)."""
        return _position(self.param_epochs, epoch, "has no layer arrays for epoch")

    def weight_peak(self, index):
        """Layer ``index``'s largest ``|weight|`` or ``|bias|`` over every recorded epoch."""
        return float(self.arrays["param_peaks"][index - 1])

    def row(self, epoch):
        """The position of ``epoch`` in the per-epoch arrays."""
        return _position(self.epochs, epoch, "does not have epoch")

    @property
    def nbytes(self):
        return sum(a.nbytes for a in self.arrays.values())

    def __repr__(self):
        state = ""
        if self.diverged_at is not None:
            state = f", diverged at epoch {self.diverged_at}"
        elif self.interrupted:
            state = ", interrupted"
        return (f"<Recording {self.spec.optimizer.name} on {self.spec.dataset.name}: "
                f"{len(self.epochs)} epochs, {len(self.frame_epochs)} frames, "
                f"layer arrays at {len(self.param_epochs)} epochs, "
                f"{self.nbytes / 1e6:.1f} MB{state}>")

    def _repr_html_(self):
        """In Jupyter: a few lines (optimizer and settings, epochs, final loss and accuracy, how it ended)
        and the last frame as an inline PNG.

        The frame comes from the display a drawing package registered
        (:func:`register_display`; importing :mod:`renderers` registers one), so the
        engine never imports a drawing library; without one, or for a run with no
        frame, the summary stands alone.
        """
        import html

        spec = self.spec
        settings = ", ".join(f"{key}={value}" for key, value in spec.optimizer.hyperparameters.items())
        if self.diverged_at is not None:
            ending = f"diverged at epoch {self.diverged_at}: {self.status.divergence_cause}"
        elif self.interrupted:
            ending = f"interrupted after epoch {int(self.epochs[-1]) if len(self.epochs) else 0}"
        else:
            ending = "finished"
        rows = [("optimizer", f"{spec.optimizer.name} ({settings})"),
                ("data", f"{spec.dataset.name}, {len(self.y)} points, {spec.mode} mode"
                         + (f", seed {spec.seed}" if spec.seed is not None else "")),
                ("epochs", f"{len(self.epochs):,} recorded of {spec.epochs + 1:,}, "
                           f"{len(self.frame_epochs)} frames")]
        if len(self.epochs):
            rows.append(("last epoch", f"{int(self.epochs[-1]):,}: loss {float(self.loss[-1]):.3f}, "
                                       f"accuracy {float(self.accuracy[-1]):.3f}, "
                                       f"lr {float(self.learning_rate[-1]):.4g}"))
        rows.append(("status", ending))
        table = "".join(f'<tr><th style="text-align:left;padding-right:1em">{html.escape(key)}</th>'
                        f'<td style="text-align:left">{html.escape(value)}</td></tr>' for key, value in rows)
        still = _DISPLAYS[-1](self) if _DISPLAYS and len(self.frame_epochs) else None
        picture = (f'<br><img alt="last frame" style="max-width:100%" '
                   f'src="data:image/png;base64,{base64.b64encode(still).decode("ascii")}"/>' if still else "")
        return f"<div><strong>Recording</strong><table>{table}</table>{picture}</div>"

    # -- files ----------------------------------------------------------------------
    def save(self, path):
        """Write one ``.npz`` (readable by ``np.load``), atomically and byte-for-byte reproducibly."""
        spec = np.array(self.spec.text())
        stored = {_PLANES if k == "grid_probs" else k: v for k, v in self.arrays.items()}
        stored[_PLANES] = np.ascontiguousarray(np.asarray(stored[_PLANES]).transpose(0, 3, 1, 2))
        write_npz(path, [(_SPEC_KEY, spec), *sorted(stored.items())], compresslevel=1)
        return path

    @classmethod
    def load(cls, path, *, max_bytes=None):
        """Read a file written by :meth:`save`; a bad or damaged file raises a one-line :class:`UserError`.

        Nothing is inflated before every member's header agrees with the spec
        and the arrays together fit in ``max_bytes`` (default: the memory a run
        may use, :func:`animator.run.memory_limit`).
        """
        name = os.fspath(path)
        if not os.path.exists(name):
            raise UserError(f"{name}: no such recording file")
        if os.path.isdir(name):
            raise UserError(f"{name}: is a directory, not a recording")
        open_input(name).close()         # a FIFO or a device is refused here, before any read could block
        if not zipfile.is_zipfile(name):
            raise UserError(f"{name}: not a readable .npz recording (not a zip archive)")
        if max_bytes is None:
            from .run import memory_limit

            max_bytes = memory_limit()
        try:
            with zipfile.ZipFile(name) as archive:
                spec, arrays = _read(archive, max_bytes)
        except _Damaged as error:
            raise UserError(f"{name}: {error}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError) as error:
            raise UserError(f"{name}: not a readable .npz recording ({_short(error)})") from None
        return cls(spec, arrays)


def register_display(still):
    """Show ``still(recording)`` (PNG bytes, or None) under a Recording's summary in a notebook.

    A drawing package registers it when imported (:mod:`renderers` does); the
    engine itself never imports one.  The last registered wins.
    """
    _DISPLAYS.append(still)
    return still


class _Damaged(Exception):
    """What is wrong with a recording file, said in a few words."""


def _position(epochs, epoch, missing):
    index = int(np.searchsorted(epochs, epoch))
    if index >= len(epochs) or epochs[index] != epoch:
        raise KeyError(f"this recording {missing} {epoch}")
    return index


def _short(error):
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# -- reading without trusting the file ------------------------------------------------------

def _read(archive, max_bytes):
    """``(spec, arrays)`` from an open zip, every header checked before any array is inflated."""
    headers = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise _Damaged(f"unexpected member {info.filename!r} (an .npz holds only .npy arrays)")
        key = info.filename[:-4]
        if key in headers:
            raise _Damaged(f"the array {key!r} is in the file twice")
        if info.flag_bits & 0x1:
            raise _Damaged(f"the array {key!r} is encrypted")
        headers[key] = (info, *_header(archive, info, key))
    if _SPEC_KEY not in headers:
        raise _Damaged("not an animator recording (no run spec inside)")
    info, shape, dtype = headers[_SPEC_KEY]
    if dtype.kind != "U" or shape != () or info.file_size > MAX_SPEC_BYTES:
        raise _Damaged("not an animator recording (its run spec is not a short text)")
    try:
        spec = RunSpec.from_text(str(_inflate(archive, info)[()]))
    except SpecError as error:
        raise _Damaged(str(error)) from None
    version = spec.format_version

    expected = _expected(spec, headers)
    for key in headers:
        if key != _SPEC_KEY and key not in expected:
            raise _Damaged(f"unexpected array {key!r} in the recording")
    for key, (shape, dtype) in expected.items():
        if key not in headers:
            raise _Damaged(f"recording is missing the array {key!r}")
        _, found_shape, found_dtype = headers[key]
        if found_dtype != dtype:
            raise _Damaged(f"the array {key!r} is {found_dtype}, expected {np.dtype(dtype)}")
        if found_shape != shape:
            raise _Damaged(f"the array {key!r} has shape {found_shape}, expected {shape} from the run spec")
    total = sum(info.file_size for info, _, _ in headers.values())
    if total > max_bytes:
        raise _Damaged(f"its arrays would take {total / (1 << 30):.1f} GiB of memory, more than the "
                       f"{max_bytes / (1 << 30):.1f} GiB allowed")

    arrays = {key: _inflate(archive, headers[key][0]) for key in expected}
    _check_values(spec, arrays)
    if _PLANES in arrays:
        arrays["grid_probs"] = np.ascontiguousarray(arrays.pop(_PLANES).transpose(0, 2, 3, 1))
    if version == 1:
        arrays["param_epochs"] = arrays["epoch"].copy()
        arrays["param_peaks"] = _peaks(arrays, len(spec.architecture.hidden) + 1)
        spec = replace(spec, format_version=FORMAT_VERSION)   # in memory it is now a format 2 recording
    return spec, arrays


def _header(archive, info, key):
    """``(shape, dtype)`` from a member's ``.npy`` header, checked against its declared size."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _Damaged(f"the array {key!r} is compressed with an unsupported method ({info.compress_type})")
    with archive.open(info) as stream:
        try:
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except (ValueError, SyntaxError, TypeError) as error:
            raise _Damaged(f"the array {key!r} has no valid .npy header ({_short(error)})") from None
        header_bytes = stream.tell()
    if dtype.hasobject:
        raise _Damaged(f"the array {key!r} holds Python objects (pickles), which a recording never does")
    if fortran:
        raise _Damaged(f"the array {key!r} is in Fortran order, which a recording never is")
    size = header_bytes + math.prod(shape) * dtype.itemsize
    if info.file_size != size:
        raise _Damaged(f"the array {key!r} declares {info.file_size} bytes but its header "
                       f"{shape} {dtype} makes {size}")
    return shape, dtype


def _inflate(archive, info):
    with archive.open(info) as stream:
        return np.lib.format.read_array(stream, allow_pickle=False)


def _expected(spec, headers):
    """``{key: (shape, dtype)}`` of every array the spec implies; frame and kept-epoch counts come
    from the 1-D headers of ``frame_epochs`` and ``param_epochs``."""
    arch = spec.architecture
    n, classes, epochs = spec.dataset.samples, arch.classes, spec.status.epochs_recorded
    resolution = spec.config.grid_resolution

    def length(key):
        if key not in headers:
            raise _Damaged(f"recording is missing the array {key!r}")
        shape = headers[key][1]
        if len(shape) != 1:
            raise _Damaged(f"the array {key!r} has shape {shape}, expected one dimension")
        return shape[0]

    frames = length("frame_epochs")
    kept = epochs if spec.format_version == 1 else length("param_epochs")
    sizes = [arch.inputs, *arch.hidden, classes]
    expected = {"X": ((n, 2), np.float32), "y": ((n,), np.int64),
                **{key: ((epochs,), dtype) for key, dtype in _SCALARS.items()},
                "frame_epochs": ((frames,), np.int64), "grid_extent": ((4,), np.float64)}
    if spec.format_version == 1:
        expected["grid_probs"] = ((frames, resolution, resolution, classes), np.uint8)
    else:
        expected[_PLANES] = ((frames, classes, resolution, resolution), np.uint8)
        expected["param_epochs"] = ((kept,), np.int64)
        expected["param_peaks"] = ((len(sizes) - 1,), np.float32)
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        for name in ("weights", "biases", "weight_updates", "bias_updates"):
            expected[f"dense{i}.{name}"] = ((kept, a if name.startswith("weight") else 1, b), np.float32)
    for key in headers:   # the optimizer's state arrays, whichever it has
        match = _LAYER_ARRAY.match(key)
        if match and key not in expected and match[3] in state_slot_names():
            i = int(match[1])
            if i < len(sizes):
                rows = sizes[i - 1] if match[2] == "weight" else 1
                expected[key] = ((kept, rows, sizes[i]), np.float32)
    return {key: (tuple(shape), np.dtype(dtype)) for key, (shape, dtype) in expected.items()}


def _check_values(spec, arrays):
    """What headers cannot show: epochs in order, kept and frame epochs among them, finite data and extent."""
    epochs, status = arrays["epoch"], spec.status
    if not len(epochs) and status.diverged_at != 0 and not status.interrupted:
        raise _Damaged("recording has no epochs, but its run neither diverged nor was interrupted")
    if not np.array_equal(epochs, np.arange(len(epochs))):
        raise _Damaged("its epochs are not 0, 1, 2, ... in order")
    last = len(epochs) - 1
    kept = arrays.get("param_epochs")
    if kept is not None:
        if len(kept) if not len(epochs) else (not len(kept) or kept[-1] != last):
            raise _Damaged("its layer arrays do not include the last recorded epoch")
        if len(kept) and (kept[0] < 0 or (np.diff(kept) <= 0).any()):
            raise _Damaged("its param_epochs are not increasing epochs of the run")
    frames = arrays["frame_epochs"]
    if len(frames) and ((np.diff(frames) < 0).any() or frames[0] < 0 or frames[-1] > last):
        raise _Damaged("its frame_epochs are not epochs of the run in order")
    if kept is not None and not np.isin(frames, kept).all():
        raise _Damaged("some frame_epochs have no layer arrays")
    extent = arrays["grid_extent"]
    if not np.isfinite(extent).all() or not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise _Damaged(f"its grid_extent {extent.tolist()} is not a finite box")
    if not np.isfinite(arrays["X"]).all():
        raise _Damaged("its data points X are not all finite")
    y = arrays["y"]
    if len(y) and (y.min() < 0 or y.max() >= spec.architecture.classes):
        raise _Damaged(f"its labels y are not all in 0..{spec.architecture.classes - 1}")
    peaks = arrays.get("param_peaks")
    if peaks is not None and not (peaks >= 0).all():
        raise _Damaged("its param_peaks are not all 0 or more")


def _peaks(arrays, layers):
    """Each layer's largest ``|weight|`` or ``|bias|`` over all rows, NaN ignored (format 1 files)."""
    out = np.zeros(layers, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for i in range(1, layers + 1):
            both = np.concatenate([arrays[f"dense{i}.weights"], arrays[f"dense{i}.biases"]], axis=-2)
            if both.size:
                out[i - 1] = np.nanmax(np.abs(both))
    return out
