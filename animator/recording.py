"""A training run as plain numpy arrays plus a JSON run spec, saved as one ``.npz``.

A Recording is what the renderers draw from; it can be saved, loaded and
re-rendered without retraining.  ``arrays`` holds:

* ``X`` (n, 2) float32 and ``y`` (n,) int64: the data;
* per epoch: ``epoch``, ``loss``, ``accuracy``, ``learning_rate``;
* per Dense layer ``i`` from 1 and per epoch: ``dense{i}.weights``, ``.biases``,
  ``.weight_updates``, ``.bias_updates`` and the optimizer's state arrays
  (``.weight_momentums``, ``.bias_cache``, ...), see :mod:`animator.trainer`;
* per frame: ``frame_epochs`` and ``grid_probs`` (frames, rows, cols, classes)
  uint8, the predicted class probabilities times 255 on the grid whose
  ``grid_extent`` is ``(xmin, xmax, ymin, ymax)``; row 0 is the top.

``spec`` is a dict: dataset, architecture, optimizer and every hyper-parameter,
epochs, seed and mode, frame and grid settings, package versions, and
``status`` (epochs recorded, ``diverged_at`` and its cause, ``interrupted``).
"""

import io
import json
import os
import zipfile

import numpy as np

from .errors import UserError
from .fileio import atomic_output

FORMAT = "animator-recording"
FORMAT_VERSION = 1
_SPEC_KEY = "spec"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same run gives the same bytes


class Recording:
    """Arrays and spec of one run; see the module docstring for the names."""

    def __init__(self, spec, arrays):
        self.spec = spec
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
        return len(self.spec["architecture"]["layers"])

    @property
    def n_classes(self):
        return int(self.spec["architecture"]["classes"])

    @property
    def status(self):
        return self.spec["status"]

    @property
    def diverged_at(self):
        return self.status["diverged_at"]

    @property
    def interrupted(self):
        return self.status["interrupted"]

    def layer(self, index):
        """``{name: per-epoch array}`` for Dense layer ``index`` (1-based), names without the prefix."""
        prefix = f"dense{index}."
        found = {k[len(prefix):]: v for k, v in self.arrays.items() if k.startswith(prefix)}
        if not found:
            raise IndexError(f"no Dense layer {index} (the network has {self.n_layers})")
        return found

    def row(self, epoch):
        """The position of ``epoch`` in the per-epoch arrays."""
        index = int(np.searchsorted(self.epochs, epoch))
        if index >= len(self.epochs) or self.epochs[index] != epoch:
            raise KeyError(f"epoch {epoch} is not in this recording")
        return index

    @property
    def nbytes(self):
        return sum(a.nbytes for a in self.arrays.values())

    def __repr__(self):
        opt = self.spec["optimizer"]
        state = ""
        if self.diverged_at is not None:
            state = f", diverged at epoch {self.diverged_at}"
        elif self.interrupted:
            state = ", interrupted"
        return (f"<Recording {opt['name']} on {self.spec['dataset']['name']}: "
                f"{len(self.epochs)} epochs, {len(self.frame_epochs)} frames, "
                f"{self.nbytes / 1e6:.1f} MB{state}>")

    # -- files ----------------------------------------------------------------------
    def save(self, path):
        """Write one ``.npz`` (readable by ``np.load``), atomically and byte-for-byte reproducibly."""
        with atomic_output(path) as temporary:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                spec = np.array(json.dumps(self.spec, sort_keys=True))
                for name, array in [(_SPEC_KEY, spec), *sorted(self.arrays.items())]:
                    buffer = io.BytesIO()
                    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
                    info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, buffer.getvalue(), compresslevel=1)
        return path

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save`; bad files raise :class:`UserError`."""
        name = os.fspath(path)
        if not os.path.exists(name):
            raise UserError(f"{name}: no such recording file")
        if not zipfile.is_zipfile(name):
            raise UserError(f"{name}: not a readable .npz recording (not a zip archive)")
        try:
            with np.load(name, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise UserError(f"{name}: not a readable .npz recording ({_short(error)})") from None
        try:
            spec = json.loads(str(arrays.pop(_SPEC_KEY)[()]))
            ok = spec.get("format") == FORMAT
        except (KeyError, ValueError, AttributeError):
            ok = False
        if not ok:
            raise UserError(f"{name}: not an animator recording (no run spec inside)")
        if spec.get("format_version", 0) > FORMAT_VERSION:
            raise UserError(f"{name}: recording format {spec['format_version']} is newer than this "
                            f"animator understands ({FORMAT_VERSION}); upgrade animator")
        missing = [k for k in ("X", "y", "epoch", "loss", "accuracy", "learning_rate",
                               "frame_epochs", "grid_probs", "grid_extent") if k not in arrays]
        if missing:
            raise UserError(f"{name}: recording is missing the array {missing[0]!r}")
        return cls(spec, arrays)


def _short(error):
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
