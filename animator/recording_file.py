"""A Recording's ``.npz`` file read without trusting it: every header checked before any array is inflated.

The file holds the run spec's JSON text (``spec``) and one ``.npy`` member per
array; the decision grids are stored as ``grid_planes`` (frames, classes,
rows, cols).  :func:`read_archive` checks every member's header against the
shapes and types the spec implies and against a memory budget, then the
values headers cannot show; what is wrong is a :class:`Damaged` in a few
words.  Format 1 files (every epoch's arrays, no ``param_epochs``) still load.
"""

import math
import re
import warnings
import zipfile
from dataclasses import replace

import numpy as np

from .optimizers import state_slot_names
from .run_spec import MAX_SPEC_BYTES, TRAINED_FORMAT_VERSION, RunSpec, SpecError
from .untrusted import npy_header

SPEC_KEY = "spec"
PLANES = "grid_planes"    # how format 2 files store grid_probs
_SCALARS = {"epoch": np.int64, "loss": np.float32, "accuracy": np.float64, "learning_rate": np.float64}
_LAYER_ARRAY = re.compile(r"dense([1-9][0-9]*)\.(weight|bias)_(\w+)$")   # an optimizer's state: dense1.weight_cache


class Damaged(Exception):
    """What is wrong with a recording file, said in a few words."""


def short(error):
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def read_archive(archive, max_bytes):
    """``(spec, arrays)`` from an open zip, every header checked before any array is inflated."""
    headers = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise Damaged(f"unexpected member {info.filename!r} (an .npz holds only .npy arrays)")
        key = info.filename[:-4]
        if key in headers:
            raise Damaged(f"the array {key!r} is in the file twice")
        if info.flag_bits & 0x1:
            raise Damaged(f"the array {key!r} is encrypted")
        headers[key] = (info, *_header(archive, info, key))
    if SPEC_KEY not in headers:
        raise Damaged("not an animator recording (no run spec inside)")
    info, shape, dtype = headers[SPEC_KEY]
    if dtype.kind != "U" or shape != () or info.file_size > MAX_SPEC_BYTES:
        raise Damaged("not an animator recording (its run spec is not a short text)")
    try:
        spec = RunSpec.from_text(str(_inflate(archive, info)[()]))
    except SpecError as error:
        raise Damaged(str(error)) from None
    version = spec.format_version

    expected = _expected(spec, headers)
    for key in headers:
        if key != SPEC_KEY and key not in expected:
            raise Damaged(f"unexpected array {key!r} in the recording")
    for key, (shape, dtype) in expected.items():
        if key not in headers:
            raise Damaged(f"recording is missing the array {key!r}")
        _, found_shape, found_dtype = headers[key]
        if found_dtype != dtype:
            raise Damaged(f"the array {key!r} is {found_dtype}, expected {np.dtype(dtype)}")
        if found_shape != shape:
            raise Damaged(f"the array {key!r} has shape {found_shape}, expected {shape} from the run spec")
    total = sum(info.file_size for info, _, _ in headers.values())
    if total > max_bytes:
        raise Damaged(f"its arrays would take {total / (1 << 30):.1f} GiB of memory, more than the "
                       f"{max_bytes / (1 << 30):.1f} GiB allowed")

    arrays = {key: _inflate(archive, headers[key][0]) for key in expected}
    _check_values(spec, arrays)
    if PLANES in arrays:
        arrays["grid_probs"] = np.ascontiguousarray(arrays.pop(PLANES).transpose(0, 2, 3, 1))
    if version == 1:
        arrays["param_epochs"] = arrays["epoch"].copy()
        arrays["param_peaks"] = _peaks(arrays, len(spec.architecture.hidden) + 1)
        spec = replace(spec, format_version=TRAINED_FORMAT_VERSION)   # in memory it is now a format 2 recording
    return spec, arrays


def _header(archive, info, key):
    """``(shape, dtype)`` from a member's ``.npy`` header, checked against its declared size."""
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Damaged(f"the array {key!r} is compressed with an unsupported method ({info.compress_type})")
    with archive.open(info) as stream:
        try:
            shape, fortran, dtype = npy_header(stream)
        except (ValueError, SyntaxError, TypeError) as error:
            raise Damaged(f"the array {key!r} has no valid .npy header ({short(error)})") from None
        header_bytes = stream.tell()
    if dtype.hasobject:
        raise Damaged(f"the array {key!r} holds Python objects (pickles), which a recording never does")
    if fortran:
        raise Damaged(f"the array {key!r} is in Fortran order, which a recording never is")
    size = header_bytes + math.prod(shape) * dtype.itemsize
    if info.file_size != size:
        raise Damaged(f"the array {key!r} declares {info.file_size} bytes but its header "
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
            raise Damaged(f"recording is missing the array {key!r}")
        shape = headers[key][1]
        if len(shape) != 1:
            raise Damaged(f"the array {key!r} has shape {shape}, expected one dimension")
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
        expected[PLANES] = ((frames, classes, resolution, resolution), np.uint8)
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
        raise Damaged("recording has no epochs, but its run neither diverged nor was interrupted")
    if not np.array_equal(epochs, np.arange(len(epochs))):
        raise Damaged("its epochs are not 0, 1, 2, ... in order")
    last = len(epochs) - 1
    kept = arrays.get("param_epochs")
    if kept is not None:
        if len(kept) if not len(epochs) else (not len(kept) or kept[-1] != last):
            raise Damaged("its layer arrays do not include the last recorded epoch")
        if len(kept) and (kept[0] < 0 or (np.diff(kept) <= 0).any()):
            raise Damaged("its param_epochs are not increasing epochs of the run")
    frames = arrays["frame_epochs"]
    if len(frames) and ((np.diff(frames) < 0).any() or frames[0] < 0 or frames[-1] > last):
        raise Damaged("its frame_epochs are not epochs of the run in order")
    if kept is not None and not np.isin(frames, kept).all():
        raise Damaged("some frame_epochs have no layer arrays")
    extent = arrays["grid_extent"]
    if not np.isfinite(extent).all() or not (extent[0] < extent[1] and extent[2] < extent[3]):
        raise Damaged(f"its grid_extent {extent.tolist()} is not a finite box")
    if not np.isfinite(arrays["X"]).all():
        raise Damaged("its data points X are not all finite")
    y = arrays["y"]
    if len(y) and (y.min() < 0 or y.max() >= spec.architecture.classes):
        raise Damaged(f"its labels y are not all in 0..{spec.architecture.classes - 1}")
    peaks = arrays.get("param_peaks")
    if peaks is not None and not (peaks >= 0).all():
        raise Damaged("its param_peaks are not all 0 or more")


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
