"""Where a sweep keeps what it finished: run summaries (so an interrupted sweep resumes) and, if asked, Recordings.

A :class:`RunStore` is a folder of ``run-KEY.npz`` files, one per finished run,
each written atomically as the run arrives (the folder is made with the first).  ``KEY`` is a hash of everything
that decides the run's numbers (its whole :class:`~animator.run.RunConfig`,
the CSV's points, the animator and numpy versions), so a later sweep takes a
stored run only if it would have trained exactly that run, and a changed
setting simply trains anew.  Nothing in the folder is ever deleted; files that
are not ours, or that do not read back, are ignored.

A :class:`RecordingFolder` holds whole Recordings (``run_sweep(save_runs=...)``), one per
cell, named by the settings: ``sgd_lr=0.1_momentum=0.9.npz``.
"""

import contextlib
import hashlib
import json
import logging
import os
import zipfile
from dataclasses import asdict

import numpy as np

from .errors import UserError
from .fileio import atomic_output, check_writable
from .optimizers import OptimizerSpec
from .sweep import RunSummary

log = logging.getLogger(__name__)

FORMAT = 1
_ARRAYS = ("frame_epochs", "frame_loss", "frame_accuracy", "grid_probs")
_NUMBERS = ("final_loss", "final_accuracy", "best_accuracy", "best_epoch", "diverged_at", "divergence_cause",
            "last_epoch", "seconds", "versions")


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


def run_key(task):
    """A hash of everything that decides ``task``'s result."""
    from . import __version__

    config = asdict(task.config)
    config["hidden"] = list(config["hidden"])
    described = {"format": FORMAT, "config": config, "animator": __version__, "numpy": np.__version__}
    if task.data is not None:
        X, y = task.data
        described["data"] = hashlib.sha256(np.ascontiguousarray(X).tobytes()
                                           + np.ascontiguousarray(y).tobytes()).hexdigest()
    text = json.dumps(described, sort_keys=True, default=float)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


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
        meta = {name: getattr(summary, name) for name in _NUMBERS}
        meta.update(format=FORMAT, cell=list(summary.cell), optimizer=summary.optimizer)
        os.makedirs(self.directory, exist_ok=True)
        with atomic_output(self.path(task)) as temporary:
            with open(temporary, "wb") as handle:
                np.savez_compressed(handle, meta=np.array(json.dumps(meta, sort_keys=True)),
                                    **{name: getattr(summary, name) for name in _ARRAYS})

    def load(self, task):
        """The stored :class:`RunSummary` of ``task``, or None if there is none that reads back whole."""
        path = self.path(task)
        if not os.path.isfile(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                meta = json.loads(str(stored["meta"]))
                arrays = {name: stored[name] for name in _ARRAYS}
            if meta.get("format") != FORMAT or tuple(meta["cell"]) != tuple(task.cell):
                return None
            return RunSummary(cell=tuple(meta["cell"]), optimizer=OptimizerSpec.of(meta["optimizer"]).as_dict(),
                              **{name: meta[name] for name in _NUMBERS}, **arrays)
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, EOFError) as error:
            log.info("ignoring %s: %s", path, error)
            return None

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
    """Whole Recordings of a sweep's runs, one file per cell."""

    def __init__(self, directory):
        self.directory = os.fspath(directory)

    def __repr__(self):
        return f"RecordingFolder({self.directory!r})"

    def prepare(self):
        _check_folder(self.directory, "the sweep's Recordings")
        return self

    def path(self, sweep, cell):
        return os.path.join(self.directory, recording_name(sweep.spec(cell), sweep.names))

    def has(self, sweep, cell):
        return os.path.isfile(self.path(sweep, cell))

    def save(self, sweep, cell, recording):
        os.makedirs(self.directory, exist_ok=True)
        recording.save(self.path(sweep, cell))
