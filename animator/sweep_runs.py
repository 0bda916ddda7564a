"""One run of a sweep: the :class:`Task` sent to wherever it trains, and the :class:`RunSummary` it sends back.

Every cell is one solo run (:func:`animator.run.train`'s data, initial weights
and arithmetic), so the process it trains in cannot change a bit of its
result.  What comes back is a summary, not the Recording: the table's numbers
and the loss, accuracy and decision grid at the sweep's frame epochs, as plain
bytes read back as data (:func:`run_packed`).
"""

import math
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .optimizers import OptimizerSpec
from .run import RunConfig, build, make_recording, planned_frames, versions
from .trainer import Trainer


@dataclass
class RunSummary:
    """What one run sends back: its numbers, and what the pictures draw at the sweep's frame epochs.

    ``final_loss`` and ``final_accuracy`` are those of the last epoch recorded
    (the last finite one, for a run that diverged at ``diverged_at``); ``nan``
    if not even epoch 0 was finite.  ``frame_epochs`` are the sweep's, clamped
    to the last epoch recorded; ``grid_probs`` (frames, rows, cols, classes)
    uint8 are the decision grids there, as in a Recording.
    """

    cell: tuple
    optimizer: dict          # {"name": ..., "hyperparameters": {...}}: a plain value, it travels between processes
    final_loss: float
    final_accuracy: float
    best_accuracy: float
    best_epoch: Optional[int]
    diverged_at: Optional[int]
    divergence_cause: Optional[str]
    last_epoch: int
    seconds: float
    frame_epochs: np.ndarray
    frame_loss: np.ndarray
    frame_accuracy: np.ndarray
    grid_probs: np.ndarray
    versions: dict = field(default_factory=dict)

    @property
    def spec(self):
        """The run's optimizer as an :class:`OptimizerSpec`."""
        return OptimizerSpec.of(self.optimizer)

    @property
    def diverged(self):
        return self.diverged_at is not None

    def __repr__(self):
        end = f"diverged at epoch {self.diverged_at}" if self.diverged else \
            f"loss {self.final_loss:.3f}, accuracy {self.final_accuracy:.3f}"
        return f"<RunSummary {self.cell} {self.spec!r}: {end}, {self.seconds:.2f} s>"


@dataclass(frozen=True)
class Task:
    """One run to make: its cell and config, the CSV's points if any, and whether to send the Recording back."""

    cell: tuple
    config: RunConfig
    data: Optional[tuple] = None
    keep_recording: bool = False


@dataclass
class Outcome:
    summary: RunSummary
    recording: object = None       # the whole Recording, only when the task asked for it


def summarize(cell, recording, seconds):
    """The :class:`RunSummary` of a Recording drawn at the sweep's frames."""
    loss, accuracy, epochs = recording.loss, recording.accuracy, recording.epochs
    status = recording.status
    if len(epochs):
        best = int(np.argmax(accuracy))
        numbers = (float(loss[-1]), float(accuracy[-1]), float(accuracy[best]), int(epochs[best]))
    else:
        numbers = (math.nan, math.nan, math.nan, None)
    frames = np.asarray(recording.frame_epochs, dtype=np.int64)
    rows = np.searchsorted(epochs, frames)
    return RunSummary(cell=tuple(int(i) for i in cell), optimizer=recording.spec.optimizer.as_dict(),
                      final_loss=numbers[0], final_accuracy=numbers[1], best_accuracy=numbers[2],
                      best_epoch=numbers[3], diverged_at=status.diverged_at,
                      divergence_cause=status.divergence_cause, last_epoch=int(len(epochs)) - 1,
                      seconds=float(seconds), frame_epochs=frames,
                      frame_loss=np.asarray(loss[rows], dtype=np.float32),
                      frame_accuracy=np.asarray(accuracy[rows], dtype=np.float64),
                      grid_probs=np.asarray(recording.grid_probs), versions=versions())


def run_one(task, *, on_epoch=None):
    """Train ``task``'s run and return its :class:`Outcome`; the same bits in any process.

    Ctrl-C while training (in this process) raises ``KeyboardInterrupt``: an
    interrupted run is not a result.
    """
    started = time.perf_counter()
    config = task.config
    X, y, network, optimizer = build(config, data=task.data)
    frames = planned_frames(config)
    result = Trainer(network, optimizer, X, y).run(config.epochs, on_epoch=on_epoch, keep=frames)
    if result.interrupted:
        raise KeyboardInterrupt
    recording = make_recording(config, X, y, network, optimizer, result, frames=frames)
    summary = summarize(task.cell, recording, time.perf_counter() - started)
    return Outcome(summary, recording if task.keep_recording else None)


def run_packed(task, *, on_epoch=None):
    """:func:`run_one`, sent back as bytes (:func:`animator.summary_bytes.summary_bytes`): what every executor returns.

    Plain arrays and JSON, never a pickle: the machine collecting the runs
    reads them as data (:func:`animator.summary_bytes.read_summary`), whoever
    trained them.
    """
    from .summary_bytes import recording_bytes, summary_bytes

    outcome = run_one(task, on_epoch=on_epoch)
    recording = recording_bytes(outcome.recording) if outcome.recording is not None else None
    return summary_bytes(task, outcome.summary, recording)
