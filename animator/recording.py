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
budget, before any array is inflated (:mod:`animator.recording_file`).  Format 1
files (every epoch's arrays, no ``param_epochs``) still load.
"""

import base64
import os
import zipfile
import zlib

import numpy as np

from .errors import UserError
from .fileio import write_npz
from .plain import plain
from .recording_file import PLANES, SPEC_KEY, Damaged, read_archive, short
from .run_spec import RunSpec
from .untrusted import open_input

LEVEL = 1       # zlib's level for a saved Recording's members: the grids are most of it, and compress well

_DISPLAYS = []            # what draws a Recording's picture in a notebook; see register_display


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
        stored = {PLANES if k == "grid_probs" else k: v for k, v in self.arrays.items()}
        stored[PLANES] = np.ascontiguousarray(np.asarray(stored[PLANES]).transpose(0, 3, 1, 2))
        write_npz(path, [(SPEC_KEY, spec), *sorted(stored.items())], compresslevel=LEVEL)
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
                spec, arrays = read_archive(archive, max_bytes)
        except Damaged as error:
            raise UserError(f"{name}: {error}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError) as error:
            raise UserError(f"{name}: not a readable .npz recording ({short(error)})") from None
        return cls(spec, arrays)


def register_display(still):
    """Show ``still(recording)`` (PNG bytes, or None) under a Recording's summary in a notebook.

    A drawing package registers it when imported (:mod:`renderers` does); the
    engine itself never imports one.  The last registered wins.
    """
    _DISPLAYS.append(still)
    return still


def _position(epochs, epoch, missing):
    index = int(np.searchsorted(epochs, epoch))
    if index >= len(epochs) or epochs[index] != epoch:
        raise KeyError(f"this recording {missing} {epoch}")
    return index
